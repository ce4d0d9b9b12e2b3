package dev.heed.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Faults from the client side, on raw sockets where the JDK client would hide them: a client that goes away while
 * its request waits for a batch (the request leaves the queue and is never computed), one that disconnects in the
 * middle of its body, a stalled body and a trickled one (the server keeps serving others and drops the slow client
 * within a bound), and a stop under load (every request the server accepted is answered whole).
 */
class FaultsTest {
    static final String LONG = "a fairly long sentence that keeps the only runner busy for a while ".repeat(12);
    static TextEncoder enc;

    @BeforeAll
    static void load() {
        enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(Http.CACHE));
    }

    @AfterAll
    static void close() {
        if (enc != null) enc.close();
    }

    static Metrics metrics(URI base) {
        return Metrics.parse(Http.get(base, "/metrics").body());
    }

    /** Polls {@code value} until it reaches {@code want} or {@code seconds} pass; returns the last value. */
    static double await(DoubleSupplier value, double want, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        double v = value.getAsDouble();
        while (v < want && System.nanoTime() < deadline) {
            Thread.sleep(10);
            v = value.getAsDouble();
        }
        return v;
    }

    static byte[] request(URI base, String path, String json, boolean close) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return out.toByteArray();
    }

    static Socket connect(URI base) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
        s.setSoTimeout(30_000);
        return s;
    }

    static CompletableFuture<HttpResponse<String>> sendAsync(URI base, String path, String json) {
        return Http.CLIENT.sendAsync(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aQueuedRequestWhoseClientWentAwayIsNeverComputed() throws Exception {
        ServerConfig cfg = ServerConfig.defaults().withPort(0).withRunners(1).withMaxClientBatchSize(64).withMaxBatchSize(64);
        try (HeedServer server = HeedServer.start(enc, cfg)) {
            URI base = server.uri();
            String busy = Http.json(Map.of("inputs", Collections.nCopies(64, LONG), "truncate", true));
            // three 64-input requests: the only runner is busy with the first while the others wait
            List<CompletableFuture<HttpResponse<String>>> busyOnes = new ArrayList<>();
            for (int i = 0; i < 3; i++) busyOnes.add(sendAsync(base, "/embed", busy));
            double queued = await(() -> metrics(base).get("heed_queue_size"), 64, 60);
            assertTrue(queued >= 64, "the later busy requests wait in the queue: " + queued);

            Metrics before = metrics(base);
            try (Socket gone = connect(base)) {
                gone.getOutputStream().write(request(base, "/embed", Http.json(Map.of("inputs", List.of("gone one", "gone two", "gone three"))), false));
                gone.getOutputStream().flush();
                double q = await(() -> metrics(base).get("heed_queue_size"), before.get("heed_queue_size") + 3, 30);
                assertTrue(q >= before.get("heed_queue_size") + 3, "the three inputs are queued: " + q);
            }   // the client goes away while its request waits
            assertFalse(busyOnes.getLast().isDone(), "the queue drained before the client left; the test proves nothing");
            double cancelled = await(() -> metrics(base).get("heed_requests_cancelled_total"), 1, 60);
            for (var f : busyOnes) assertEquals(200, f.get(120, TimeUnit.SECONDS).statusCode());
            assertEquals(1, cancelled, "the withdrawn request is counted once");
            Metrics after = metrics(base);
            assertEquals(3 * 64, after.get("heed_batch_size_sum"), "only the busy requests' inputs ran; the gone client's three never did");
            assertEquals(0, after.get("heed_queue_size"));
            double gone = await(() -> metrics(base).get("heed_http_requests_seconds_count{method=\"POST\",route=\"/embed\",status=\"499\"}"), 1, 10);
            assertEquals(1, gone, "recorded as 499 client closed request");
            assertEquals(0, after.get("heed_http_requests_seconds_count{method=\"POST\",route=\"/embed\",status=\"500\"}"));
            assertEquals(200, Http.post(base, "/embed", "{\"inputs\": \"still serving\"}").status());
        }
    }

    @Test
    void aClientThatDisconnectsMidBodyLeavesNothingBehind() throws Exception {
        try (HeedServer server = HeedServer.start(enc, ServerConfig.defaults().withPort(0))) {
            URI base = server.uri();
            for (int i = 0; i < 5; i++) {
                try (Socket s = connect(base)) {
                    OutputStream out = s.getOutputStream();
                    out.write(("POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
                            + "{\"input\": [\"half a bo").getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            }
            double idle = await(() -> 2 - metrics(base).get("heed_http_in_flight"), 1, 30);   // only the scrape itself in flight
            assertEquals(1, idle, "no request left hanging");
            Metrics m = metrics(base);
            for (String status : new String[] {"500", "200"}) {
                assertEquals(0, m.get("heed_http_requests_seconds_count{method=\"POST\",route=\"/v1/embeddings\",status=\"" + status + "\"}"), status);
            }
            assertEquals(200, Http.post(base, "/v1/embeddings", "{\"input\": \"still serving\"}").status());
        }
    }

    @Test
    void stalledAndTrickledBodiesAreDroppedWhileOthersAreServed() throws Exception {
        ServerConfig cfg = ServerConfig.defaults().withPort(0).withIdleTimeout(Duration.ofSeconds(2));
        try (HeedServer server = HeedServer.start(enc, cfg); ExecutorService pool = Executors.newFixedThreadPool(2)) {
            URI base = server.uri();
            String head = "POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
            // stalled: headers and a few bytes, then nothing
            Socket stalled = connect(base);
            stalled.getOutputStream().write((head + "{\"inputs\": \"").getBytes(StandardCharsets.ISO_8859_1));
            // trickled: one byte every 200 ms (5 bytes/s), far below the accepted rate
            Socket trickled = connect(base);
            trickled.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            AtomicBoolean dropped = new AtomicBoolean();
            Future<?> writer = pool.submit(() -> {
                try {
                    for (int i = 0; i < 150 && !dropped.get(); i++) {
                        trickled.getOutputStream().write('x');
                        trickled.getOutputStream().flush();
                        Thread.sleep(200);
                    }
                } catch (IOException | InterruptedException e) {
                    // the server closed it: expected
                }
                return null;
            });
            long t0 = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                long s = System.nanoTime();
                assertEquals(200, Http.post(base, "/embed", "{\"inputs\": \"served while others are slow\"}").status());
                assertTrue(System.nanoTime() - s < TimeUnit.SECONDS.toNanos(15), "a normal request waited behind slow clients");
            }
            String stalledEnd = readToEnd(stalled);
            String trickledEnd = readToEnd(trickled);
            dropped.set(true);
            writer.get(30, TimeUnit.SECONDS);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
            System.out.printf("stalled body: %s; trickled body: %s; both dropped within %d s%n", firstLine(stalledEnd), firstLine(trickledEnd), seconds);
            assertTrue(seconds < 25, "slow clients are dropped within a bound: " + seconds + " s");
            assertFalse(stalledEnd.startsWith("HTTP/1.1 200"), stalledEnd);
            assertFalse(trickledEnd.startsWith("HTTP/1.1 200"), trickledEnd);
            stalled.close();
            trickled.close();
            assertEquals(0, metrics(base).get("heed_http_requests_seconds_count{method=\"POST\",route=\"/embed\",status=\"500\"}"));
        }
    }

    /** Reads until the server closes the connection (bounded by the socket timeout); what it sent, possibly nothing. */
    static String readToEnd(Socket s) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) > 0; ) got.write(buf, 0, n);
        } catch (java.net.SocketTimeoutException e) {
            fail("the server kept a slow connection open past the socket timeout; got: " + got.toString(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            // reset by the server: dropped
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    static String firstLine(String s) {
        if (s.isEmpty()) return "closed without an answer";
        int nl = s.indexOf('\r');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** True when the reply declares a Content-Length and its body has exactly that many bytes. */
    static boolean wholeByLength(String reply, String body) {
        for (String line : reply.substring(0, Math.max(0, reply.indexOf("\r\n\r\n"))).split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                return Integer.parseInt(line.substring(15).trim()) == body.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return false;
    }

    @Test
    void stopUnderLoadAnswersEveryAcceptedRequest() throws Exception {
        int clients = 16;
        HeedServer server = HeedServer.start(enc, ServerConfig.defaults().withPort(0).withGracePeriod(Duration.ofSeconds(120)));
        URI base = server.uri();
        Map<Integer, AtomicInteger> answered = new ConcurrentHashMap<>();
        AtomicInteger refused = new AtomicInteger(), dropped = new AtomicInteger(), sent = new AtomicInteger(), jettyRefused = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        List<String> bad = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            for (int c = 0; c < clients; c++) {
                int id = c;
                pool.submit(() -> {
                    for (int k = 0; running.get(); k++) {
                        int n = 1 + (id + k) % 8;
                        List<String> texts = new ArrayList<>();
                        for (int i = 0; i < n; i++) texts.add("client " + id + " request " + k + " sentence " + i);
                        Socket s;
                        try {
                            s = connect(base);
                        } catch (IOException e) {
                            refused.incrementAndGet();          // not accepted: the server stopped listening
                            Thread.sleep(5);
                            continue;
                        }
                        sent.incrementAndGet();
                        try (s) {
                            s.getOutputStream().write(request(base, "/embed", Http.json(Map.of("inputs", texts)), true));
                            s.getOutputStream().flush();
                            String reply = readAll(s.getInputStream());
                            int status = reply.length() >= 12 && reply.startsWith("HTTP/1.1 ") ? Integer.parseInt(reply.substring(9, 12)) : -1;
                            String body = reply.contains("\r\n\r\n") ? reply.substring(reply.indexOf("\r\n\r\n") + 4) : "";
                            JsonNode j = status < 0 ? null : parse(dechunk(reply, body));
                            if (status == 200 && (j == null || !j.isArray() || j.size() != n)) bad.add("incomplete 200: " + reply);
                            // a 503 is Heed's JSON error, or, for a request that reaches Jetty while its context is already
                            // stopping, Jetty's own error page: either way a whole answer (its Content-Length is all there)
                            else if (status == 503 && (j == null || !j.has("message"))) {
                                if (wholeByLength(reply, body)) jettyRefused.incrementAndGet();   // not Heed's: not in its metrics
                                else bad.add("incomplete 503: " + reply);
                            }
                            else if (status != 200 && status != 503) bad.add("status " + status + ": " + reply);
                            else answered.computeIfAbsent(status, x -> new AtomicInteger()).incrementAndGet();
                        } catch (IOException e) {
                            dropped.incrementAndGet();        // connected but no answer: the server must not have counted it
                        }
                    }
                    return null;
                });
            }
            double before = await(() -> metrics(base).get("heed_http_requests_seconds_count{method=\"POST\",route=\"/embed\",status=\"200\"}"), 40, 120);
            assertTrue(before >= 40, "load is flowing: " + before);
            server.close();                                   // graceful: in-flight requests finish, then the connector closes
            Thread.sleep(500);                                // clients now meet a closed port
            running.set(false);
        } finally {
            running.set(false);
            pool.shutdown();
            assertTrue(pool.awaitTermination(120, TimeUnit.SECONDS));
            server.close();
        }
        Metrics m = Metrics.parse(server.scrapeMetrics());
        int ok = answered.getOrDefault(200, new AtomicInteger()).get(), busy = answered.getOrDefault(503, new AtomicInteger()).get();
        System.out.printf("stop under load: %d requests sent, %d answered 200, %d answered 503, %d answered 503 by Jetty while stopping, %d not accepted, %d connected but unanswered%n",
                sent.get(), ok, busy, jettyRefused.get(), refused.get(), dropped.get());
        assertEquals(List.of(), bad, "every answer is whole and either 200 or 503");
        assertEquals(m.get("heed_http_requests_seconds_count{method=\"POST\",route=\"/embed\",status=\"200\"}"), ok,
                "every request the server answered 200 reached its client whole");
        assertEquals(m.get("heed_http_requests_seconds_count{method=\"POST\",route=\"/embed\",status=\"503\"}"), busy);
        assertEquals(0, m.get("heed_http_requests_seconds_count{method=\"POST\",route=\"/embed\",status=\"500\"}"));
        assertTrue(refused.get() > 0, "the load went on past the stop");
    }

    static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    /** The body of a chunked reply, joined; a plain body as it is. */
    static String dechunk(String reply, String body) {
        String head = reply.substring(0, Math.max(0, reply.indexOf("\r\n\r\n"))).toLowerCase(java.util.Locale.ROOT);
        if (!head.contains("transfer-encoding: chunked")) return body;
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (at < body.length()) {
            int nl = body.indexOf("\r\n", at);
            if (nl < 0) return null;
            int size = Integer.parseInt(body.substring(at, nl).trim(), 16);
            if (size == 0) return out.toString();
            if (nl + 2 + size > body.length()) return null;
            out.append(body, nl + 2, nl + 2 + size);
            at = nl + 2 + size + 2;
        }
        return null;
    }

    static JsonNode parse(String s) {
        if (s == null) return null;
        try {
            return Http.JSON.readTree(s);
        } catch (IOException e) {
            return null;
        }
    }
}
