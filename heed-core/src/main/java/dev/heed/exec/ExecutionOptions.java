package dev.heed.exec;

import dev.heed.HeedException;

/**
 * How a computation runs: worker threads and the memory a single tensor may claim. Library code never
 * reads system properties or environment variables; the CLI turns those into an {@code ExecutionOptions}.
 *
 * <pre>{@code
 * ExecutionOptions opts = ExecutionOptions.defaults().withThreads(2);
 * try (ExecutionContext ctx = ExecutionContext.create(opts)) { ... }
 * }</pre>
 *
 * @param threads          worker threads for parallel kernels (≥ 1)
 * @param memoryLimitBytes largest single allocation a loader or run may make for one tensor
 */
public record ExecutionOptions(int threads, long memoryLimitBytes) {
    /** Default limit for a single tensor: 4 GiB. */
    public static final long DEFAULT_MEMORY_LIMIT = 4L << 30;

    public ExecutionOptions {
        if (threads < 1) throw HeedException.invalid("ExecutionOptions", "threads must be >= 1, got " + threads);
        if (memoryLimitBytes < 1) throw HeedException.invalid("ExecutionOptions", "memoryLimitBytes must be >= 1, got " + memoryLimitBytes);
    }

    /** All available processors, a 4 GiB per-tensor limit. */
    public static ExecutionOptions defaults() {
        return new ExecutionOptions(Runtime.getRuntime().availableProcessors(), DEFAULT_MEMORY_LIMIT);
    }

    public ExecutionOptions withThreads(int t) {
        return new ExecutionOptions(t, memoryLimitBytes);
    }

    public ExecutionOptions withMemoryLimitBytes(long limit) {
        return new ExecutionOptions(threads, limit);
    }
}
