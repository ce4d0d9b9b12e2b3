package dev.heed.kernel;

import dev.heed.tensor.Tensor;

/**
 * Float64 reference twin of {@link Reductions}: the scalar fallback row/column kernels and the oracle
 * ({@link #reduce}, {@link #arg}), which shares no indexing code with the fast path.
 */
final class ReductionsReference {
    private ReductionsReference() {}

    static float reduceRow(ReduceOp op, float[] x, int off, int n) {
        return (float) reduce(op, x, off, 1, n);
    }

    /** {@code y[yo + j] = op over r of x[off + r·inner + j]}, {@code x} is {@code [R, inner]}. */
    static void reduceColumns(ReduceOp op, float[] x, int off, int rows, int inner, float[] y, int yo) {
        for (int j = 0; j < inner; j++) y[yo + j] = (float) reduce(op, x, off + j, inner, rows);
    }

    static double reduce(ReduceOp op, float[] x, int off, int stride, int n) {
        double acc = switch (op) {
            case SUM, MEAN -> 0;
            case MAX -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
            case PROD -> 1;
        };
        for (int i = 0; i < n; i++) {
            double v = x[off + i * stride];
            acc = switch (op) {
                case SUM, MEAN -> acc + v;
                case MAX -> Math.max(acc, v);
                case MIN -> Math.min(acc, v);
                case PROD -> acc * v;
            };
        }
        return op == ReduceOp.MEAN ? acc / n : acc;
    }

    static long argRow(float[] x, int off, int n, boolean max, boolean last) {
        int best = 0;
        float bv = x[off];
        for (int i = 1; i < n; i++) {
            float v = x[off + i];
            if (Float.isNaN(bv)) {
                if (last && Float.isNaN(v)) best = i;
                continue;
            }
            boolean better = Float.isNaN(v) || (max ? v > bv : v < bv) || (last && v == bv);
            if (better) {
                best = i;
                bv = v;
            }
        }
        return best;
    }

    // ---------------------------------------------------------------- oracle

    /** Reduction over {@code axes} in double; row-major over the kept axes. */
    static double[] reduce(ReduceOp op, Tensor x, int[] axes) {
        boolean[] red = Reductions.reducedAxes("ref", x.shape(), axes);
        int r = x.rank();
        int[] perm = new int[r];
        int k = 0, kept = 1, reduced = 1;
        for (int a = 0; a < r; a++) if (!red[a]) { perm[k++] = a; kept *= x.dim(a); }
        for (int a = 0; a < r; a++) if (red[a]) { perm[k++] = a; reduced *= x.dim(a); }
        float[] v = x.permute(perm).toFloatArray();
        double[] out = new double[kept];
        for (int i = 0; i < kept; i++) out[i] = reduce(op, v, i * reduced, 1, reduced);
        return out;
    }

    /** Sum of |x| per output (the scale a sum's rounding error is measured against). */
    static double[] absSum(Tensor x, int[] axes) {
        float[] v = x.toFloatArray();
        for (int i = 0; i < v.length; i++) v[i] = Math.abs(v[i]);
        return reduce(ReduceOp.SUM, Tensor.of(v, x.shape().dims()), axes);
    }

    static long[] arg(Tensor x, int axis, boolean max, boolean last) {
        int ax = axis < 0 ? axis + x.rank() : axis;
        int n = x.dim(ax);
        int r = x.rank();
        int[] perm = new int[r];
        for (int a = 0, k = 0; a < r; a++) if (a != ax) perm[k++] = a;
        perm[r - 1] = ax;
        float[] v = x.permute(perm).toFloatArray();
        long[] out = new long[v.length / n];
        for (int i = 0; i < out.length; i++) out[i] = argRow(v, i * n, n, max, last);
        return out;
    }
}
