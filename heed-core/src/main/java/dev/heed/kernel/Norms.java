package dev.heed.kernel;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.DType;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/**
 * Normalisations: layer normalisation over the trailing axes (ONNX LayerNormalization, Ba et al. 2016)
 * and batch normalisation in inference form (ONNX BatchNormalization, Ioffe &amp; Szegedy 2015).
 *
 * <p>Catalogue: layer norm — rows {@code [K, N]}, three vector passes per row (mean, centred variance,
 * normalise·γ+β; {@link NormsVector#layerNormRow}); batch norm — per (n, c) spatial run,
 * {@code y = (x - mean)·a + bias} with {@code a = scale/√(var+ε)} precomputed in double. Float64 twins in
 * {@link NormsReference}.
 *
 * <pre>{@code
 * Tensor h = Norms.layerNorm(ctx, x, gamma, beta, -1, 1e-12f);            // x [B, L, E], gamma/beta [E]
 * Tensor z = Norms.batchNorm(ctx, img, scale, bias, mean, var, 1e-5f);    // img [N, C, H, W], others [C]
 * }</pre>
 */
public final class Norms {
    private Norms() {}

    /**
     * Normalises over axes {@code axis..rank-1}: {@code (x - mean) / √(var + eps) · gamma + beta}, with the
     * biased variance. {@code gamma} and {@code beta} may be null, else must broadcast to {@code x.shape[axis:]}.
     *
     * @param ctx   the threads to run on
     * @param x     float32 input
     * @param gamma scale over {@code x.shape[axis:]}, or null for 1
     * @param beta  shift over {@code x.shape[axis:]}, or null for 0
     * @param axis  the first normalised axis (negative counts from the end)
     * @param eps   added to the variance, e.g. 1e-12 (BERT) or 1e-5
     * @return a new contiguous tensor of x's shape
     * @throws HeedException INVALID_ARGUMENT for a bad axis, SHAPE_MISMATCH when gamma or beta do not broadcast,
     *                       DTYPE_MISMATCH unless float32
     */
    public static Tensor layerNorm(ExecutionContext ctx, Tensor x, Tensor gamma, Tensor beta, int axis, float eps) {
        String name = "layer_norm";
        Reductions.requireFloat(name, x);
        int ax = Reductions.axisOf(name, x.shape(), axis);
        int[] normDims = Arrays.copyOfRange(x.shape().dims(), ax, x.rank());
        float[] g = param(name, "gamma", gamma, normDims);
        float[] b = param(name, "beta", beta, normDims);
        Tensor xs = Elementwise.heap(x);
        float[] xd = xs.floatArrayOrNull();
        if (xd == null) {
            xs = xs.contiguous();
            xd = xs.floatArrayOrNull();
        }
        int n = (int) Shape.of(normDims).numel();
        Tensor out = Tensor.zeros(DType.FLOAT32, x.shape().dims());
        if (n == 0 || x.numel() == 0) return out;
        float[] y = out.floatArrayOrNull();
        int k = (int) (x.numel() / n);
        int off = (int) xs.offset();
        float[] data = xd;
        boolean vec = VectorSupport.available();
        ctx.parallelFor(k, Math.max(1, StridedWalk.GRAIN_ELEMENTS / n), (s, e) -> {
            for (int i = s; i < e; i++) {
                if (vec) NormsVector.PREFERRED.layerNormRow(data, off + i * n, g, b, eps, y, i * n, n);
                else NormsReference.layerNormRow(data, off + i * n, g, b, eps, y, i * n, n);
            }
        });
        return out;
    }

    /**
     * Batch normalisation, inference form: {@code x} is {@code [N, C, d1, …]} (rank ≥ 2); {@code scale},
     * {@code bias}, {@code mean}, {@code var} hold {@code C} values each.
     *
     * @param ctx   the threads to run on
     * @param x     float32 input {@code [N, C, d1, …]}
     * @param scale γ {@code [C]}
     * @param bias  β {@code [C]}
     * @param mean  running mean {@code [C]}
     * @param var   running variance {@code [C]}
     * @param eps   added to the variance
     * @return {@code (x - mean) / √(var + eps) · scale + bias}, a new contiguous tensor of x's shape
     * @throws HeedException SHAPE_MISMATCH when a parameter does not hold C values, DTYPE_MISMATCH unless float32
     */
    public static Tensor batchNorm(ExecutionContext ctx, Tensor x, Tensor scale, Tensor bias, Tensor mean, Tensor var, float eps) {
        String name = "batch_norm";
        Reductions.requireFloat(name, x);
        if (x.rank() < 2) throw HeedException.shape(name, "x" + x.shape() + " must be [N, C, ...] with rank >= 2");
        int c = x.dim(1);
        float[] sc = channel(name, "scale", scale, c, x), bi = channel(name, "bias", bias, c, x);
        float[] mu = channel(name, "mean", mean, c, x), va = channel(name, "var", var, c, x);
        float[] a = new float[c];   // [C] scale / √(var + ε)
        for (int i = 0; i < c; i++) a[i] = (float) (sc[i] / Math.sqrt((double) va[i] + eps));
        Tensor xs = Elementwise.heap(x);
        float[] xd = xs.floatArrayOrNull();
        if (xd == null) {
            xs = xs.contiguous();
            xd = xs.floatArrayOrNull();
        }
        Tensor out = Tensor.zeros(DType.FLOAT32, x.shape().dims());
        if (x.numel() == 0) return out;
        float[] y = out.floatArrayOrNull();
        int spatial = (int) (x.numel() / ((long) x.dim(0) * c));
        int rows = x.dim(0) * c;   // [N·C, spatial]
        int off = (int) xs.offset();
        float[] data = xd;
        boolean vec = VectorSupport.available();
        ctx.parallelFor(rows, Math.max(1, StridedWalk.GRAIN_ELEMENTS / Math.max(1, spatial)), (s, e) -> {
            for (int r = s; r < e; r++) {
                int ch = r % c;
                if (vec) NormsVector.PREFERRED.affineRow(data, off + r * spatial, mu[ch], a[ch], bi[ch], y, r * spatial, spatial);
                else NormsReference.affineRow(data, off + r * spatial, mu[ch], a[ch], bi[ch], y, r * spatial, spatial);
            }
        });
        return out;
    }

    private static float[] param(String op, String what, Tensor p, int[] normDims) {
        if (p == null) return null;
        Reductions.requireFloat(op + " " + what, p);
        try {
            return p.expand(normDims).toFloatArray();
        } catch (HeedException e) {
            throw HeedException.shape(op, what + p.shape() + " does not broadcast to the normalised shape "
                    + Arrays.toString(normDims));
        }
    }

    private static float[] channel(String op, String what, Tensor p, int c, Tensor x) {
        if (p == null) throw HeedException.invalid(op, what + " is required");
        Reductions.requireFloat(op + " " + what, p);
        if (p.numel() != c) {
            throw HeedException.shape(op, what + p.shape() + " must hold C=" + c + " values for x" + x.shape());
        }
        return p.toFloatArray();
    }
}
