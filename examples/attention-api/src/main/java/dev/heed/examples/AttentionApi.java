package dev.heed.examples;

import dev.heed.attention.Attention;
import dev.heed.attention.AttentionImpl;
import dev.heed.attention.AttentionReference;
import dev.heed.attention.AttentionSpec;
import dev.heed.attention.CausalAlignment;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.tensor.Tensor;
import java.util.Random;

/**
 * Scaled dot-product attention on raw [B, H, L, E] tensors with each implementation, compared with the float64
 * reference (the definition, written out), PyTorch SDPA semantics.
 */
public final class AttentionApi {
    public static void main(String[] args) {
        Random r = new Random(7);
        Tensor q = randn(r, 1, 4, 200, 32), k = randn(r, 1, 4, 200, 32), v = randn(r, 1, 4, 200, 32);   // [B, H, L, E]
        try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults())) {
            for (AttentionImpl impl : new AttentionImpl[] {AttentionImpl.EXACT, AttentionImpl.FLASH, AttentionImpl.LINEAR}) {
                AttentionSpec spec = AttentionSpec.defaults().withImplementation(impl).withCausal(CausalAlignment.BOTTOM_RIGHT);
                Tensor out = Attention.compute(ctx, q, k, v, spec).output();                      // [1, 4, 200, 32]
                Tensor want = AttentionReference.compute(q, k, v, spec).output();
                double err = maxAbsDiff(out, want);
                System.out.printf("%-6s causal: output %s, max |heed - float64 reference| = %.2e%n", impl, out.shape(), err);
                if (!(err < 1e-3)) throw new AssertionError(impl + " differs from the reference by " + err);
            }
        }
    }

    static double maxAbsDiff(Tensor a, Tensor b) {
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        double m = 0;
        for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
        return m;
    }

    static Tensor randn(Random r, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return Tensor.of(a, dims);
    }
}
