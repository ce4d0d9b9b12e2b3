package dev.heed.attention;

import dev.heed.exec.ExecutionContext;
import dev.heed.kernel.KernelCheck;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Self-checks for {@code heed selfcheck}: each attention implementation on random data against the float64
 * reference, with its stated tolerance.
 *
 * <pre>{@code
 * for (KernelCheck c : AttentionChecks.selfCheck(ctx, 42)) System.out.println(c);
 * }</pre>
 */
public final class AttentionChecks {
    private AttentionChecks() {}

    /** Exact and flash vs the reference: max |x - ref| / max(1, max |ref|). */
    public static final double SOFTMAX_TOLERANCE = 1e-5;
    /** Linear attention (recurrent or factored form) vs its own quadratic form, same metric. */
    public static final double LINEAR_TOLERANCE = 1e-4;

    /**
     * Runs the checks on a few random problems (GQA, L ≠ S, E ≠ Ev, odd sizes, causal, masks).
     *
     * @param ctx  the threads the fast kernels run on
     * @param seed seed of the random inputs (same seed, same problems)
     * @return one result per implementation and problem, each with its error and tolerance
     */
    public static List<KernelCheck> selfCheck(ExecutionContext ctx, long seed) {
        Random r = new Random(seed);
        List<KernelCheck> out = new ArrayList<>();
        int b = 2, hq = 6, hkv = 2, l = 67, s = 131, e = 40, ev = 24;
        Tensor q = randn(r, b, hq, l, e), k = randn(r, b, hkv, s, e), v = randn(r, b, hkv, s, ev);
        boolean[] pad = new boolean[b * s];
        for (int i = 0; i < pad.length; i++) pad[i] = (i % s) < s - 7 * (i / s);
        Tensor padding = Tensor.ofBooleans(pad, b, 1, 1, s);
        String shape = String.format("[%d,%d,%d,%d]x[%d,%d,%d,%d]", b, hq, l, e, b, hkv, s, ev);
        AttentionSpec[] specs = {
                AttentionSpec.defaults(),
                AttentionSpec.defaults().withCausal(CausalAlignment.BOTTOM_RIGHT).withMask(padding),
                AttentionSpec.defaults().withCausal(CausalAlignment.TOP_LEFT).withWindow(17)};
        String[] names = {"", " causal-br+padding", " causal-tl+window17"};
        for (AttentionImpl impl : new AttentionImpl[] {AttentionImpl.EXACT, AttentionImpl.FLASH}) {
            for (int i = 0; i < specs.length; i++) {
                out.add(check(ctx, "attention " + impl.name().toLowerCase() + " " + shape + names[i], q, k, v,
                        specs[i].withImplementation(impl), SOFTMAX_TOLERANCE));
            }
        }
        AttentionSpec lin = AttentionSpec.defaults().withImplementation(AttentionImpl.LINEAR);
        out.add(check(ctx, "attention linear " + shape, q, k, v, lin, LINEAR_TOLERANCE));
        out.add(check(ctx, "attention linear " + shape + " causal-br+padding", q, k, v,
                lin.withCausal(CausalAlignment.BOTTOM_RIGHT).withMask(padding), LINEAR_TOLERANCE));
        return out;
    }

    private static KernelCheck check(ExecutionContext ctx, String name, Tensor q, Tensor k, Tensor v, AttentionSpec spec,
                                     double tol) {
        Tensor want = AttentionReference.compute(q, k, v, spec).output();
        Attention.compute(ctx, q, k, v, spec); // warm-up
        long t0 = System.nanoTime();
        Tensor got = Attention.compute(ctx, q, k, v, spec).output();
        double sec = (System.nanoTime() - t0) * 1e-9;
        AttentionProblem p = new AttentionProblem("selfcheck", q, k, v, spec);
        double flops = spec.implementation() == AttentionImpl.LINEAR
                ? 2.0 * p.batch * p.hq * (double) (p.l + p.s) * p.e * p.ev : p.flops();
        return new KernelCheck(name, relError(got, want), tol, "rel", flops / sec * 1e-9);
    }

    /** max |got - want| / max(1, max |want|); NaN if any element is NaN. */
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

    static Tensor randn(Random r, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return Tensor.of(a, dims);
    }
}
