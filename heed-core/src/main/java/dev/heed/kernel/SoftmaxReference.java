package dev.heed.kernel;

import dev.heed.tensor.Tensor;

/** Float64 reference twin of {@link Softmax}: the fallback row kernel and the whole-tensor oracle. */
final class SoftmaxReference {
    private SoftmaxReference() {}

    static void row(float[] x, int xo, float[] y, int yo, int n, boolean log) {
        double[] r = rowDouble(x, xo, n, log);
        for (int i = 0; i < n; i++) y[yo + i] = (float) r[i];
    }

    static double[] rowDouble(float[] x, int xo, int n, boolean log) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[xo + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(x[xo + i] - max);
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = log ? (x[xo + i] - max) - Math.log(sum) : Math.exp(x[xo + i] - max) / sum;
        }
        return r;
    }

    /** Softmax along {@code axis} in double, row-major in the input's layout. */
    static double[] softmax(Tensor x, int axis, boolean log) {
        int ax = axis < 0 ? axis + x.rank() : axis;
        int r = x.rank(), n = x.dim(ax);
        int[] perm = new int[r];
        for (int a = 0, k = 0; a < r; a++) if (a != ax) perm[k++] = a;
        perm[r - 1] = ax;
        Tensor p = x.permute(perm);
        float[] v = p.toFloatArray();
        double[] rows = new double[v.length];
        for (int i = 0; i < v.length / n; i++) System.arraycopy(rowDouble(v, i * n, n, log), 0, rows, i * n, n);
        // back to the input's axis order
        int[] pd = p.shape().dims();
        int[] ps = p.shape().contiguousStrides();
        double[] out = new double[v.length];
        int[] idx = new int[r];
        for (int i = 0; i < out.length; i++) {
            int rem = i;
            for (int a = r - 1; a >= 0; a--) { idx[a] = rem % x.dim(a); rem /= x.dim(a); }
            int q = 0;
            for (int j = 0; j < r; j++) q += idx[perm[j]] * ps[j];
            out[i] = rows[q];
        }
        assert pd.length == r;
        return out;
    }
}
