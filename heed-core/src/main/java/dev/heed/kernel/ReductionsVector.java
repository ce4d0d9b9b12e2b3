package dev.heed.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API reductions: rows (horizontal, sums blocked: float vectors over {@value #BLOCK} elements, then
 * double across blocks, so the error stays ~20 ulp of Σ|x| for any length) and columns (vertical,
 * {@value #ROW_BLOCK} rows per float block, then double). Max/min propagate NaN lane by lane.
 */
abstract sealed class ReductionsVector permits ReductionsVector.W64, ReductionsVector.W128, ReductionsVector.W256, ReductionsVector.W512 {

    /** The kernels at the CPU's preferred width ({@link VectorShapes#F}). */
    static final ReductionsVector PREFERRED = of(VectorShapes.F.vectorBitSize());

    /**
     * The kernels at {@code bits} = 64, 128, 256 or 512 (wider requests get 512, narrower 64); every width runs on
     * every machine, so tests cover the 4-, 8- and 16-lane paths anywhere. Each width's instance is read from a
     * field typed {@code ReductionsVector}, so production loads only the preferred subclass and the JIT sees
     * {@link #species()} as one constant.
     */
    static ReductionsVector of(int bits) {
        if (bits >= 512) return W512.KERNELS;
        if (bits >= 256) return W256.KERNELS;
        if (bits >= 128) return W128.KERNELS;
        return W64.KERNELS;
    }

    /** The float species of this width (a static final constant of each subclass). */
    abstract VectorSpecies<Float> species();

    @Override
    public String toString() {
        return "ReductionsVector(" + species().vectorBitSize() + " bits)";
    }

    static final int BLOCK = 256;
    static final int ROW_BLOCK = 64;

    /** Sum of {@code x[off, off+n)} in blocked float/double arithmetic. */
    double sum(float[] x, int off, int n) {
        VectorSpecies<Float> F = species();
        int L = F.length();
        double total = 0;
        for (int b = 0; b < n; b += BLOCK) {
            int m = Math.min(BLOCK, n - b);
            FloatVector acc = FloatVector.zero(F);
            int i = 0, bound = F.loopBound(m);
            for (; i < bound; i += L) acc = acc.add(FloatVector.fromArray(F, x, off + b + i));
            if (i < m) acc = acc.add(FloatVector.fromArray(F, x, off + b + i, F.indexInRange(i, m)));
            total += LaneSum.sum(acc);
        }
        return total;
    }

    /** Max (or min) of a non-empty run; NaN if any element is NaN. */
    float extreme(float[] x, int off, int n, boolean max) {
        VectorSpecies<Float> F = species();
        int L = F.length();
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

    float reduceRow(ReduceOp op, float[] x, int off, int n) {
        return switch (op) {
            case SUM -> (float) sum(x, off, n);
            case MEAN -> (float) (sum(x, off, n) / n);
            case MAX -> extreme(x, off, n, true);
            case MIN -> extreme(x, off, n, false);
            case PROD -> ReductionsReference.reduceRow(op, x, off, n); // no blocked float product: double throughout
        };
    }

    /** {@code y[yo + j] = op over r of x[off + r·inner + j]}, {@code x} is {@code [R, inner]}, R ≥ 1. */
    void reduceColumns(ReduceOp op, float[] x, int off, int rows, int inner, float[] y, int yo) {
        VectorSpecies<Float> F = species();
        int L = F.length();
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

    static final class W64 extends ReductionsVector {
        static final ReductionsVector KERNELS = new W64();
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_64;
        @Override VectorSpecies<Float> species() { return S; }
    }

    static final class W128 extends ReductionsVector {
        static final ReductionsVector KERNELS = new W128();
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_128;
        @Override VectorSpecies<Float> species() { return S; }
    }

    static final class W256 extends ReductionsVector {
        static final ReductionsVector KERNELS = new W256();
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
        @Override VectorSpecies<Float> species() { return S; }
    }

    static final class W512 extends ReductionsVector {
        static final ReductionsVector KERNELS = new W512();
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
        @Override VectorSpecies<Float> species() { return S; }
    }
}
