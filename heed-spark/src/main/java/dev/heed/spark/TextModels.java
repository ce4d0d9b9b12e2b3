package dev.heed.spark;

import dev.heed.exec.ExecutionOptions;
import dev.heed.text.ModelCatalog;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.io.Serial;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Optional;

/** Opening a text encoder on an executor: a built-in name or a model directory, keyed by location and checksum. */
final class TextModels {
    /** The default model: all-MiniLM-L6-v2, inside heed-models' jar. */
    static final String DEFAULT = ModelCatalog.DEFAULT;

    private TextModels() {}

    /**
     * A text model as a transformer names it.
     *
     * @param model     a {@link ModelCatalog} name or a directory (path, {@code file:} URI, or a SparkFiles name)
     * @param maxTokens truncation, 0 = the tokenizer's
     * @param cacheDir  where the built-in model's file is copied; empty = this JVM's SparkFiles directory
     */
    record Spec(String model, int maxTokens, String cacheDir) implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;

        /** The key on this JVM: catalog name + artifact coordinates, or the directory + SHA-256 of model.onnx. */
        ModelKey key(int batchSize, int threads) {
            String opts = "maxTokens=" + maxTokens + " batch=" + batchSize + " threads=" + threads;
            Optional<ModelCatalog.Entry> e = ModelCatalog.find(model);
            if (e.isPresent()) return new ModelKey("text", "catalog:" + model, e.get().coordinates(), opts);
            Path dir = ModelFiles.resolve(model, "HeedTextEmbedder");
            return new ModelKey("text", dir.toString(), ExecutorModels.sha256(dir.resolve("model.onnx"))
                    + "+" + ExecutorModels.sha256(dir.resolve("tokenizer.json")), opts);
        }

        TextEncoder open(int batchSize, int threads) {
            Path cache = cacheDir.isEmpty() ? ModelFiles.sparkFilesCache() : Path.of(cacheDir);
            TextEncoderOptions o = TextEncoderOptions.defaults(cache).withBatchSize(batchSize).withMaxTokens(maxTokens)
                    .withExecution(ExecutionOptions.defaults().withThreads(threads));
            if (ModelCatalog.find(model).isPresent()) return ModelCatalog.open(model, o);
            return TextEncoder.open(ModelFiles.resolve(model, "HeedTextEmbedder"), o);
        }
    }
}
