package dev.heed.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.heed.attention.Attention;
import dev.heed.attention.AttentionImpl;
import dev.heed.attention.AttentionSpec;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
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
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Attention time vs sequence length, 12 heads × 64, batch 1, non-causal self-attention (L = S): Heed exact,
 * flash and linear against ONNX Runtime on (a) the unfused graph MatMul → Mul → Softmax → MatMul and
 * (b) its fused {@code com.microsoft} MultiHeadAttention op, in the same run. Graphs come from
 * {@code src/main/python/make_attention_graphs.py}.
 *
 * <p>Run the sweep and print the ratio table with
 * {@code java --add-modules jdk.incubator.vector -cp heed-bench/target/benchmarks.jar dev.heed.bench.AttentionBench [seq,...]}.
 * Each (impl, seq, threads) cell is one JMH fork; its peak RSS (VmHWM) is recorded at tear-down.
 *
 * <p>Heed writes into one output tensor allocated at set-up ({@link Attention#computeInto}), as ORT's run takes
 * its output buffer from its allocator arena, reused from run to run; {@code Attention.compute} allocates a new
 * [1, 12, L, 64] array per call, which under G1 (a humongous object from L ≈ 350 on with -Xmx6g) measured 2–4% slower at
 * L = 2048.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx6g"})
public class AttentionBench {
    static final int HEADS = 12, DIM = 64;
    static final String[] IMPLS = {"heed-exact", "heed-flash", "heed-linear", "ort-unfused", "ort-mha"};

    @Param({"512", "2048"})
    public int seq;

    @Param({"1", "2"})
    public int threads;

    @Param({"heed-flash"})
    public String impl;

    private ExecutionContext ctx;
    private Tensor q, k, v, out;
    private AttentionSpec spec;
    private OrtEnvironment env;
    private OrtSession session;
    private Map<String, OnnxTensor> inputs;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        Random r = new Random(42);
        int n = HEADS * seq * DIM;
        float[] qa = randn(r, n), ka = randn(r, n), va = randn(r, n);
        switch (impl) {
            case "heed-exact", "heed-flash", "heed-linear" -> {
                ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(threads));
                q = Tensor.of(qa, 1, HEADS, seq, DIM);
                k = Tensor.of(ka, 1, HEADS, seq, DIM);
                v = Tensor.of(va, 1, HEADS, seq, DIM);
                out = Tensor.zeros(DType.FLOAT32, 1, HEADS, seq, DIM);
                AttentionImpl ai = switch (impl) {
                    case "heed-exact" -> AttentionImpl.EXACT;
                    case "heed-flash" -> AttentionImpl.FLASH;
                    default -> AttentionImpl.LINEAR;
                };
                spec = AttentionSpec.defaults().withImplementation(ai);
            }
            case "ort-unfused", "ort-mha" -> {
                env = OrtEnvironment.getEnvironment();
                boolean fused = impl.equals("ort-mha");
                try (OrtSession.SessionOptions so = OrtRunner.peerOptions(threads)) {
                    session = env.createSession(resource(fused ? "/onnx/attention_mha.onnx" : "/onnx/attention_unfused.onnx"), so);
                }
                inputs = new LinkedHashMap<>();
                long[] shape = fused ? new long[] {1, seq, HEADS * DIM} : new long[] {1, HEADS, seq, DIM};
                // MHA takes [B, L, H·E]: the same numbers, laid out token-major (values are random either way)
                inputs.put(fused ? "query" : "Q", OnnxTensor.createTensor(env, direct(qa), shape));
                inputs.put(fused ? "key" : "K", OnnxTensor.createTensor(env, direct(ka), shape));
                inputs.put(fused ? "value" : "V", OnnxTensor.createTensor(env, direct(va), shape));
            }
            default -> throw new IllegalArgumentException("impl " + impl + "; expected one of " + List.of(IMPLS));
        }
    }

    @Benchmark
    public void attention(Blackhole bh) throws OrtException {
        if (session != null) {
            try (OrtSession.Result res = session.run(inputs)) {
                bh.consume(res.get(0));
            }
        } else {
            bh.consume(Attention.computeInto(ctx, q, k, v, spec, out).output());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        long hwm = peakRssBytes();
        String file = System.getProperty("heed.bench.rss");
        if (file != null) {
            Files.writeString(Path.of(file), impl + "\t" + seq + "\t" + threads + "\t" + hwm + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        if (ctx != null) ctx.close();
        if (inputs != null) for (OnnxTensor t : inputs.values()) t.close();
        if (session != null) session.close();
    }

    /** Peak resident set of this process (VmHWM), bytes; -1 when unknown. */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return -1;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = AttentionBench.class.getResourceAsStream(name)) {
            if (in == null) throw new IOException("missing resource " + name + " (run make_attention_graphs.py)");
            return in.readAllBytes();
        }
    }

    private static FloatBuffer direct(float[] a) {
        FloatBuffer fb = ByteBuffer.allocateDirect(a.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        fb.put(a).flip();
        return fb;
    }

    private static float[] randn(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /** Whether a cell is run: exact and unfused ORT are quadratic in memory or time, so they stop earlier. */
    static boolean runs(String impl, int seq, int threads, int exactMax, int unfusedMax, int flashMax) {
        return switch (impl) {
            case "heed-exact" -> seq <= exactMax;
            case "ort-unfused" -> seq <= unfusedMax; // the [12, L, L] scores must fit: 16,384 needs 12 GiB
            case "heed-flash", "ort-mha" -> seq <= flashMax;
            default -> true;
        };
    }

    /**
     * Runs the sweep and prints the table. Args: sequence lengths (default 512,2048,4096,16384); system properties
     * {@code exactMax} (default 4096), {@code unfusedMax} (default 4096), {@code flashMax} (default 16384),
     * {@code impls} (comma-separated subset of the implementations, default all), {@code threadCounts} (comma-separated,
     * default 1,2), {@code rounds} (default 1: each cell runs that many times, alternating the implementations, and
     * the table shows the median).
     */
    public static void main(String[] args) throws RunnerException, IOException {
        String seqs = args.length > 0 ? args[0] : "512,2048,4096,16384";
        int exactMax = Integer.getInteger("exactMax", 4096), unfusedMax = Integer.getInteger("unfusedMax", 4096),
                flashMax = Integer.getInteger("flashMax", 16384);
        List<String> only = System.getProperty("impls") == null ? List.of() : List.of(System.getProperty("impls").split(","));
        int[] threadCounts = java.util.Arrays.stream(System.getProperty("threadCounts", "1,2").split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
        Path rss = Files.createTempFile("heed-attention-rss", ".tsv");
        int rounds = Integer.getInteger("rounds", 1);
        Map<String, List<Double>> all = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        for (String s : seqs.split(",")) {
            int seq = Integer.parseInt(s.trim());
            for (int t : threadCounts) {
                // rounds alternate the implementations (A B A B …) so that a slow spell of the machine hits both
                for (int round = 0; round < rounds; round++) for (String impl : IMPLS) {
                    if (!only.isEmpty() && !only.contains(impl)) continue;
                    if (!runs(impl, seq, t, exactMax, unfusedMax, flashMax)) {
                        if (round == 0) skipped.add(impl + "@" + seq + "/" + t);
                        continue;
                    }
                    // quadratic kernels at long lengths: one shot per iteration (an op takes seconds), after one
                    // warm-up shot for every implementation (a cold first shot measures Heed's JIT compilation and
                    // ORT's first-run allocations, not the kernels); linear stays in average-time mode. Short cells
                    // warm up for 3 s: the first Heed call alone spends about a second in the JIT.
                    boolean big = seq >= 8192 && !impl.equals("heed-linear");
                    Options opt = new OptionsBuilder()
                            .include(AttentionBench.class.getName() + ".attention")
                            .param("seq", Integer.toString(seq)).param("threads", Integer.toString(t)).param("impl", impl)
                            .warmupIterations(big ? 1 : 3).measurementIterations(big && seq >= 32768 ? 1 : 3)
                            .mode(big ? Mode.SingleShotTime : Mode.AverageTime)
                            .jvmArgsAppend("-Dheed.bench.rss=" + rss)
                            .build();
                    try {
                        for (RunResult rr : new Runner(opt).run()) {
                            all.computeIfAbsent(impl + "@" + seq + "/" + t, x -> new ArrayList<>()).add(rr.getPrimaryResult().getScore());
                        }
                    } catch (RunnerException e) {
                        skipped.add(impl + "@" + seq + "/" + t + " (failed: " + e.getMessage() + ")");
                    }
                }
            }
        }
        Map<String, Double> ms = new LinkedHashMap<>();
        all.forEach((key, v) -> ms.put(key, median(v)));
        Map<String, Long> peak = new LinkedHashMap<>();
        for (String line : Files.readAllLines(rss)) {
            String[] f = line.split("\t");
            peak.merge(f[0] + "@" + f[1] + "/" + f[2], Long.parseLong(f[3]), Math::max);
        }
        System.out.println(table(seqs, ms, peak));
        if (rounds > 1) {
            System.out.println("medians of " + rounds + " rounds; every round, ms:");
            all.forEach((key, v) -> System.out.println("  " + key + ": " + v.stream()
                    .map(x -> String.format(Locale.ROOT, x < 10 ? "%.2f" : "%.1f", x)).toList()));
        }
        if (!skipped.isEmpty()) System.out.println("not run: " + String.join(", ", skipped));
    }

    static String table(String seqs, Map<String, Double> ms, Map<String, Long> peak) {
        StringBuilder sb = new StringBuilder();
        sb.append("| L | threads | heed exact ms | heed flash ms | heed linear ms | ORT unfused ms | ORT MHA ms | flash / ORT best | flash / linear | peak RSS MiB (exact / flash / linear / ORT unfused / ORT MHA) |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (String s : seqs.split(",")) {
            int seq = Integer.parseInt(s.trim());
            for (int t : new int[] {1, 2}) {
                String key = "@" + seq + "/" + t;
                sb.append("| ").append(seq).append(" | ").append(t);
                for (String impl : IMPLS) sb.append(" | ").append(fmt(ms.get(impl + key)));
                Double fl = ms.get("heed-flash" + key), un = ms.get("ort-unfused" + key), mha = ms.get("ort-mha" + key),
                        lin = ms.get("heed-linear" + key);
                Double best = un;
                if (mha != null && (best == null || mha < best)) best = mha;
                sb.append(" | ").append(fl == null || best == null ? "—" : String.format(Locale.ROOT, "%.2f×", fl / best));
                sb.append(" | ").append(fl == null || lin == null ? "—" : String.format(Locale.ROOT, "%.1f×", fl / lin));
                sb.append(" | ");
                List<String> mem = new ArrayList<>();
                for (String impl : IMPLS) {
                    Long p = peak.get(impl + key);
                    mem.add(p == null ? "—" : Long.toString(p >> 20));
                }
                sb.append(String.join(" / ", mem)).append(" |\n");
            }
        }
        return sb.toString();
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static String fmt(Double v) {
        return v == null ? "—" : String.format(Locale.ROOT, v < 10 ? "%.2f" : "%.0f", v);
    }
}
