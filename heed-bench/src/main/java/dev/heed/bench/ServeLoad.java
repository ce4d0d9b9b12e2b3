package dev.heed.bench;

import dev.heed.exec.ExecutionOptions;
import dev.heed.server.HeedServer;
import dev.heed.server.ServerConfig;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Load on {@code heed serve}, measured: a JDK HttpClient generator on loopback against a {@link HeedServer} in this
 * JVM (the same {@link TextEncoder}, so the same threads as the in-process baseline), {@code POST /v1/embeddings} with
 * sentences of heed-models' tokenizer corpus, at each concurrency for a fixed time, with one-sentence requests and with
 * requests of 1 to 64 sentences. Prints one Markdown table (requests, failures, requests/s, sentences/s, p50 / p90 /
 * p99 latency), the two targets against the in-process baselines ({@code embedAll} throughput on the same
 * one-sentence texts; one {@code embed} call's p50), and a soak: heap after GC before and after it.
 *
 * <pre>
 * ./mvnw -q -Pbench -DskipTests package -pl heed-bench -am
 * java --add-modules jdk.incubator.vector -Xmx2g -cp heed-bench/target/benchmarks.jar dev.heed.bench.ServeLoad \
 *     [--threads 2] [--runners 2] [--seconds 20] [--concurrency 1,8,32,128] [--soak-seconds 300] [--corpus FILE]
 * </pre>
 * The client shares the machine with the server (as {@code hey} would): on a small machine it takes CPU from it.
 */
public final class ServeLoad {
    private ServeLoad() {}

    /** One measured level: latencies in ns, sentences sent. */
    record Level(String workload, int concurrency, long[] latencies, int failed, long sentences, double seconds) {
        double pct(double p) {
            if (latencies.length == 0) return Double.NaN;
            long[] s = latencies.clone();
            Arrays.sort(s);
            return s[Math.min(s.length - 1, (int) Math.ceil(p / 100 * s.length) - 1)] / 1e6;
        }

        String row() {
            return String.format(Locale.ROOT, "| %s | %d | %d | %d | %.1f | %.1f | %.2f | %.2f | %.2f |", workload, concurrency,
                    latencies.length + failed, failed, latencies.length / seconds, sentences / seconds, pct(50), pct(90), pct(99));
        }
    }

    public static void main(String[] args) throws Exception {
        int threads = Runtime.getRuntime().availableProcessors(), seconds = 20, soak = 300, runners = 2;
        int[] levels = {1, 8, 32, 128};
        Path corpusFile = Path.of("heed-models", "src", "test", "resources", "text", "corpus.txt");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--soak-seconds" -> soak = Integer.parseInt(args[++i]);
                case "--concurrency" -> levels = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--corpus" -> corpusFile = Path.of(args[++i]);
                case "--runners" -> runners = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --threads N --runners N --seconds S --concurrency 1,8,32,128 --soak-seconds S --corpus FILE");
            }
        }
        Path cache = Path.of(System.getProperty("java.io.tmpdir"), "heed-serve-load-cache");
        try (TextEncoder enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(cache)
                .withExecution(ExecutionOptions.defaults().withThreads(threads)))) {
            List<String> corpus = corpus(corpusFile, enc);
            System.out.printf(Locale.ROOT, "corpus: %d sentences (%s); encoder threads %d; %d processors%n",
                    corpus.size(), corpusFile, threads, Runtime.getRuntime().availableProcessors());

            // in-process baselines on the same texts and threads
            for (int w = 0; w < 3; w++) enc.embedAll(corpus);
            long t0 = System.nanoTime();
            int rounds = 0;
            while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(seconds)) {
                enc.embedAll(corpus);
                rounds++;
            }
            double embedAllRate = (double) rounds * corpus.size() / ((System.nanoTime() - t0) / 1e9);
            long[] single = new long[Math.max(200, Math.min(2000, corpus.size() * 2))];
            for (int i = 0; i < 200; i++) enc.embed(corpus.get(i % corpus.size()));
            for (int i = 0; i < single.length; i++) {
                long s = System.nanoTime();
                enc.embed(corpus.get(i % corpus.size()));
                single[i] = System.nanoTime() - s;
            }
            Arrays.sort(single);
            double embedP50 = single[single.length / 2] / 1e6;
            System.out.printf(Locale.ROOT, "in-process: embedAll %.1f sentences/s; embed p50 %.2f ms%n", embedAllRate, embedP50);

            ServerConfig cfg = ServerConfig.defaults().withPort(0).withMaxClientBatchSize(64).withMaxConcurrentRequests(4096)
                    .withRunners(runners);
            System.out.printf(Locale.ROOT, "server: %d runner threads (batches in flight at once)%n", runners);
            try (HeedServer server = HeedServer.start(enc, cfg)) {
                URI url = server.uri().resolve("/v1/embeddings");
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
                List<Level> results = new ArrayList<>();
                for (String workload : new String[] {"1 sentence", "1-64 sentences"}) {
                    for (int c : levels) {
                        int max = workload.startsWith("1 ") ? 1 : 64;
                        run(client, url, corpus, c, max, 3);                      // warm-up, not recorded
                        Level l = run(client, url, corpus, c, max, seconds);
                        results.add(new Level(workload, c, l.latencies(), l.failed(), l.sentences(), l.seconds()));
                        System.out.println(results.getLast().row());
                    }
                }
                System.out.println();
                System.out.println("| workload | concurrency | requests | failed | requests/s | sentences/s | p50 ms | p90 ms | p99 ms |");
                System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
                for (Level l : results) System.out.println(l.row());
                for (Level l : results) {
                    if (l.workload().startsWith("1 ") && l.concurrency() == 32) {
                        double rate = l.sentences() / l.seconds();
                        System.out.printf(Locale.ROOT, "target 1: c=32 one-sentence %.1f sentences/s = %.2fx in-process embedAll (%.1f/s); target >= 0.90x: %s%n",
                                rate, rate / embedAllRate, embedAllRate, rate / embedAllRate >= 0.9 ? "met" : "NOT met");
                    }
                    if (l.workload().startsWith("1 ") && l.concurrency() == 1) {
                        System.out.printf(Locale.ROOT, "target 2: c=1 p50 %.2f ms vs in-process embed p50 %.2f ms: +%.2f ms; target <= 2 ms: %s%n",
                                l.pct(50), embedP50, l.pct(50) - embedP50, l.pct(50) - embedP50 <= 2 ? "met" : "NOT met");
                    }
                }
                if (soak > 0) {
                    long before = heapAfterGc();
                    Level l = run(client, url, corpus, 32, 64, soak);
                    long after = heapAfterGc();
                    System.out.printf(Locale.ROOT, "soak: %d s at c=32, 1-64 sentences: %d requests, %d failed, %.1f sentences/s; "
                                    + "heap after GC %.1f MB before, %.1f MB after (%+.1f MB)%n", soak, l.latencies().length + l.failed(),
                            l.failed(), l.sentences() / l.seconds(), before / 1e6, after / 1e6, (after - before) / 1e6);
                }
            }
        }
    }

    /** Embeddable lines of the corpus: not blank, within the model's length, shorter than 300 characters. */
    static List<String> corpus(Path file, TextEncoder enc) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readString(file, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank() && line.length() < 300 && enc.tokenizer().encode(line).length() <= enc.maxTokens()) out.add(line);
        }
        return out;
    }

    /** {@code c} clients, each sending one request after another for {@code seconds}; requests of 1 to {@code max} sentences. */
    static Level run(HttpClient client, URI url, List<String> corpus, int c, int max, int seconds) throws Exception {
        AtomicBoolean go = new AtomicBoolean(true);
        List<long[]> lat = new ArrayList<>();
        int[] failed = new int[c];
        long[] sentences = new long[c];
        int[] counts = new int[c];
        for (int i = 0; i < c; i++) lat.add(new long[1 << 16]);
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(c)) {
            for (int k = 0; k < c; k++) {
                int id = k;
                pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(42 + id);
                    while (go.get()) {
                        int n = max == 1 ? 1 : 1 + rnd.nextInt(max);
                        StringBuilder body = new StringBuilder("{\"input\": [");
                        for (int i = 0; i < n; i++) {
                            if (i > 0) body.append(',');
                            json(body, corpus.get(rnd.nextInt(corpus.size())));
                        }
                        body.append("]}");
                        HttpRequest req = HttpRequest.newBuilder(url).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).timeout(Duration.ofSeconds(120)).build();
                        long s = System.nanoTime();
                        try {
                            HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                            long t = System.nanoTime() - s;
                            if (r.statusCode() != 200 || !r.body().contains("\"index\":" + (n - 1) + "}")) {
                                failed[id]++;
                                if (failed[id] <= 3) System.err.println("failed: " + r.statusCode() + " " + r.body().substring(0, Math.min(200, r.body().length())));
                            } else if (counts[id] < lat.get(id).length) {
                                lat.get(id)[counts[id]++] = t;
                                sentences[id] += n;
                            }
                        } catch (IOException e) {
                            failed[id]++;
                            if (failed[id] <= 3) System.err.println("failed: " + e);
                        }
                    }
                    return null;
                });
            }
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            go.set(false);
        }
        double secs = (System.nanoTime() - start) / 1e9;
        int total = 0, bad = 0;
        long sent = 0;
        for (int k = 0; k < c; k++) {
            total += counts[k];
            bad += failed[k];
            sent += sentences[k];
        }
        long[] all = new long[total];
        int at = 0;
        for (int k = 0; k < c; k++) {
            System.arraycopy(lat.get(k), 0, all, at, counts[k]);
            at += counts[k];
        }
        return new Level("", c, all, bad, sent, secs);
    }

    private static void json(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (ch < 0x20) sb.append(String.format("\\u%04x", (int) ch));
                    else sb.append(ch);
                }
            }
        }
        sb.append('"');
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(500);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
