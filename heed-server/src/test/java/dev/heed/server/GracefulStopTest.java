package dev.heed.server;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link HeedServer#close()} while a request is being computed: that request is answered whole, then nothing is. */
class GracefulStopTest {

    @Test
    void inFlightRequestIsAnsweredThenConnectionsAreRefused() throws Exception {
        try (TextEncoder enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(Http.CACHE).withExecution(
                dev.heed.exec.ExecutionOptions.defaults().withThreads(1)))) {
            HeedServer server = HeedServer.start(enc, ServerConfig.defaults().withPort(0).withRunners(1).withGracePeriod(Duration.ofSeconds(300)));
            URI base = server.uri();
            try {
                String body = Http.json(Map.of("input", Collections.nCopies(32, "a sentence about stopping a server gracefully ".repeat(10)), "truncate", true));
                CompletableFuture<HttpResponse<String>> slow = Http.CLIENT.sendAsync(HttpRequest.newBuilder(base.resolve("/v1/embeddings"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (System.nanoTime() < deadline && !slow.isDone()
                        && Metrics.parse(Http.get(base, "/metrics").body()).get("heed_queue_size") == 0
                        && Metrics.parse(Http.get(base, "/metrics").body()).get("heed_batch_size_count") == 0) {
                    Thread.sleep(5);
                }
                assertFalse(slow.isDone(), "the request finished before close(); the test proves nothing");
                server.close();
                HttpResponse<String> r = slow.get(60, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(32, Http.JSON.readTree(r.body()).get("data").size());
            } finally {
                server.close();
            }
            Exception refused = assertThrows(Exception.class, () -> Http.CLIENT.send(HttpRequest.newBuilder(base.resolve("/health"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()));
            assertTrue(refused instanceof ConnectException || refused.getCause() instanceof ConnectException
                    || refused instanceof java.io.IOException, refused.toString());
        }
    }
}
