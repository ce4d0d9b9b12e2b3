package dev.heed.vision.explain;

import dev.heed.HeedException;
import java.util.Arrays;
import java.util.List;

/**
 * Attention rollout (Abnar &amp; Zuidema, "Quantifying Attention Flow in Transformers", 2020), in float64:
 * <pre>
 * per layer l   A_l   = fuse over heads of P_l[h, L, L]         (mean, max or min; {@link HeadFusion})
 *               drop  the weakest ⌊R·L·L⌋ entries of A_l (set to 0), never the [CLS, CLS] entry  (vit-explain)
 *               Â_l   = ½·A_l + ½·I, then every row divided by its sum
 * rollout       R     = Â_last · … · Â_2 · Â_1                  (first layer multiplied first)
 * explanation   R[0, 1..]                                         the CLS row over the patch tokens
 * </pre>
 * The discard step follows vit-explain (jacobgil): it works on the fused map of each layer, selects the lowest
 * {@code (int)(R · L²)} entries (ties: lower flat index first) and zeroes all of them except flat index 0. Unlike
 * vit-explain, rows are renormalised (vit-explain's {@code a / a.sum(dim=-1)} broadcasts over columns) and the
 * result is not rescaled to max 1: the values are the CLS token's rolled-out attention to each patch.
 *
 * <pre>{@code
 * double[] r = Rollout.matrix(layers, heads, tokens, HeadFusion.MEAN, 0.0);   // [L, L]
 * double[] cls = Rollout.clsRow(r, tokens);                                    // [L - 1]
 * }</pre>
 */
public final class Rollout {
    private Rollout() {}

    /**
     * The rolled-out attention matrix.
     *
     * @param layers  per layer the probabilities {@code [heads, tokens, tokens]}, row-major, first layer first
     * @param heads   heads per layer
     * @param tokens  tokens per layer L
     * @param fusion  how each layer's heads are combined
     * @param discard fraction of the weakest entries dropped per layer, in [0, 1)
     * @return {@code [tokens, tokens]} row-major
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for no layers or a ratio out of range,
     *                       {@link dev.heed.ErrorCode#SHAPE_MISMATCH} for a layer of the wrong size
     */
    public static double[] matrix(List<float[]> layers, int heads, int tokens, HeadFusion fusion, double discard) {
        if (layers.isEmpty()) throw HeedException.invalid("rollout", "no attention layers to roll out");
        if (!(discard >= 0 && discard < 1)) throw HeedException.invalid("rollout", "discard ratio must be in [0, 1), got " + discard);
        int n = tokens * tokens;
        double[] result = identity(tokens);                       // [L, L]
        for (int l = 0; l < layers.size(); l++) {
            float[] p = layers.get(l);                            // [H, L, L]
            if (p.length != heads * n) {
                throw HeedException.shape("rollout", "layer " + l + " has " + p.length + " probabilities; expected [" + heads + ", " + tokens + ", " + tokens + "]");
            }
            double[] a = fuse(p, heads, n, fusion);               // [L, L]
            drop(a, discard);
            for (int i = 0; i < tokens; i++) {
                double sum = 0;
                for (int j = 0; j < tokens; j++) {
                    a[i * tokens + j] = 0.5 * a[i * tokens + j] + (i == j ? 0.5 : 0);
                    sum += a[i * tokens + j];
                }
                for (int j = 0; j < tokens; j++) a[i * tokens + j] /= sum;
            }
            result = multiply(a, result, tokens);                 // Â_l · R
        }
        return result;
    }

    /**
     * The class token's row of a rolled-out matrix.
     *
     * @param matrix {@code [tokens, tokens]} row-major
     * @param tokens L
     * @return row 0 (CLS) over columns 1.. (the patch tokens): {@code tokens - 1} values
     */
    public static double[] clsRow(double[] matrix, int tokens) {
        return Arrays.copyOfRange(matrix, 1, tokens);
    }

    /** Heads fused into one {@code [L, L]} map (float64). */
    static double[] fuse(float[] p, int heads, int n, HeadFusion fusion) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            double v = p[i];
            for (int h = 1; h < heads; h++) {
                double x = p[h * n + i];
                v = switch (fusion) {
                    case MEAN -> v + x;
                    case MAX -> Math.max(v, x);
                    case MIN -> Math.min(v, x);
                };
            }
            a[i] = fusion == HeadFusion.MEAN ? v / heads : v;
        }
        return a;
    }

    /** Zeroes the lowest {@code (int)(ratio · a.length)} entries except index 0 (vit-explain's rule). */
    static void drop(double[] a, double ratio) {
        int k = (int) (a.length * ratio);
        if (k == 0) return;
        Integer[] order = new Integer[a.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (x, y) -> Double.compare(a[x], a[y]));   // stable: ties by index
        for (int i = 0; i < k; i++) if (order[i] != 0) a[order[i]] = 0;
    }

    private static double[] identity(int n) {
        double[] m = new double[n * n];
        for (int i = 0; i < n; i++) m[i * n + i] = 1;
        return m;
    }

    /** {@code a · b}, both {@code [n, n]}. */
    private static double[] multiply(double[] a, double[] b, int n) {
        double[] c = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                double x = a[i * n + k];
                if (x == 0) continue;
                for (int j = 0; j < n; j++) c[i * n + j] += x * b[k * n + j];
            }
        }
        return c;
    }
}
