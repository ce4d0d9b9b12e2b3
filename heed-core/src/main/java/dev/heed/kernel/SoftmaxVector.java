package dev.heed.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API softmax rows: max; exp(x - max) with a blocked sum; scale (or subtract log-sum). */
final class SoftmaxVector {
    private SoftmaxVector() {}

    static final VectorSpecies<Float> F = VectorShapes.F;
    private static final int L = F.length();

    /** Max of a non-empty run (NaN if any element is NaN), with a constant vector operator so it stays intrinsified. */
    static float rowMax(float[] x, int xo, int n) {
        FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0, bound = F.loopBound(n);
        for (; i < bound; i += L) acc = acc.max(FloatVector.fromArray(F, x, xo + i));
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, x[xo + i]);
        return m;
    }

    /** One row of {@code n}: {@code y[yo..] = softmax(x[xo..])} (or log-softmax). */
    static void row(float[] x, int xo, float[] y, int yo, int n, boolean log) {
        float max = rowMax(x, xo, n);
        FloatVector mv = FloatVector.broadcast(F, max);
        double sum = 0;
        for (int b = 0; b < n; b += ReductionsVector.BLOCK) {
            int m = Math.min(ReductionsVector.BLOCK, n - b);
            FloatVector acc = FloatVector.zero(F);
            // one masked loop, so exp is inlined once (twice, with a separate tail, overflows C2's inlining budget)
            for (int i = 0; i < m; i += L) {
                VectorMask<Float> mask = F.indexInRange(i, m);
                FloatVector e = ElementwiseVector.exp(FloatVector.fromArray(F, x, xo + b + i, mask).sub(mv));
                if (!log) e.intoArray(y, yo + b + i, mask);
                acc = acc.add(e, mask);
            }
            sum += acc.reduceLanes(VectorOperators.ADD);
        }
        int i = 0, bound = F.loopBound(n);
        if (log) {
            FloatVector ls = FloatVector.broadcast(F, (float) Math.log(sum));
            for (; i < bound; i += L) FloatVector.fromArray(F, x, xo + i).sub(mv).sub(ls).intoArray(y, yo + i);
            if (i < n) {
                VectorMask<Float> mask = F.indexInRange(i, n);
                FloatVector.fromArray(F, x, xo + i, mask).sub(mv).sub(ls).intoArray(y, yo + i, mask);
            }
        } else {
            FloatVector inv = FloatVector.broadcast(F, (float) (1.0 / sum));
            for (; i < bound; i += L) FloatVector.fromArray(F, y, yo + i).mul(inv).intoArray(y, yo + i);
            for (; i < n; i++) y[yo + i] *= inv.lane(0);
        }
    }
}
