package dev.heed.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The server's Micrometer meters, exposed in Prometheus text by {@code GET /metrics}:
 * <ul>
 *   <li>{@code heed_http_requests_seconds} — request duration histogram, tagged route, method and status (its
 *       {@code _count} is the request count by route and status);</li>
 *   <li>{@code heed_queue_seconds}, {@code heed_inference_seconds} — time an input waits for its batch, time a batch
 *       runs;</li>
 *   <li>{@code heed_http_in_flight} — requests being handled;</li>
 *   <li>{@code heed_queue_size} — inputs waiting; {@code heed_batch_size}, {@code heed_batch_tokens} — inputs and
 *       padded tokens per model run; {@code heed_input_tokens_total} — tokens embedded;</li>
 *   <li>{@code heed_model_runs_total} — model runs of batches, tagged {@code threads}: how many of the encoder's
 *       threads each run used (all of them for a batch alone, one each for batches run side by side under load);</li>
 *   <li>{@code heed_requests_cancelled_total} — requests whose client went away before their batch was formed
 *       (they leave the queue and are never computed);</li>
 *   <li>{@code heed_image_seconds} — decode plus model plus post-processing per image, tagged task (detect,
 *       classify).</li>
 * </ul>
 */
final class ServerMetrics {
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer queue;
    private final Timer inference;
    private final DistributionSummary batchSize;
    private final DistributionSummary batchTokens;
    private final Counter inputTokens;
    private final Counter cancelled;
    private final java.util.concurrent.atomic.AtomicLong answered = new java.util.concurrent.atomic.AtomicLong();

    ServerMetrics(Supplier<Number> queueSize) {
        queue = Timer.builder("heed_queue").description("Time an input waits in the queue for its batch")
                .publishPercentileHistogram().register(registry);
        inference = Timer.builder("heed_inference").description("Time one batched model run takes")
                .publishPercentileHistogram().register(registry);
        batchSize = DistributionSummary.builder("heed_batch_size").description("Inputs per model run")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256).register(registry);
        batchTokens = DistributionSummary.builder("heed_batch_tokens").description("Padded tokens per model run")
                .serviceLevelObjectives(64, 256, 1024, 4096, 16384, 65536).register(registry);
        inputTokens = Counter.builder("heed_input_tokens").description("Tokens of the inputs embedded").register(registry);
        cancelled = Counter.builder("heed_requests_cancelled").description("Requests withdrawn from the queue because their client went away")
                .register(registry);
        Gauge.builder("heed_queue_size", queueSize, s -> s.get().doubleValue()).description("Inputs waiting for a batch")
                .strongReference(true).register(registry);
    }

    /** {@code heed_http_in_flight}: requests being handled (read, queued, computed or written). */
    void inFlight(Supplier<Number> n) {
        Gauge.builder("heed_http_in_flight", n, s -> s.get().doubleValue()).description("HTTP requests being handled")
                .strongReference(true).register(registry);
    }

    /** Requests answered (any route and status) since the start. */
    long answered() { return answered.get(); }

    void request(String route, String method, int status, long nanos) {
        answered.incrementAndGet();
        Timer.builder("heed_http_requests").description("HTTP requests by route, method and status")
                .tag("route", route).tag("method", method).tag("status", Integer.toString(status))
                .publishPercentileHistogram().maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    void queued(long nanos) { queue.record(nanos, TimeUnit.NANOSECONDS); }

    /** A model run starts: its inputs, padded tokens and the threads it runs on. */
    void batchStarted(int inputs, int paddedTokens, int threads) {
        batchSize.record(inputs);
        batchTokens.record(paddedTokens);
        Counter.builder("heed_model_runs").description("Batched model runs by the number of threads each used")
                .tag("threads", Integer.toString(threads)).register(registry).increment();
    }

    /** A model run ended well: its real tokens and how long it took. */
    void batchDone(int realTokens, long nanos) {
        inputTokens.increment(realTokens);
        inference.record(nanos, TimeUnit.NANOSECONDS);
    }

    void cancelledRequest() { cancelled.increment(); }

    void image(String task, long nanos) {
        Timer.builder("heed_image").description("Decode, model and post-processing time of one image").tag("task", task)
                .publishPercentileHistogram().register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    String scrape() { return registry.scrape(); }
}
