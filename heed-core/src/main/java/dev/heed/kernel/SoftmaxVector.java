package dev.heed.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API softmax rows: max; exp(x - max) with a blocked sum; scale (or subtract log-sum). */
abstract sealed class SoftmaxVector permits SoftmaxVector.W64, SoftmaxVector.W128, SoftmaxVector.W256, SoftmaxVector.W512 {

    /** The rows at the CPU's preferred width ({@link VectorShapes#F}). */
    static final SoftmaxVector PREFERRED = of(VectorShapes.F.vectorBitSize());

    /**
     * The rows at {@code bits} = 64, 128, 256 or 512 (wider requests get 512, narrower 64), each width on any machine.
     * As in {@link NormsVector}, production loads only the preferred subclass, so {@link #species()} is one JIT
     * constant.
     */
    static SoftmaxVector of(int bits) {
        if (bits >= 512) return W512.KERNELS;
        if (bits >= 256) return W256.KERNELS;
        if (bits >= 128) return W128.KERNELS;
        return W64.KERNELS;
    }

    /** The float species of this width (a static final constant of each subclass). */
    abstract VectorSpecies<Float> species();

    @Override
    public String toString() {
        return "SoftmaxVector(" + species().vectorBitSize() + " bits)";
    }

    /** Max of a non-empty run (NaN if any element is NaN), with a constant vector operator so it stays intrinsified. */
    float rowMax(float[] x, int xo, int n) {
        VectorSpecies<Float> F = species();
        int L = F.length();
        FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0, bound = F.loopBound(n);
        for (; i < bound; i += L) acc = acc.max(FloatVector.fromArray(F, x, xo + i));
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, x[xo + i]);
        return m;
    }

    /** One row of {@code n}: {@code y[yo..] = softmax(x[xo..])} (or log-softmax); y must not overlap x. */
    void row(float[] x, int xo, float[] y, int yo, int n, boolean log) {
        VectorSpecies<Float> F = species();
        int L = F.length();
        float max = rowMax(x, xo, n);
        FloatVector mv = FloatVector.broadcast(F, max);
        // one masked loop, so exp is inlined once (twice, with a separate tail, overflows C2's inlining budget)
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> mask = F.indexInRange(i, n);
            ElementwiseVector.exp(FloatVector.fromArray(F, x, xo + i, mask).sub(mv)).intoArray(y, yo + i, mask);
        }
        // Σ exp over y (log-softmax overwrites it below; y never aliases x), by the blocked sum with its fixed-order lane
        // sums: inlined exp leaves C2 over its node budget for inlining LaneSum.sum here, and a vector handed to a method
        // that is not inlined is boxed (+25 % on rows of 128), where this call takes arrays. The same additions, in the
        // same order, as accumulating each block's exp in the loop above.
        double sum = ReductionsVector.of(F.vectorBitSize()).sum(y, yo, n);
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

    static final class W64 extends SoftmaxVector {
        static final SoftmaxVector KERNELS = new W64();
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_64;
        @Override VectorSpecies<Float> species() { return S; }
    }

    static final class W128 extends SoftmaxVector {
        static final SoftmaxVector KERNELS = new W128();
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_128;
        @Override VectorSpecies<Float> species() { return S; }
    }

    static final class W256 extends SoftmaxVector {
        static final SoftmaxVector KERNELS = new W256();
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
        @Override VectorSpecies<Float> species() { return S; }
    }

    static final class W512 extends SoftmaxVector {
        static final SoftmaxVector KERNELS = new W512();
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
        @Override VectorSpecies<Float> species() { return S; }
    }
}
