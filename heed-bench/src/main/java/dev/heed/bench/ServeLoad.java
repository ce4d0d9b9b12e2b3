package dev.heed.bench;

import dev.heed.exec.ExecutionOptions;
import dev.heed.server.HeedServer;
import dev.heed.server.ServerConfig;
import dev.heed.text.Encoding;
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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load on {@code heed serve}, measured: a generator on loopback against a {@link HeedServer} in this JVM (the same
 * {@link TextEncoder}, so the same threads as the in-process baseline), {@code POST /v1/embeddings} with sentences of
 * heed-models' tokenizer corpus, at each concurrency for a fixed time, with one-sentence requests and with requests of
 * 1 to 64 sentences. Prints one Markdown table (requests, failures, requests/s, sentences/s, p50 / p90 / p99 latency),
 * the two targets against the in-process baselines ({@code embedAll} throughput on the same one-sentence
 * texts; one {@code embed} call's p50), and a soak: heap after GC before and after it.
 *
 * <p>Beside every level it prints what the server says about it (model runs, inputs and padded tokens per run, time in
 * the model and in the queue, server-side request time, from {@code /metrics}) and where the CPU went: the model's
 * threads, the HTTP server's, the generator's own (it shares the cores with the server, as {@code hey} would), the
 * JVM's, and other processes on the machine.
 *
 * <pre>
 * ./mvnw -q -Pbench -DskipTests package -pl heed-bench -am
 * java --add-modules jdk.incubator.vector -Xmx2g -cp heed-bench/target/benchmarks.jar dev.heed.bench.ServeLoad \
 *     [--threads 2] [--runners 0] [--seconds 20] [--concurrency 1,8,32,128 | --only c1,c32] [--workloads one|multi|both]
 *     [--client socket|jdk] [--calibrate] [--soak-seconds 300] [--corpus FILE]
 * </pre>
 * {@code --client socket} (the default) is a minimal keep-alive HTTP/1.1 client ({@link LoadClient}) that costs little
 * CPU; {@code jdk} is the JDK {@code HttpClient}. {@code --calibrate} prints the model's in-process cost by batch shape.
 */
public final class ServeLoad {
    private ServeLoad() {}

    /** One measured level: latencies in ns, sentences sent. */
    record Level(String workload, int concurrency, long[] latencies, int failed, long sentences, double seconds, CpuMeter.Usage cpu) {
        double mean() {
            return Arrays.stream(latencies).average().orElse(Double.NaN) / 1e6;
        }

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
        int threads = Runtime.getRuntime().availableProcessors(), seconds = 20, soak = 300, runners = ServerConfig.defaults().runners();
        int[] levels = {1, 8, 32, 128};
        String workloads = "both", clientKind = "socket";
        boolean calibrate = false;
        Path corpusFile = Path.of("heed-models", "src", "test", "resources", "text", "corpus.txt");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--soak-seconds" -> soak = Integer.parseInt(args[++i]);
                case "--concurrency" -> levels = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--corpus" -> corpusFile = Path.of(args[++i]);
                case "--runners" -> runners = Integer.parseInt(args[++i]);
                case "--workloads" -> workloads = args[++i];
                case "--client" -> clientKind = args[++i];
                case "--calibrate" -> calibrate = true;
                case "--only" -> {             // e.g. c1,c32: one-sentence requests at these concurrencies only
                    workloads = "one";
                    levels = Arrays.stream(args[++i].split(",")).mapToInt(t -> Integer.parseInt(t.trim().replaceFirst("^c", ""))).toArray();
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --threads N --runners N --seconds S --concurrency 1,8,32,128 --only c1,c32"
                        + " --workloads one|multi|both --client socket|jdk --calibrate --soak-seconds S --corpus FILE");
            }
        }
        if (!clientKind.equals("socket") && !clientKind.equals("jdk")) {
            throw new IllegalArgumentException("--client must be socket or jdk, not " + clientKind);
        }
        if (!workloads.equals("one") && !workloads.equals("multi") && !workloads.equals("both")) {
            throw new IllegalArgumentException("--workloads must be one, multi or both, not " + workloads);
        }
        Path cache = Path.of(System.getProperty("java.io.tmpdir"), "heed-serve-load-cache");
        try (TextEncoder enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(cache)
                .withExecution(ExecutionOptions.defaults().withThreads(threads)))) {
            List<String> corpus = corpus(corpusFile, enc);
            long tokens = 0;
            for (String t : corpus) tokens += enc.tokenizer().encode(t).length();
            System.out.printf(Locale.ROOT, "corpus: %d sentences (%s), %.1f tokens each on average; encoder threads %d; %d processors; "
                            + "load average %.2f%n", corpus.size(), corpusFile, (double) tokens / corpus.size(), threads,
                    Runtime.getRuntime().availableProcessors(), CpuMeter.loadAverage());

            // in-process baselines on the same texts and threads, warm; measured again after the server's levels, since
            // on a shared machine the load moves between the two
            for (int w = 0; w < 3; w++) enc.embedAll(corpus);
            for (int i = 0; i < 200; i++) enc.embed(corpus.get(i % corpus.size()));
            Baseline first = Baseline.measure(enc, corpus, seconds);
            System.out.println("in-process, before: " + first);
            if (calibrate) calibrate(enc, corpus);

            ServerConfig cfg = ServerConfig.defaults().withPort(0).withMaxClientBatchSize(64).withMaxConcurrentRequests(4096)
                    .withRunners(runners);
            System.out.printf(Locale.ROOT, "server: %d runners; client: %s%n", runners,
                    clientKind.equals("socket") ? "one keep-alive socket per client thread (LoadClient)" : "JDK HttpClient");
            try (HeedServer server = HeedServer.start(enc, cfg)) {
                URI base = server.uri();
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
                Sender sender = clientKind.equals("socket") ? socketSender(base) : jdkSender(client, base);
                List<Level> results = new ArrayList<>();
                List<String> notes = new ArrayList<>();
                List<String> kinds = new ArrayList<>();
                if (!workloads.equals("multi")) kinds.add("1 sentence");
                if (!workloads.equals("one")) kinds.add("1-64 sentences");
                for (String workload : kinds) {
                    for (int c : levels) {
                        int max = workload.startsWith("1 ") ? 1 : 64;
                        run(sender, corpus, c, max, 3);                           // warm-up, not recorded
                        ServerStats before = scrape(client, base);
                        double load = CpuMeter.loadAverage();
                        Level l = run(sender, corpus, c, max, seconds);
                        String stats = scrape(client, base).since(before, l.seconds(), "/v1/embeddings");
                        results.add(new Level(workload, c, l.latencies(), l.failed(), l.sentences(), l.seconds(), l.cpu()));
                        String note = String.format(Locale.ROOT, "%s, c=%d: client latency mean %.2f ms; load average %.2f before%n    %s%n    %s",
                                workload, c, l.mean(), load, stats, l.cpu());
                        notes.add(note);
                        System.out.println(results.getLast().row());
                        System.out.println(note);
                    }
                }
                System.out.println();
                System.out.println("| workload | concurrency | requests | failed | requests/s | sentences/s | p50 ms | p90 ms | p99 ms |");
                System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
                for (Level l : results) System.out.println(l.row());
                System.out.println();
                for (String n : notes) System.out.println(n);
                Paired paired = kinds.contains("1 sentence") && Arrays.stream(levels).anyMatch(c -> c == 1) ? Paired.measure(enc, sender, corpus, 5, 200) : null;
                String alternated = kinds.contains("1 sentence") && Arrays.stream(levels).anyMatch(c -> c == 32)
                        ? alternated(enc, sender, corpus, 4, Math.max(3, seconds / 2)) : null;
                Baseline again = Baseline.measure(enc, corpus, Math.max(3, seconds / 2));
                System.out.println("in-process, before: " + first);
                System.out.println("in-process, after:  " + again);
                double embedAllRate = (first.embedAllRate() + again.embedAllRate()) / 2;
                double embedP50 = (first.embedP50() + again.embedP50()) / 2;
                for (Level l : results) {
                    if (l.workload().startsWith("1 ") && l.concurrency() == 32) {
                        double rate = l.sentences() / l.seconds();
                        System.out.printf(Locale.ROOT, "target 1: c=32 one-sentence %.1f sentences/s = %.2fx in-process embedAll (%.1f/s, mean of before "
                                        + "and after); target >= 0.90x: %s%n", rate, rate / embedAllRate, embedAllRate,
                                rate / embedAllRate >= 0.9 ? "met" : "NOT met");
                    }
                    if (l.workload().startsWith("1 ") && l.concurrency() == 1) {
                        System.out.printf(Locale.ROOT, "target 2: c=1 p50 %.2f ms vs in-process embed p50 %.2f ms (mean of before and after): "
                                        + "%+.2f ms; target <= 2 ms: %s%n", l.pct(50), embedP50, l.pct(50) - embedP50,
                                l.pct(50) - embedP50 <= 2 ? "met" : "NOT met");
                    }
                }
                if (paired != null) System.out.println(paired);
                if (alternated != null) System.out.println(alternated);
                System.out.printf(Locale.ROOT, "load average at the end: %.2f%n", CpuMeter.loadAverage());
                if (soak > 0) {
                    long before = heapAfterGc();
                    Level l = run(sender, corpus, 32, 64, soak);
                    long after = heapAfterGc();
                    System.out.printf(Locale.ROOT, "soak: %d s at c=32, 1-64 sentences: %d requests, %d failed, %.1f sentences/s; "
                                    + "heap after GC %.1f MB before, %.1f MB after (%+.1f MB)%n", soak, l.latencies().length + l.failed(),
                            l.failed(), l.sentences() / l.seconds(), before / 1e6, after / 1e6, (after - before) / 1e6);
                }
            }
        }
    }

    /**
     * The c = 32 target measured in alternation, so that the VM's drift between phases does not land in the ratio:
     * {@code rounds} rounds of {@code seconds} of {@code embedAll} over the corpus, then {@code seconds} of 32 clients
     * sending one-sentence requests; the ratio per round.
     */
    static String alternated(TextEncoder enc, Sender sender, List<String> corpus, int rounds, int seconds) throws Exception {
        StringBuilder sb = new StringBuilder("target 1, alternated (embedAll, then c=32 one-sentence requests, "
                + seconds + " s each per round):");
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            long done = 0;
            while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(seconds)) {
                enc.embedAll(corpus);
                done += corpus.size();
            }
            double inProcess = done / ((System.nanoTime() - t0) / 1e9);
            Level l = run(sender, corpus, 32, 1, seconds);
            double served = l.sentences() / l.seconds();
            ratio[r] = served / inProcess;
            sb.append(String.format(Locale.ROOT, "%n    round %d: embedAll %.1f sentences/s, server %.1f sentences/s (%d failed): %.2fx",
                    r + 1, inProcess, served, l.failed(), ratio[r]));
        }
        double[] sorted = ratio.clone();
        Arrays.sort(sorted);
        double median = (sorted[(rounds - 1) / 2] + sorted[rounds / 2]) / 2, worst = sorted[0];
        sb.append(String.format(Locale.ROOT, "%n    median %.2fx, lowest %.2fx; target >= 0.90x: %s", median, worst,
                worst >= 0.9 ? "met in every round" : median >= 0.9 ? "met by the median, not in every round" : "NOT met"));
        return sb.toString();
    }

    /**
     * The c = 1 target measured pairwise, so that the VM's drift between phases (the in-process p50 moves by 1-2 ms from
     * one minute to the next here) does not land in the difference: {@code rounds} rounds of {@code calls} pairs, each
     * an in-process {@code embed} of a sentence followed at once by a one-sentence request of the same sentence.
     */
    record Paired(double[] embedP50, double[] serverP50) {
        static Paired measure(TextEncoder enc, Sender sender, List<String> corpus, int rounds, int calls) throws Exception {
            double[] e = new double[rounds], h = new double[rounds];
            try (AutoCloseable connection = sender.open()) {
                for (int r = 0; r < rounds; r++) {
                    long[] a = new long[calls], b = new long[calls];
                    for (int i = 0; i < calls; i++) {
                        String text = corpus.get((i * 7 + r * 131) % corpus.size());
                        StringBuilder body = new StringBuilder("{\"input\": [");
                        json(body, text);
                        byte[] bytes = body.append("]}").toString().getBytes(StandardCharsets.UTF_8);
                        long s = System.nanoTime();
                        enc.embed(text);
                        a[i] = System.nanoTime() - s;
                        s = System.nanoTime();
                        LoadClient.Reply reply = sender.send(connection, bytes);
                        b[i] = System.nanoTime() - s;
                        if (reply.status() != 200) throw new IOException("paired request failed: " + reply.status() + " " + reply.body());
                    }
                    Arrays.sort(a);
                    Arrays.sort(b);
                    e[r] = a[calls / 2] / 1e6;
                    h[r] = b[calls / 2] / 1e6;
                }
            }
            return new Paired(e, h);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("target 2, paired (in-process embed, then the same sentence over HTTP at c=1; p50 per round):");
            double[] d = new double[embedP50.length];
            for (int r = 0; r < d.length; r++) {
                d[r] = serverP50[r] - embedP50[r];
                sb.append(String.format(Locale.ROOT, "%n    round %d: embed %.2f ms, server %.2f ms, %+.2f ms", r + 1, embedP50[r], serverP50[r], d[r]));
            }
            double[] sorted = d.clone();
            Arrays.sort(sorted);
            double median = sorted[sorted.length / 2], worst = sorted[sorted.length - 1];
            sb.append(String.format(Locale.ROOT, "%n    median of the rounds %+.2f ms, worst %+.2f ms; target <= 2 ms: %s", median, worst,
                    worst <= 2 ? "met in every round" : median <= 2 ? "met by the median, not in every round" : "NOT met"));
            return sb.toString();
        }
    }

    /** The in-process figures the server is held against: {@code embedAll} throughput, one {@code embed} call's latency. */
    record Baseline(double embedAllRate, String embedAllCpu, double embedP50, double embedMean, String embedCpu) {
        static Baseline measure(TextEncoder enc, List<String> corpus, int seconds) {
            CpuMeter.Snapshot cpu = CpuMeter.snapshot();
            long t0 = System.nanoTime();
            int rounds = 0;
            while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(seconds)) {
                enc.embedAll(corpus);
                rounds++;
            }
            double rate = (double) rounds * corpus.size() / ((System.nanoTime() - t0) / 1e9);
            String allCpu = CpuMeter.since(cpu).toString();
            long[] single = new long[Math.max(200, Math.min(2000, corpus.size() * 2))];
            cpu = CpuMeter.snapshot();
            for (int i = 0; i < single.length; i++) {
                long s = System.nanoTime();
                enc.embed(corpus.get(i % corpus.size()));
                single[i] = System.nanoTime() - s;
            }
            String oneCpu = CpuMeter.since(cpu).toString();
            double mean = Arrays.stream(single).average().orElse(0) / 1e6;
            Arrays.sort(single);
            return new Baseline(rate, allCpu, single[single.length / 2] / 1e6, mean, oneCpu);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "embedAll %.1f sentences/s (%s); embed p50 %.2f ms, mean %.2f ms (%s); load average %.2f",
                    embedAllRate, embedAllCpu, embedP50, embedMean, embedCpu, CpuMeter.loadAverage());
        }
    }

    /**
     * The model's cost by batch shape, in-process: runs of B inputs of about the same length (from the corpus sorted by
     * tokens), so the per-run overhead and the per-token cost the batcher trades off can be read off.
     */
    static void calibrate(TextEncoder enc, List<String> corpus) {
        List<Encoding> all = new ArrayList<>();
        for (String t : corpus) all.add(enc.tokenizer().encode(t));
        all.sort(java.util.Comparator.comparingInt(Encoding::length));
        System.out.println("calibration: | inputs | padded tokens | ms per run | ms per padded token |");
        for (int q : new int[] {25, 50, 75}) {
            int mid = all.size() * q / 100;
            for (int b : new int[] {1, 2, 4, 8, 16, 32, 64}) {
                List<Encoding> batch = all.subList(Math.max(0, mid - b / 2), Math.max(0, mid - b / 2) + b);
                int longest = batch.stream().mapToInt(Encoding::length).max().orElse(0);
                for (int w = 0; w < 3; w++) enc.embedEncodings(batch);
                int n = Math.max(5, 200 / b);
                long[] t = new long[n];
                for (int i = 0; i < n; i++) {
                    long s = System.nanoTime();
                    enc.embedEncodings(batch);
                    t[i] = System.nanoTime() - s;
                }
                Arrays.sort(t);
                double ms = t[n / 2] / 1e6;
                System.out.printf(Locale.ROOT, "calibration: | %d | %d | %.2f | %.4f |%n", b, b * longest, ms, ms / (b * longest));
            }
        }
    }

    private static ServerStats scrape(HttpClient client, URI base) throws IOException, InterruptedException {
        return ServerStats.parse(client.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    /** Sends one JSON body to /v1/embeddings on the calling client thread; answers the status and the body. */
    interface Sender {
        /** A connection (or nothing) a client thread keeps between its requests. */
        AutoCloseable open();

        LoadClient.Reply send(AutoCloseable connection, byte[] json) throws IOException, InterruptedException;
    }

    static Sender socketSender(URI base) {
        return new Sender() {
            public AutoCloseable open() { return new LoadClient(base); }

            public LoadClient.Reply send(AutoCloseable connection, byte[] json) throws IOException {
                return ((LoadClient) connection).post("/v1/embeddings", json);
            }
        };
    }

    static Sender jdkSender(HttpClient client, URI base) {
        URI url = base.resolve("/v1/embeddings");
        return new Sender() {
            public AutoCloseable open() { return () -> { }; }

            public LoadClient.Reply send(AutoCloseable connection, byte[] json) throws IOException, InterruptedException {
                HttpRequest req = HttpRequest.newBuilder(url).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(json)).timeout(Duration.ofSeconds(120)).build();
                HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                return new LoadClient.Reply(r.statusCode(), r.body());
            }
        };
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
    static Level run(Sender sender, List<String> corpus, int c, int max, int seconds) throws Exception {
        AtomicBoolean go = new AtomicBoolean(true);
        List<long[]> lat = new ArrayList<>();
        int[] failed = new int[c];
        long[] sentences = new long[c];
        int[] counts = new int[c];
        for (int i = 0; i < c; i++) lat.add(new long[1 << 16]);
        AtomicInteger names = new AtomicInteger();
        CpuMeter.Snapshot cpu = CpuMeter.snapshot();
        CpuMeter.Usage used;
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(c, r -> new Thread(r, "load-client-" + names.incrementAndGet()))) {
            for (int k = 0; k < c; k++) {
                int id = k;
                pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(42 + id);
                    try (AutoCloseable connection = sender.open()) {
                        while (go.get()) {
                            int n = max == 1 ? 1 : 1 + rnd.nextInt(max);
                            StringBuilder body = new StringBuilder("{\"input\": [");
                            for (int i = 0; i < n; i++) {
                                if (i > 0) body.append(',');
                                json(body, corpus.get(rnd.nextInt(corpus.size())));
                            }
                            body.append("]}");
                            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
                            long s = System.nanoTime();
                            try {
                                LoadClient.Reply r = sender.send(connection, bytes);
                                long t = System.nanoTime() - s;
                                if (r.status() != 200 || !r.body().contains("\"index\":" + (n - 1) + "}")) {
                                    failed[id]++;
                                    if (failed[id] <= 3) System.err.println("failed: " + r.status() + " " + r.body().substring(0, Math.min(200, r.body().length())));
                                } else if (counts[id] < lat.get(id).length) {
                                    lat.get(id)[counts[id]++] = t;
                                    sentences[id] += n;
                                }
                            } catch (IOException e) {
                                failed[id]++;
                                if (failed[id] <= 3) System.err.println("failed: " + e);
                            }
                        }
                    }
                    return null;
                });
            }
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            used = CpuMeter.since(cpu);            // while the client threads still live
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
        return new Level("", c, all, bad, sent, secs, used);
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
