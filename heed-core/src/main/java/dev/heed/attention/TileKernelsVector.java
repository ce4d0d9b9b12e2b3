package dev.heed.attention;

import dev.heed.kernel.LaneSum;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API inner loops of the attention kernels (see {@link TileKernels}); scalar tails.
 * Exact attention: scores are computed 4 query rows × 4 vectors of keys at a time (16 accumulators, each key
 * vector loaded once for 4 rows, each query element broadcast once for 4 vectors); P·V keeps 4 rows × 4 vectors of
 * the output in registers over the whole key tile. Flash attention's query-lane kernels ({@code *T}) work on
 * groups of {@link #G} = 4 vectors of queries held transposed: Q·Kᵀ is 4 keys × 4 query vectors, P·V 4 query rows
 * × 4 output vectors, and the softmax statistics are lane-wise. {@link #exp2} is the base-2 exponential of the
 * flash softmax ({@link #exp} the natural one of the exact kernel). Loaded only when {@code VectorSupport.available()}.
 */
final class TileKernelsVector implements TileKernels {
    static final TileKernelsVector INSTANCE = new TileKernelsVector();
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LN = F.length();

    private TileKernelsVector() {}

    @Override
    public void scores(float[] q, int qOff, int ldq, int rows, int e, float[] kt, int ktOff, int ldk, int cols,
                       float[] s, int sOff, int lds) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int q0 = qOff + r * ldq, q1 = q0 + ldq, q2 = q1 + ldq, q3 = q2 + ldq;
            int s0 = sOff + r * lds, s1 = s0 + lds, s2 = s1 + lds, s3 = s2 + lds;
            int c = 0;
            for (; c + 4 * LN <= cols; c += 4 * LN) {
                FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00,
                        a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
                int kp = ktOff + c;
                for (int x = 0; x < e; x++, kp += ldk) {
                    FloatVector k0 = FloatVector.fromArray(F, kt, kp), k1 = FloatVector.fromArray(F, kt, kp + LN),
                            k2 = FloatVector.fromArray(F, kt, kp + 2 * LN), k3 = FloatVector.fromArray(F, kt, kp + 3 * LN);
                    FloatVector b = FloatVector.broadcast(F, q[q0 + x]);
                    a00 = k0.fma(b, a00); a01 = k1.fma(b, a01); a02 = k2.fma(b, a02); a03 = k3.fma(b, a03);
                    b = FloatVector.broadcast(F, q[q1 + x]);
                    a10 = k0.fma(b, a10); a11 = k1.fma(b, a11); a12 = k2.fma(b, a12); a13 = k3.fma(b, a13);
                    b = FloatVector.broadcast(F, q[q2 + x]);
                    a20 = k0.fma(b, a20); a21 = k1.fma(b, a21); a22 = k2.fma(b, a22); a23 = k3.fma(b, a23);
                    b = FloatVector.broadcast(F, q[q3 + x]);
                    a30 = k0.fma(b, a30); a31 = k1.fma(b, a31); a32 = k2.fma(b, a32); a33 = k3.fma(b, a33);
                }
                a00.intoArray(s, s0 + c); a01.intoArray(s, s0 + c + LN); a02.intoArray(s, s0 + c + 2 * LN); a03.intoArray(s, s0 + c + 3 * LN);
                a10.intoArray(s, s1 + c); a11.intoArray(s, s1 + c + LN); a12.intoArray(s, s1 + c + 2 * LN); a13.intoArray(s, s1 + c + 3 * LN);
                a20.intoArray(s, s2 + c); a21.intoArray(s, s2 + c + LN); a22.intoArray(s, s2 + c + 2 * LN); a23.intoArray(s, s2 + c + 3 * LN);
                a30.intoArray(s, s3 + c); a31.intoArray(s, s3 + c + LN); a32.intoArray(s, s3 + c + 2 * LN); a33.intoArray(s, s3 + c + 3 * LN);
            }
            for (; c + 2 * LN <= cols; c += 2 * LN) {
                FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00,
                        a20 = a00, a21 = a00, a30 = a00, a31 = a00;
                int kp = ktOff + c;
                for (int x = 0; x < e; x++, kp += ldk) {
                    FloatVector k0 = FloatVector.fromArray(F, kt, kp);
                    FloatVector k1 = FloatVector.fromArray(F, kt, kp + LN);
                    FloatVector b = FloatVector.broadcast(F, q[q0 + x]);
                    a00 = k0.fma(b, a00); a01 = k1.fma(b, a01);
                    b = FloatVector.broadcast(F, q[q1 + x]);
                    a10 = k0.fma(b, a10); a11 = k1.fma(b, a11);
                    b = FloatVector.broadcast(F, q[q2 + x]);
                    a20 = k0.fma(b, a20); a21 = k1.fma(b, a21);
                    b = FloatVector.broadcast(F, q[q3 + x]);
                    a30 = k0.fma(b, a30); a31 = k1.fma(b, a31);
                }
                a00.intoArray(s, s0 + c); a01.intoArray(s, s0 + c + LN);
                a10.intoArray(s, s1 + c); a11.intoArray(s, s1 + c + LN);
                a20.intoArray(s, s2 + c); a21.intoArray(s, s2 + c + LN);
                a30.intoArray(s, s3 + c); a31.intoArray(s, s3 + c + LN);
            }
            for (; c + LN <= cols; c += LN) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                int kp = ktOff + c;
                for (int x = 0; x < e; x++, kp += ldk) {
                    FloatVector k0 = FloatVector.fromArray(F, kt, kp);
                    a0 = k0.fma(FloatVector.broadcast(F, q[q0 + x]), a0);
                    a1 = k0.fma(FloatVector.broadcast(F, q[q1 + x]), a1);
                    a2 = k0.fma(FloatVector.broadcast(F, q[q2 + x]), a2);
                    a3 = k0.fma(FloatVector.broadcast(F, q[q3 + x]), a3);
                }
                a0.intoArray(s, s0 + c); a1.intoArray(s, s1 + c);
                a2.intoArray(s, s2 + c); a3.intoArray(s, s3 + c);
            }
            if (c < cols) scalarScores(q, qOff + r * ldq, ldq, 4, e, kt, ktOff, ldk, c, cols, s, s0, lds);
        }
        for (; r < rows; r++) {
            int q0 = qOff + r * ldq, s0 = sOff + r * lds;
            int c = 0;
            for (; c + 2 * LN <= cols; c += 2 * LN) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0;
                int kp = ktOff + c;
                for (int x = 0; x < e; x++, kp += ldk) {
                    FloatVector b = FloatVector.broadcast(F, q[q0 + x]);
                    a0 = FloatVector.fromArray(F, kt, kp).fma(b, a0);
                    a1 = FloatVector.fromArray(F, kt, kp + LN).fma(b, a1);
                }
                a0.intoArray(s, s0 + c); a1.intoArray(s, s0 + c + LN);
            }
            for (; c + LN <= cols; c += LN) {
                FloatVector a0 = FloatVector.zero(F);
                int kp = ktOff + c;
                for (int x = 0; x < e; x++, kp += ldk) {
                    a0 = FloatVector.fromArray(F, kt, kp).fma(FloatVector.broadcast(F, q[q0 + x]), a0);
                }
                a0.intoArray(s, s0 + c);
            }
            if (c < cols) scalarScores(q, q0, ldq, 1, e, kt, ktOff, ldk, c, cols, s, s0, lds);
        }
    }

    private static void scalarScores(float[] q, int qOff, int ldq, int rows, int e, float[] kt, int ktOff, int ldk,
                                     int c0, int c1, float[] s, int sOff, int lds) {
        for (int r = 0; r < rows; r++) {
            for (int c = c0; c < c1; c++) {
                float a = 0;
                for (int x = 0; x < e; x++) a += q[qOff + r * ldq + x] * kt[ktOff + x * ldk + c];
                s[sOff + r * lds + c] = a;
            }
        }
    }

    @Override
    public void accumulate(float[] p, int pOff, int ldp, int rows, int n, float[] v, int vOff, int ldv, int ev,
                           float[] o, int oOff, int ldo) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int p0 = pOff + r * ldp, p1 = p0 + ldp, p2 = p1 + ldp, p3 = p2 + ldp;
            int o0 = oOff + r * ldo, o1 = o0 + ldo, o2 = o1 + ldo, o3 = o2 + ldo;
            int c = 0;
            for (; c + 4 * LN <= ev; c += 4 * LN) {
                FloatVector a00 = FloatVector.fromArray(F, o, o0 + c), a01 = FloatVector.fromArray(F, o, o0 + c + LN),
                        a02 = FloatVector.fromArray(F, o, o0 + c + 2 * LN), a03 = FloatVector.fromArray(F, o, o0 + c + 3 * LN);
                FloatVector a10 = FloatVector.fromArray(F, o, o1 + c), a11 = FloatVector.fromArray(F, o, o1 + c + LN),
                        a12 = FloatVector.fromArray(F, o, o1 + c + 2 * LN), a13 = FloatVector.fromArray(F, o, o1 + c + 3 * LN);
                FloatVector a20 = FloatVector.fromArray(F, o, o2 + c), a21 = FloatVector.fromArray(F, o, o2 + c + LN),
                        a22 = FloatVector.fromArray(F, o, o2 + c + 2 * LN), a23 = FloatVector.fromArray(F, o, o2 + c + 3 * LN);
                FloatVector a30 = FloatVector.fromArray(F, o, o3 + c), a31 = FloatVector.fromArray(F, o, o3 + c + LN),
                        a32 = FloatVector.fromArray(F, o, o3 + c + 2 * LN), a33 = FloatVector.fromArray(F, o, o3 + c + 3 * LN);
                int vp = vOff + c;
                for (int j = 0; j < n; j++, vp += ldv) {
                    FloatVector v0 = FloatVector.fromArray(F, v, vp), v1 = FloatVector.fromArray(F, v, vp + LN),
                            v2 = FloatVector.fromArray(F, v, vp + 2 * LN), v3 = FloatVector.fromArray(F, v, vp + 3 * LN);
                    FloatVector b = FloatVector.broadcast(F, p[p0 + j]);
                    a00 = v0.fma(b, a00); a01 = v1.fma(b, a01); a02 = v2.fma(b, a02); a03 = v3.fma(b, a03);
                    b = FloatVector.broadcast(F, p[p1 + j]);
                    a10 = v0.fma(b, a10); a11 = v1.fma(b, a11); a12 = v2.fma(b, a12); a13 = v3.fma(b, a13);
                    b = FloatVector.broadcast(F, p[p2 + j]);
                    a20 = v0.fma(b, a20); a21 = v1.fma(b, a21); a22 = v2.fma(b, a22); a23 = v3.fma(b, a23);
                    b = FloatVector.broadcast(F, p[p3 + j]);
                    a30 = v0.fma(b, a30); a31 = v1.fma(b, a31); a32 = v2.fma(b, a32); a33 = v3.fma(b, a33);
                }
                a00.intoArray(o, o0 + c); a01.intoArray(o, o0 + c + LN); a02.intoArray(o, o0 + c + 2 * LN); a03.intoArray(o, o0 + c + 3 * LN);
                a10.intoArray(o, o1 + c); a11.intoArray(o, o1 + c + LN); a12.intoArray(o, o1 + c + 2 * LN); a13.intoArray(o, o1 + c + 3 * LN);
                a20.intoArray(o, o2 + c); a21.intoArray(o, o2 + c + LN); a22.intoArray(o, o2 + c + 2 * LN); a23.intoArray(o, o2 + c + 3 * LN);
                a30.intoArray(o, o3 + c); a31.intoArray(o, o3 + c + LN); a32.intoArray(o, o3 + c + 2 * LN); a33.intoArray(o, o3 + c + 3 * LN);
            }
            for (; c + LN <= ev; c += LN) {
                FloatVector a0 = FloatVector.fromArray(F, o, o0 + c), a1 = FloatVector.fromArray(F, o, o1 + c),
                        a2 = FloatVector.fromArray(F, o, o2 + c), a3 = FloatVector.fromArray(F, o, o3 + c);
                int vp = vOff + c;
                for (int j = 0; j < n; j++, vp += ldv) {
                    FloatVector v0 = FloatVector.fromArray(F, v, vp);
                    a0 = v0.fma(FloatVector.broadcast(F, p[p0 + j]), a0);
                    a1 = v0.fma(FloatVector.broadcast(F, p[p1 + j]), a1);
                    a2 = v0.fma(FloatVector.broadcast(F, p[p2 + j]), a2);
                    a3 = v0.fma(FloatVector.broadcast(F, p[p3 + j]), a3);
                }
                a0.intoArray(o, o0 + c); a1.intoArray(o, o1 + c); a2.intoArray(o, o2 + c); a3.intoArray(o, o3 + c);
            }
            if (c < ev) scalarAccumulate(p, p0, ldp, 4, n, v, vOff, ldv, c, ev, o, o0, ldo);
        }
        for (; r < rows; r++) {
            int p0 = pOff + r * ldp, o0 = oOff + r * ldo;
            int c = 0;
            for (; c + 4 * LN <= ev; c += 4 * LN) {
                FloatVector a0 = FloatVector.fromArray(F, o, o0 + c), a1 = FloatVector.fromArray(F, o, o0 + c + LN),
                        a2 = FloatVector.fromArray(F, o, o0 + c + 2 * LN), a3 = FloatVector.fromArray(F, o, o0 + c + 3 * LN);
                int vp = vOff + c;
                for (int j = 0; j < n; j++, vp += ldv) {
                    FloatVector b = FloatVector.broadcast(F, p[p0 + j]);
                    a0 = FloatVector.fromArray(F, v, vp).fma(b, a0);
                    a1 = FloatVector.fromArray(F, v, vp + LN).fma(b, a1);
                    a2 = FloatVector.fromArray(F, v, vp + 2 * LN).fma(b, a2);
                    a3 = FloatVector.fromArray(F, v, vp + 3 * LN).fma(b, a3);
                }
                a0.intoArray(o, o0 + c); a1.intoArray(o, o0 + c + LN); a2.intoArray(o, o0 + c + 2 * LN); a3.intoArray(o, o0 + c + 3 * LN);
            }
            for (; c + LN <= ev; c += LN) {
                FloatVector a0 = FloatVector.fromArray(F, o, o0 + c);
                int vp = vOff + c;
                for (int j = 0; j < n; j++, vp += ldv) {
                    a0 = FloatVector.fromArray(F, v, vp).fma(FloatVector.broadcast(F, p[p0 + j]), a0);
                }
                a0.intoArray(o, o0 + c);
            }
            if (c < ev) scalarAccumulate(p, p0, ldp, 1, n, v, vOff, ldv, c, ev, o, o0, ldo);
        }
    }

    private static void scalarAccumulate(float[] p, int pOff, int ldp, int rows, int n, float[] v, int vOff, int ldv,
                                         int c0, int c1, float[] o, int oOff, int ldo) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                float a = p[pOff + r * ldp + j];
                int vp = vOff + j * ldv;
                for (int c = c0; c < c1; c++) o[oOff + r * ldo + c] += a * v[vp + c];
            }
        }
    }

    @Override
    public float max(float[] a, int off, int n) {
        int i = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (n >= LN) {
            FloatVector acc = FloatVector.fromArray(F, a, off);
            for (i = LN; i + LN <= n; i += LN) acc = acc.max(FloatVector.fromArray(F, a, off + i));
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) m = Math.max(m, a[off + i]);
        return m;
    }

    @Override
    public float expSum(float[] a, int off, int n, float m) {
        int i = 0;
        float sum = 0;
        if (n >= LN) {
            FloatVector mv = FloatVector.broadcast(F, m);
            FloatVector acc = FloatVector.zero(F);
            for (; i + LN <= n; i += LN) {
                FloatVector x = exp(FloatVector.fromArray(F, a, off + i).sub(mv));
                x.intoArray(a, off + i);
                acc = acc.add(x);
            }
            sum = LaneSum.sum(acc);
        }
        for (; i < n; i++) {
            float x = (float) Math.exp(a[off + i] - m);
            a[off + i] = x;
            sum += x;
        }
        return sum;
    }

    /** Minimax coefficients of 2^f on [-1/2, 1/2] (relative error 2.0e-9 before rounding), degree 1 .. 6. */
    private static final float E2_1 = 0.6931471824645996f, E2_2 = 0.24022647738456726f, E2_3 = 0.055503323674201965f,
            E2_4 = 0.00961843691766262f, E2_5 = 0.001339887734502554f, E2_6 = 0.00015353370690718293f;
    /** Below this 2^x is exactly 0 (the clamp gives f = 0, p = 1 and an exponent field of 0). */
    static final float EXP2_MIN = -127f;

    /**
     * 2^x for x ≤ 127 in 6 FMAs + 5 cheap ops, no multiply by ln 2 and no Cody–Waite step: x = n + f with
     * n = round(x) (the 1.5·2^23 trick, exact) and |f| ≤ 1/2 (exact), 2^f by a degree-6 minimax polynomial, and
     * 2^n added into the exponent bits with an integer add. Relative error ≤ 2 ulp for x ≥ -126 (tested
     * against Math.pow in TileKernelsExp2Test); for -127 &lt; x &lt; -126 the result is subnormal-range with an
     * absolute error below 2^-126; x ≤ -127 and -inf give exactly +0; NaN stays NaN.
     */
    static FloatVector exp2(FloatVector x) {
        FloatVector xc = x.blend(V_EXP2_MIN, x.compare(VectorOperators.LT, V_EXP2_MIN)); // cheaper than max(); NaN stays NaN
        FloatVector t = xc.add(V_MAGIC);               // round(x) in the low mantissa bits
        FloatVector f = xc.sub(t.sub(V_MAGIC));        // x - round(x), in [-1/2, 1/2]
        FloatVector p = V_E2_6.fma(f, V_E2_5).fma(f, V_E2_4).fma(f, V_E2_3).fma(f, V_E2_2).fma(f, V_E2_1).fma(f, V_ONE);
        // (bits(t) << 23) == round(x) << 23 because the magic's own low 9 bits are 0
        jdk.incubator.vector.IntVector e = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23);
        return p.reinterpretAsInts().add(e).reinterpretAsFloats();
    }

    // the constants as vectors: fewer Vector API calls per exp2, which keeps the fused kernels under C2's
    // inlining node budget (past it, calls are not inlined and every vector is boxed)
    private static final FloatVector V_E2_1 = FloatVector.broadcast(F, E2_1), V_E2_2 = FloatVector.broadcast(F, E2_2),
            V_E2_3 = FloatVector.broadcast(F, E2_3), V_E2_4 = FloatVector.broadcast(F, E2_4),
            V_E2_5 = FloatVector.broadcast(F, E2_5), V_E2_6 = FloatVector.broadcast(F, E2_6),
            V_ONE = FloatVector.broadcast(F, 1f), V_MAGIC = FloatVector.broadcast(F, 12582912f),
            V_EXP2_MIN = FloatVector.broadcast(F, EXP2_MIN);

    private static final float LOG2E = 1.44269504f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float MAGIC = 12582912f; // 1.5·2^23: adding it rounds to an integer in the low mantissa bits
    private static final int MAGIC_BITS = Float.floatToRawIntBits(MAGIC);
    private static final float EXP_MIN = -87.3f;

    /**
     * e^x for x ≤ 0 (softmax arguments after subtracting the row max), to about 1 ulp; exactly 0 below -87.3
     * (so -inf, a masked score, gives 0). Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, degree-7 Taylor
     * polynomial for e^r, 2^n built in the exponent bits. Faster than {@code VectorOperators.EXP}, which
     * handles the full range.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_MIN);
        FloatVector t = xc.fma(LOG2E, MAGIC);
        FloatVector n = t.sub(MAGIC);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(F, 1f / 5040).fma(r, FloatVector.broadcast(F, 1f / 720));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 120));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 24));
        p = p.fma(r, FloatVector.broadcast(F, 1f / 6));
        p = p.fma(r, FloatVector.broadcast(F, 0.5f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        jdk.incubator.vector.IntVector ni = t.reinterpretAsInts().sub(MAGIC_BITS);
        FloatVector pow2 = ni.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(pow2).blend(0f, x.compare(VectorOperators.LT, EXP_MIN));
    }

    @Override
    public void scale(float[] a, int off, int n, float f) {
        int i = 0;
        FloatVector fv = FloatVector.broadcast(F, f);
        for (; i + LN <= n; i += LN) FloatVector.fromArray(F, a, off + i).mul(fv).intoArray(a, off + i);
        for (; i < n; i++) a[off + i] *= f;
    }

    @Override
    public void eluPlusOne(float[] a, int off, int n) {
        int i = 0;
        FloatVector zero = FloatVector.zero(F), one = FloatVector.broadcast(F, 1f);
        for (; i + LN <= n; i += LN) {
            FloatVector x = FloatVector.fromArray(F, a, off + i);
            FloatVector neg = exp(x.min(zero));
            x.add(one).blend(neg, x.compare(VectorOperators.LE, 0f)).intoArray(a, off + i);
        }
        if (i < n) FeatureMap.ELU_PLUS_ONE.apply(a, off + i, n - i);
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        FloatVector av = FloatVector.broadcast(F, alpha);
        for (; i + LN <= n; i += LN) {
            FloatVector.fromArray(F, x, xOff + i).fma(av, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        float s = 0;
        if (n >= LN) {
            FloatVector acc = FloatVector.zero(F);
            for (; i + LN <= n; i += LN) acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
            s = LaneSum.sum(acc);
        }
        for (; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    // ---- query-lane kernels of flash attention: G = 4 vectors of queries ----------------------------------------

    /** Queries per group: 4 vectors (64 lanes with AVX-512). */
    static final int G = 4 * LN;

    @Override
    public int queryLanes() {
        return G;
    }

    /**
     * Register block: 4 keys × the 4 query vectors (16 accumulators); each query vector of qt [E, G] is loaded
     * once per 4 keys (qt stays in L1), each key element is broadcast once for 4 vectors. Keys are read in
     * their natural [S, E] layout: no transpose. The lane-wise maxima ride along in 4 more registers.
     * This is {@link #scores}' block with the operands swapped; one helper shared by both, storing the block and
     * reloading it for the maxima, measured Q·Kᵀ at 99 instead of 107 GFLOP/s, so the block is written out twice.
     */
    @Override
    public void scoresT(float[] qt, int e, float[] k, int kOff, int ldk, int keys, float[] st, float[] colMax) {
        FloatVector t0 = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY), t1 = t0, t2 = t0, t3 = t0;
        int j = 0;
        for (; j + 4 <= keys; j += 4) {
            FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00,
                    a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
            int k0 = kOff + j * ldk, k1 = k0 + ldk, k2 = k1 + ldk, k3 = k2 + ldk;
            for (int x = 0, qp = 0; x < e; x++, qp += G) {
                FloatVector q0 = FloatVector.fromArray(F, qt, qp), q1 = FloatVector.fromArray(F, qt, qp + LN),
                        q2 = FloatVector.fromArray(F, qt, qp + 2 * LN), q3 = FloatVector.fromArray(F, qt, qp + 3 * LN);
                FloatVector b = FloatVector.broadcast(F, k[k0 + x]);
                a00 = q0.fma(b, a00); a01 = q1.fma(b, a01); a02 = q2.fma(b, a02); a03 = q3.fma(b, a03);
                b = FloatVector.broadcast(F, k[k1 + x]);
                a10 = q0.fma(b, a10); a11 = q1.fma(b, a11); a12 = q2.fma(b, a12); a13 = q3.fma(b, a13);
                b = FloatVector.broadcast(F, k[k2 + x]);
                a20 = q0.fma(b, a20); a21 = q1.fma(b, a21); a22 = q2.fma(b, a22); a23 = q3.fma(b, a23);
                b = FloatVector.broadcast(F, k[k3 + x]);
                a30 = q0.fma(b, a30); a31 = q1.fma(b, a31); a32 = q2.fma(b, a32); a33 = q3.fma(b, a33);
            }
            int s0 = j * G, s1 = s0 + G, s2 = s1 + G, s3 = s2 + G;
            a00.intoArray(st, s0); a01.intoArray(st, s0 + LN); a02.intoArray(st, s0 + 2 * LN); a03.intoArray(st, s0 + 3 * LN);
            a10.intoArray(st, s1); a11.intoArray(st, s1 + LN); a12.intoArray(st, s1 + 2 * LN); a13.intoArray(st, s1 + 3 * LN);
            a20.intoArray(st, s2); a21.intoArray(st, s2 + LN); a22.intoArray(st, s2 + 2 * LN); a23.intoArray(st, s2 + 3 * LN);
            a30.intoArray(st, s3); a31.intoArray(st, s3 + LN); a32.intoArray(st, s3 + 2 * LN); a33.intoArray(st, s3 + 3 * LN);
            t0 = t0.max(a00.max(a10).max(a20.max(a30)));
            t1 = t1.max(a01.max(a11).max(a21.max(a31)));
            t2 = t2.max(a02.max(a12).max(a22.max(a32)));
            t3 = t3.max(a03.max(a13).max(a23.max(a33)));
        }
        for (; j < keys; j++) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            int k0 = kOff + j * ldk;
            for (int x = 0, qp = 0; x < e; x++, qp += G) {
                FloatVector b = FloatVector.broadcast(F, k[k0 + x]);
                a0 = FloatVector.fromArray(F, qt, qp).fma(b, a0);
                a1 = FloatVector.fromArray(F, qt, qp + LN).fma(b, a1);
                a2 = FloatVector.fromArray(F, qt, qp + 2 * LN).fma(b, a2);
                a3 = FloatVector.fromArray(F, qt, qp + 3 * LN).fma(b, a3);
            }
            int s0 = j * G;
            a0.intoArray(st, s0); a1.intoArray(st, s0 + LN); a2.intoArray(st, s0 + 2 * LN); a3.intoArray(st, s0 + 3 * LN);
            t0 = t0.max(a0); t1 = t1.max(a1); t2 = t2.max(a2); t3 = t3.max(a3);
        }
        t0.intoArray(colMax, 0); t1.intoArray(colMax, LN); t2.intoArray(colMax, 2 * LN); t3.intoArray(colMax, 3 * LN);
    }

    @Override
    public void colMaxT(float[] st, int keys, float[] colMax) {
        FloatVector t0 = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY), t1 = t0, t2 = t0, t3 = t0;
        for (int sp = 0, end = keys * G; sp < end; sp += G) {
            t0 = t0.max(FloatVector.fromArray(F, st, sp));
            t1 = t1.max(FloatVector.fromArray(F, st, sp + LN));
            t2 = t2.max(FloatVector.fromArray(F, st, sp + 2 * LN));
            t3 = t3.max(FloatVector.fromArray(F, st, sp + 3 * LN));
        }
        t0.intoArray(colMax, 0); t1.intoArray(colMax, LN); t2.intoArray(colMax, 2 * LN); t3.intoArray(colMax, 3 * LN);
    }

    /**
     * Two 16-lane columns per pass, so two 2^x are in flight per key row (one per pass was 5% slower overall).
     * Two inlined 2^x sites and no more: C2 parses each into thousands of nodes, and with three or four in the
     * compilation unit it hit NodeCountInliningCutoff and boxed the vectors (1.3–2× slower).
     */
    @Override
    public void exp2T(float[] st, int keys, float[] mSafe, float[] alpha, float[] l) {
        for (int c = 0; c < G; c += 2 * LN) {
            FloatVector n0 = FloatVector.fromArray(F, mSafe, c), n1 = FloatVector.fromArray(F, mSafe, c + LN);
            FloatVector s0 = FloatVector.zero(F), s1 = s0;
            for (int sp = c, end = keys * G; sp < end; sp += G) {
                FloatVector p0 = exp2(FloatVector.fromArray(F, st, sp).sub(n0));
                FloatVector p1 = exp2(FloatVector.fromArray(F, st, sp + LN).sub(n1));
                p0.intoArray(st, sp);
                p1.intoArray(st, sp + LN);
                s0 = s0.add(p0);
                s1 = s1.add(p1);
            }
            FloatVector.fromArray(F, l, c).fma(FloatVector.fromArray(F, alpha, c), s0).intoArray(l, c);
            FloatVector.fromArray(F, l, c + LN).fma(FloatVector.fromArray(F, alpha, c + LN), s1).intoArray(l, c + LN);
        }
    }

    /**
     * Register block: 4 query rows × 4 vectors of the output (16 accumulators, rescaled by alpha as they are
     * loaded), over every key of the tile: each value row is loaded once for 4 rows, each probability broadcast
     * once for 4 vectors (the 4 rows' probabilities of a key are adjacent in st).
     */
    @Override
    public void accumulateT(float[] st, int rows, int keys, float[] v, int vOff, int ldv, int ev, float[] alpha,
                            float[] o, int ldo) {
        int i = 0;
        for (; i + 4 <= rows; i += 4) {
            int o0 = i * ldo, o1 = o0 + ldo, o2 = o1 + ldo, o3 = o2 + ldo;
            FloatVector b0 = FloatVector.broadcast(F, alpha[i]), b1 = FloatVector.broadcast(F, alpha[i + 1]),
                    b2 = FloatVector.broadcast(F, alpha[i + 2]), b3 = FloatVector.broadcast(F, alpha[i + 3]);
            int c = 0;
            for (; c + 4 * LN <= ev; c += 4 * LN) {
                FloatVector a00 = FloatVector.fromArray(F, o, o0 + c).mul(b0), a01 = FloatVector.fromArray(F, o, o0 + c + LN).mul(b0),
                        a02 = FloatVector.fromArray(F, o, o0 + c + 2 * LN).mul(b0), a03 = FloatVector.fromArray(F, o, o0 + c + 3 * LN).mul(b0);
                FloatVector a10 = FloatVector.fromArray(F, o, o1 + c).mul(b1), a11 = FloatVector.fromArray(F, o, o1 + c + LN).mul(b1),
                        a12 = FloatVector.fromArray(F, o, o1 + c + 2 * LN).mul(b1), a13 = FloatVector.fromArray(F, o, o1 + c + 3 * LN).mul(b1);
                FloatVector a20 = FloatVector.fromArray(F, o, o2 + c).mul(b2), a21 = FloatVector.fromArray(F, o, o2 + c + LN).mul(b2),
                        a22 = FloatVector.fromArray(F, o, o2 + c + 2 * LN).mul(b2), a23 = FloatVector.fromArray(F, o, o2 + c + 3 * LN).mul(b2);
                FloatVector a30 = FloatVector.fromArray(F, o, o3 + c).mul(b3), a31 = FloatVector.fromArray(F, o, o3 + c + LN).mul(b3),
                        a32 = FloatVector.fromArray(F, o, o3 + c + 2 * LN).mul(b3), a33 = FloatVector.fromArray(F, o, o3 + c + 3 * LN).mul(b3);
                int vp = vOff + c;
                for (int j = 0, pp = i; j < keys; j++, vp += ldv, pp += G) {
                    FloatVector v0 = FloatVector.fromArray(F, v, vp), v1 = FloatVector.fromArray(F, v, vp + LN),
                            v2 = FloatVector.fromArray(F, v, vp + 2 * LN), v3 = FloatVector.fromArray(F, v, vp + 3 * LN);
                    FloatVector b = FloatVector.broadcast(F, st[pp]);
                    a00 = v0.fma(b, a00); a01 = v1.fma(b, a01); a02 = v2.fma(b, a02); a03 = v3.fma(b, a03);
                    b = FloatVector.broadcast(F, st[pp + 1]);
                    a10 = v0.fma(b, a10); a11 = v1.fma(b, a11); a12 = v2.fma(b, a12); a13 = v3.fma(b, a13);
                    b = FloatVector.broadcast(F, st[pp + 2]);
                    a20 = v0.fma(b, a20); a21 = v1.fma(b, a21); a22 = v2.fma(b, a22); a23 = v3.fma(b, a23);
                    b = FloatVector.broadcast(F, st[pp + 3]);
                    a30 = v0.fma(b, a30); a31 = v1.fma(b, a31); a32 = v2.fma(b, a32); a33 = v3.fma(b, a33);
                }
                a00.intoArray(o, o0 + c); a01.intoArray(o, o0 + c + LN); a02.intoArray(o, o0 + c + 2 * LN); a03.intoArray(o, o0 + c + 3 * LN);
                a10.intoArray(o, o1 + c); a11.intoArray(o, o1 + c + LN); a12.intoArray(o, o1 + c + 2 * LN); a13.intoArray(o, o1 + c + 3 * LN);
                a20.intoArray(o, o2 + c); a21.intoArray(o, o2 + c + LN); a22.intoArray(o, o2 + c + 2 * LN); a23.intoArray(o, o2 + c + 3 * LN);
                a30.intoArray(o, o3 + c); a31.intoArray(o, o3 + c + LN); a32.intoArray(o, o3 + c + 2 * LN); a33.intoArray(o, o3 + c + 3 * LN);
            }
            for (; c + LN <= ev; c += LN) {
                FloatVector a0 = FloatVector.fromArray(F, o, o0 + c).mul(b0), a1 = FloatVector.fromArray(F, o, o1 + c).mul(b1),
                        a2 = FloatVector.fromArray(F, o, o2 + c).mul(b2), a3 = FloatVector.fromArray(F, o, o3 + c).mul(b3);
                int vp = vOff + c;
                for (int j = 0, pp = i; j < keys; j++, vp += ldv, pp += G) {
                    FloatVector v0 = FloatVector.fromArray(F, v, vp);
                    a0 = v0.fma(FloatVector.broadcast(F, st[pp]), a0);
                    a1 = v0.fma(FloatVector.broadcast(F, st[pp + 1]), a1);
                    a2 = v0.fma(FloatVector.broadcast(F, st[pp + 2]), a2);
                    a3 = v0.fma(FloatVector.broadcast(F, st[pp + 3]), a3);
                }
                a0.intoArray(o, o0 + c); a1.intoArray(o, o1 + c); a2.intoArray(o, o2 + c); a3.intoArray(o, o3 + c);
            }
            if (c < ev) scalarAccumulateT(st, i, i + 4, keys, v, vOff, ldv, c, ev, alpha, o, ldo);
        }
        if (i < rows) scalarAccumulateT(st, i, rows, keys, v, vOff, ldv, 0, ev, alpha, o, ldo);
    }

    /** Rows [i0, i1) and output columns [c0, c1) of {@link #accumulateT}. */
    private static void scalarAccumulateT(float[] st, int i0, int i1, int keys, float[] v, int vOff, int ldv, int c0,
                                          int c1, float[] alpha, float[] o, int ldo) {
        for (int i = i0; i < i1; i++) {
            int or = i * ldo;
            for (int c = c0; c < c1; c++) o[or + c] *= alpha[i];
            for (int j = 0; j < keys; j++) {
                float a = st[j * G + i];
                int vp = vOff + j * ldv;
                for (int c = c0; c < c1; c++) o[or + c] += a * v[vp + c];
            }
        }
    }

    @Override
    public void addKeyBiasT(float[] st, int keys, float[] bias, int bOff, float f) {
        for (int j = 0; j < keys; j++) {
            FloatVector x = FloatVector.broadcast(F, f * bias[bOff + j]);
            int sp = j * G;
            FloatVector.fromArray(F, st, sp).add(x).intoArray(st, sp);
            FloatVector.fromArray(F, st, sp + LN).add(x).intoArray(st, sp + LN);
            FloatVector.fromArray(F, st, sp + 2 * LN).add(x).intoArray(st, sp + 2 * LN);
            FloatVector.fromArray(F, st, sp + 3 * LN).add(x).intoArray(st, sp + 3 * LN);
        }
    }
}
