package dev.heed.cli;

import dev.heed.attention.Attention;
import dev.heed.attention.AttentionChecks;
import dev.heed.attention.AttentionImpl;
import dev.heed.attention.AttentionReference;
import dev.heed.attention.AttentionSpec;
import dev.heed.attention.CausalAlignment;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.tensor.Tensor;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code heed bench attention}: times one attention implementation on random inputs and prints the median
 * time, GFLOP/s and the peak heap used by one call; {@code --check} compares with the exact implementation.
 *
 * <pre>{@code
 * heed bench attention --impl flash --seq 4096 --heads 12 --dim 64 --threads 2 --causal --check
 * }</pre>
 */
@Command(name = "attention", mixinStandardHelpOptions = true,
        description = "Benchmark an attention kernel: median time, GFLOP/s, peak heap of one call.")
public final class BenchAttentionCommand implements Callable<Integer> {

    /** Largest B·H·L·S for which {@code --check} runs the comparison (beyond it the check is skipped and said so). */
    static final long CHECK_LIMIT = 1L << 28;
    /** Largest B·H·L·S compared against the float64 reference (exact and linear are checked that way). */
    static final long REFERENCE_LIMIT = 1L << 23;

    enum Impl { exact, flash, linear }

    @Spec
    CommandLine.Model.CommandSpec spec;

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

    @Option(names = "--repeats", defaultValue = "5", description = "timed runs after one warm-up, 1 to 100000 (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--check", description = "compare with the exact implementation; exit 1 above the tolerance")
    boolean check;

    @Option(names = "--seed", defaultValue = "42", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() {
        PrintWriter out = spec != null ? spec.commandLine().getOut() : new PrintWriter(System.out, true);
        int s = kvSeq == null ? seq : kvSeq;
        Check.range(spec, "--seq", seq, 1, 1 << 20);
        Check.range(spec, "--kv-seq", s, 1, 1 << 20);
        Check.range(spec, "--heads", heads, 1, 1024);
        Check.range(spec, "--dim", dim, 1, 1024);
        Check.range(spec, "--batch", batch, 1, 1024);
        Check.range(spec, "--repeats", repeats, 1, 100_000);
        Integer given = threads.threads();
        int t = given == null ? Runtime.getRuntime().availableProcessors() : given;
        checkMemory((long) batch * heads, seq, s, dim);
        Random r = new Random(seed);
        Tensor q = randn(r, batch, heads, seq, dim), k = randn(r, batch, heads, s, dim), v = randn(r, batch, heads, s, dim);
        AttentionImpl ai = switch (impl) {
            case exact -> AttentionImpl.EXACT;
            case flash -> AttentionImpl.FLASH;
            case linear -> AttentionImpl.LINEAR;
        };
        AttentionSpec as = AttentionSpec.defaults().withImplementation(ai)
                .withCausal(causal ? CausalAlignment.BOTTOM_RIGHT : CausalAlignment.NONE);
        out.printf("attention %s  B=%d H=%d L=%d S=%d E=%d threads=%d causal=%s%n", impl, batch, heads, seq, s, dim, t, causal);
        try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(t))) {
            Tensor result = Attention.compute(ctx, q, k, v, as).output(); // warm-up
            long[] ns = new long[repeats];
            long peak = 0;
            for (int i = 0; i < repeats; i++) {
                // scratch the context kept from the previous call (exact's transposed keys) is reused, not allocated:
                // it is part of what the call needs, so it is added to the heap the call grew by
                long reused = ctx.scratchBytesKept();
                long base = resetPeaks();
                long t0 = System.nanoTime();
                result = Attention.compute(ctx, q, k, v, as).output();
                ns[i] = System.nanoTime() - t0;
                peak = Math.max(peak, peakHeap() - base + reused);
            }
            Arrays.sort(ns);
            double median = ns[repeats / 2] * 1e-9;
            double flops = flops(ai, batch, heads, seq, s, dim);
            out.printf("  median %.3f ms (%d runs)  %.1f GFLOP/s  peak heap %.1f MiB%n",
                    median * 1e3, repeats, flops / median * 1e-9, peak / 1048576.0);
            if (!check) return 0;
            long size = (long) batch * heads * seq * s;
            if (size > CHECK_LIMIT || (ai != AttentionImpl.FLASH && size > REFERENCE_LIMIT)) {
                out.printf("  check skipped: B·H·L·S = %d is too large to compare%n", size);
                return 0;
            }
            Tensor want;
            String against;
            if (ai == AttentionImpl.FLASH) {
                want = Attention.compute(ctx, q, k, v, as.withImplementation(AttentionImpl.EXACT)).output();
                against = "exact";
            } else {
                want = AttentionReference.compute(q, k, v, as).output();
                against = ai == AttentionImpl.LINEAR ? "float64 quadratic form" : "float64 reference";
            }
            double tol = ai == AttentionImpl.LINEAR ? AttentionChecks.LINEAR_TOLERANCE : AttentionChecks.SOFTMAX_TOLERANCE;
            double err = relError(result, want);
            boolean ok = err <= tol;
            out.printf("  check vs %s: max rel error %.3g (tolerance %.0e) %s%n", against, err, tol, ok ? "OK" : "FAILED");
            return ok ? 0 : 1;
        }
    }

    /** The inputs must fit in Java arrays and in half the heap (the rest is for the output and the kernels' scratch). */
    private void checkMemory(long bh, int l, int s, int e) {
        long q = bh * l * e, kv = bh * s * e;
        long bytes = 4 * (2 * q + 2 * kv);                         // q, output, k, v
        long heap = Runtime.getRuntime().maxMemory();
        if (Math.max(q, kv) > Integer.MAX_VALUE - 8 || bytes > heap / 2) {
            throw Check.usage(spec, String.format(java.util.Locale.ROOT,
                    "B·H·L·E = %d and B·H·S·E = %d need %.0f MiB for q, k, v and the output, more than half the Java heap (%.0f MiB); "
                    + "choose smaller sizes or give Java more heap (HEED_JAVA_OPTS=-Xmx16g)", q, kv, bytes / 1048576.0, heap / 1048576.0));
        }
    }

    /** Dense flop count: 2·B·H·L·S·(E + Ev) for softmax attention, 4·B·H·(L + S)·E·Ev for linear. */
    static double flops(AttentionImpl impl, int b, int h, int l, int s, int e) {
        if (impl == AttentionImpl.LINEAR) return 2.0 * b * h * (double) (l + s) * e * e * 2;
        return 4.0 * b * h * (double) l * s * e;
    }

    private static List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP).toList();
    }

    /** Resets the heap pools' peaks and returns the heap in use now (the baseline). */
    static long resetPeaks() {
        long used = 0;
        for (MemoryPoolMXBean p : heapPools()) {
            p.resetPeakUsage();
            used += p.getUsage().getUsed();
        }
        return used;
    }

    /** Sum of the heap pools' peak usage since the last reset. */
    static long peakHeap() {
        long peak = 0;
        for (MemoryPoolMXBean p : heapPools()) peak += p.getPeakUsage().getUsed();
        return peak;
    }

    static double relError(Tensor got, Tensor want) {
        float[] g = got.toFloatArray(), w = want.toFloatArray();
        double max = 1, err = 0;
        for (float x : w) max = Math.max(max, Math.abs(x));
        for (int i = 0; i < g.length; i++) {
            double d = Math.abs((double) g[i] - w[i]);
            if (Double.isNaN(d)) return Double.NaN;
            err = Math.max(err, d);
        }
        return err / max;
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
