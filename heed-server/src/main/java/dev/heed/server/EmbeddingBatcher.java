package dev.heed.server;

import dev.heed.text.Encoding;
import dev.heed.text.TextEncoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Dynamic batching: requests (each a list of tokenised inputs) wait in a queue; one batcher thread coalesces the
 * inputs of all waiting requests into model runs of at most {@code maxBatchSize} inputs and {@code maxBatchTokens}
 * padded tokens, grouped by length around the oldest waiting input (so padding stays small and nothing starves),
 * and hands each batch to a fixed pool of {@code runners} threads. A batch is formed only when a runner is free, so
 * while the model is busy the queue fills and the next batch is larger.
 *
 * <p>Admission is bounded: {@link #submit} refuses (429) past {@code maxConcurrentRequests} requests queued or
 * running. HTTP threads only enqueue and get a future; they never wait on inference, and runners never wait on HTTP.
 * A request whose future is cancelled (its client went away) leaves the queue before it is computed.
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
        final java.util.concurrent.atomic.AtomicBoolean counted = new java.util.concurrent.atomic.AtomicBoolean();

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
     * Padded tokens a batch may spend per real token: an input whose length would push the batch past this waits for
     * a batch of its own length (the next one, or one on the other runner) instead of making every input in this one
     * pay for its padding.
     */
    static final double MAX_PADDING = 1.5;

    private final TextEncoder encoder;
    private final int maxBatchTokens;
    private final int maxBatchSize;
    private final int maxConcurrent;
    private final ServerMetrics metrics;
    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final Semaphore admitted;
    private final Semaphore freeRunners;
    private final ExecutorService runners;
    private final AtomicInteger waitingInputs = new AtomicInteger();
    private final Thread batcher;
    private volatile boolean running = true;

    EmbeddingBatcher(TextEncoder encoder, ServerConfig config, ServerMetrics metrics) {
        this.encoder = encoder;
        this.maxBatchTokens = config.maxBatchTokens();
        this.maxBatchSize = config.maxBatchSize();
        this.maxConcurrent = config.maxConcurrentRequests();
        this.metrics = metrics;
        this.admitted = new Semaphore(config.maxConcurrentRequests());
        this.freeRunners = new Semaphore(config.runners());
        AtomicInteger n = new AtomicInteger();
        this.runners = Executors.newFixedThreadPool(config.runners(), r -> {
            Thread t = new Thread(r, "heed-infer-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.batcher = new Thread(this::loop, "heed-batcher");
        batcher.setDaemon(true);
        batcher.start();
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
        job.done.whenComplete((v, e) -> admitted.release());
        waitingInputs.addAndGet(job.inputs.length);
        queue.add(job);
        return job.done;
    }

    /**
     * Runs a one-off model task (an attention map) on the runner threads under the same admission limit.
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
            f = CompletableFuture.supplyAsync(task, runners);
        } catch (RuntimeException e) {
            admitted.release();
            throw e;
        }
        f.whenComplete((v, e) -> admitted.release());
        return f;
    }

    private void loop() {
        List<Item> pending = new ArrayList<>();
        try {
            while (running) {
                if (pending.isEmpty()) {
                    Job first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) continue;
                    add(pending, first);
                }
                freeRunners.acquire();          // while every runner is busy, the queue keeps filling
                drain(pending);
                pending.removeIf(this::dropIfCancelled);
                if (pending.isEmpty()) {
                    freeRunners.release();
                    continue;
                }
                List<Item> batch = take(pending);
                waitingInputs.addAndGet(-batch.size());
                runners.execute(() -> {
                    try {
                        run(batch);
                    } finally {
                        freeRunners.release();
                    }
                });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drain(pending);
        for (Item it : pending) it.job.done.completeExceptionally(new ApiException(503, "the server is shutting down", null));
    }

    private void drain(List<Item> pending) {
        for (Job j; (j = queue.poll()) != null; ) add(pending, j);
    }

    private static void add(List<Item> pending, Job j) {
        for (int i = 0; i < j.inputs.length; i++) pending.add(new Item(j, i));
    }

    /** Drops an input whose request is answered already: withdrawn (its client went away) or failed. */
    private boolean dropIfCancelled(Item it) {
        if (!it.job.done.isDone()) return false;
        waitingInputs.decrementAndGet();
        if (it.job.done.isCancelled() && it.job.counted.compareAndSet(false, true)) metrics.cancelledRequest();
        return true;
    }

    /**
     * Removes and returns the next batch: the oldest input, then the inputs closest to its length (older first among
     * equals) while the batch stays within {@code maxBatchSize} inputs, {@code maxBatchTokens} padded tokens and
     * {@link #MAX_PADDING} padded tokens per real token; only inputs normalised like the oldest one join it.
     */
    private List<Item> take(List<Item> pending) {
        int anchor = pending.getFirst().length();
        boolean normalize = pending.getFirst().job.normalize;
        Integer[] order = new Integer[pending.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> Math.abs(pending.get(i).length() - anchor))
                .thenComparingInt(i -> i));
        boolean[] chosen = new boolean[pending.size()];
        List<Item> batch = new ArrayList<>();
        int longest = 0;
        long real = 0;
        for (int i : order) {
            if (batch.size() == maxBatchSize) break;
            if (pending.get(i).job.normalize != normalize) continue;
            int len = pending.get(i).length();
            int l = Math.max(longest, len);
            long padded = (long) l * (batch.size() + 1);
            if (!batch.isEmpty() && (padded > maxBatchTokens || padded > MAX_PADDING * (real + len))) continue;
            batch.add(pending.get(i));
            chosen[i] = true;
            longest = l;
            real += len;
        }
        List<Item> rest = new ArrayList<>(pending.size() - batch.size());
        for (int i = 0; i < chosen.length; i++) if (!chosen[i]) rest.add(pending.get(i));
        pending.clear();
        pending.addAll(rest);
        return batch;
    }

    private void run(List<Item> batch) {
        long start = System.nanoTime();
        int longest = 0, real = 0;
        List<Encoding> encodings = new ArrayList<>(batch.size());
        for (Item it : batch) {
            metrics.queued(start - it.job.enqueued);
            encodings.add(it.encoding());
            longest = Math.max(longest, it.length());
            real += it.length();
        }
        List<float[]> vectors;
        try {
            vectors = encoder.embedEncodings(encodings, batch.getFirst().job.normalize);
        } catch (RuntimeException | Error e) {
            for (Item it : batch) it.job.done.completeExceptionally(e);
            return;
        }
        metrics.batch(batch.size(), longest * batch.size(), real, System.nanoTime() - start);
        for (int k = 0; k < batch.size(); k++) {
            Item it = batch.get(k);
            it.job.out[it.index] = vectors.get(k);
            if (it.job.remaining.decrementAndGet() == 0) it.job.done.complete(Arrays.asList(it.job.out));
        }
    }

    /** Stops forming batches, fails what still waits (503), lets running batches finish (bounded by {@code wait}). */
    @Override
    public void close() {
        running = false;
        try {
            batcher.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runners.shutdown();
        try {
            runners.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
