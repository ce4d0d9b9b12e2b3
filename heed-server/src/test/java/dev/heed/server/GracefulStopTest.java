package dev.heed.server;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link HeedServer#close()} while a request is being computed: that request is answered whole, then nothing is. */
class GracefulStopTest {

    /** One encoder thread and one runner: a few full batches are seconds of work, time enough to stop during them. */
    private static TextEncoder oneThreadEncoder() {
        return TextEncoder.defaultModel(TextEncoderOptions.defaults(Http.CACHE).withExecution(
                dev.heed.exec.ExecutionOptions.defaults().withThreads(1)));
    }

    /** A server on a free port whose graceful stop waits (up to 300 s) for whatever is in flight. */
    private static HeedServer slowToStop(TextEncoder enc) {
        return HeedServer.start(enc, ServerConfig.defaults().withPort(0).withRunners(1).withGracePeriod(Duration.ofSeconds(300)));
    }

    @Test
    void inFlightRequestIsAnsweredThenConnectionsAreRefused() throws Exception {
        try (TextEncoder enc = oneThreadEncoder()) {
            HeedServer server = slowToStop(enc);
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

    @Test
    void requestArrivingDuringTheStopIsAnswered503InTheApisForm() throws Exception {
        try (TextEncoder enc = oneThreadEncoder()) {
            HeedServer server = slowToStop(enc);
            URI base = server.uri();
            Thread closer = null;
            // two connections opened before the stop; the requests on them are sent while it runs
            try (java.net.Socket openAi = new java.net.Socket(base.getHost(), base.getPort());
                    java.net.Socket tei = new java.net.Socket(base.getHost(), base.getPort())) {
                // three full batches for one runner on one thread: seconds of work in flight when the stop begins
                String body = Http.json(Map.of("input", Collections.nCopies(32, "a sentence about stopping a server gracefully ".repeat(10)), "truncate", true));
                List<CompletableFuture<HttpResponse<String>>> slows = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    slows.add(Http.CLIENT.sendAsync(HttpRequest.newBuilder(base.resolve("/v1/embeddings"))
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                CompletableFuture<HttpResponse<String>> slow = slows.get(2);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (System.nanoTime() < deadline && !slow.isDone()
                        && Metrics.parse(Http.get(base, "/metrics").body()).get("heed_queue_size") == 0
                        && Metrics.parse(Http.get(base, "/metrics").body()).get("heed_batch_size_count") == 0) {
                    Thread.sleep(5);
                }
                long answeredBefore = server.requestsAnswered();
                closer = Thread.ofPlatform().start(server::close);
                Thread.sleep(200);
                assertFalse(slow.isDone(), "the slow request finished before the late ones were sent; the test proves nothing");
                String openAiReply = exchange(openAi, "POST /v1/embeddings", "{\"input\": \"late\"}");
                String teiReply = exchange(tei, "POST /embed", "{\"inputs\": \"late\"}");
                for (String reply : new String[] {openAiReply, teiReply}) {
                    assertTrue(reply.startsWith("HTTP/1.1 503"), reply);
                    assertTrue(reply.toLowerCase(java.util.Locale.ROOT).contains("content-type: application/json"), reply);
                }
                var openAiError = Http.JSON.readTree(openAiReply.substring(openAiReply.indexOf("\r\n\r\n") + 4));
                assertEquals("the server is shutting down", openAiError.get("error").get("message").asText(), openAiReply);
                assertEquals("503", openAiError.get("error").get("code").asText(), openAiReply);
                var teiError = Http.JSON.readTree(teiReply.substring(teiReply.indexOf("\r\n\r\n") + 4));
                assertEquals("the server is shutting down", teiError.get("message").asText(), teiReply);
                assertEquals(503, teiError.get("code").asInt(), teiReply);
                for (CompletableFuture<HttpResponse<String>> f : slows) assertEquals(200, f.get(120, TimeUnit.SECONDS).statusCode());
                closer.join(120_000);
                assertEquals(answeredBefore + 2 + slows.size(), server.requestsAnswered(), "the two refusals and the slow answers are counted");
            } finally {
                if (closer != null) closer.join(120_000);
                server.close();
            }
        }
    }

    /** One HTTP/1.1 request with a JSON body on an open connection; the whole reply, head and body. */
    private static String exchange(java.net.Socket s, String requestLine, String json) throws java.io.IOException {
        byte[] body = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        s.setSoTimeout(60_000);
        s.getOutputStream().write((requestLine + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        s.getOutputStream().write(body);
        s.getOutputStream().flush();
        return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
