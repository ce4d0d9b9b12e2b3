package dev.heed.cli;

import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How the text commands (attend, embed, similarity) open their encoder: {@code --model DIR} (model.onnx +
 * tokenizer.json) or the bundled all-MiniLM-L6-v2, cached under {@code $XDG_CACHE_HOME/heed} or
 * {@code ~/.cache/heed}. Only the CLI reads the environment; the library gets the directory in its options.
 */
final class TextModels {
    private TextModels() {}

    /** The {@code --model DIR} option of the text commands (a picocli mixin); null means the bundled model. */
    static final class ModelOption {
        @Option(names = "--model", paramLabel = "NAME|DIR", description = "A catalogue name (`heed models`) or a model directory with model.onnx and tokenizer.json (default: the bundled all-MiniLM-L6-v2).")
        Path dir;
    }

    /** {@code $XDG_CACHE_HOME/heed} when set (and absolute, as the XDG spec requires), else {@code ~/.cache/heed}. */
    static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) return Path.of(xdg, "heed");
        return Path.of(System.getProperty("user.home"), ".cache", "heed");
    }

    /**
     * Opens the encoder.
     *
     * @param modelDir  a model directory, or null for the bundled model
     * @param threads   worker threads, or null for all processors
     * @param batch     texts per model run, or null for the default
     * @param maxTokens truncation in tokens, 0 for the tokenizer's own
     */
    static TextEncoder open(Path modelDir, Integer threads, Integer batch, int maxTokens) {
        TextEncoderOptions o = TextEncoderOptions.defaults(cacheDir()).withExecution(ThreadsOption.execution(threads)).withMaxTokens(maxTokens);
        if (batch != null) o = o.withBatchSize(batch);
        if (modelDir == null) return TextEncoder.defaultModel(o);
        String name = modelDir.toString();
        if (!java.nio.file.Files.isDirectory(modelDir) && dev.heed.text.ModelCatalog.find(name).isPresent()) {
            return dev.heed.text.ModelCatalog.open(name, o);
        }
        return TextEncoder.open(modelDir, o);
    }
}
