package dev.heed.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API reductions: rows (horizontal, sums blocked: float vectors over {@value #BLOCK} elements, then
 * double across blocks, so the error stays ~20 ulp of Σ|x| for any length) and columns (vertical,
 * {@value #ROW_BLOCK} rows per float block, then double). Max/min propagate NaN lane by lane.
 */
final class ReductionsVector {
    private ReductionsVector() {}

    static final VectorSpecies<Float> F = VectorShapes.F;
    private static final int L = F.length();
    static final int BLOCK = 256;
    static final int ROW_BLOCK = 64;

    /** Sum of {@code x[off, off+n)} in blocked float/double arithmetic. */
    static double sum(float[] x, int off, int n) {
        double total = 0;
        for (int b = 0; b < n; b += BLOCK) {
            int m = Math.min(BLOCK, n - b);
            FloatVector acc = FloatVector.zero(F);
            int i = 0, bound = F.loopBound(m);
            for (; i < bound; i += L) acc = acc.add(FloatVector.fromArray(F, x, off + b + i));
            if (i < m) acc = acc.add(FloatVector.fromArray(F, x, off + b + i, F.indexInRange(i, m)));
            total += acc.reduceLanes(VectorOperators.ADD);
        }
        return total;
    }

    /** Max (or min) of a non-empty run; NaN if any element is NaN. */
    static float extreme(float[] x, int off, int n, boolean max) {
        FloatVector acc = FloatVector.broadcast(F, max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY);
        int i = 0, bound = F.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, off + i);
            acc = max ? acc.max(v) : acc.min(v);
        }
        float r = max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        for (int l = 0; l < L; l++) r = max ? Math.max(r, acc.lane(l)) : Math.min(r, acc.lane(l));
        for (; i < n; i++) r = max ? Math.max(r, x[off + i]) : Math.min(r, x[off + i]);
        return r;
    }

    static float reduceRow(ReduceOp op, float[] x, int off, int n) {
        return switch (op) {
            case SUM -> (float) sum(x, off, n);
            case MEAN -> (float) (sum(x, off, n) / n);
            case MAX -> extreme(x, off, n, true);
            case MIN -> extreme(x, off, n, false);
            case PROD -> ReductionsReference.reduceRow(op, x, off, n); // no blocked float product: double throughout
        };
    }

    /** {@code y[yo + j] = op over r of x[off + r·inner + j]}, {@code x} is {@code [R, inner]}, R ≥ 1. */
    static void reduceColumns(ReduceOp op, float[] x, int off, int rows, int inner, float[] y, int yo) {
        if (op == ReduceOp.PROD) {
            ReductionsReference.reduceColumns(op, x, off, rows, inner, y, yo);
            return;
        }
        if (op == ReduceOp.MAX || op == ReduceOp.MIN) {
            boolean max = op == ReduceOp.MAX;
            System.arraycopy(x, off, y, yo, inner);
            for (int r = 1; r < rows; r++) {
                int p = off + r * inner, i = 0, bound = F.loopBound(inner);
                for (; i < bound; i += L) {
                    FloatVector a = FloatVector.fromArray(F, y, yo + i), v = FloatVector.fromArray(F, x, p + i);
                    (max ? a.max(v) : a.min(v)).intoArray(y, yo + i);
                }
                for (; i < inner; i++) y[yo + i] = max ? Math.max(y[yo + i], x[p + i]) : Math.min(y[yo + i], x[p + i]);
            }
            return;
        }
        double[] total = new double[inner];   // [inner]
        float[] acc = new float[inner];       // [inner], one block of rows
        for (int r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
            java.util.Arrays.fill(acc, 0f);
            int r1 = Math.min(rows, r0 + ROW_BLOCK);
            for (int r = r0; r < r1; r++) {
                int p = off + r * inner, i = 0, bound = F.loopBound(inner);
                for (; i < bound; i += L) {
                    FloatVector.fromArray(F, acc, i).add(FloatVector.fromArray(F, x, p + i)).intoArray(acc, i);
                }
                if (i < inner) {
                    VectorMask<Float> m = F.indexInRange(i, inner);
                    FloatVector.fromArray(F, acc, i, m).add(FloatVector.fromArray(F, x, p + i, m)).intoArray(acc, i, m);
                }
            }
            for (int j = 0; j < inner; j++) total[j] += acc[j];
        }
        double scale = op == ReduceOp.MEAN ? 1.0 / rows : 1.0;
        for (int j = 0; j < inner; j++) y[yo + j] = (float) (op == ReduceOp.MEAN ? total[j] / rows : total[j] * scale);
    }
}
