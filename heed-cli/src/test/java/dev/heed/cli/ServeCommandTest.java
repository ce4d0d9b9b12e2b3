package dev.heed.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code heed serve}: range checks in-process (exit 2), and the real command in its own JVM: one ready line with the
 * URL, answers, and SIGTERM while a request is in flight answers that request and exits 0.
 */
class ServeCommandTest {
    static final Pattern READY = Pattern.compile("heed serve: listening on (http://127\\.0\\.0\\.1:\\d+) \\(all-MiniLM-L6-v2, 384 dimensions");

    @Test
    void optionsOutOfRangeAreUsageErrors() {
        for (String[] bad : new String[][] {{"--port", "70000"}, {"--port", "-1"}, {"--max-batch-size", "0"},
                {"--max-batch-tokens", "0"}, {"--max-concurrent-requests", "0"}, {"--max-client-batch-size", "0"},
                {"--payload-limit", "0"}, {"--grace-period", "-1"}, {"--threads", "0"}, {"--max-image-pixels", "0"},
                {"--detect-model", "no/such/model.onnx"}, {"--classify-model", "no/such/vit.onnx"}}) {
            List<String> args = new ArrayList<>(List.of("serve"));
            args.addAll(List.of(bad));
            CliTest.Outcome o = CliTest.heed(args.toArray(String[]::new));
            assertEquals(2, o.exit(), String.join(" ", bad) + ": " + o.err());
            assertTrue(o.err().contains(bad[0]), o.err());
        }
    }

    @Test
    void servesAndStopsGracefullyOnSigterm() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-Xmx1g", "-cp",
                System.getProperty("java.class.path"), HeedCli.class.getName(), "serve", "--port", "0", "--threads", "1", "--grace-period", "300")
                .redirectError(ProcessBuilder.Redirect.PIPE).start();
        try {
            StringBuilder err = new StringBuilder();
            Thread drain = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) synchronized (err) { err.append(l).append('\n'); }
                } catch (java.io.IOException ignored) {
                    // the process ended
                }
            });
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertNotNull(ready, "no ready line; stderr:\n" + err);
            Matcher m = READY.matcher(ready);
            assertTrue(m.find(), ready);
            URI base = URI.create(m.group(1));
            HttpClient client = HttpClient.newHttpClient();
            assertEquals(200, client.send(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());

            // A slow request (16 long inputs on one thread), then SIGTERM once the server reports it in flight.
            String body = "{\"input\": [" + String.join(",", Collections.nCopies(16,
                    "\"" + "a fairly long sentence about graceful shutdown ".repeat(10) + "\"")) + "], \"truncate\": true}";
            CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(HttpRequest.newBuilder(base.resolve("/v1/embeddings"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                String metrics = client.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
                Matcher g = Pattern.compile("(?m)^heed_http_in_flight (\\S+)").matcher(metrics);
                if ((g.find() && Double.parseDouble(g.group(1)) >= 2) || inFlight.isDone()) break;   // 2: the scrape itself and the embedding request
                Thread.sleep(20);
            }
            assertFalse(inFlight.isDone(), "the request finished before SIGTERM; the test proves nothing");
            p.toHandle().destroy();    // SIGTERM; unlike Process.destroy() it leaves our ends of the pipes open
            HttpResponse<String> answered = inFlight.get(120, TimeUnit.SECONDS);
            assertEquals(200, answered.statusCode(), answered.body());
            assertTrue(answered.body().contains("\"prompt_tokens\""), answered.body());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "did not exit after SIGTERM");
            drain.join(5000);
            assertEquals(0, p.exitValue(), "exit code after SIGTERM; stderr:\n" + err);
            synchronized (err) { assertTrue(err.toString().contains("heed serve: stopping"), err.toString()); }
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * SIGTERM while 12 clients keep sending (each request on its own connection): every request the server counted
     * (it prints the count when it stops) reached its client whole, as 200 with every vector or as 503; the others
     * were refused at connect. Exit code 0.
     */
    @Test
    void sigtermUnderLoadAnswersEveryAcceptedRequest() throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "--add-modules", "jdk.incubator.vector", "-Xmx1g", "-cp",
                System.getProperty("java.class.path"), HeedCli.class.getName(), "serve", "--port", "0", "--grace-period", "120")
                .redirectError(ProcessBuilder.Redirect.PIPE).start();
        try {
            StringBuilder err = new StringBuilder();
            Thread drain = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) synchronized (err) { err.append(l).append('\n'); }
                } catch (java.io.IOException ignored) {
                    // the process ended
                }
            });
            String ready = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertNotNull(ready, "no ready line; stderr:\n" + err);
            Matcher m = READY.matcher(ready);
            assertTrue(m.find(), ready);
            URI base = URI.create(m.group(1));
            java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger(), busy = new java.util.concurrent.atomic.AtomicInteger(),
                    refused = new java.util.concurrent.atomic.AtomicInteger(), dropped = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
            List<String> bad = java.util.Collections.synchronizedList(new ArrayList<>());
            int clients = 12;
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
            for (int c = 0; c < clients; c++) {
                int id = c;
                pool.submit(() -> {
                    for (int k = 0; running.get(); k++) {
                        int n = 1 + (id + k) % 6;
                        StringBuilder json = new StringBuilder("{\"input\": [");
                        for (int i = 0; i < n; i++) json.append(i > 0 ? "," : "").append("\"client ").append(id).append(" request ").append(k).append(" text ").append(i).append('"');
                        byte[] body = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
                        java.net.Socket s = new java.net.Socket();
                        try {
                            s.connect(new java.net.InetSocketAddress(base.getHost(), base.getPort()), 5000);
                        } catch (java.io.IOException e) {
                            refused.incrementAndGet();
                            try { s.close(); } catch (java.io.IOException ignored) { /* nothing to close */ }
                            Thread.sleep(5);
                            continue;
                        }
                        try (s) {
                            s.setSoTimeout(120_000);
                            s.getOutputStream().write(("POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
                                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                            s.getOutputStream().write(body);
                            s.getOutputStream().flush();
                            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                            if (reply.startsWith("HTTP/1.1 200") && reply.contains("\"index\":" + (n - 1) + "}") && reply.contains("\"usage\"")) ok.incrementAndGet();
                            else if (reply.startsWith("HTTP/1.1 503") && reply.contains("shutting down")) busy.incrementAndGet();
                            else if (reply.isEmpty()) dropped.incrementAndGet();
                            else bad.add(reply.length() > 300 ? reply.substring(0, 300) : reply);
                        } catch (java.io.IOException e) {
                            dropped.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (ok.get() < 30 && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(ok.get() >= 30, "load is flowing: " + ok.get() + "; stderr:\n" + err);
            p.toHandle().destroy();    // SIGTERM
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "did not exit after SIGTERM");
            running.set(false);
            pool.shutdown();
            assertTrue(pool.awaitTermination(120, TimeUnit.SECONDS));
            drain.join(5000);
            assertEquals(0, p.exitValue(), "exit code after SIGTERM; stderr:\n" + err);
            String log;
            synchronized (err) { log = err.toString(); }
            Matcher count = Pattern.compile("heed serve: stopped after answering (\\d+) requests").matcher(log);
            assertTrue(count.find(), log);
            System.out.printf("SIGTERM under load: %d answered 200, %d answered 503, %d refused at connect, %d connected but unanswered; the server counted %s%n",
                    ok.get(), busy.get(), refused.get(), dropped.get(), count.group(1));
            assertEquals(List.of(), bad, "every answer is whole");
            assertEquals(Long.parseLong(count.group(1)), ok.get() + busy.get(),
                    "every request the server answered reached its client whole (the ready check used no HTTP request)");
        } finally {
            p.destroyForcibly();
        }
    }
}
