package dev.heed.langchain4j;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionOptions;
import dev.heed.text.ModelCatalog;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A langchain4j {@link EmbeddingModel} on a Heed {@link TextEncoder}: pure Java, no native library. Switching from
 * langchain4j's in-process model is one line:
 * <pre>{@code
 * EmbeddingModel model = new AllMiniLmL6V2EmbeddingModel();                              // before
 * EmbeddingModel model = HeedEmbeddingModel.builder().model("all-minilm-l6-v2").build(); // after
 * }</pre>
 * {@link #embedAll} really batches (padded batches of {@code batchSize} texts, one model run each; dynamically
 * quantised models run one text per run, see {@link TextEncoder}). Segments are embedded as they are, like
 * langchain4j's own models (no query / passage prefix; use {@link #encoder()} for {@code embedQuery}). Close it to
 * release the memory-mapped model and the worker threads.
 */
public final class HeedEmbeddingModel implements EmbeddingModel, AutoCloseable {
    private final TextEncoder encoder;

    private HeedEmbeddingModel(TextEncoder encoder) {
        this.encoder = encoder;
    }

    /** {@return a builder for the default catalogue model with all processors and batches of 32} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the underlying encoder (for embedQuery / embedPassage, the model card, attention maps); closed with this model} */
    public TextEncoder encoder() {
        return encoder;
    }

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        if (segments == null) throw HeedException.invalid("HeedEmbeddingModel.embedAll", "segments is null");
        List<String> texts = new ArrayList<>(segments.size());
        for (TextSegment s : segments) texts.add(s.text());
        List<Embedding> out = new ArrayList<>(texts.size());
        for (float[] v : encoder.embedAll(texts)) out.add(Embedding.from(v));
        return Response.from(out);
    }

    @Override
    public int dimension() {
        return encoder.embed("dimension").length;
    }

    @Override
    public void close() {
        encoder.close();
    }

    /** Builder: a catalogue name or a model directory, threads, batch size, cache directory. */
    public static final class Builder {
        private String name = ModelCatalog.DEFAULT;
        private Path dir;
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private int batchSize = TextEncoderOptions.DEFAULT_BATCH_SIZE;
        private Path cacheDir;   // null: a fresh temporary directory per build()

        private Builder() {}

        /**
         * Uses a model of the catalogue, replacing any model directory set before.
         *
         * @param name a catalogue name ({@link ModelCatalog#entries()}); default {@value ModelCatalog#DEFAULT}
         * @return this builder
         */
        public Builder model(String name) {
            this.name = name;
            this.dir = null;
            return this;
        }

        /**
         * Uses a model directory (model.onnx, tokenizer.json, optional heed-model.json) instead of a catalogue name.
         *
         * @param dir the directory
         * @return this builder
         */
        public Builder modelDirectory(Path dir) {
            this.dir = dir;
            return this;
        }

        /**
         * Sets the worker threads (default: all processors).
         *
         * @param n threads, ≥ 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder threads(int n) {
            this.threads = n;
            return this;
        }

        /**
         * Sets the texts per model run in embedAll (default 32).
         *
         * @param n texts per run, ≥ 1 (checked by {@link #build()})
         * @return this builder
         */
        public Builder batchSize(int n) {
            this.batchSize = n;
            return this;
        }

        /**
         * Where models are unpacked for memory-mapping (default: a new temporary directory per {@link #build()}; set
         * one to reuse the unpacked copy across runs).
         *
         * @param dir the cache directory (created if missing), or null for a temporary one
         * @return this builder
         */
        public Builder cacheDir(Path dir) {
            this.cacheDir = dir;
            return this;
        }

        /**
         * Opens the model.
         *
         * @return the embedding model; close it to stop its threads
         * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for a thread count or batch size below 1, {@link dev.heed.ErrorCode#IO}
         *                       when the cache or model directory cannot be used, and as {@link TextEncoder#open(Path, TextEncoderOptions)}
         *                       or {@link ModelCatalog#open} for the model itself
         */
        public HeedEmbeddingModel build() {
            Path cache = cacheDir;
            if (cache == null) {
                try {
                    cache = java.nio.file.Files.createTempDirectory("heed-cache");
                } catch (java.io.IOException e) {
                    throw new HeedException(dev.heed.ErrorCode.IO, "HeedEmbeddingModel: cannot create a temporary cache directory ("
                            + e.getMessage() + "); set one with cacheDir(...)", e);
                }
            }
            TextEncoderOptions o = TextEncoderOptions.defaults(cache).withBatchSize(batchSize)
                    .withExecution(ExecutionOptions.defaults().withThreads(threads));
            return new HeedEmbeddingModel(dir != null ? TextEncoder.open(dir, o) : ModelCatalog.open(name, o));
        }
    }
}
