package dev.heed.kernel;

import dev.heed.HeedException;
import dev.heed.tensor.Tensor;

/**
 * Float64 twins of {@link NormStatistics}: every element read through its multi-index and the tensor's strides
 * (no contiguous copy), one vector at a time. The oracle of the tests.
 */
public final class NormStatisticsReference {
    private NormStatisticsReference() {}

    /**
     * Twin of {@link NormStatistics#channelMoments}.
     *
     * @param x input {@code [N, C, d1, …]}
     * @return mean and variance {@code [C]}
     */
    public static NormStatistics.Moments channelMoments(Tensor x) {
        NormStatistics.requireFloat("channel_moments", x);
        if (x.rank() < 2) throw HeedException.shape("channel_moments", "x" + x.shape() + " must be [N, C, ...] with rank >= 2");
        int c = x.dim(1);
        double[] sum = new double[c], count = new double[c], mean = new double[c], var = new double[c];
        double[] v = values(x);
        int[] d = x.shape().dims();
        int inner = NormStatistics.prod(d, 2, d.length);
        for (int i = 0; i < v.length; i++) {
            int ch = (i / inner) % c;
            sum[ch] += v[i];
            count[ch]++;
        }
        for (int ch = 0; ch < c; ch++) mean[ch] = sum[ch] / count[ch];
        for (int i = 0; i < v.length; i++) {
            int ch = (i / inner) % c;
            var[ch] += (v[i] - mean[ch]) * (v[i] - mean[ch]);
        }
        for (int ch = 0; ch < c; ch++) var[ch] /= count[ch];
        return new NormStatistics.Moments(mean, var);
    }

    /**
     * Twin of {@link NormStatistics#rowMoments}.
     *
     * @param x    the input
     * @param axis the first reduced axis
     * @return mean and variance per row
     */
    public static NormStatistics.Moments rowMoments(Tensor x, int axis) {
        NormStatistics.requireFloat("row_moments", x);
        int ax = axis < 0 ? axis + x.rank() : axis;
        if (ax < 0 || ax > x.rank()) throw HeedException.invalid("row_moments", "axis " + axis + " is out of range");
        int[] d = x.shape().dims();
        int rows = NormStatistics.prod(d, 0, ax), cols = NormStatistics.prod(d, ax, d.length);
        double[] v = values(x), mean = new double[rows], var = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int i = 0; i < cols; i++) s += v[r * cols + i];
            mean[r] = s / cols;
            double q = 0;
            for (int i = 0; i < cols; i++) q += Math.pow(v[r * cols + i] - mean[r], 2);
            var[r] = q / cols;
        }
        return new NormStatistics.Moments(mean, var);
    }

    /**
     * Twin of {@link NormStatistics#lpNormalize}: one strided vector at a time.
     *
     * @param x    the input
     * @param axis the axis the norm runs along
     * @param p    1 or 2
     * @return the normalised values, row-major, in float64
     */
    public static double[] lpNormalize(Tensor x, int axis, int p) {
        int ax = NormStatistics.axisOf("lp_normalize", x, axis);
        int[] d = x.shape().dims();
        int outer = NormStatistics.prod(d, 0, ax), len = d[ax], inner = NormStatistics.prod(d, ax + 1, d.length);
        double[] v = values(x), y = new double[v.length];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                int base = o * len * inner + j;
                double norm = 0;
                for (int i = 0; i < len; i++) norm += p == 1 ? Math.abs(v[base + i * inner]) : v[base + i * inner] * v[base + i * inner];
                if (p == 2) norm = Math.sqrt(norm);
                for (int i = 0; i < len; i++) y[base + i * inner] = norm == 0 ? 0 : v[base + i * inner] / norm;
            }
        }
        return y;
    }

    /** Row-major values of any view, read element by element through its strides. */
    static double[] values(Tensor x) {
        int[] d = x.shape().dims();
        double[] v = new double[(int) x.numel()];
        int[] idx = new int[d.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = x.getFloat(idx);
            for (int a = d.length - 1; a >= 0; a--) {
                if (++idx[a] < d[a]) break;
                idx[a] = 0;
            }
        }
        return v;
    }
}
