package dev.heed.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/** Vector API rows for {@link Norms}. */
abstract sealed class NormsVector permits NormsVector.W64, NormsVector.W128, NormsVector.W256, NormsVector.W512 {

    /** The kernels at the CPU's preferred width ({@link VectorShapes#F}). */
    static final NormsVector PREFERRED = of(VectorShapes.F.vectorBitSize());

    /**
     * The kernels at {@code bits} = 64, 128, 256 or 512 (wider requests get 512, narrower 64); every width runs on
     * every machine, so tests cover the 4-, 8- and 16-lane paths anywhere. Each width's instance is read from a
     * field typed {@code NormsVector}, so production loads only the preferred subclass and the JIT sees
     * {@link #species()} as one constant.
     */
    static NormsVector of(int bits) {
        if (bits >= 512) return W512.KERNELS;
        if (bits >= 256) return W256.KERNELS;
        if (bits >= 128) return W128.KERNELS;
        return W64.KERNELS;
    }

    /** The float species of this width (a static final constant of each subclass). */
    abstract VectorSpecies<Float> species();

    @Override
    public String toString() {
        return "NormsVector(" + species().vectorBitSize() + " bits)";
    }


    /** One row of {@code n}: mean, centred variance (blocked sums), then {@code (x-μ)·rstd·γ + β}. */
    void layerNormRow(float[] x, int xo, float[] g, float[] b, float eps, float[] y, int yo, int n) {
        VectorSpecies<Float> F = species();
        int L = F.length();
        // the mean as hi + lo floats: x - hi is nearly exact, so rows far from 0 keep their precision
        double meanD = ReductionsVector.of(F.vectorBitSize()).sum(x, xo, n) / n;
        float hi = (float) meanD, lo = (float) (meanD - hi);
        FloatVector mv = FloatVector.broadcast(F, hi), lv = FloatVector.broadcast(F, lo);
        // corrected two-pass: Σd and Σd² around the first mean fix the mean's own rounding error
        double ss = 0, sd = 0;
        for (int s = 0; s < n; s += ReductionsVector.BLOCK) {
            int m = Math.min(ReductionsVector.BLOCK, n - s);
            FloatVector acc = FloatVector.zero(F), dacc = FloatVector.zero(F);
            int i = 0, bound = F.loopBound(m);
            for (; i < bound; i += L) {
                FloatVector d = FloatVector.fromArray(F, x, xo + s + i).sub(mv).sub(lv);
                acc = d.fma(d, acc);
                dacc = dacc.add(d);
            }
            if (i < m) {
                VectorMask<Float> mask = F.indexInRange(i, m);
                FloatVector d = FloatVector.fromArray(F, x, xo + s + i, mask).sub(mv, mask).sub(lv, mask);  // off lanes stay 0
                acc = d.fma(d, acc);
                dacc = dacc.add(d);
            }
            ss += LaneSum.sum(acc);
            sd += LaneSum.sum(dacc);
        }
        double shift = sd / n;
        double var = Math.max(0, ss / n - shift * shift);
        meanD += shift;
        hi = (float) meanD;
        lo = (float) (meanD - hi);
        mv = FloatVector.broadcast(F, hi);
        lv = FloatVector.broadcast(F, lo);
        FloatVector rs = FloatVector.broadcast(F, (float) (1.0 / Math.sqrt(var + eps)));
        int i = 0, bound = F.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i).sub(mv).sub(lv).mul(rs);
            if (g != null) v = v.mul(FloatVector.fromArray(F, g, i));
            if (b != null) v = v.add(FloatVector.fromArray(F, b, i));
            v.intoArray(y, yo + i);
        }
        if (i < n) {
            VectorMask<Float> mask = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, xo + i, mask).sub(mv).sub(lv).mul(rs);
            if (g != null) v = v.mul(FloatVector.fromArray(F, g, i, mask));
            if (b != null) v = v.add(FloatVector.fromArray(F, b, i, mask));
            v.intoArray(y, yo + i, mask);
        }
    }

    /** {@code y = (x - mu)·a + c} over a run of {@code n}. */
    void affineRow(float[] x, int xo, float mu, float a, float c, float[] y, int yo, int n) {
        VectorSpecies<Float> F = species();
        int L = F.length();
        int i = 0, bound = F.loopBound(n);
        FloatVector av = FloatVector.broadcast(F, a), cv = FloatVector.broadcast(F, c);
        for (; i < bound; i += L) FloatVector.fromArray(F, x, xo + i).sub(mu).fma(av, cv).intoArray(y, yo + i);
        for (; i < n; i++) y[yo + i] = Math.fma(x[xo + i] - mu, a, c);
    }

    static final class W64 extends NormsVector {
        static final NormsVector KERNELS = new W64();
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_64;
        @Override VectorSpecies<Float> species() { return S; }
    }

    static final class W128 extends NormsVector {
        static final NormsVector KERNELS = new W128();
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_128;
        @Override VectorSpecies<Float> species() { return S; }
    }

    static final class W256 extends NormsVector {
        static final NormsVector KERNELS = new W256();
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
        @Override VectorSpecies<Float> species() { return S; }
    }

    static final class W512 extends NormsVector {
        static final NormsVector KERNELS = new W512();
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
        @Override VectorSpecies<Float> species() { return S; }
    }
}
