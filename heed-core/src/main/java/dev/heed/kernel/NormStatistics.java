package dev.heed.kernel;

import dev.heed.HeedException;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;

/**
 * Statistics the normalisation layers need besides {@link Norms}' affine kernels: per-channel batch moments
 * (BatchNormalization in training mode), per-row moments over trailing axes (LayerNormalization's Mean /
 * InvStdDev outputs, InstanceNormalization), and Lp normalisation along one axis (LpNormalization).
 *
 * <p>Catalogue: one scalar implementation each, float64 accumulators, two passes (mean, then centred squares:
 * no cancellation for large means). Contiguous runs are walked in storage order; Lp normalisation keeps one
 * float64 accumulator per inner position so every pass is contiguous. Cost: 2 reads per element (moments),
 * 2 reads + 1 write (Lp). Float64 twins in {@link NormStatisticsReference} (element-at-a-time, strided).
 * Variances are biased (population): {@code Σ(x - mean)² / count}; the moments of an empty run are NaN.
 *
 * <pre>{@code
 * NormStatistics.Moments m = NormStatistics.channelMoments(x);      // x [N, C, H, W] -> mean/variance [C]
 * NormStatistics.Moments r = NormStatistics.rowMoments(x, 2);       // x [B, L, E] rows over axes 2.. -> [B·L]
 * Tensor y = NormStatistics.lpNormalize(x, -1, 2);                  // unit L2 rows; a zero row stays zero
 * }</pre>
 */
public final class NormStatistics {
    private NormStatistics() {}

    /** Largest allowed |fast - reference| / (1 + |reference|) for every statistic (float64 on both sides). */
    public static final double TOLERANCE = 1e-9;

    /** Tolerance of {@link #lpNormalize} against its reference, relative: |y - y_ref| / (1 + |y_ref|). */
    public static final double LP_TOLERANCE = 1e-6;

    /**
     * Means and biased variances, one per channel or row, in float64.
     *
     * @param mean     [count], one mean per channel or row
     * @param variance [count], the biased variances
     */
    public record Moments(double[] mean, double[] variance) {}

    /**
     * Per-channel moments of {@code x [N, C, d1, …]} (rank ≥ 2) over the batch and spatial axes, as batch
     * normalisation's training mode uses them.
     *
     * @param x float32 input of rank ≥ 2
     * @return mean and variance {@code [C]}
     * @throws HeedException SHAPE_MISMATCH below rank 2, DTYPE_MISMATCH unless float32
     */
    public static Moments channelMoments(Tensor x) {
        requireFloat("channel_moments", x);
        if (x.rank() < 2) throw HeedException.shape("channel_moments", "x" + x.shape() + " must be [N, C, ...] with rank >= 2");
        Tensor xc = x.contiguous();
        float[] xd = xc.toFloatArray();                         // [N, C, spatial]
        int n = x.dim(0), c = x.dim(1), sp = c == 0 || n == 0 ? 0 : (int) (x.numel() / ((long) n * c));
        double count = (double) n * sp;
        double[] mean = new double[c], var = new double[c];
        for (int ch = 0; ch < c; ch++) {
            double sum = 0, sq = 0;
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * sp;
                for (int i = 0; i < sp; i++) sum += xd[base + i];
            }
            double mu = sum / count;
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * sp;
                for (int i = 0; i < sp; i++) {
                    double d = xd[base + i] - mu;
                    sq += d * d;
                }
            }
            mean[ch] = mu;
            var[ch] = sq / count;
        }
        return new Moments(mean, var);
    }

    /**
     * Moments of every row of {@code x} viewed as {@code [prod(d[:axis]), prod(d[axis:])]}: the statistics of
     * layer normalisation over the axes {@code axis..rank-1} (axis in [0, rank]; negative counts from the end).
     *
     * @param x    float32 input
     * @param axis the first reduced axis
     * @return mean and variance, one per row ({@code prod(d[:axis])} of each)
     * @throws HeedException INVALID_ARGUMENT for a bad axis, DTYPE_MISMATCH unless float32
     */
    public static Moments rowMoments(Tensor x, int axis) {
        requireFloat("row_moments", x);
        int ax = axis < 0 ? axis + x.rank() : axis;
        if (ax < 0 || ax > x.rank()) {
            throw HeedException.invalid("row_moments", "axis " + axis + " is out of range for x" + x.shape() + " (rank " + x.rank() + ")");
        }
        int[] d = x.shape().dims();
        int rows = prod(d, 0, ax), cols = prod(d, ax, d.length);
        float[] xd = x.toFloatArray();                          // [rows, cols]
        double[] mean = new double[rows], var = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0, sq = 0;
            int base = r * cols;
            for (int i = 0; i < cols; i++) s += xd[base + i];
            double mu = s / cols;
            for (int i = 0; i < cols; i++) {
                double v = xd[base + i] - mu;
                sq += v * v;
            }
            mean[r] = mu;
            var[r] = sq / cols;
        }
        return new Moments(mean, var);
    }

    /**
     * {@code y = x / ‖x‖_p} along {@code axis} (p = 1 or 2), the norm accumulated in float64; a zero vector stays
     * zero (no 0/0). Returns a new contiguous float32 tensor of x's shape.
     *
     * @param x    float32 input
     * @param axis the axis the norm runs along, in {@code [-rank, rank)}
     * @param p    1 or 2
     * @return the normalised tensor
     * @throws HeedException INVALID_ARGUMENT for a bad axis, UNSUPPORTED for another p, DTYPE_MISMATCH unless float32
     */
    public static Tensor lpNormalize(Tensor x, int axis, int p) {
        requireFloat("lp_normalize", x);
        if (p != 1 && p != 2) throw HeedException.unsupported("lp_normalize: p = " + p, 1, 2);
        int ax = axisOf("lp_normalize", x, axis);
        int[] d = x.shape().dims();
        int outer = prod(d, 0, ax), len = d[ax], inner = prod(d, ax + 1, d.length);
        float[] xd = x.toFloatArray();                          // [outer, len, inner]
        float[] y = new float[xd.length];
        double[] norm = new double[inner];                      // one accumulator per inner position
        for (int o = 0; o < outer; o++) {
            java.util.Arrays.fill(norm, 0);
            int base = o * len * inner;
            for (int i = 0; i < len; i++) {
                int row = base + i * inner;
                for (int j = 0; j < inner; j++) {
                    double v = xd[row + j];
                    norm[j] += p == 1 ? Math.abs(v) : v * v;
                }
            }
            if (p == 2) for (int j = 0; j < inner; j++) norm[j] = Math.sqrt(norm[j]);
            for (int i = 0; i < len; i++) {
                int row = base + i * inner;
                for (int j = 0; j < inner; j++) y[row + j] = norm[j] == 0 ? 0f : (float) (xd[row + j] / norm[j]);
            }
        }
        return Tensor.of(y, d);
    }

    static void requireFloat(String op, Tensor x) {
        if (x.dtype() != DType.FLOAT32) {
            throw new HeedException(dev.heed.ErrorCode.DTYPE_MISMATCH, op + ": x" + x.shape() + " must be float32, got " + x.dtype());
        }
    }

    static int axisOf(String op, Tensor x, int axis) {
        int ax = axis < 0 ? axis + x.rank() : axis;
        if (ax < 0 || ax >= x.rank()) {
            throw HeedException.invalid(op, "axis " + axis + " is out of range for x" + x.shape() + " (rank " + x.rank() + ")");
        }
        return ax;
    }

    static int prod(int[] d, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) p *= d[i];
        return p;
    }
}
