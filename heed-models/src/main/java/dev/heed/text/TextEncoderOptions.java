package dev.heed.text;

import dev.heed.HeedException;
import dev.heed.attention.AttentionImpl;
import dev.heed.exec.ExecutionOptions;
import java.nio.file.Path;

/**
 * How a {@link TextEncoder} is opened and run. Library code never guesses a directory: the caller (the CLI picks
 * {@code $XDG_CACHE_HOME/heed} or {@code ~/.cache/heed}) says where {@link TextEncoder#defaultModel} may keep its
 * copy of the bundled model.
 *
 * <pre>{@code
 * TextEncoderOptions o = TextEncoderOptions.defaults(Path.of(System.getProperty("user.home"), ".cache", "heed"))
 *         .withBatchSize(16)
 *         .withExecution(ExecutionOptions.defaults().withThreads(2));
 * }</pre>
 *
 * @param cacheDir   where {@link TextEncoder#defaultModel} copies the bundled model (created if missing); may be
 *                   {@code null} for {@link TextEncoder#open(Path, TextEncoderOptions)}
 * @param batchSize  texts per model run in {@link TextEncoder#embedAll}; each batch is padded to its own longest
 *                   text (≥ 1, default {@value #DEFAULT_BATCH_SIZE})
 * @param maxTokens  truncate texts to this many tokens, special tokens included; 0 keeps the truncation of the
 *                   model's tokenizer.json (128 for all-MiniLM-L6-v2, as sentence-transformers and langchain4j use it)
 * @param execution  threads and memory limit of the model runs
 * @param attention  which attention kernel the fused attention nodes use
 */
public record TextEncoderOptions(Path cacheDir, int batchSize, int maxTokens, ExecutionOptions execution,
                                 AttentionImpl attention) {
    /** Default texts per model run. */
    public static final int DEFAULT_BATCH_SIZE = 32;

    /**
     * Checks the values and fills in defaults for null choices.
     *
     * @param cacheDir  where the bundled model is copied, or null
     * @param batchSize texts per model run, ≥ 1
     * @param maxTokens truncation in tokens, ≥ 0 (0: the tokenizer's own)
     * @param execution threads and memory limit, or null for the defaults
     * @param attention the attention kernel, or null for AUTO
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for {@code batchSize < 1} or {@code maxTokens < 0}
     */
    public TextEncoderOptions {
        if (batchSize < 1) throw HeedException.invalid("TextEncoderOptions", "batchSize must be >= 1, got " + batchSize);
        if (maxTokens < 0) {
            throw HeedException.invalid("TextEncoderOptions", "maxTokens must be >= 0 (0: as the tokenizer.json says), got "
                    + maxTokens);
        }
        if (execution == null) execution = ExecutionOptions.defaults();
        if (attention == null) attention = AttentionImpl.AUTO;
    }

    /**
     * Batch size 32, the tokenizer's own truncation, default execution options, automatic attention kernel.
     *
     * @param cacheDir where {@link TextEncoder#defaultModel} copies the bundled model; may be null when it is not used
     * @return the options
     */
    public static TextEncoderOptions defaults(Path cacheDir) {
        return new TextEncoderOptions(cacheDir, DEFAULT_BATCH_SIZE, 0, ExecutionOptions.defaults(), AttentionImpl.AUTO);
    }

    /**
     * A copy with another cache directory.
     *
     * @param dir where the bundled model is copied (created if missing)
     * @return the new options
     */
    public TextEncoderOptions withCacheDir(Path dir) {
        return new TextEncoderOptions(dir, batchSize, maxTokens, execution, attention);
    }

    /**
     * A copy with another batch size.
     *
     * @param n texts per model run, ≥ 1
     * @return the new options
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code n < 1}
     */
    public TextEncoderOptions withBatchSize(int n) {
        return new TextEncoderOptions(cacheDir, n, maxTokens, execution, attention);
    }

    /**
     * A copy with another truncation length.
     *
     * @param n tokens per text, special tokens included, ≥ 0; 0 for the tokenizer's own truncation
     * @return the new options
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code n < 0}
     */
    public TextEncoderOptions withMaxTokens(int n) {
        return new TextEncoderOptions(cacheDir, batchSize, n, execution, attention);
    }

    /**
     * A copy with other execution options.
     *
     * @param e threads and memory limit; null for the defaults
     * @return the new options
     */
    public TextEncoderOptions withExecution(ExecutionOptions e) {
        return new TextEncoderOptions(cacheDir, batchSize, maxTokens, e, attention);
    }

    /**
     * A copy with another attention kernel.
     *
     * @param impl AUTO, EXACT or FLASH; null for AUTO
     * @return the new options
     */
    public TextEncoderOptions withAttention(AttentionImpl impl) {
        return new TextEncoderOptions(cacheDir, batchSize, maxTokens, execution, impl);
    }
}
