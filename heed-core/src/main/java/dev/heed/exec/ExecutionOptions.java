package dev.heed.exec;

import dev.heed.HeedException;

/**
 * How a computation runs: worker threads and the memory budget. Library code never
 * reads system properties or environment variables; the CLI turns those into an {@code ExecutionOptions}.
 *
 * <pre>{@code
 * ExecutionOptions opts = ExecutionOptions.defaults().withThreads(2);
 * try (ExecutionContext ctx = ExecutionContext.create(opts)) { ... }
 * }</pre>
 *
 * @param threads          worker threads for parallel kernels (≥ 1)
 * @param memoryLimitBytes the memory budget: the largest allocation a loader or run may make for one tensor, and
 *                         the most heap a run's live tensors may hold at once (see {@link MemoryBudget}); by
 *                         default three quarters of the heap ({@link MemoryBudget#heapDefault()})
 */
public record ExecutionOptions(int threads, long memoryLimitBytes) {
    /**
     * Checks the options.
     *
     * @param threads          worker threads, ≥ 1
     * @param memoryLimitBytes the memory budget in bytes, ≥ 1
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when a value is out of range
     */
    public ExecutionOptions {
        if (threads < 1) throw HeedException.invalid("ExecutionOptions", "threads must be >= 1, got " + threads);
        if (memoryLimitBytes < 1) throw HeedException.invalid("ExecutionOptions", "memoryLimitBytes must be >= 1, got " + memoryLimitBytes);
    }

    /** {@return options with all available processors and a memory budget of three quarters of the heap ({@link MemoryBudget#heapDefault()})} */
    public static ExecutionOptions defaults() {
        return new ExecutionOptions(Runtime.getRuntime().availableProcessors(), MemoryBudget.heapDefault());
    }

    /**
     * A copy with another thread count.
     *
     * @param t worker threads, ≥ 1 (the calling thread counts as one)
     * @return the new options
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code t < 1}
     */
    public ExecutionOptions withThreads(int t) {
        return new ExecutionOptions(t, memoryLimitBytes);
    }

    /**
     * A copy with an explicit memory budget instead of the heap-derived default.
     *
     * @param limit the budget in bytes, ≥ 1
     * @return the new options
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code limit < 1}
     */
    public ExecutionOptions withMemoryLimitBytes(long limit) {
        return new ExecutionOptions(threads, limit);
    }
}
