package dev.heed.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels for elementwise float32 runs, and the vector math they need.
 *
 * <p>Catalogue:
 * <ul>
 *   <li>{@link #unary}: one contiguous run, any {@link UnaryOp}; the hot ops each have their own small loop
 *       method (see there why), tails by masked loads/stores, so tails see the same arithmetic as full vectors.</li>
 *   <li>{@link #binary}: one run with each operand contiguous (stride 1) or a broadcast scalar (stride 0); one
 *       loop per (op, layout) with a constant vector operator: {@code vv}, {@code vs} (scalar / column
 *       broadcast), {@code sv}; scalar tails, which round exactly as the lanes do.</li>
 *   <li>Own polynomial math, because JDK 25's {@code VectorOperators.EXP/LOG/TANH} measured
 *       0.02–0.09 Gelem/s on this AVX-512 machine (slower than scalar {@code Math.exp}, 0.26 Gelem/s):
 *       <ul>
 *         <li>{@link #exp}: {@code 2^k · p(r)}, {@code |r| ≤ ln2/2}, degree-6 polynomial (fit error 1e-8);
 *             results below {@code 2.4e-38} flush to 0, above {@code 88.72} give +inf. Measured ≤ 2 ulp.</li>
 *         <li>{@link #log}: exponent + {@code 2·atanh((m-1)/(m+1))} series, {@code m ∈ [√½, √2)};
 *             subnormals rescaled. Measured ≤ 2 ulp.</li>
 *         <li>{@link #tanh}: odd degree-13 fit for {@code |x| < 0.625}, else {@code 1 - 2/(e^{2|x|}+1)}.</li>
 *         <li>{@link #erf}: no exp; {@code x·P(x²)} (degree 6) for {@code |x| < 1}, {@code Q(|x|-2.46)}
 *             (degree 14) up to 3.92, ±1 beyond. Fit error ≤ 7e-9; float evaluation ≤ 1.5 ulp.</li>
 *       </ul></li>
 *   <li>{@link #expm1} (Kahan's {@code (u−1)·x/log u} near 0) for elu/selu and {@link #log1p} (Goldberg's
 *       {@code log(u)·e/(u−1)}) for softplus, both built on the exp and log above.</li>
 *   <li>sin, cos, mod/fmod and pow with a non-special exponent run scalar calls (not hot in transformers);
 *       prelu is a vector blend.</li>
 * </ul>
 * Cost: one pass over the data; memory-bound for the arithmetic ops, ~10–30 flops/element for the
 * transcendental ones.
 */
final class ElementwiseVector {
    private ElementwiseVector() {}

    static final VectorSpecies<Float> F = VectorShapes.F;
    private static final int L = F.length();

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.42860682030941723212e-6f;
    private static final float EXP_LO = -86.98f;   // 2^(k-1) with k ≥ -125 stays normal
    private static final float EXP_HI = 88.72283905f;
    private static final float MAGIC = 12582912f;   // 1.5·2^23: adding it rounds to an integer (half to even)
    private static final float TWO23 = 8388608f;

    // ---------------------------------------------------------------- vector math

    // The math below takes its width from its argument (constants by v.broadcast), so it runs at any species;
    // the loops further down run at F.

    /** e^x, lanewise, at {@code x}'s width (any species, not only {@link #F}). */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_LO).min(EXP_HI);
        FloatVector t = xc.fma(LOG2E, MAGIC);                 // MAGIC + round(x·log2e)
        FloatVector k = t.sub(MAGIC);
        FloatVector r = xc.add(k.mul(-LN2_HI));   // exact: LN2_HI has few bits
        r = r.add(k.mul(-LN2_LO));
        FloatVector p = r.fma(1.393364316758168e-3f, 8.36317855224389e-3f);
        p = p.fma(r, r.broadcast(4.1666465003870896e-2f));   // r's species: exp runs at any width
        p = p.fma(r, r.broadcast(1.6666576985222484e-1f));
        p = p.fma(r, r.broadcast(5.000000013447155e-1f));
        p = p.mul(r).mul(r).add(r).add(1f);
        IntVector ki = t.reinterpretAsInts().sub(0x4B400000);
        FloatVector pow2 = ki.add(126).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats(); // 2^(k-1)
        FloatVector y = p.add(p).mul(pow2);
        y = y.blend(0f, x.compare(VectorOperators.LT, EXP_LO));
        return y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HI));
    }

    /** Natural log, lanewise (log 0 = -inf, log of a negative number or NaN = NaN). */
    static FloatVector log(FloatVector x) {
        VectorMask<Float> sub = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        FloatVector xs = x.blend(x.mul(TWO23), sub);
        IntVector bits = xs.reinterpretAsInts();
        IntVector e = bits.lanewise(VectorOperators.LSHR, 23).and(0xff).sub(127);
        FloatVector m = bits.and(0x7fffff).or(0x3f800000).reinterpretAsFloats();  // [1, 2)
        VectorMask<Float> big = m.compare(VectorOperators.GT, 1.41421356f);
        m = m.blend(m.mul(0.5f), big);
        FloatVector ef = ((FloatVector) e.convert(VectorOperators.I2F, 0));
        ef = ef.add(ef.broadcast(0f).blend(1f, big)).sub(ef.broadcast(0f).blend(23f, sub));
        FloatVector logm = logMantissa(m);
        FloatVector y = ef.mul(LN2_HI).add(ef.mul(LN2_LO).add(logm));
        y = y.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
        y = y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        return y.blend(Float.NaN, x.compare(VectorOperators.LT, 0f).or(x.test(VectorOperators.IS_NAN)));
    }

    /** log m for {@code m ∈ [√½, √2)}: {@code 2·atanh(s)}, {@code s = (m-1)/(m+1)} (own method: keeps log under C2's inlining size limit). */
    private static FloatVector logMantissa(FloatVector m) {
        FloatVector s = m.sub(1f).div(m.add(1f));
        FloatVector z = s.mul(s);
        FloatVector q = z.fma(1f / 11f, 1f / 9f);
        q = q.fma(z, z.broadcast(1f / 7f));
        q = q.fma(z, z.broadcast(1f / 5f));
        q = q.fma(z, z.broadcast(1f / 3f));
        FloatVector s2 = s.add(s);
        return s2.mul(z).mul(q).add(s2);
    }

    /** tanh, lanewise. */
    static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector z = x.mul(x);
        FloatVector p = z.fma(2.31420538853346e-3f, -8.365914268527137e-3f);
        p = p.fma(z, z.broadcast(2.177694149922307e-2f));
        p = p.fma(z, z.broadcast(-5.396049822958194e-2f));
        p = p.fma(z, z.broadcast(1.3333310810713217e-1f));
        p = p.fma(z, z.broadcast(-3.333333326668968e-1f));
        FloatVector small = p.mul(z).fma(x, x);
        FloatVector e = exp(a.add(a));
        FloatVector large = e.broadcast(1f).sub(e.broadcast(2f).div(e.add(1f)));
        large = large.blend(large.neg(), x.compare(VectorOperators.LT, 0f));
        return large.blend(small, a.compare(VectorOperators.LT, 0.625f));
    }

    /**
     * erf, lanewise, with no exp: two polynomials blended (~25 vector ops). {@code x·P(x²)}, degree 6 in
     * {@code x²}, for {@code |x| < 1} (fit error 1.2e-9 relative); {@code Q(|x| − 2.46)}, degree 14, for
     * {@code 1 ≤ |x| ≤ 3.92} (fit error 6.6e-9 absolute; erf ≥ 0.84 there), with the sign of x; ±1 beyond
     * (erf(3.92) = 1 − 1.6e-8 rounds to 1). The coefficients are a weighted least-squares (near-minimax) fit
     * to the float64 erf, rounded to float. Max error with float evaluation, measured on every 127th float in
     * [-4.5, 4.5] and a sparse sweep of the whole range: 1.5 ulp, 1.3e-7 absolute (ElementwiseFastPathTest).
     * The split at 1 (not higher) keeps the absolute error small where gelu's {@code 1 + erf} cancels.
     */
    static FloatVector erf(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector large = erfLarge(a).blend(1f, a.compare(VectorOperators.GT, 3.92f));
        large = large.reinterpretAsInts().or(x.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
        return large.blend(erfSmall(x), a.compare(VectorOperators.LT, 1f));
    }

    // erf's two pieces are separate methods only to keep each under C2's 325-byte inlining limit (FreqInlineSize):
    // a hot callee above it is never inlined, and its vectors are then boxed.

    /** {@code x·P(x²) ≈ erf(x)} for {@code |x| < 1}. */
    private static FloatVector erfSmall(FloatVector x) {
        FloatVector z = x.mul(x);
        FloatVector p = z.fma(7.85384836490266e-05f, -0.0008010190213099122f);
        p = p.fma(z, z.broadcast(0.00518832728266716f));
        p = p.fma(z, z.broadcast(-0.026853810995817184f));
        p = p.fma(z, z.broadcast(0.1128358542919159f));
        p = p.fma(z, z.broadcast(-0.3761262595653534f));
        p = p.fma(z, z.broadcast(1.1283791065216064f));
        return p.mul(x);
    }

    /** {@code Q(a − 2.46) ≈ erf(a)} for {@code 1 ≤ a ≤ 3.92} (a is clamped to 3.92). */
    private static FloatVector erfLarge(FloatVector a) {
        FloatVector u = a.min(3.92f).sub(2.46f);
        FloatVector q = u.fma(1.0908190688496688e-06f, 1.0637042890948578e-07f);
        q = q.fma(u, u.broadcast(-1.7306905647274107e-05f));
        q = q.fma(u, u.broadcast(2.4626540835015476e-05f));
        q = q.fma(u, u.broadcast(7.576054485980421e-05f));
        q = q.fma(u, u.broadcast(-0.0002994052483700216f));
        q = q.fma(u, u.broadcast(0.00035598466638475657f));
        q = q.fma(u, u.broadcast(0.0004590621974784881f));
        q = q.fma(u, u.broadcast(-0.0029372263234108686f));
        q = q.fma(u, u.broadcast(0.006799711845815182f));
        q = q.fma(u, u.broadcast(-0.009914168156683445f));
        q = q.fma(u, u.broadcast(0.0098324129357934f));
        q = q.fma(u, u.broadcast(-0.00653452193364501f));
        q = q.fma(u, u.broadcast(0.0026562404818832874f));
        return q.fma(u, u.broadcast(0.9994966387748718f));
    }

    /** {@code 0.5·x·(1 + erf(x/√2))}, lanewise. */
    static FloatVector gelu(FloatVector x) {
        return erf(x.mul(0.70710678118654752f)).add(1f).mul(x.mul(0.5f));
    }

    /** {@code 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))}, lanewise. */
    static FloatVector geluTanh(FloatVector x) {
        FloatVector inner = x.mul(x).fma(0.044715f, 1f).mul(x).mul(0.79788456080286536f);
        return tanh(inner).add(1f).mul(x.mul(0.5f));
    }

    /** 1/(1+e^-x), lanewise. */
    static FloatVector sigmoid(FloatVector x) {
        return x.broadcast(1f).div(exp(x.neg()).add(1f));
    }

    /**
     * e^x − 1, lanewise, without cancellation near 0: Kahan's {@code (u − 1)·x / log u} with {@code u = e^x}
     * for {@code |x| < 0.5} (the rounding error of u cancels between numerator and denominator), {@code u − 1} beyond.
     */
    static FloatVector expm1(FloatVector x) {
        FloatVector u = exp(x);
        FloatVector um1 = u.sub(1f);
        FloatVector small = um1.mul(x).div(log(u));
        small = small.blend(x, u.compare(VectorOperators.EQ, 1f));
        return um1.blend(small, x.abs().compare(VectorOperators.LT, 0.5f));
    }

    /** log(1 + e) for e ≥ 0, lanewise: {@code log(u)·e / (u − 1)} with {@code u = 1 + e} (Goldberg's trick), e itself when u rounds to 1. */
    static FloatVector log1p(FloatVector e) {
        FloatVector u = e.add(1f);
        FloatVector r = log(u).mul(e).div(u.sub(1f));
        return r.blend(e, u.compare(VectorOperators.EQ, 1f));
    }

    /** Rounds half to even, lanewise ({@code |x| ≥ 2^23} and NaN pass through). */
    static FloatVector rint(FloatVector x) {
        FloatVector a = x.abs();
        IntVector sign = x.reinterpretAsInts().and(0x80000000);
        FloatVector r = a.add(TWO23).sub(TWO23).reinterpretAsInts().or(sign).reinterpretAsFloats();
        return x.blend(r, a.compare(VectorOperators.LT, TWO23));
    }

    static FloatVector apply(UnaryOp op, FloatVector x) {
        return switch (op.kind()) {
            case NEG -> x.neg();
            case ABS -> x.abs();
            case SIGN -> x.blend(1f, x.compare(VectorOperators.GT, 0f)).blend(-1f, x.compare(VectorOperators.LT, 0f));
            case EXP -> exp(x);
            case LOG -> log(x);
            case SQRT -> x.sqrt();
            case RECIPROCAL -> x.broadcast(1f).div(x);
            case TANH -> tanh(x);
            case ERF -> erf(x);
            case SIGMOID -> sigmoid(x);
            case RELU -> x.max(0f);
            case LEAKY_RELU -> x.blend(x.mul(op.alpha()), x.compare(VectorOperators.LT, 0f));
            case GELU -> gelu(x);
            case GELU_TANH -> geluTanh(x);
            case SILU -> x.div(exp(x.neg()).add(1f));
            case HARD_SIGMOID -> x.fma(op.alpha(), op.beta()).min(1f).max(0f);
            case HARD_SWISH -> x.mul(x.fma(1f / 6f, 0.5f).min(1f).max(0f));
            case CLIP -> x.max(op.alpha()).min(op.beta());
            case FLOOR -> {
                FloatVector t = rint(x);
                yield t.blend(t.sub(1f), t.compare(VectorOperators.GT, x));
            }
            case CEIL -> {
                FloatVector t = rint(x);
                yield t.blend(t.add(1f), t.compare(VectorOperators.LT, x));
            }
            case ROUND -> rint(x);
            case ELU -> x.blend(expm1(x).mul(op.alpha()), x.compare(VectorOperators.LT, 0f));
            case SELU -> x.blend(expm1(x).mul(op.alpha()), x.compare(VectorOperators.LE, 0f)).mul(op.beta());
            case SOFTPLUS -> log1p(exp(x.abs().neg())).add(x.max(0f));
            case SOFTSIGN -> x.div(x.abs().add(1f));
            case SIN, COS -> throw new IllegalStateException("scalar op " + op);
        };
    }

    // ---------------------------------------------------------------- runs

    /** One contiguous run {@code y[yo + i] = f(x[xo + i])}, {@code i < n}. */
    @FunctionalInterface
    private interface Run {
        void run(float[] x, int xo, float[] y, int yo, int n);
    }

    /**
     * {@code y[yo + i] = op(x[xo + i])} for {@code i < n}.
     *
     * <p>Why one small method per hot op, reached through an interface: C2 only keeps vectors in registers when
     * the whole vector expression is inlined into one compilation unit, and the Vector API's templates are
     * node-hungry (erf with its exp is ~10k IR nodes). A single loop with a switch over every op, or an op
     * inlined twice (main loop + tail), hit {@code NodeCountInliningCutoff}; the rest of the unit is then left
     * un-inlined and every vector is boxed (measured 0.15 vs 1+ Gelem/s). So each hot op has its own method
     * with exactly one copy of its math, tails included (a masked load/store per iteration), and the
     * dispatch call is usually megamorphic, so those methods compile on their own.
     */
    static void unary(UnaryOp op, float[] x, int xo, float[] y, int yo, int n) {
        if (n <= 0) return;
        Run r = switch (op.kind()) {
            case NEG -> ElementwiseVector::negRun;
            case ABS -> ElementwiseVector::absRun;
            case SQRT -> ElementwiseVector::sqrtRun;
            case RELU -> ElementwiseVector::reluRun;
            case EXP -> ElementwiseVector::expRun;
            case LOG -> ElementwiseVector::logRun;
            case TANH -> ElementwiseVector::tanhRun;
            case ERF -> ElementwiseVector::erfRun;
            case SIGMOID -> ElementwiseVector::sigmoidRun;
            case SILU -> ElementwiseVector::siluRun;
            case GELU -> ElementwiseVector::geluRun;
            case GELU_TANH -> ElementwiseVector::geluTanhRun;
            case SIN, COS -> null;
            default -> null;
        };
        if (r != null) {
            r.run(x, xo, y, yo, n);
            return;
        }
        if (op.kind() == UnaryOp.Kind.SIN || op.kind() == UnaryOp.Kind.COS) {
            boolean sin = op.kind() == UnaryOp.Kind.SIN;
            for (int i = 0; i < n; i++) y[yo + i] = (float) (sin ? Math.sin(x[xo + i]) : Math.cos(x[xo + i]));
            return;
        }
        genericRun(op, x, xo, y, yo, n);
    }

    /** The less common ops: one loop through {@link #apply} (boxes when apply is not inlined; correct either way). */
    private static void genericRun(UnaryOp op, float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = F.indexInRange(i, n);
            apply(op, FloatVector.fromArray(F, x, xo + i, m)).intoArray(y, yo + i, m);
        }
    }

    // Cheap ops: an unmasked main loop and one masked tail (both tiny).
    private static void negRun(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0, bound = F.loopBound(n);
        for (; i < bound; i += L) FloatVector.fromArray(F, x, xo + i).neg().intoArray(y, yo + i);
        for (; i < n; i++) y[yo + i] = -x[xo + i];
    }

    private static void absRun(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0, bound = F.loopBound(n);
        for (; i < bound; i += L) FloatVector.fromArray(F, x, xo + i).abs().intoArray(y, yo + i);
        for (; i < n; i++) y[yo + i] = Math.abs(x[xo + i]);
    }

    private static void sqrtRun(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0, bound = F.loopBound(n);
        for (; i < bound; i += L) FloatVector.fromArray(F, x, xo + i).sqrt().intoArray(y, yo + i);
        for (; i < n; i++) y[yo + i] = (float) Math.sqrt(x[xo + i]);   // sqrt of a float, rounded once: IEEE sqrt
    }

    private static void reluRun(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0, bound = F.loopBound(n);
        for (; i < bound; i += L) FloatVector.fromArray(F, x, xo + i).max(0f).intoArray(y, yo + i);
        for (; i < n; i++) y[yo + i] = Math.max(x[xo + i], 0f);
    }

    // Transcendental ops: one masked loop, so the math is inlined once (the mask costs ~1 op of ~40). Compositions
    // (sigmoid, silu, gelu) are spelled out here and call exp / erf / tanh directly: a helper is usually C2-compiled
    // on its own first (the interpreted loop calls it thousands of times), and C2 refuses to inline a callee whose
    // own compiled code is big (InlineSmallCode), so one wrapper level more (gelu → erf) can leave the loop calling
    // gelu with boxed vectors (measured 4× slower, depending on compile order).
    private static void expRun(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = F.indexInRange(i, n);
            exp(FloatVector.fromArray(F, x, xo + i, m)).intoArray(y, yo + i, m);
        }
    }

    private static void logRun(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = F.indexInRange(i, n);
            log(FloatVector.fromArray(F, x, xo + i, m)).intoArray(y, yo + i, m);
        }
    }

    private static void tanhRun(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = F.indexInRange(i, n);
            tanh(FloatVector.fromArray(F, x, xo + i, m)).intoArray(y, yo + i, m);
        }
    }

    private static void erfRun(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = F.indexInRange(i, n);
            erf(FloatVector.fromArray(F, x, xo + i, m)).intoArray(y, yo + i, m);
        }
    }

    private static void sigmoidRun(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector.broadcast(F, 1f).div(exp(FloatVector.fromArray(F, x, xo + i, m).neg()).add(1f)).intoArray(y, yo + i, m);
        }
    }

    private static void siluRun(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
            v.div(exp(v.neg()).add(1f)).intoArray(y, yo + i, m);
        }
    }

    private static void geluRun(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
            erf(v.mul(0.70710678118654752f)).add(1f).mul(v.mul(0.5f)).intoArray(y, yo + i, m);
        }
    }

    private static void geluTanhRun(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, xo + i, m);
            tanh(v.mul(v).fma(0.044715f, 1f).mul(v).mul(0.79788456080286536f)).add(1f).mul(v.mul(0.5f)).intoArray(y, yo + i, m);
        }
    }

    /**
     * One run of {@code n} outputs: {@code y[yo+i] = a[ao + i·sa] op b[bo + i·sb]} with {@code sa, sb ∈ {0, 1}}
     * (0 = broadcast scalar). Each (op, layout) pair has its own loop with a constant vector operator (a
     * non-constant {@code VectorOperators.Binary} is not intrinsified and runs ~50× slower).
     */
    static void binary(BinaryOp op, float[] a, int ao, int sa, float[] b, int bo, int sb, float[] y, int yo, int n) {
        switch (op) {
            case POW -> { pow(a, ao, sa, b, bo, sb, y, yo, n); return; }
            case PRELU -> { prelu(a, ao, sa, b, bo, sb, y, yo, n); return; }
            case MOD, FMOD -> { mod(op == BinaryOp.MOD, a, ao, sa, b, bo, sb, y, yo, n); return; }
            default -> { }
        }
        if (n <= 0) return;
        if (sa == 1 && sb == 1) vv(op, a, ao, b, bo, y, yo, n);
        else if (sa == 1) vs(op, a, ao, b[bo], y, yo, n);
        else if (sb == 1) sv(op, a[ao], b, bo, y, yo, n);
        else java.util.Arrays.fill(y, yo, yo + n, scalar(op, a[ao], b[bo]));
    }

    /** The float result of an arithmetic op, as the vector lanes compute it (IEEE-rounded; max/min as {@link Math#max}). */
    static float scalar(BinaryOp op, float a, float b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case POW, MOD, FMOD, PRELU -> throw new IllegalStateException(op + " has no plain run");
        };
    }

    /** {@code y = a op b}, both contiguous. */
    private static void vv(BinaryOp op, float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        switch (op) {
            case ADD -> { for (; i < bound; i += L) FloatVector.fromArray(F, a, ao + i).add(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i); }
            case SUB -> { for (; i < bound; i += L) FloatVector.fromArray(F, a, ao + i).sub(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i); }
            case MUL -> { for (; i < bound; i += L) FloatVector.fromArray(F, a, ao + i).mul(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i); }
            case DIV -> { for (; i < bound; i += L) FloatVector.fromArray(F, a, ao + i).div(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i); }
            case MAX -> { for (; i < bound; i += L) FloatVector.fromArray(F, a, ao + i).max(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i); }
            case MIN -> { for (; i < bound; i += L) FloatVector.fromArray(F, a, ao + i).min(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i); }
            default -> throw new IllegalStateException(op + " has no plain run");
        }
        for (; i < n; i++) y[yo + i] = scalar(op, a[ao + i], b[bo + i]);
    }

    /** {@code y = a op s}: a contiguous, s a broadcast scalar (scalar operand, column broadcast). */
    private static void vs(BinaryOp op, float[] a, int ao, float s, float[] y, int yo, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector sv = FloatVector.broadcast(F, s);
        switch (op) {
            case ADD -> { for (; i < bound; i += L) FloatVector.fromArray(F, a, ao + i).add(sv).intoArray(y, yo + i); }
            case SUB -> { for (; i < bound; i += L) FloatVector.fromArray(F, a, ao + i).sub(sv).intoArray(y, yo + i); }
            case MUL -> { for (; i < bound; i += L) FloatVector.fromArray(F, a, ao + i).mul(sv).intoArray(y, yo + i); }
            case DIV -> { for (; i < bound; i += L) FloatVector.fromArray(F, a, ao + i).div(sv).intoArray(y, yo + i); }
            case MAX -> { for (; i < bound; i += L) FloatVector.fromArray(F, a, ao + i).max(sv).intoArray(y, yo + i); }
            case MIN -> { for (; i < bound; i += L) FloatVector.fromArray(F, a, ao + i).min(sv).intoArray(y, yo + i); }
            default -> throw new IllegalStateException(op + " has no plain run");
        }
        for (; i < n; i++) y[yo + i] = scalar(op, a[ao + i], s);
    }

    /** {@code y = s op b}: s a broadcast scalar, b contiguous. */
    private static void sv(BinaryOp op, float s, float[] b, int bo, float[] y, int yo, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector sv = FloatVector.broadcast(F, s);
        switch (op) {
            case ADD -> { for (; i < bound; i += L) sv.add(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i); }
            case SUB -> { for (; i < bound; i += L) sv.sub(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i); }
            case MUL -> { for (; i < bound; i += L) sv.mul(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i); }
            case DIV -> { for (; i < bound; i += L) sv.div(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i); }
            case MAX -> { for (; i < bound; i += L) sv.max(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i); }
            case MIN -> { for (; i < bound; i += L) sv.min(FloatVector.fromArray(F, b, bo + i)).intoArray(y, yo + i); }
            default -> throw new IllegalStateException(op + " has no plain run");
        }
        for (; i < n; i++) y[yo + i] = scalar(op, s, b[bo + i]);
    }

    /** PRelu {@code a < 0 ? a·b : a}; either operand may be a broadcast scalar (stride 0). */
    private static void prelu(float[] a, int ao, int sa, float[] b, int bo, int sb, float[] y, int yo, int n) {
        if (n <= 0) return;
        FloatVector as = FloatVector.broadcast(F, a[ao]), bs = FloatVector.broadcast(F, b[bo]);
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector x = sa == 0 ? as : FloatVector.fromArray(F, a, ao + i);
            FloatVector s = sb == 0 ? bs : FloatVector.fromArray(F, b, bo + i);
            x.blend(x.mul(s), x.compare(VectorOperators.LT, 0f)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            float x = a[ao + i * sa];
            y[yo + i] = x < 0 ? x * b[bo + i * sb] : x;
        }
    }

    /** Mod (divisor's sign) or fmod (dividend's sign), scalar: Java's float {@code %} is C's fmod, exact. */
    private static void mod(boolean floor, float[] a, int ao, int sa, float[] b, int bo, int sb, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) {
            float d = b[bo + i * sb];
            float r = a[ao + i * sa] % d;
            y[yo + i] = floor && r != 0 && (r < 0) != (d < 0) ? r + d : r;
        }
    }

    /** Pow: exponent 2 → x·x, 1 → copy (vectorised); otherwise scalar {@link Math#pow}. */
    private static void pow(float[] a, int ao, int sa, float[] b, int bo, int sb, float[] y, int yo, int n) {
        if (sb == 0 && sa == 1 && (b[bo] == 2f || b[bo] == 1f)) {
            float e = b[bo];
            int i = 0;
            int bound = F.loopBound(n);
            for (; i < bound; i += L) {
                FloatVector x = FloatVector.fromArray(F, a, ao + i);
                (e == 2f ? x.mul(x) : x).intoArray(y, yo + i);
            }
            for (; i < n; i++) {
                float x = a[ao + i];
                y[yo + i] = e == 2f ? x * x : x;
            }
            return;
        }
        for (int i = 0; i < n; i++) y[yo + i] = (float) Math.pow(a[ao + i * sa], b[bo + i * sb]);
    }
}
