package dev.heed.kernel;

import dev.heed.HeedException;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/**
 * Max pooling with the position of every maximum (ONNX MaxPool's second output, {@code Indices}):
 * the flat index of the maximum in x (plane offset + position within the plane, row-major, or column-major
 * over the spatial axes with {@code columnMajor}, ONNX's {@code storage_order = 1}). The first maximum in
 * window order wins; NaN counts as the maximum, as in {@link Pooling#maxPool}, whose values this returns too.
 *
 * <p>Catalogue: one scalar implementation walking each window with an odometer over the kernel; cost
 * O(output · window). {@link #maxPoolWithIndicesReference} is the twin (every window position decoded from a
 * flat counter, values in float64).
 *
 * <pre>{@code
 * PoolingIndices.Result r = PoolingIndices.maxPoolWithIndices(x, Pooling.Window.of(2, 2), false);
 * // x [N, C, H, W] -> r.values() [N, C, H-1, W-1] float32, r.indices() same shape int64
 * }</pre>
 */
public final class PoolingIndices {
    private PoolingIndices() {}

    /**
     * Max pooling's two outputs.
     *
     * @param values  the pooled maxima [N, C, out...] (float32)
     * @param indices flat positions in x of those maxima [N, C, out...] (int64)
     */
    public record Result(Tensor values, Tensor indices) {}

    /**
     * Max pooling of {@code x [N, C, D1…Dk]} (float32) under {@code w}, with the index of each maximum (ONNX MaxPool's
     * second output).
     *
     * @param x           float32 input {@code [N, C, D1…Dk]}
     * @param w           the window
     * @param columnMajor index the spatial axes column-major (ONNX storage_order = 1) instead of row-major
     * @return the maxima and their flat positions in x
     * @throws HeedException SHAPE_MISMATCH when the window does not fit, DTYPE_MISMATCH unless float32
     */
    public static Result maxPoolWithIndices(Tensor x, Pooling.Window w, boolean columnMajor) {
        NormStatistics.requireFloat("max_pool_indices", x);
        int k = x.rank() - 2;
        if (k < 1) throw HeedException.shape("max_pool_indices", "x" + x.shape() + " must be [N, C, spatial...]");
        int[] d = x.shape().dims();
        int[] in = Arrays.copyOfRange(d, 2, d.length);
        int[] out = Pooling.outputSpatial("max_pool_indices", in, w);
        int planes = d[0] * d[1], inPlane = NormStatistics.prod(in, 0, k), outPlane = NormStatistics.prod(out, 0, k);
        float[] xd = x.toFloatArray();
        float[] y = new float[planes * outPlane];
        long[] idx = new long[planes * outPlane];
        int[] rowStride = new int[k], colStride = new int[k];
        for (int i = k - 1, st = 1; i >= 0; i--) { rowStride[i] = st; st *= in[i]; }
        for (int i = 0, st = 1; i < k; i++) { colStride[i] = st; st *= in[i]; }
        int[] o = new int[k], kk = new int[k];
        for (int p = 0; p < planes; p++) {
            Arrays.fill(o, 0);
            for (int q = 0; q < outPlane; q++) {
                float best = Float.NEGATIVE_INFINITY;
                long bestIdx = -1;
                Arrays.fill(kk, 0);
                boolean done = false;
                while (!done) {
                    int rm = 0, cm = 0;
                    boolean inside = true;
                    for (int i = 0; i < k; i++) {
                        int pos = o[i] * w.strides()[i] - w.pads()[i] + kk[i] * w.dilations()[i];
                        if (pos < 0 || pos >= in[i]) { inside = false; break; }
                        rm += pos * rowStride[i];
                        cm += pos * colStride[i];
                    }
                    if (inside) {
                        float v = xd[p * inPlane + rm];
                        if (bestIdx < 0 || (!Float.isNaN(best) && (v > best || Float.isNaN(v)))) {
                            best = v;
                            bestIdx = (long) p * inPlane + (columnMajor ? cm : rm);
                        }
                    }
                    done = true;
                    for (int i = k - 1; i >= 0; i--) {
                        if (++kk[i] < w.kernel()[i]) { done = false; break; }
                        kk[i] = 0;
                    }
                }
                y[p * outPlane + q] = best;
                idx[p * outPlane + q] = Math.max(bestIdx, 0);
                for (int i = k - 1; i >= 0; i--) {
                    if (++o[i] < out[i]) break;
                    o[i] = 0;
                }
            }
        }
        int[] od = new int[k + 2];
        od[0] = d[0];
        od[1] = d[1];
        System.arraycopy(out, 0, od, 2, k);
        return new Result(Tensor.of(y, od), Tensor.ofLongs(idx, od));
    }

    /**
     * Twin of {@link #maxPoolWithIndices}: for every output position, every window offset is decoded from a flat
     * counter; values compared in float64.
     *
     * @param x           the input
     * @param w           the window
     * @param columnMajor as in {@link #maxPoolWithIndices}
     * @return {values, indices} as float64 arrays (row-major)
     */
    public static double[][] maxPoolWithIndicesReference(Tensor x, Pooling.Window w, boolean columnMajor) {
        int k = x.rank() - 2;
        int[] d = x.shape().dims();
        int[] in = Arrays.copyOfRange(d, 2, d.length);
        int[] out = Pooling.outputSpatial("max_pool_indices", in, w);
        int planes = d[0] * d[1], inPlane = NormStatistics.prod(in, 0, k), outPlane = NormStatistics.prod(out, 0, k);
        int window = NormStatistics.prod(w.kernel(), 0, k);
        double[] v = NormStatisticsReference.values(x);
        double[] vals = new double[planes * outPlane], idx = new double[planes * outPlane];
        for (int p = 0; p < planes; p++) {
            for (int q = 0; q < outPlane; q++) {
                double best = Double.NEGATIVE_INFINITY;
                long at = -1;
                for (int t = 0; t < window; t++) {
                    long rm = 0, cm = 0, rs = 1, cs = 1;
                    int oq = q, tt = t;
                    boolean inside = true;
                    int[] pos = new int[k];
                    for (int i = k - 1; i >= 0; i--) {      // decode output and kernel coordinates, last axis fastest
                        int oi = oq % out[i], ki = tt % w.kernel()[i];
                        oq /= out[i];
                        tt /= w.kernel()[i];
                        pos[i] = oi * w.strides()[i] - w.pads()[i] + ki * w.dilations()[i];
                        inside &= pos[i] >= 0 && pos[i] < in[i];
                    }
                    if (!inside) continue;
                    for (int i = k - 1; i >= 0; i--) { rm += pos[i] * rs; rs *= in[i]; }
                    for (int i = 0; i < k; i++) { cm += pos[i] * cs; cs *= in[i]; }
                    double val = v[(int) (p * (long) inPlane + rm)];
                    boolean better = at < 0 || (!Double.isNaN(best) && (val > best || Double.isNaN(val)));
                    if (better) {
                        best = val;
                        at = (long) p * inPlane + (columnMajor ? cm : rm);
                    }
                }
                vals[p * outPlane + q] = best;
                idx[p * outPlane + q] = Math.max(at, 0);
            }
        }
        return new double[][] {vals, idx};
    }
}
