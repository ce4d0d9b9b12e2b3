package dev.heed.exec;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker threads a computation uses, created from {@link ExecutionOptions}. Owns {@code threads - 1}
 * daemon workers; the calling thread does a share of every parallel loop itself.
 * Thread-safe: several callers may run parallel loops at once. One loop at a time owns the workers; a
 * caller that finds them busy (another caller, or a loop nested inside a task) runs its loop itself, over
 * the very same chunks, so nothing waits on anything and nothing can deadlock.
 *
 * <p>Dispatch cost: a call publishes one small job object; idle workers spin briefly
 * ({@link Thread#onSpinWait()}, at most {@value #SPIN_NANOS} ns) before parking, so back-to-back kernels
 * hand over in about a microsecond. Chunks are claimed from an atomic counter by whoever comes first —
 * the caller never waits for a sleeping worker to wake up, only for chunks a worker already started. The
 * split into chunks depends only on the sizes and the thread count, never on timing.
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
        /**
         * Does the work for items {@code [start, end)}; may be called on any thread, concurrently with other ranges.
         *
         * @param start the first item, inclusive
         * @param end   the last item, exclusive ({@code end > start})
         */
        void run(int start, int end);
    }

    /** How long an idle worker, or a caller waiting for the last chunks, spins before it parks. */
    static final long SPIN_NANOS = 100_000;

    private final ExecutionOptions options;
    private final Worker[] workers; // empty when single-threaded
    /** The job the workers should look at; replaced (never reused) by every dispatch. */
    private volatile Job current;
    /** 1 while a loop owns the workers. */
    private final AtomicInteger busy = new AtomicInteger();
    private volatile boolean closed;
    /** Big temporary arrays reused between calls (see {@link #borrowFloats}). */
    private final ScratchPool scratch = new ScratchPool();

    private ExecutionContext(ExecutionOptions options) {
        this.options = options;
        int w = options.threads() - 1;
        this.workers = new Worker[w];
        for (int i = 0; i < w; i++) {
            workers[i] = new Worker(this, "heed-worker-" + (i + 1));
        }
        for (Worker worker : workers) worker.start();
    }

    /**
     * A context with the given options; starts {@code threads - 1} daemon workers. Close it to stop them.
     *
     * @param options thread count and memory budget
     * @return a new context
     */
    public static ExecutionContext create(ExecutionOptions options) {
        return new ExecutionContext(options);
    }

    /** {@return a single-threaded context (no worker threads; closing is optional) with the default memory budget} */
    public static ExecutionContext singleThreaded() {
        return new ExecutionContext(ExecutionOptions.defaults().withThreads(1));
    }

    /** {@return the options this context was created with} */
    public ExecutionOptions options() {
        return options;
    }

    /** {@return the number of threads a parallel loop may use, the caller's included (≥ 1)} */
    public int threads() {
        return options.threads();
    }

    /**
     * A float array of at least {@code n} elements for temporary use, taken from this context's scratch so that a
     * kernel calling this on every run does not allocate (zero, page in, garbage-collect) a large array each time.
     * <b>Its contents are undefined</b>: write every element you read. Hand it back with {@link #giveBack} when done
     * (not doing so only loses the reuse). A few arrays are kept between calls; {@link #close} drops them.
     *
     * @param n the number of floats needed, ≥ 0
     * @return an array of length ≥ {@code n}, not shared with any other borrower until given back
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when {@code n < 0}
     */
    public float[] borrowFloats(int n) {
        if (n < 0) throw HeedException.invalid("ExecutionContext.borrowFloats", "n must be >= 0, got " + n);
        return scratch.borrow(n);
    }

    /**
     * Returns an array from {@link #borrowFloats} for reuse; the caller must not touch it afterwards. Ignored after
     * {@link #close} and for null.
     *
     * @param a the borrowed array, or null
     */
    public void giveBack(float[] a) {
        if (!closed) scratch.giveBack(a);
    }

    /**
     * Bytes held by the scratch arrays this context keeps between calls (see {@link #borrowFloats}): memory a call
     * reuses instead of allocating, so count it when sizing what a call needs.
     *
     * @return the bytes kept, 0 after {@link #releaseScratch} or {@link #close}
     */
    public long scratchBytesKept() {
        return scratch.keptFloats() * Float.BYTES;
    }

    /** Drops the scratch arrays kept between calls now (after a one-off large call, say); {@link #close} does too. */
    public void releaseScratch() {
        scratch.clear();
    }

    /**
     * Runs {@code task} over {@code [0, n)} split into contiguous chunks of at least {@code grain} items,
     * at most one chunk per thread: chunk {@code c} of {@code k} is {@code [n·c/k, n·(c+1)/k)}. Returns
     * when all chunks are done; the first exception of any chunk is rethrown (the original
     * {@link RuntimeException} or {@link Error}; a checked throwable wrapped as its cause).
     *
     * @param n     the number of items; nothing runs when {@code n ≤ 0}
     * @param grain the smallest chunk worth a thread, in items (values below 1 count as 1)
     * @param task  the loop body, called once per chunk
     */
    public void parallelFor(int n, int grain, RangeTask task) {
        if (n <= 0) return;
        int chunks = Math.min(options.threads(), Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1) {
            task.run(0, n);
            return;
        }
        run(new Job(task, n, chunks, 0));
    }

    /**
     * Like {@link #parallelFor} but hands out {@code n} items dynamically in blocks of {@code block}
     * ({@code [i·block, min(n, (i+1)·block))}), so that uneven work (causal attention rows, say) stays
     * balanced.
     *
     * @param n     the number of items; nothing runs when {@code n ≤ 0}
     * @param block items per block (values below 1 count as 1)
     * @param task  the loop body, called once per block
     */
    public void parallelForDynamic(int n, int block, RangeTask task) {
        if (n <= 0) return;
        int b = Math.max(1, block);
        int blocks = (int) (((long) n + b - 1) / b);
        if (options.threads() <= 1 || blocks <= 1) {
            task.run(0, n);
            return;
        }
        run(new Job(task, n, blocks, b));
    }

    /** Runs every piece of {@code job}: with the workers when they are free, else on this thread alone. */
    private void run(Job job) {
        if (workers.length == 0 || closed || !busy.compareAndSet(0, 1)) {
            job.runAllInline();
            return;
        }
        try {
            job.caller = Thread.currentThread();
            current = job;
            for (Worker w : workers) {
                if (w.parked) LockSupport.unpark(w);
            }
            job.work();
            job.awaitDone();
        } finally {
            job.task = null; // every piece is done: drop the reference so the body's data can be collected
            busy.set(0);
        }
        rethrow(job.error);
    }

    private static void rethrow(Throwable t) {
        if (t == null) return;
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error err) throw err;
        throw new HeedException(ErrorCode.INTERNAL, "parallel task failed: " + t, t);
    }

    /** Stops the workers (they finish a chunk already started) and waits briefly for them to end. */
    @Override
    public void close() {
        closed = true;
        scratch.clear();
        for (Worker w : workers) LockSupport.unpark(w);
        for (Worker w : workers) {
            if (w == Thread.currentThread()) continue;
            try {
                w.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** True once every worker thread has ended (for tests). */
    boolean workersEnded() {
        for (Worker w : workers) {
            if (w.isAlive()) return false;
        }
        return true;
    }

    /**
     * One parallel loop: {@code pieces} pieces claimed from {@link #next}; piece {@code i} is chunk
     * {@code i} of an even split ({@code block == 0}) or block {@code i} of size {@code block}.
     */
    private static final class Job {
        RangeTask task; // cleared when the loop is done
        final int n, pieces, block;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable error;
        Thread caller;
        volatile boolean callerParked;

        Job(RangeTask task, int n, int pieces, int block) {
            this.task = task;
            this.n = n;
            this.pieces = pieces;
            this.block = block;
        }

        int start(int i) {
            return block == 0 ? (int) ((long) n * i / pieces) : i * block;
        }

        int end(int i) {
            return block == 0 ? (int) ((long) n * (i + 1) / pieces) : (int) Math.min(n, (long) (i + 1) * block);
        }

        /** Claims and runs pieces until none are left; wakes the caller after the last one. */
        void work() {
            int i, finished = 0;
            while ((i = next.getAndIncrement()) < pieces) {
                if (error == null) {
                    try {
                        task.run(start(i), end(i));
                    } catch (Throwable t) {
                        synchronized (this) {
                            if (error == null) error = t;
                        }
                    }
                }
                finished++;
            }
            if (finished > 0 && done.addAndGet(finished) == pieces && callerParked) {
                LockSupport.unpark(caller);
            }
        }

        /** The same pieces, in order, on this thread (the workers are busy or absent). */
        void runAllInline() {
            for (int i = 0; i < pieces; i++) task.run(start(i), end(i));
        }

        /** Waits (spin, then park) until every claimed piece has finished. */
        void awaitDone() {
            if (done.get() == pieces) return;
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            int k = 0;
            while (done.get() != pieces) {
                if ((++k & 63) != 0 || System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                callerParked = true;
                if (done.get() != pieces) LockSupport.park(this);
                callerParked = false;
            }
        }
    }

    /** A worker: waits for a new job (spin, then park), helps with it, repeats until the context closes. */
    private static final class Worker extends Thread {
        private final ExecutionContext ctx;
        volatile boolean parked;

        Worker(ExecutionContext ctx, String name) {
            super(name);
            this.ctx = ctx;
            setDaemon(true);
        }

        @Override
        public void run() {
            Job seen = null;
            while (true) {
                Job job = awaitNew(seen);
                if (job == null) return;
                seen = job;
                job.work();
            }
        }

        /** The next job other than {@code seen}, or null once the context is closed. */
        private Job awaitNew(Job seen) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            int k = 0;
            while (true) {
                if (ctx.closed) return null;
                Job job = ctx.current;
                if (job != seen) return job;
                if ((++k & 63) != 0 || System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                if (ctx.current == seen && !ctx.closed) LockSupport.park(ctx);
                parked = false;
                spinUntil = System.nanoTime() + SPIN_NANOS;
            }
        }
    }
}
