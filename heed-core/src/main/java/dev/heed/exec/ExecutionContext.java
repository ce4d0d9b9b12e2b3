package dev.heed.exec;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker threads a computation uses, created from {@link ExecutionOptions}. Owns a fixed pool of
 * {@code threads - 1} daemon workers; the calling thread does a share of every parallel loop itself.
 * Thread-safe: several callers may run parallel loops at once (they then share the workers).
 *
 * <pre>{@code
 * try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults())) {
 *     ctx.parallelFor(rows, 16, (start, end) -> { for (int r = start; r < end; r++) work(r); });
 * }
 * }</pre>
 */
public final class ExecutionContext implements AutoCloseable {

    /** A body of a parallel loop over the half-open range {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    private final ExecutionOptions options;
    private final ExecutorService pool; // null when single-threaded

    private ExecutionContext(ExecutionOptions options) {
        this.options = options;
        if (options.threads() > 1) {
            AtomicInteger n = new AtomicInteger();
            this.pool = Executors.newFixedThreadPool(options.threads() - 1, r -> {
                Thread t = new Thread(r, "heed-worker-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        } else {
            this.pool = null;
        }
    }

    /** A context with the given options; close it to stop its threads. */
    public static ExecutionContext create(ExecutionOptions options) {
        return new ExecutionContext(options);
    }

    /** A single-threaded context (no worker threads; closing is optional). */
    public static ExecutionContext singleThreaded() {
        return new ExecutionContext(ExecutionOptions.defaults().withThreads(1));
    }

    public ExecutionOptions options() {
        return options;
    }

    public int threads() {
        return options.threads();
    }

    /**
     * Runs {@code task} over {@code [0, n)} split into contiguous chunks of at least {@code grain} items,
     * at most one chunk per thread, the caller taking the first. Returns when all chunks are done;
     * the first exception of any chunk is rethrown.
     */
    public void parallelFor(int n, int grain, RangeTask task) {
        if (n <= 0) return;
        int chunks = Math.min(options.threads(), Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || pool == null) {
            task.run(0, n);
            return;
        }
        parallelChunks(n, chunks, task);
    }

    /**
     * Like {@link #parallelFor} but hands out {@code n} items dynamically in blocks of {@code block}, so that
     * uneven work (causal attention rows, say) stays balanced.
     */
    public void parallelForDynamic(int n, int block, RangeTask task) {
        if (n <= 0) return;
        int b = Math.max(1, block);
        int blocks = (n + b - 1) / b;
        int workers = Math.min(options.threads(), blocks);
        if (workers <= 1 || pool == null) {
            task.run(0, n);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            int i;
            while ((i = next.getAndIncrement()) < blocks) {
                task.run(i * b, Math.min(n, (i + 1) * b));
            }
        };
        runOnAll(workers, worker);
    }

    private void parallelChunks(int n, int chunks, RangeTask task) {
        List<Future<?>> futures = new ArrayList<>(chunks - 1);
        for (int c = 1; c < chunks; c++) {
            int s = (int) ((long) n * c / chunks), e = (int) ((long) n * (c + 1) / chunks);
            futures.add(pool.submit(() -> task.run(s, e)));
        }
        Throwable first = null;
        try {
            task.run(0, (int) ((long) n / chunks));
        } catch (Throwable t) {
            first = t;
        }
        first = await(futures, first);
        rethrow(first);
    }

    private void runOnAll(int workers, Runnable r) {
        List<Future<?>> futures = new ArrayList<>(workers - 1);
        for (int c = 1; c < workers; c++) futures.add(pool.submit(r));
        Throwable first = null;
        try {
            r.run();
        } catch (Throwable t) {
            first = t;
        }
        rethrow(await(futures, first));
    }

    private static Throwable await(List<Future<?>> futures, Throwable first) {
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (first == null) first = e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (first == null) first = e;
            }
        }
        return first;
    }

    private static void rethrow(Throwable t) {
        if (t == null) return;
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error err) throw err;
        throw new HeedException(ErrorCode.INTERNAL, "parallel task failed: " + t, t);
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
