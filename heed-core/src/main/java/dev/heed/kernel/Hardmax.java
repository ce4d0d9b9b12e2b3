package dev.heed.kernel;

import dev.heed.tensor.Tensor;

/**
 * Hardmax (ONNX Hardmax, opset 13 semantics): the one-hot of the first maximum along one axis. NaN counts as the
 * maximum, as in a NaN-propagating argmax; an empty axis gives an empty result.
 *
 * <p>Catalogue: one scalar implementation, one pass per vector with a running best; cost one compare per
 * element. {@link #hardmaxReference} is the twin (values widened to float64 and the winner chosen by a
 * separate scan for the first NaN, else the first of the maxima).
 *
 * <pre>{@code
 * Tensor y = Hardmax.hardmax(x, -1);   // x [B, C] -> one 1f per row, at the row's first maximum
 * }</pre>
 */
public final class Hardmax {
    private Hardmax() {}

    /**
     * The one-hot of the first maximum of every vector along {@code axis}.
     *
     * @param x    float32 input, any shape of rank ≥ 1
     * @param axis the axis in {@code [-rank, rank)}
     * @return a float32 tensor of x's shape with 1 at the first maximum of every vector along {@code axis}, 0 elsewhere
     * @throws dev.heed.HeedException {@link dev.heed.ErrorCode#DTYPE_MISMATCH} unless float32, {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for a bad axis
     */
    public static Tensor hardmax(Tensor x, int axis) {
        NormStatistics.requireFloat("hardmax", x);
        int ax = NormStatistics.axisOf("hardmax", x, axis);
        int[] d = x.shape().dims();
        int outer = NormStatistics.prod(d, 0, ax), len = d[ax], inner = NormStatistics.prod(d, ax + 1, d.length);
        float[] xd = x.toFloatArray();   // [outer, len, inner]
        float[] y = new float[xd.length];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                int base = o * len * inner + j, best = 0;
                for (int i = 1; i < len; i++) {
                    float v = xd[base + i * inner], b = xd[base + best * inner];
                    if (!Float.isNaN(b) && (v > b || Float.isNaN(v))) best = i;
                }
                if (len > 0) y[base + best * inner] = 1f;
            }
        }
        return Tensor.of(y, d);
    }

    /**
     * Twin of {@link #hardmax}: the same result computed in float64 by a separate scan.
     *
     * @param x    the input
     * @param axis the axis in {@code [-rank, rank)}
     * @return the row-major values of the one-hot result (x's element count)
     */
    public static double[] hardmaxReference(Tensor x, int axis) {
        int ax = NormStatistics.axisOf("hardmax", x, axis);
        int[] d = x.shape().dims();
        int outer = NormStatistics.prod(d, 0, ax), len = d[ax], inner = NormStatistics.prod(d, ax + 1, d.length);
        double[] v = NormStatisticsReference.values(x), y = new double[v.length];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                if (len == 0) continue;
                int at = -1;
                for (int i = 0; i < len && at < 0; i++) if (Double.isNaN(v[(o * len + i) * inner + j])) at = i;
                if (at < 0) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < len; i++) max = Math.max(max, v[(o * len + i) * inner + j]);
                    for (int i = 0; i < len && at < 0; i++) if (v[(o * len + i) * inner + j] == max) at = i;
                }
                y[(o * len + at) * inner + j] = 1;
            }
        }
        return y;
    }
}
