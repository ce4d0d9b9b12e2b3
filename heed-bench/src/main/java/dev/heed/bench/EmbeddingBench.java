package dev.heed.bench;

import dev.heed.exec.ExecutionOptions;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Sentence-embedding throughput on the tokenizer corpus ({@code heed-models/src/test/resources/text/corpus.txt},
 * 1,262 lines; the 16 without a single word piece are left out because langchain4j cannot embed them), Heed against
 * langchain4j in the same run. One operation embeds the whole corpus; the report prints sentences per second and
 * the Heed/langchain4j ratio.
 * <ul>
 *   <li>{@code heed}: {@link TextEncoder#embedAll} with batch 32 (sorted by length, each batch padded to its
 *       longest text), {@code threads} worker threads inside each run;</li>
 *   <li>{@code langchain4j}: {@code AllMiniLmL6V2EmbeddingModel.embedAll} — ONNX Runtime with its default session
 *       options, one text per run (langchain4j has no batching), texts spread over an executor of {@code threads}
 *       threads.</li>
 * </ul>
 * Both use the same ONNX file and the same 128-token truncation. Heed's cache copy of the model goes to
 * {@code heed-bench/target/heed-cache} (override with {@code -Dheed.cache=DIR}); the corpus path can be overridden
 * with {@code -Dheed.corpus=FILE}. Run from the repository root on a quiet machine:
 * <pre>
 * ./mvnw -q -Pbench -pl heed-bench -am package -DskipTests
 * java --add-modules jdk.incubator.vector -cp heed-bench/target/benchmarks.jar dev.heed.bench.EmbeddingBench
 * </pre>
 * Arguments are ordinary JMH command-line options (the default selects this benchmark).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class EmbeddingBench {
    static final int BATCH = 32;

    @Param({"heed", "langchain4j"})
    public String impl;

    @Param({"2"})
    public int threads;

    private List<String> lines;
    private List<TextSegment> segments;
    private TextEncoder heed;
    private AllMiniLmL6V2EmbeddingModel langchain4j;
    private ExecutorService pool;

    /** The corpus lines both implementations can embed (more than [CLS] and [SEP] after tokenisation). */
    static List<String> corpus(TextEncoder enc) throws IOException {
        Path file = Path.of(System.getProperty("heed.corpus", "heed-models/src/test/resources/text/corpus.txt"));
        // Only '\n' separates lines: \u000b, \u000c, \u0085, \u2028 are content.
        List<String> all = new ArrayList<>(Arrays.asList(Files.readString(file, StandardCharsets.UTF_8).split("\n", -1)));
        all.removeLast();
        return all.stream().filter(s -> !s.isBlank() && enc.tokenizer().encode(s).length() > 2).toList();
    }

    static TextEncoder openHeed(int threads) {
        Path cache = Path.of(System.getProperty("heed.cache", "heed-bench/target/heed-cache"));
        return TextEncoder.defaultModel(TextEncoderOptions.defaults(cache).withBatchSize(BATCH)
                .withExecution(ExecutionOptions.defaults().withThreads(threads)));
    }

    @Setup(Level.Trial)
    public void setup() throws IOException {
        heed = openHeed(threads);
        lines = corpus(heed);
        if (impl.equals("langchain4j")) {
            heed.close();
            heed = null;
            pool = Executors.newFixedThreadPool(threads);
            langchain4j = new AllMiniLmL6V2EmbeddingModel(pool);
            segments = lines.stream().map(TextSegment::from).toList();
        } else if (!impl.equals("heed")) {
            throw new IllegalArgumentException("impl " + impl + "; expected one of [heed, langchain4j]");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (heed != null) heed.close();
        if (pool != null) pool.shutdownNow();
    }

    /** Embeds the whole corpus; returns the vectors so nothing is optimised away. */
    @Benchmark
    public Object embedCorpus() {
        if (heed != null) return heed.embedAll(lines);
        List<Embedding> out = langchain4j.embedAll(segments).content();
        if (out.size() != segments.size()) throw new IllegalStateException(out.size() + " embeddings for " + segments.size() + " texts");
        return out;
    }

    /** Runs the benchmark and prints sentences/s per implementation and the ratio. */
    public static void main(String[] args) throws Exception {
        String[] jmhArgs = args.length == 0 ? new String[] {EmbeddingBench.class.getSimpleName()} : args;
        Collection<RunResult> results = new Runner(new CommandLineOptions(jmhArgs)).run();
        int n;
        try (TextEncoder enc = openHeed(1)) {
            n = corpus(enc).size();
        }
        Map<String, Double> perSecond = new TreeMap<>();
        System.out.println();
        System.out.printf(Locale.ROOT, "| impl | threads | s per corpus (%d lines, mean ± err) | sentences/s |%n", n);
        System.out.println("|---|---|---|---|");
        for (RunResult r : results) {
            var p = r.getParams();
            var s = r.getPrimaryResult().getStatistics();
            double rate = n / s.getMean();
            perSecond.put(p.getParam("impl") + " threads=" + p.getParam("threads"), rate);
            System.out.printf(Locale.ROOT, "| %s | %s | %.2f ± %.2f | %.1f |%n", p.getParam("impl"), p.getParam("threads"),
                    s.getMean(), r.getPrimaryResult().getScoreError(), rate);
        }
        for (var e : perSecond.entrySet()) {
            if (!e.getKey().startsWith("heed ")) continue;
            Double peer = perSecond.get(e.getKey().replaceFirst("^heed", "langchain4j"));
            if (peer != null) {
                System.out.printf(Locale.ROOT, "Heed / langchain4j throughput (%s): %.2f (above 1.0: Heed is faster)%n",
                        e.getKey().substring(5), e.getValue() / peer);
            }
        }
    }
}
