package dev.heed.cli;

import dev.heed.attention.Attention;
import dev.heed.attention.AttentionChecks;
import dev.heed.attention.AttentionImpl;
import dev.heed.attention.AttentionSpec;
import dev.heed.attention.CausalAlignment;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.io.PrintWriter;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code heed bench attention}: times one attention implementation on random inputs, JMH-style: warm-up by time
 * until the timing is steady, then timed calls for a fixed time; prints the median, the GFLOP/s of the work actually
 * done (a causal mask halves it), the Java heap one call allocates (all threads), and checks the output against
 * the float64 definition (on sampled rows when the problem is large). The output tensor is allocated once and
 * written by every call ({@code Attention.computeInto}), as the JMH benchmark does.
 *
 * <pre>{@code
 * heed bench attention --impl flash --seq 4096 --heads 12 --dim 64 --threads 2 --causal
 * }</pre>
 */
@Command(name = "attention", mixinStandardHelpOptions = true,
        description = "Benchmark an attention kernel: warm-up until steady, median time, GFLOP/s of the work done, "
                + "heap allocated per call, and a check against the float64 definition.")
public final class BenchAttentionCommand implements Callable<Integer> {

    /** Warm-up rounds are this long; the warm-up ends when two rounds' medians agree within {@link #STEADY}. */
    static final long ROUND_NANOS = 200_000_000L;
    /** Relative difference of consecutive warm-up medians taken as steady. */
    static final double STEADY = 0.05;
    /** A warm-up round holds at least this many calls (slow calls make long rounds, which gives the JIT time). */
    static final int ROUND_CALLS = 10;

    enum Impl { exact, flash, linear }

    @Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.ParentCommand
    Object parent; // BenchCommand when run as `heed bench attention`: its --memory does not apply here

    @Option(names = "--impl", required = true, description = "exact, flash or linear")
    Impl impl;

    @Option(names = "--seq", required = true, description = "query sequence length L, 1 to 1048576")
    int seq;

    @Option(names = "--kv-seq", description = "key/value sequence length S, 1 to 1048576 (default: --seq)")
    Integer kvSeq;

    @Option(names = "--heads", defaultValue = "12", description = "heads H, 1 to 1024 (default ${DEFAULT-VALUE})")
    int heads;

    @Option(names = "--dim", defaultValue = "64", description = "head size E, 1 to 1024 (default ${DEFAULT-VALUE})")
    int dim;

    @Option(names = "--batch", defaultValue = "1", description = "batch B, 1 to 1024 (default ${DEFAULT-VALUE})")
    int batch;

    @CommandLine.Mixin
    ThreadsOption threads;

    @Option(names = "--causal", description = "causal mask (bottom-right aligned when L != S)")
    boolean causal;

    @Option(names = "--warmup-ms", defaultValue = "1000", description = "warm up for at least this long, then until "
            + "the timing is steady (at most 10 times as long), 0 to 600000 (default ${DEFAULT-VALUE})")
    int warmupMs;

    @Option(names = "--time-ms", defaultValue = "1000", description = "time calls for at least this long, 0 to 3600000 (default ${DEFAULT-VALUE})")
    int timeMs;

    @Option(names = "--repeats", defaultValue = "5", description = "and at least this many timed calls, 1 to 100000 (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--check", description = "(always on; kept for scripts) the output is always checked; exit 1 above the tolerance")
    boolean check;

    @Option(names = "--seed", defaultValue = "42", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (parent instanceof BenchCommand b && b.memory) {
            throw Check.usage(spec, "--memory measures a model run (bench MODEL.onnx --memory); bench attention reports "
                    + "the heap allocated per call instead");
        }
        int s = kvSeq == null ? seq : kvSeq;
        Check.range(spec, "--seq", seq, 1, 1 << 20);
        Check.range(spec, "--kv-seq", s, 1, 1 << 20);
        Check.range(spec, "--heads", heads, 1, 1024);
        Check.range(spec, "--dim", dim, 1, 1024);
        Check.range(spec, "--batch", batch, 1, 1024);
        Check.range(spec, "--warmup-ms", warmupMs, 0, 600_000);
        Check.range(spec, "--time-ms", timeMs, 0, 3_600_000);
        Check.range(spec, "--repeats", repeats, 1, 100_000);
        Integer given = threads.threads();
        int t = given == null ? Runtime.getRuntime().availableProcessors() : given;
        checkMemory((long) batch * heads, seq, s, dim);

        Random r = new Random(seed);
        Tensor q = randn(r, batch, heads, seq, dim), k = randn(r, batch, heads, s, dim), v = randn(r, batch, heads, s, dim);
        Tensor result = Tensor.zeros(DType.FLOAT32, batch, heads, seq, dim);
        AttentionImpl ai = switch (impl) {
            case exact -> AttentionImpl.EXACT;
            case flash -> AttentionImpl.FLASH;
            case linear -> AttentionImpl.LINEAR;
        };
        AttentionSpec as = AttentionSpec.defaults().withImplementation(ai)
                .withCausal(causal ? CausalAlignment.BOTTOM_RIGHT : CausalAlignment.NONE);
        out.printf(Locale.ROOT, "attention %s  B=%d H=%d L=%d S=%d E=%d threads=%d causal=%s%n", impl, batch, heads, seq, s, dim, t, causal);
        out.flush();
        try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(t))) {
            Runnable call = () -> Attention.computeInto(ctx, q, k, v, as, result);
            Warmup w = warmUp(call, warmupMs * 1_000_000L);
            List<Long> ns = new ArrayList<>();
            List<Long> alloc = new ArrayList<>();
            long t0 = System.nanoTime();
            while (ns.size() < repeats || System.nanoTime() - t0 < timeMs * 1_000_000L) {
                long a0 = allocatedBytes(), c0 = System.nanoTime();
                call.run();
                long c1 = System.nanoTime(), a1 = allocatedBytes();
                ns.add(c1 - c0);
                if (a0 >= 0 && a1 >= 0) alloc.add(a1 - a0);
            }
            long[] sorted = ns.stream().mapToLong(Long::longValue).sorted().toArray();
            double median = sorted[sorted.length / 2] * 1e-9;
            double flops = flops(ai, batch, heads, seq, s, dim, causal);
            out.printf(Locale.ROOT, "  warm-up %.1f s, %d calls, %s%n", w.nanos() / 1e9, w.calls(),
                    w.steady() ? "steady (two rounds of >= 0.2 s and >= 10 calls within 5%, no JIT compilation in the last)" : "not steady after 10× --warmup-ms; figures may drift");
            out.printf(Locale.ROOT, "  median %.3f ms over %d calls (p10 %.3f, p90 %.3f)  %.1f GFLOP/s%n", median * 1e3, sorted.length,
                    sorted[sorted.length / 10] / 1e6, sorted[sorted.length * 9 / 10] / 1e6, flops / median * 1e-9);
            out.printf(Locale.ROOT, "  GFLOP/s counts %s%n", ai == AttentionImpl.LINEAR
                    ? "4·B·H·(L+S)·E² (the kernel's feature products)"
                    : "4·B·H·E per visible (query, key) pair: " + (causal ? "the causal triangle, " : "all L·S, ") + String.format(Locale.ROOT, "%.3g pairs", pairs(seq, s, causal) * batch * heads));
            if (!alloc.isEmpty()) {
                long[] a = alloc.stream().mapToLong(Long::longValue).sorted().toArray();
                out.printf(Locale.ROOT, "  heap allocated per call %.2f MiB (median over the timed calls, all threads; off-heap scratch not included)%n",
                        a[a.length / 2] / 1048576.0);
            }
            out.flush();
            SampledAttentionCheck.Result c = SampledAttentionCheck.run(q.toFloatArray(), k.toFloatArray(), v.toFloatArray(),
                    result.toFloatArray(), batch, heads, seq, s, dim, as, seed);
            double tol = ai == AttentionImpl.LINEAR ? AttentionChecks.LINEAR_TOLERANCE : AttentionChecks.SOFTMAX_TOLERANCE;
            boolean ok = c.error() <= tol;
            out.printf(Locale.ROOT, "  check vs the float64 definition on %s: max |error| / max(1, max |want|) = %.2e (tolerance %.0e) %s%n",
                    c.rowsChecked() == c.rows() ? "all " + c.rows() + " rows" : c.rowsChecked() + " sampled rows of " + c.rows(),
                    c.error(), tol, ok ? "OK" : "FAILED");
            out.flush();
            return ok ? 0 : 1;
        }
    }

    /** How the warm-up went: its length, calls, and whether the timing settled. */
    record Warmup(long nanos, long calls, boolean steady) {}

    /**
     * Calls {@code call} for at least {@code minNanos}, in rounds of at least {@link #ROUND_NANOS} and
     * {@link #ROUND_CALLS} calls; stops once that time is over, two consecutive rounds' medians differ by less than
     * {@link #STEADY} and the JIT compiled nothing during the last round (a kernel still running in the interpreter or
     * in C1 can look steady for a few slow calls: at L = 128 a causal flash call took 145 ms there, 0.3 ms once
     * compiled), or after 10 × {@code minNanos} (with a minimum of two rounds).
     */
    static Warmup warmUp(Runnable call, long minNanos) {
        return warmUp(call, minNanos, BenchAttentionCommand::jitMillis);
    }

    /** {@link #warmUp(Runnable, long)} with the JIT's total compilation time in ms ({@code -1}: unknown) supplied. */
    static Warmup warmUp(Runnable call, long minNanos, LongSupplier jitMillis) {
        long start = System.nanoTime(), calls = 0;
        double previous = Double.NaN;
        long limit = Math.max(10 * minNanos, 2 * ROUND_NANOS);
        while (true) {
            List<Long> round = new ArrayList<>();
            long r0 = System.nanoTime(), jit0 = jitMillis.getAsLong();
            do {
                long c0 = System.nanoTime();
                call.run();
                round.add(System.nanoTime() - c0);
                calls++;
            } while (System.nanoTime() - r0 < ROUND_NANOS || round.size() < ROUND_CALLS);
            long jit1 = jitMillis.getAsLong();
            long[] sorted = round.stream().mapToLong(Long::longValue).sorted().toArray();
            double median = sorted[sorted.length / 2];
            long elapsed = System.nanoTime() - start;
            boolean jitQuiet = jit0 < 0 || jit1 == jit0;
            boolean steady = jitQuiet && !Double.isNaN(previous) && Math.abs(median - previous) <= STEADY * previous;
            if (elapsed >= minNanos && steady) return new Warmup(elapsed, calls, true);
            if (elapsed >= limit) return new Warmup(elapsed, calls, false);
            previous = median;
        }
    }

    /** Total time the JIT has spent compiling, in ms, or -1 where the JVM does not report it. */
    private static long jitMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    /** The inputs must fit in Java arrays and in half the heap (the rest is for the output and the kernels' scratch). */
    private void checkMemory(long bh, int l, int s, int e) {
        long q = bh * l * e, kv = bh * s * e;
        long bytes = 4 * (2 * q + 2 * kv);                         // q, output, k, v
        long heap = Runtime.getRuntime().maxMemory();
        if (Math.max(q, kv) > Integer.MAX_VALUE - 8 || bytes > heap / 2) {
            throw Check.usage(spec, String.format(Locale.ROOT,
                    "B·H·L·E = %d and B·H·S·E = %d need %.0f MiB for q, k, v and the output, more than half the Java heap (%.0f MiB); "
                    + "choose smaller sizes or give Java more heap (HEED_JAVA_OPTS=-Xmx16g)", q, kv, bytes / 1048576.0, heap / 1048576.0));
        }
    }

    /** Visible (query, key) pairs of one head: L·S, or with a bottom-right causal mask Σ_i clamp(i + S − L + 1, 0, S). */
    static double pairs(int l, int s, boolean causal) {
        if (!causal) return (double) l * s;
        double n = 0;
        for (int i = 0; i < l; i++) n += Math.clamp((long) i + s - l + 1, 0, s);
        return n;
    }

    /**
     * Floating-point operations done: 4·B·H·E per visible pair for softmax attention (2·E for q·k, 2·E for p·v;
     * the softmax's exponentials are not counted), 4·B·H·(L + S)·E² for linear attention.
     */
    static double flops(AttentionImpl impl, int b, int h, int l, int s, int e, boolean causal) {
        if (impl == AttentionImpl.LINEAR) return 2.0 * b * h * (double) (l + s) * e * e * 2;
        return 4.0 * b * h * e * pairs(l, s, causal);
    }

    /** Heap bytes allocated so far by all threads of the JVM (live and ended), or -1 where the JVM cannot tell. */
    static long allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemorySupported()
                && t.isThreadAllocatedMemoryEnabled()) {
            return t.getTotalThreadAllocatedBytes();
        }
        return -1;
    }

    private static Tensor randn(Random r, int... dims) {
        long n = 1;
        for (int d : dims) n *= d;
        float[] a = new float[Math.toIntExact(n)];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        return Tensor.of(a, dims);
    }

    /** Runs the command on its own (the CLI wires it under {@code heed bench}). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchAttentionCommand()).execute(args));
    }
}
