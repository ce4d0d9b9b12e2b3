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

    public static Builder builder() {
        return new Builder();
    }

    /** The underlying encoder (for embedQuery / embedPassage, the model card, attention maps). */
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

        /** A catalogue name ({@link ModelCatalog#entries()}); default {@value ModelCatalog#DEFAULT}. */
        public Builder model(String name) {
            this.name = name;
            this.dir = null;
            return this;
        }

        /** A model directory (model.onnx, tokenizer.json, optional heed-model.json) instead of a name. */
        public Builder modelDirectory(Path dir) {
            this.dir = dir;
            return this;
        }

        /** Worker threads (default: all processors). */
        public Builder threads(int n) {
            this.threads = n;
            return this;
        }

        /** Texts per model run in embedAll (default 32). */
        public Builder batchSize(int n) {
            this.batchSize = n;
            return this;
        }

        /**
         * Where models are unpacked for memory-mapping (default: a new temporary directory per {@link #build()}; set
         * one to reuse the unpacked copy across runs).
         */
        public Builder cacheDir(Path dir) {
            this.cacheDir = dir;
            return this;
        }

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
