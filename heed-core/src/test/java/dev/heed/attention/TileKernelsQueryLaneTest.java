package dev.heed.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.kernel.VectorSupport;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Flash attention's query-lane kernels (the {@code *T} methods of {@link TileKernels}, plus
 * {@link FlashAttention#onlineMax} and {@link FlashAttention#hideOutsideBand}) against float64, on both twins.
 */
class TileKernelsQueryLaneTest {
    private static final double EXP2_REL_BOUND = TileKernelsExp2Test.EXP2_REL_BOUND;

    @BeforeAll
    static void vectorApiPresent() {
        // the surefire configuration adds jdk.incubator.vector; without it the vector twin would not be tested
        assertTrue(VectorSupport.available(), "jdk.incubator.vector must be in the boot layer for this test");
    }

    /** Both twins: the vector kernels (G = 4 vectors) and the scalar fallback (G = 16). */
    private static final TileKernels[] TWINS = {TileKernelsVector.INSTANCE, TileKernelsScalar.INSTANCE};

    @Test
    void transposedScoresAndColumnMaximaMatchFloat64() {
        Random r = new Random(5);
        for (TileKernels kern : TWINS) {
            int g = kern.queryLanes();
            for (int e : new int[] {1, 7, 24, 64}) {
                for (int keys : new int[] {0, 1, 3, 4, 5, 17, 64}) {
                    int ldk = e + 3;
                    float[] qt = randn(r, e * g), k = randn(r, 2 + keys * ldk), st = new float[Math.max(1, keys) * g];
                    float[] colMax = new float[g];
                    kern.scoresT(qt, e, k, 2, ldk, keys, st, colMax);
                    for (int i = 0; i < g; i++) {
                        double want = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j < keys; j++) {
                            double d = 0;
                            for (int x = 0; x < e; x++) d += (double) qt[x * g + i] * k[2 + j * ldk + x];
                            assertEquals(d, st[j * g + i], 1e-5 * (1 + Math.sqrt(e)), kern + " e=" + e + " keys=" + keys);
                            want = Math.max(want, st[j * g + i]);
                        }
                        assertEquals(want, colMax[i], 0.0, "column max is the max of the stored scores");
                    }
                    float[] again = new float[g];
                    kern.colMaxT(st, keys, again);
                    assertArrayEquals(colMax, again, 0f, "colMaxT");
                }
            }
        }
    }

    @Test
    void onlineSoftmaxStepMatchesFloat64InEveryLaneState() {
        Random r = new Random(11);
        for (TileKernels kern : TWINS) {
            int g = kern.queryLanes();
            for (int keys : new int[] {0, 1, 5, 64, 515}) {
                float[] st = new float[Math.max(1, keys) * g];
                for (int i = 0; i < st.length; i++) st[i] = r.nextInt(7) == 0 ? Float.NEGATIVE_INFINITY : (float) (r.nextGaussian() * 8);
                float[] colMax = new float[g], m = new float[g], l = new float[g], alpha = new float[g];
                for (int i = 0; i < g; i++) {
                    if (i % 4 == 0) for (int j = 0; j < keys; j++) st[j * g + i] = Float.NEGATIVE_INFINITY; // nothing visible
                    float mx = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < keys; j++) mx = Math.max(mx, st[j * g + i]);
                    colMax[i] = mx;
                    // lane states: nothing yet / first keys / the max stays / the max grows by 3
                    m[i] = switch (i % 4) {
                        case 0, 1 -> Float.NEGATIVE_INFINITY;
                        case 2 -> mx == Float.NEGATIVE_INFINITY ? 1f : mx + 3f;
                        default -> mx == Float.NEGATIVE_INFINITY ? 1f : mx - 3f;
                    };
                    l[i] = m[i] == Float.NEGATIVE_INFINITY ? 0f : 2f;
                }
                float[] before = st.clone(), m0 = m.clone(), l0 = l.clone();
                float[] mSafeGot = new float[g];
                FlashAttention.onlineMax(colMax, m, mSafeGot, alpha, g);
                kern.exp2T(st, keys, mSafeGot, alpha, l);
                for (int i = 0; i < g; i++) {
                    String lane = kern + " keys=" + keys + " lane " + i;
                    float mNew = Math.max(m0[i], colMax[i]), mSafe = mNew == Float.NEGATIVE_INFINITY ? 0f : mNew;
                    assertEquals(mNew, m[i], 0f, lane + " m");
                    assertEquals(mSafe, mSafeGot[i], 0f, lane + " mSafe");
                    // nothing visible before: 0 at the first visible keys, 1 (anything finite: o and l are 0) while none is
                    double wantAlpha = m0[i] == Float.NEGATIVE_INFINITY ? (mNew == Float.NEGATIVE_INFINITY ? 1 : 0) : Math.pow(2, m0[i] - mSafe);
                    assertEquals(wantAlpha, alpha[i], 2 * EXP2_REL_BOUND * wantAlpha, lane + " alpha");
                    double sum = 0;
                    for (int j = 0; j < keys; j++) {
                        float x = before[j * g + i];
                        double want = x == Float.NEGATIVE_INFINITY ? 0 : Math.pow(2, x - mSafe); // the float difference, as the kernels do
                        assertTrue(Math.abs(st[j * g + i] - want) <= 2 * EXP2_REL_BOUND * want + 0x1p-126,
                                lane + " key " + j + ": " + st[j * g + i] + " vs " + want);
                        sum += want;
                    }
                    double wantL = l0[i] * wantAlpha + sum;
                    assertEquals(wantL, l[i], 1e-6 * (1 + wantL), lane + " l");
                    if (i % 4 == 0) assertEquals(0f, l[i], 0f, lane + ": nothing visible, nothing summed");
                }
            }
        }
    }

    @Test
    void transposedAccumulateRescalesAndAddsEveryKey() {
        Random r = new Random(13);
        for (TileKernels kern : TWINS) {
            int g = kern.queryLanes();
            for (int rows : new int[] {1, 3, 4, 5, g}) {
                for (int ev : new int[] {1, 7, 16, 17, 64, 70}) {
                    int keys = 9, ldv = ev + 2, ldo = ev + 1;
                    float[] st = randn(r, keys * g), v = randn(r, 1 + keys * ldv), alpha = randn(r, g), o = randn(r, rows * ldo);
                    float[] before = o.clone();
                    kern.accumulateT(st, rows, keys, v, 1, ldv, ev, alpha, o, ldo);
                    for (int i = 0; i < rows; i++) {
                        for (int c = 0; c < ldo; c++) {
                            if (c >= ev) {
                                assertEquals(before[i * ldo + c], o[i * ldo + c], 0f, "padding column untouched");
                                continue;
                            }
                            double want = (double) before[i * ldo + c] * alpha[i];
                            for (int j = 0; j < keys; j++) want += (double) st[j * g + i] * v[1 + j * ldv + c];
                            assertEquals(want, o[i * ldo + c], 1e-5 * 4, kern + " rows=" + rows + " ev=" + ev);
                        }
                    }
                }
            }
        }
    }

    @Test
    void bandAndKeyBiasTouchOnlyTheirEntries() {
        Random r = new Random(17);
        for (TileKernels kern : TWINS) {
            int g = kern.queryLanes(), keys = 20, j0 = 100;
            // non-decreasing bands, as causal diagonals and windows give: some lanes see nothing, padding sees nothing
            int[] lo = new int[g], hi = new int[g];
            int l0 = j0 - 5, h0 = j0 - 8;
            for (int i = 0; i < g; i++) {
                l0 += r.nextInt(3);
                h0 += r.nextInt(4);
                lo[i] = i >= g - 3 ? Integer.MAX_VALUE : l0;
                hi[i] = i >= g - 3 ? Integer.MAX_VALUE : Math.max(h0, hi[Math.max(0, i - 1)]);
            }
            float[] st = randn(r, keys * g), before = st.clone();
            FlashAttention.hideOutsideBand(st, g, 2, 15, j0, lo, hi);
            for (int j = 0; j < keys; j++) {
                for (int i = 0; i < g; i++) {
                    boolean hidden = j >= 2 && j < 15 && (j0 + j < lo[i] || j0 + j > hi[i]);
                    assertEquals(hidden ? Float.NEGATIVE_INFINITY : before[j * g + i], st[j * g + i], 0f, kern + " band (" + j + ", " + i + ")");
                }
            }
            float[] bias = randn(r, keys + 4);
            bias[3] = Float.NEGATIVE_INFINITY;
            float[] b2 = before.clone();
            kern.addKeyBiasT(b2, keys, bias, 1, 1.5f);
            for (int j = 0; j < keys; j++) {
                for (int i = 0; i < g; i++) {
                    assertEquals(before[j * g + i] + 1.5f * bias[1 + j], b2[j * g + i], 0f, kern + " bias (" + j + ", " + i + ")");
                }
            }
        }
    }

    private static float[] randn(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }
}
