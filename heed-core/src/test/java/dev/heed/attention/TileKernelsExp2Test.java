package dev.heed.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.kernel.VectorSupport;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The flash kernel's fast base-2 exponential ({@link TileKernelsVector#exp2}) against {@link Math#pow} in
 * double, and the fused vector loops that use it against their scalar twins.
 */
class TileKernelsExp2Test {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Max relative error of exp2 for x in [-126, 0]: 1 ulp of 1.0 (2^-23); measured 8.0e-8. */
    static final double EXP2_REL_BOUND = 0x1p-23;
    /** Absolute error bound where the result leaves the normal range, -127 &lt; x &lt; -126. */
    static final double EXP2_ABS_BOUND_SUBNORMAL = 0x1p-126;

    @BeforeAll
    static void vectorApiPresent() {
        // the surefire configuration adds jdk.incubator.vector; without it this class would test nothing
        assertTrue(VectorSupport.available(), "jdk.incubator.vector must be in the boot layer for this test");
    }

    private static float[] exp2(float[] x) {
        int ln = F.length();
        float[] in = new float[(x.length + ln - 1) / ln * ln], out = new float[in.length];
        System.arraycopy(x, 0, in, 0, x.length);
        for (int i = 0; i < in.length; i += ln) TileKernelsVector.exp2(FloatVector.fromArray(F, in, i)).intoArray(out, i);
        return out;
    }

    /** Max relative error over the float bit patterns [from, to] (both ≤ 0, from closer to 0) taken every step. */
    private static double maxRelError(float from, float to, int step) {
        int ln = F.length();
        float[] x = new float[ln], y = new float[ln];
        long b0 = Float.floatToRawIntBits(from) & 0xffffffffL, b1 = Float.floatToRawIntBits(to) & 0xffffffffL;
        double worst = 0;
        for (long bits = b0; bits <= b1; ) {
            for (int k = 0; k < ln; k++, bits += step) x[k] = Float.intBitsToFloat((int) Math.min(bits, b1));
            TileKernelsVector.exp2(FloatVector.fromArray(F, x, 0)).intoArray(y, 0);
            for (int k = 0; k < ln; k++) {
                double want = Math.pow(2, x[k]);
                worst = Math.max(worst, Math.abs(y[k] - want) / want);
            }
        }
        return worst;
    }

    @Test
    void exp2IsWithinOneUlpOnEveryFloatOfThreeBinadesAndASampleOfTheWholeRange() {
        // every float in [-1, -1/8]: covers every reduced argument f = x - round(x) at full resolution
        double dense = maxRelError(-0.125f, -1f, 1);
        assertTrue(dense <= EXP2_REL_BOUND, "exp2 on [-1, -1/8]: max rel error " + dense);
        // every 61st float pattern of [-126, -0]: all exponents n, including tiny |x| near 0
        double sampled = maxRelError(-0f, -126f, 61);
        assertTrue(sampled <= EXP2_REL_BOUND, "exp2 on [-126, 0] (sampled): max rel error " + sampled);
        // random arguments, both signs up to +20 (the kernel only uses x <= 0; the formula holds to 127)
        Random r = new Random(7);
        float[] x = new float[1 << 16];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 146 - 126);
        float[] y = exp2(x);
        for (int i = 0; i < x.length; i++) {
            double want = Math.pow(2, x[i]);
            assertTrue(Math.abs(y[i] - want) / want <= EXP2_REL_BOUND, "exp2(" + x[i] + ") = " + y[i] + " vs " + want);
        }
    }

    @Test
    void exp2EdgesAndTheFlushBelowMinus126() {
        float[] x = {0f, -0f, -1f, -126f, -126.25f, -126.5f, -126.75f, -126.999f, -127f, -127.5f, -150f, -1e30f,
                -Float.MAX_VALUE, Float.NEGATIVE_INFINITY, Float.NaN, 1f, 10f};
        float[] y = exp2(x);
        assertEquals(1f, y[0], 0f, "2^0");
        assertEquals(1f, y[1], 0f, "2^-0");
        assertEquals(0.5f, y[2], 0f, "2^-1");
        assertEquals(0x1p-126f, y[3], 0f, "2^-126 is the smallest normal float");
        for (int i = 4; i <= 7; i++) {
            double err = Math.abs(y[i] - Math.pow(2, x[i]));
            assertTrue(y[i] >= 0 && err < EXP2_ABS_BOUND_SUBNORMAL, "2^" + x[i] + " = " + y[i] + ", abs error " + err);
        }
        for (int i = 8; i <= 13; i++) {
            assertEquals(0f, y[i], 0f, "2^" + x[i] + " must flush to exactly 0");
            assertEquals(0, Float.floatToRawIntBits(y[i]), "2^" + x[i] + " must be +0");
        }
        assertTrue(Float.isNaN(y[14]), "NaN propagates");
        assertEquals(2f, y[15], 0f, "2^1");
        assertEquals(1024f, y[16], 0f, "2^10");
    }

    @Test
    void exp2SumMatchesTheScalarTwinWithMaskedEntries() {
        Random r = new Random(11);
        for (int n : new int[] {0, 1, 15, 16, 17, 31, 32, 33, 64, 100, 512, 515}) {
            float[] a = new float[n + 3];
            for (int i = 0; i < a.length; i++) a[i] = r.nextInt(7) == 0 ? Float.NEGATIVE_INFINITY : (float) (r.nextGaussian() * 8);
            float m = Float.NEGATIVE_INFINITY;
            for (int i = 3; i < n + 3; i++) m = Math.max(m, a[i]);
            if (m == Float.NEGATIVE_INFINITY) m = 0f;
            float[] v = a.clone(), s = a.clone();
            float sv = TileKernelsVector.INSTANCE.exp2Sum(v, 3, n, m);
            float ss = TileKernelsScalar.INSTANCE.exp2Sum(s, 3, n, m);
            assertTrue(Math.abs(sv - ss) <= 1e-6 * Math.max(1, ss), "exp2Sum n=" + n + ": " + sv + " vs " + ss);
            for (int i = 0; i < a.length; i++) {
                if (i < 3) {
                    assertEquals(a[i], v[i], 0f, "outside the range is untouched");
                } else if (a[i] == Float.NEGATIVE_INFINITY) {
                    assertEquals(0f, v[i], 0f, "masked entry -> 0");
                } else {
                    assertTrue(Math.abs(v[i] - s[i]) <= 2 * EXP2_REL_BOUND * s[i] + 0x1p-126, "n=" + n + " i=" + i + ": " + v[i] + " vs " + s[i]);
                }
            }
        }
    }

    @Test
    void fusedScoresMaxMatchesScoresThenMax() {
        Random r = new Random(5);
        int e = 24, ldk = 200;
        float[] q = new float[6 * e], kt = new float[e * ldk];
        for (int i = 0; i < q.length; i++) q[i] = (float) r.nextGaussian();
        for (int i = 0; i < kt.length; i++) kt[i] = (float) r.nextGaussian();
        for (TileKernels kern : new TileKernels[] {TileKernelsVector.INSTANCE, TileKernelsScalar.INSTANCE}) {
            for (int rows : new int[] {1, 3, 4, 5}) {
                for (int cols : new int[] {16, 48, 64, 128, 192}) {
                    float[] s1 = new float[rows * ldk], s2 = new float[rows * ldk], mx = new float[rows + 1];
                    kern.scores(q, 0, e, rows, e, kt, 0, ldk, cols, s1, 0, ldk);
                    kern.scoresMax(q, 0, e, rows, e, kt, 0, ldk, cols, s2, 0, ldk, mx, 1);
                    for (int i = 0; i < s1.length; i++) assertEquals(s1[i], s2[i], 0f, "scores are the same numbers");
                    for (int row = 0; row < rows; row++) {
                        float want = Float.NEGATIVE_INFINITY;
                        for (int c = 0; c < cols; c++) want = Math.max(want, s1[row * ldk + c]);
                        assertEquals(want, mx[1 + row], 0f, kern + " rows=" + rows + " cols=" + cols + " row " + row);
                    }
                }
            }
        }
    }
}
