package dev.heed.server;

import dev.heed.text.Encoding;
import dev.heed.text.TextEncoder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Dynamic batching: requests (each a list of tokenised inputs) wait in a queue; {@code runners} inference threads each
 * take the next batch from all waiting inputs the moment they are free, run it as one model run, and answer its
 * requests. A batch is at most {@code maxBatchSize} inputs and {@code maxBatchTokens} padded tokens and is cut from the
 * waiting inputs sorted by length, as {@code TextEncoder.embedAll} sorts them: the waiting inputs are split into the
 * runs that cost least in all (each run costs its padded tokens plus {@link #RUN_OVERHEAD_TOKENS}), and the run holding
 * the oldest input goes next, so padding stays small and nothing starves. While the model is busy the queue fills and
 * the next batch is larger.
 *
 * <p>Threads: each of the encoder's threads is a permit, and a run holds the permits of the threads it uses, so the
 * model never has more runs in flight than the encoder has threads and never competes with itself for the cores. A
 * runner takes one permit, then its batch; when nothing else waits it also takes every idle permit and the run uses all
 * of those threads (one request alone is answered as fast as an in-process call); when more inputs wait, it runs on its
 * one thread while the next runner takes the next batch on another. Small batches split poorly over threads (their
 * kernels are too short to share well), so under load two one-thread runs side by side answer more per second than the
 * same runs one after the other on two threads ({@code BENCHMARKS.md}, "Serving over HTTP"). Results are the same
 * either way. The HTTP thread that queues a request wakes a free runner directly (one hand-off, no batching thread in
 * between).
 *
 * <p>Admission is bounded: {@link #submit} refuses (429) past {@code maxConcurrentRequests} requests queued or
 * running. HTTP threads only enqueue and get a future; they never wait on inference. A request whose future is
 * cancelled (its client went away) leaves the queue before it is computed.
 */
final class EmbeddingBatcher implements AutoCloseable {

    /**
     * One request: its inputs, whether its vectors are L2-normalised, their vectors as they come, and the future the
     * HTTP side waits on.
     */
    static final class Job {
        final Encoding[] inputs;
        final boolean normalize;
        final float[][] out;
        final AtomicInteger remaining;
        final CompletableFuture<List<float[]>> done = new CompletableFuture<>();
        final long enqueued = System.nanoTime();
        final AtomicBoolean counted = new AtomicBoolean();

        Job(List<Encoding> inputs, boolean normalize) {
            this.normalize = normalize;
            this.inputs = inputs.toArray(Encoding[]::new);
            this.out = new float[this.inputs.length][];
            this.remaining = new AtomicInteger(this.inputs.length);
        }
    }

    private record Item(Job job, int index) {
        Encoding encoding() { return job.inputs[index]; }
        int length() { return encoding().length(); }
    }

    /**
     * What one model run costs beyond its padded tokens, in padded tokens: reading every weight once (about 90 MB for
     * all-MiniLM-L6-v2, whatever the batch), starting each kernel's parallel loop, pooling. From the quiet-machine
     * figures in BENCHMARKS.md (2-core Xeon, 2 threads): one {@code embed} of a 24.6-token corpus sentence took 9.35 ms
     * where {@code embedAll}'s sorted runs of 32 spent 5.6 ms per sentence, about 0.23 ms per token, so a run costs
     * about 17 tokens more than its tokens; rounded up because small runs also use the cores less well per token.
     * Only its order of magnitude matters to the split: smaller cuts the waiting inputs into more, less padded runs,
     * larger into fewer, more padded ones. ({@code ServeLoad --calibrate} prints the cost by batch shape.)
     */
    static final int RUN_OVERHEAD_TOKENS = 24;

    private final TextEncoder encoder;
    private final int maxBatchTokens;
    private final int maxBatchSize;
    private final int maxConcurrent;
    private final ServerMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<Job> arrivals = new ArrayDeque<>();     // guarded by lock
    private final List<Item> pending = new ArrayList<>();            // guarded by lock; in arrival order
    private final Semaphore admitted;
    /** One permit per encoder thread; a run holds those of the threads it uses (batches and one-off tasks alike). */
    private final Semaphore modelRuns;
    /** The encoder's threads: the permits of {@link #modelRuns}. */
    private final int threads;
    private final Thread[] runners;
    private final ExecutorService tasks;
    private final AtomicInteger waitingInputs = new AtomicInteger();
    private volatile boolean running = true;                          // written under lock

    EmbeddingBatcher(TextEncoder encoder, ServerConfig config, ServerMetrics metrics) {
        this.encoder = encoder;
        this.maxBatchTokens = config.maxBatchTokens();
        this.maxBatchSize = config.maxBatchSize();
        this.maxConcurrent = config.maxConcurrentRequests();
        this.metrics = metrics;
        this.admitted = new Semaphore(config.maxConcurrentRequests());
        this.threads = Math.max(1, encoder.options().execution().threads());
        this.modelRuns = new Semaphore(threads, true);
        int runnerCount = config.runners() == 0 ? threads : config.runners();
        AtomicInteger n = new AtomicInteger();
        this.tasks = Executors.newFixedThreadPool(runnerCount, r -> {
            Thread t = new Thread(r, "heed-task-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.runners = new Thread[runnerCount];
        for (int i = 0; i < runners.length; i++) {
            runners[i] = new Thread(this::loop, "heed-infer-" + (i + 1));
            runners[i].setDaemon(true);
            runners[i].start();
        }
    }

    /** Inputs waiting for a batch (the queue-size gauge). */
    int waitingInputs() { return waitingInputs.get(); }

    /** Requests admitted and not yet answered. */
    int inFlight() { return maxConcurrent - admitted.availablePermits(); }

    /**
     * Queues a request; the future completes with one vector per input in order. Cancel the future to withdraw it.
     *
     * @throws ApiException 429 when {@code maxConcurrentRequests} requests are already queued or running; 503 when closed
     */
    CompletableFuture<List<float[]>> submit(List<Encoding> inputs) {
        return submit(inputs, encoder.card().normalize());
    }

    /**
     * {@link #submit(List)} with the L2 normalisation chosen by the request (TEI's {@code normalize}); inputs of either
     * kind never share a model run.
     */
    CompletableFuture<List<float[]>> submit(List<Encoding> inputs, boolean normalize) {
        if (!running) throw new ApiException(503, "the server is shutting down", null);
        if (!admitted.tryAcquire()) {
            throw new ApiException(429, "the server is at its limit of " + maxConcurrent
                    + " concurrent requests (--max-concurrent-requests); retry shortly", null);
        }
        Job job = new Job(inputs, normalize);
        lock.lock();
        try {
            if (!running) {
                admitted.release();
                throw new ApiException(503, "the server is shutting down", null);
            }
            job.done.whenComplete((v, e) -> admitted.release());
            waitingInputs.addAndGet(job.inputs.length);
            arrivals.add(job);
            work.signal();
        } finally {
            lock.unlock();
        }
        return job.done;
    }

    /**
     * Runs a one-off model task (an attention map) under the same admission limit, counted among the model runs in
     * flight.
     *
     * @throws ApiException 429 past {@code maxConcurrentRequests}; 503 when closed
     */
    <T> CompletableFuture<T> submitTask(java.util.function.Supplier<T> task) {
        if (!running) throw new ApiException(503, "the server is shutting down", null);
        if (!admitted.tryAcquire()) {
            throw new ApiException(429, "the server is at its limit of " + maxConcurrent
                    + " concurrent requests (--max-concurrent-requests); retry shortly", null);
        }
        CompletableFuture<T> f;
        try {
            f = CompletableFuture.supplyAsync(() -> {
                modelRuns.acquireUninterruptibly(threads);      // the task runs on all of the encoder's threads
                try {
                    return task.get();
                } finally {
                    release(threads);
                }
            }, tasks);
        } catch (RuntimeException e) {
            admitted.release();
            throw e;
        }
        f.whenComplete((v, e) -> admitted.release());
        return f;
    }

    /** A batch and whether other inputs still wait after it was cut. */
    private record Batch(List<Item> items, boolean othersWait) {}

    /**
     * A runner: takes a thread's permit, then the next batch the moment one is there; runs it on that thread, or on
     * every idle thread when nothing else waits; answers it; until {@link #close}.
     */
    private void loop() {
        while (true) {
            Batch batch = next();                   // holds one permit
            if (batch == null) return;
            int held = 1;
            try {
                if (!batch.othersWait()) held += modelRuns.drainPermits();
                run(batch.items(), held >= threads ? 0 : held);
            } finally {
                release(held);
            }
        }
    }

    /** Gives back a run's permits and wakes the runners, one of which may now take a batch. */
    private void release(int permits) {
        modelRuns.release(permits);
        lock.lock();
        try {
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next batch and one thread's permit for it, waiting while no input waits or no thread is free (a batch is cut
     * only when it can start, so later arrivals can still join it); null once closed.
     */
    private Batch next() {
        lock.lock();
        try {
            while (true) {
                if (!running) return null;
                for (Job j; (j = arrivals.poll()) != null; ) {
                    for (int i = 0; i < j.inputs.length; i++) pending.add(new Item(j, i));
                }
                pending.removeIf(this::dropIfCancelled);
                if (!pending.isEmpty() && modelRuns.tryAcquire()) {
                    List<Item> batch = take(pending);
                    waitingInputs.addAndGet(-batch.size());
                    return new Batch(batch, !pending.isEmpty());
                }
                // submit and close signal under the lock, so no wake-up is lost; the timeout is only a safety net
                work.await(100, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Drops an input whose request is answered already: withdrawn (its client went away) or failed. */
    private boolean dropIfCancelled(Item it) {
        if (!it.job.done.isDone()) return false;
        waitingInputs.decrementAndGet();
        if (it.job.done.isCancelled() && it.job.counted.compareAndSet(false, true)) metrics.cancelledRequest();
        return true;
    }

    /**
     * Removes and returns the next batch: {@link BatchPlanner#next} over the waiting inputs normalised like the oldest
     * one (inputs of the other kind wait for a run of their own).
     */
    private List<Item> take(List<Item> pending) {
        boolean normalize = pending.getFirst().job.normalize;
        int[] where = new int[pending.size()];       // planner index -> pending index
        int[] lengths = new int[pending.size()];
        int m = 0;
        for (int i = 0; i < pending.size(); i++) {
            if (pending.get(i).job.normalize != normalize) continue;
            where[m] = i;
            lengths[m++] = pending.get(i).length();
        }
        int[] run = BatchPlanner.next(Arrays.copyOf(lengths, m), maxBatchSize, maxBatchTokens, RUN_OVERHEAD_TOKENS);
        List<Item> batch = new ArrayList<>(run.length);
        boolean[] chosen = new boolean[pending.size()];
        for (int k : run) {
            chosen[where[k]] = true;
            batch.add(pending.get(where[k]));
        }
        List<Item> rest = new ArrayList<>(pending.size() - batch.size());
        for (int i = 0; i < chosen.length; i++) if (!chosen[i]) rest.add(pending.get(i));
        pending.clear();
        pending.addAll(rest);
        return batch;
    }

    /** Runs one batch on {@code runThreads} threads (0: all of the encoder's) and answers its requests. */
    private void run(List<Item> batch, int runThreads) {
        long start = System.nanoTime();
        int longest = 0, real = 0;
        List<Encoding> encodings = new ArrayList<>(batch.size());
        for (Item it : batch) {
            metrics.queued(start - it.job.enqueued);
            encodings.add(it.encoding());
            longest = Math.max(longest, it.length());
            real += it.length();
        }
        // counted as it starts, so /metrics shows a run in progress (the queue gauge has dropped its inputs already)
        metrics.batchStarted(batch.size(), longest * batch.size(), runThreads == 0 ? threads : runThreads);
        List<float[]> vectors;
        try {
            vectors = encoder.embedEncodings(encodings, batch.getFirst().job.normalize, runThreads);
        } catch (RuntimeException | Error e) {
            for (Item it : batch) it.job.done.completeExceptionally(e);
            return;
        }
        metrics.batchDone(real, System.nanoTime() - start);
        for (int k = 0; k < batch.size(); k++) {
            Item it = batch.get(k);
            it.job.out[it.index] = vectors.get(k);
            if (it.job.remaining.decrementAndGet() == 0) it.job.done.complete(Arrays.asList(it.job.out));
        }
    }

    /**
     * Stops forming batches, lets running batches finish (bounded), then fails what still waits (503). Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            running = false;
            work.signalAll();
        } finally {
            lock.unlock();
        }
        for (Thread r : runners) {
            try {
                r.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        tasks.shutdown();
        try {
            tasks.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        java.util.Set<Job> left = new java.util.LinkedHashSet<>();      // Job keeps identity equality
        lock.lock();
        try {
            left.addAll(arrivals);
            arrivals.clear();
            for (Item it : pending) left.add(it.job);
            pending.clear();
        } finally {
            lock.unlock();
        }
        for (Job j : left) j.done.completeExceptionally(new ApiException(503, "the server is shutting down", null));
    }
}
