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
 * double (the query-lane kernels that use it: {@link TileKernelsQueryLaneTest}).
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
}
