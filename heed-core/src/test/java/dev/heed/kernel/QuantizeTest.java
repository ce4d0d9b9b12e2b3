package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Quantize} (the Vector API version when present) against its scalar twin: equal bit for bit (tolerance 0) on
 * random inputs of every length around the vector width, with the edge values that decide rounding and saturation:
 * exact halves (x / scale = k + 0.5, both parities), values beyond either end of the range, ±0, ±∞ and NaN.
 */
class QuantizeTest {
    @Test
    void equalsTheScalarTwinBitForBit() {
        SplittableRandom r = new SplittableRandom(17);
        for (int n : new int[] {0, 1, 7, 15, 16, 17, 33, 64, 100, 1000}) {
            for (int trial = 0; trial < 20; trial++) {
                float[] x = new float[n + 3];
                float spread = (float) Math.pow(10, r.nextInt(-3, 3));
                for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * spread + (trial % 3 == 0 ? spread : 0));
                float[] want = new float[2], got = new float[2];
                Quantize.rangeReference(x, 3, n, want);
                Quantize.range(x, 3, n, got);
                assertBits(want[0], got[0], "min, n=" + n);
                assertBits(want[1], got[1], "max, n=" + n);
                float scale = want[1] == want[0] ? 1f : (want[1] - want[0]) / 255f;
                int zp = (int) Math.rint(Math.max(0f, Math.min(255f, 0f - want[0] / scale)));
                if (trial % 5 == 4) zp = r.nextInt(256);   // a zero point that makes one end saturate
                // a few exact halves and specials
                for (int i = 3; i < x.length && n > 0; i += 5) {
                    switch (r.nextInt(8)) {
                        case 0 -> x[i] = (r.nextInt(-300, 300) + 0.5f) * scale;
                        case 1 -> x[i] = Float.NaN;
                        case 2 -> x[i] = Float.POSITIVE_INFINITY;
                        case 3 -> x[i] = Float.NEGATIVE_INFINITY;
                        case 4 -> x[i] = -0f;
                        case 5 -> x[i] = 1000 * scale * (r.nextBoolean() ? 1 : -1);
                        default -> { }
                    }
                }
                Quantize.rangeReference(x, 3, n, want);
                Quantize.range(x, 3, n, got);
                assertBits(want[0], got[0], "min with specials, n=" + n);
                assertBits(want[1], got[1], "max with specials, n=" + n);
                float[] w = new float[n + 1], g = new float[n + 1];
                Quantize.shiftedReference(x, 3, n, scale, zp, w, 1);
                Quantize.shifted(x, 3, n, scale, zp, g, 1);
                for (int i = 0; i <= n; i++) assertBits(w[i], g[i], "q − zp at " + i + " of n=" + n + ", x=" + (i > 0 ? x[i + 2] : 0) + ", zp=" + zp);
            }
        }
    }

    @Test
    void referenceFollowsTheSpec() {
        // scale 0.5, zp 10: 1.25 / 0.5 = 2.5 → 2 (half to even); 1.75 / 0.5 = 3.5 → 4; -10 → -20 → saturates at 0 − 10
        float[] out = new float[5];
        Quantize.shiftedReference(new float[] {1.25f, 1.75f, -10f, 1000f, Float.NaN}, 0, 5, 0.5f, 10, out, 0);
        assertEquals(2f, out[0]);
        assertEquals(4f, out[1]);
        assertEquals(-10f, out[2]);
        assertEquals(245f, out[3]);
        assertEquals(0f, out[4]);
        float[] mm = new float[2];
        Quantize.rangeReference(new float[] {3f, Float.NaN, 5f}, 0, 3, mm);
        assertEquals(0f, mm[0]);
        assertEquals(5f, mm[1]);
    }

    private static void assertBits(float want, float got, String what) {
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), what + ": " + got + " vs " + want);
    }
}
