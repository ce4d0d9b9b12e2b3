package dev.heed.server;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.exec.ExecutionOptions;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dynamic batching seen from outside: concurrent one-sentence requests come back correct and are coalesced into fewer
 * model runs than requests (read from the scraped /metrics, whose counts must match what was sent), and a bounded
 * queue answers 429 with Retry-After instead of growing.
 */
class BatchingTest {
    static TextEncoder enc;
    static List<String> corpus;

    @BeforeAll
    static void load() throws Exception {
        enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(Http.CACHE));
        corpus = new ArrayList<>();
        for (String line : Http.corpus()) {
            if (!line.isBlank() && enc.tokenizer().encode(line).length() <= enc.maxTokens() && line.length() < 300) corpus.add(line);
        }
    }

    @AfterAll
    static void close() {
        if (enc != null) enc.close();
    }

    /**
     * Sends every text as its own {@code POST /embed} at once, checks each is answered 200, and returns the largest
     * |difference| of the returned vectors from {@code reference}'s in-process {@code embed}.
     */
    static double embedAtOnce(URI base, ExecutorService clients, List<String> texts, TextEncoder reference) throws Exception {
        List<Future<Http.Reply>> replies = new ArrayList<>();
        for (String t : texts) replies.add(clients.submit(() -> Http.post(base, "/embed", Http.json(Map.of("inputs", t)))));
        double worst = 0;
        for (int i = 0; i < texts.size(); i++) {
            Http.Reply r = replies.get(i).get();
            assertEquals(200, r.status(), r.body());
            worst = Math.max(worst, Http.maxDiff(reference.embed(texts.get(i)), Http.floats(r.json().get(0))));
        }
        return worst;
    }

    @Test
    void concurrentRequestsAreBatchedAndCounted() throws Exception {
        int n = 48;
        List<String> texts = corpus.subList(0, n);
        try (HeedServer server = HeedServer.start(enc, ServerConfig.defaults().withPort(0).withRunners(1));
             ExecutorService clients = Executors.newFixedThreadPool(n)) {
            URI base = server.uri();
            Metrics before = Metrics.parse(Http.get(base, "/metrics").body());
            double worst = embedAtOnce(base, clients, texts, enc);
            System.out.printf("batched vs in-process embed: max |diff| = %.3g%n", worst);
            assertTrue(worst <= 1e-6, "max |diff| " + worst);
            Metrics after = Metrics.parse(Http.get(base, "/metrics").body());
            double inputs = after.get("heed_batch_size_sum") - before.get("heed_batch_size_sum");
            double batches = after.get("heed_batch_size_count") - before.get("heed_batch_size_count");
            double ok = after.get("heed_http_requests_seconds_count{method=\"POST\",route=\"/embed\",status=\"200\"}")
                    - before.get("heed_http_requests_seconds_count{method=\"POST\",route=\"/embed\",status=\"200\"}");
            System.out.printf("%d requests -> %.0f model runs (%.1f inputs per run)%n", n, batches, inputs / batches);
            assertEquals(n, inputs, "inputs counted by heed_batch_size");
            assertEquals(n, ok, "requests counted by heed_http_requests");
            assertTrue(batches < n, "concurrent requests must share model runs: " + batches + " runs for " + n + " requests");
            assertTrue(after.get("heed_input_tokens_total") > 0);
            assertEquals(0, after.get("heed_queue_size"), "nothing left waiting");
        }
    }

    @Test
    void underLoadBatchesRunSideBySideAndALoneRequestUsesEveryThread() throws Exception {
        int n = 48;
        List<String> texts = corpus.subList(0, n);
        try (TextEncoder two = TextEncoder.defaultModel(TextEncoderOptions.defaults(Http.CACHE)
                .withExecution(ExecutionOptions.defaults().withThreads(2)));
             HeedServer server = HeedServer.start(two, ServerConfig.defaults().withPort(0).withMaxBatchSize(4));
             ExecutorService clients = Executors.newFixedThreadPool(n)) {
            URI base = server.uri();
            double worst = embedAtOnce(base, clients, texts, two);
            assertTrue(worst <= 1e-6, "one-thread runs must give the two-thread vectors: max |diff| " + worst);
            Metrics m = Metrics.parse(Http.get(base, "/metrics").body());
            double one = m.get("heed_model_runs_total{threads=\"1\"}"), all = m.get("heed_model_runs_total{threads=\"2\"}");
            System.out.printf("%d concurrent requests, runs of at most 4: %.0f runs on one thread, %.0f on both%n", n, one, all);
            assertEquals(m.get("heed_batch_size_count"), one + all, "every run counted once by its threads");
            assertTrue(one >= 2, "with 48 requests waiting, batches must run side by side on one thread each: " + one);
            // alone, a request gets both threads
            assertEquals(200, Http.post(base, "/embed", Http.json(Map.of("inputs", "alone"))).status());
            Metrics after = Metrics.parse(Http.get(base, "/metrics").body());
            assertEquals(all + 1, after.get("heed_model_runs_total{threads=\"2\"}"), "a lone request runs on every thread");
        }
    }

    @Test
    void boundedQueueAnswers429() throws Exception {
        int n = 16;
        List<String> batch = corpus.subList(0, 32);
        try (HeedServer server = HeedServer.start(enc, ServerConfig.defaults().withPort(0).withRunners(1).withMaxConcurrentRequests(1));
             ExecutorService clients = Executors.newFixedThreadPool(n)) {
            URI base = server.uri();
            List<Future<Http.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < n; i++) replies.add(clients.submit(() -> Http.post(base, "/v1/embeddings", Http.json(Map.of("input", batch)))));
            int ok = 0, busy = 0;
            for (Future<Http.Reply> f : replies) {
                Http.Reply r = f.get();
                if (r.status() == 200) {
                    ok++;
                    assertEquals(32, r.json().get("data").size());
                } else {
                    assertEquals(429, r.status(), r.body());
                    assertEquals("1", r.header("Retry-After"));
                    assertEquals("rate_limit_error", r.json().get("error").get("type").asText());
                    busy++;
                }
            }
            System.out.printf("max-concurrent-requests 1, %d concurrent requests: %d answered, %d refused with 429%n", n, ok, busy);
            assertTrue(ok >= 1 && busy >= 1, ok + " ok, " + busy + " refused");
            Metrics m = Metrics.parse(Http.get(base, "/metrics").body());
            assertEquals(busy, m.get("heed_http_requests_seconds_count{method=\"POST\",route=\"/v1/embeddings\",status=\"429\"}"));
            // Once the queue drains the server answers again.
            assertEquals(200, Http.post(base, "/v1/embeddings", Http.json(Map.of("input", Collections.nCopies(2, "again")))).status());
        }
    }
}
