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
    public ExecutionOptions {
        if (threads < 1) throw HeedException.invalid("ExecutionOptions", "threads must be >= 1, got " + threads);
        if (memoryLimitBytes < 1) throw HeedException.invalid("ExecutionOptions", "memoryLimitBytes must be >= 1, got " + memoryLimitBytes);
    }

    /** All available processors; a memory budget of three quarters of the heap ({@link MemoryBudget#heapDefault()}). */
    public static ExecutionOptions defaults() {
        return new ExecutionOptions(Runtime.getRuntime().availableProcessors(), MemoryBudget.heapDefault());
    }

    public ExecutionOptions withThreads(int t) {
        return new ExecutionOptions(t, memoryLimitBytes);
    }

    /** An explicit memory budget in bytes instead of the heap-derived default. */
    public ExecutionOptions withMemoryLimitBytes(long limit) {
        return new ExecutionOptions(threads, limit);
    }
}
