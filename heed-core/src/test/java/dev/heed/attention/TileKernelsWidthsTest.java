package dev.heed.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.kernel.VectorSupport;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vector tile kernels at 128, 256 and 512 bits (4, 8 and 16 lanes) on any machine, each against the scalar
 * twin ({@link TileKernelsScalar}) and float64, with sizes around every multiple of the lane count, so the 4- and
 * 8-lane blocks and tails run on a 16-lane CPU too (widths the CPU lacks run in the Vector API's Java fallback).
 * Tolerances: GEMM-like sums {@code 1e-5·(1 + Σ|a·b|)}; exponentials {@link TileKernelsExp2Test#EXP2_REL_BOUND}
 * (exp2) and {@code 4e-7} relative (exp, elu); max, scale and the column maxima exact.
 */
class TileKernelsWidthsTest {
    private static final TileKernels SCALAR = TileKernelsScalar.INSTANCE;

    @BeforeAll
    static void vectorApiPresent() {
        assertTrue(VectorSupport.available(), "jdk.incubator.vector must be in the boot layer for this test");
    }

    private static TileKernelsVector kernels(int bits) {
        TileKernelsVector k = TileKernelsVector.of(bits);
        assertEquals(bits, k.species().vectorBitSize(), "width");
        return k;
    }

    private static float[] randn(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    private static int[] sizesAround(int ln) {
        return new int[] {1, ln - 1, ln, ln + 1, 2 * ln + 3, 4 * ln, 4 * ln + ln / 2 + 1, 9 * ln + 2};
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void scoresAndAccumulateMatchTheScalarTwin(int bits) {
        TileKernelsVector vk = kernels(bits);
        int ln = vk.species().length();
        Random r = new Random(bits);
        for (int rows : new int[] {1, 3, 4, 5, 9}) {
            for (int e : new int[] {1, 7, 33}) {
                for (int cols : sizesAround(ln)) {
                    int ldq = e + 2, ldk = cols + 3, lds = cols + 1;
                    float[] q = randn(r, 1 + rows * ldq), kt = randn(r, 2 + e * ldk);
                    float[] sv = new float[rows * lds], ss = new float[rows * lds];
                    vk.scores(q, 1, ldq, rows, e, kt, 2, ldk, cols, sv, 0, lds);
                    SCALAR.scores(q, 1, ldq, rows, e, kt, 2, ldk, cols, ss, 0, lds);
                    for (int i = 0; i < rows; i++) {
                        for (int c = 0; c < cols; c++) {
                            double scale = 0;
                            for (int x = 0; x < e; x++) scale += Math.abs((double) q[1 + i * ldq + x] * kt[2 + x * ldk + c]);
                            assertEquals(ss[i * lds + c], sv[i * lds + c], 1e-5 * (1 + scale), vk + " scores " + rows + "x" + e + "x" + cols);
                        }
                    }
                    // accumulate: p [rows, n=e], v [e, cols], o [rows, cols] += p · v
                    float[] ov = randn(r, rows * lds), os = ov.clone();
                    vk.accumulate(q, 1, ldq, rows, e, kt, 2, ldk, cols, ov, 0, lds);
                    SCALAR.accumulate(q, 1, ldq, rows, e, kt, 2, ldk, cols, os, 0, lds);
                    for (int i = 0; i < os.length; i++) {
                        assertEquals(os[i], ov[i], 1e-5 * (1 + e + Math.abs(os[i])), vk + " accumulate " + rows + "x" + e + "x" + cols);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void rowKernelsMatchTheScalarTwin(int bits) {
        TileKernelsVector vk = kernels(bits);
        Random r = new Random(7 + bits);
        for (int n : sizesAround(vk.species().length())) {
            float[] a = randn(r, n + 3);
            assertEquals(SCALAR.max(a, 3, n), vk.max(a, 3, n), 0f, vk + " max n=" + n);
            float m = SCALAR.max(a, 3, n);
            float[] ev = a.clone(), es = a.clone();
            float sv = vk.expSum(ev, 3, n, m), sc = SCALAR.expSum(es, 3, n, m);
            for (int i = 3; i < n + 3; i++) assertEquals(es[i], ev[i], 4e-7 * es[i] + 1e-30, vk + " exp n=" + n);
            assertEquals(sc, sv, 1e-6 * n, vk + " expSum n=" + n);
            float[] xv = a.clone(), xs = a.clone();
            vk.scale(xv, 3, n, 0.37f);
            SCALAR.scale(xs, 3, n, 0.37f);
            assertEquals(java.util.Arrays.toString(xs), java.util.Arrays.toString(xv), vk + " scale n=" + n);
            float[] fv = a.clone(), fs = a.clone();
            vk.eluPlusOne(fv, 3, n);
            SCALAR.eluPlusOne(fs, 3, n);
            for (int i = 0; i < fs.length; i++) assertEquals(fs[i], fv[i], 4e-7 * Math.abs(fs[i]), vk + " eluPlusOne n=" + n);
            float[] b = randn(r, n + 1), yv = randn(r, n + 2), ys = yv.clone();
            vk.axpy(-1.5f, b, 1, yv, 2, n);
            SCALAR.axpy(-1.5f, b, 1, ys, 2, n);
            for (int i = 0; i < ys.length; i++) assertEquals(ys[i], yv[i], 1e-6 * (1 + Math.abs(ys[i])), vk + " axpy n=" + n);
            double abs = 0;
            for (int i = 0; i < n; i++) abs += Math.abs((double) a[3 + i] * b[1 + i]);
            assertEquals(SCALAR.dot(a, 3, b, 1, n), vk.dot(a, 3, b, 1, n), 1e-5 * (1 + abs), vk + " dot n=" + n);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void queryLaneKernelsMatchFloat64(int bits) {
        TileKernelsVector vk = kernels(bits);
        int g = vk.queryLanes();
        assertEquals(4 * vk.species().length(), g, "a query group is 4 vectors");
        Random r = new Random(11 + bits);
        for (int e : new int[] {1, 5, 24}) {
            for (int keys : new int[] {0, 1, 3, 4, 5, 11}) {
                int ldk = e + 1;
                float[] qt = randn(r, e * g), k = randn(r, 1 + keys * ldk), st = new float[Math.max(1, keys) * g];
                float[] colMax = new float[g];
                vk.scoresT(qt, e, k, 1, ldk, keys, st, colMax);
                for (int i = 0; i < g; i++) {
                    double want = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < keys; j++) {
                        double d = 0, abs = 0;
                        for (int x = 0; x < e; x++) {
                            d += (double) qt[x * g + i] * k[1 + j * ldk + x];
                            abs += Math.abs((double) qt[x * g + i] * k[1 + j * ldk + x]);
                        }
                        assertEquals(d, st[j * g + i], 1e-5 * (1 + abs), vk + " scoresT e=" + e + " keys=" + keys);
                        want = Math.max(want, st[j * g + i]);
                    }
                    assertEquals(want, colMax[i], 0.0, vk + " column max");
                }
                float[] again = new float[g];
                vk.colMaxT(st, keys, again);
                assertEquals(java.util.Arrays.toString(colMax), java.util.Arrays.toString(again), vk + " colMaxT");

                float[] bias = randn(r, keys + 2), before = st.clone();
                vk.addKeyBiasT(st, keys, bias, 2, 0.5f);
                for (int j = 0; j < keys; j++) {
                    for (int i = 0; i < g; i++) assertEquals(before[j * g + i] + 0.5f * bias[2 + j], st[j * g + i], 0f, vk + " addKeyBiasT");
                }

                float[] mSafe = new float[g], alpha = new float[g], l = new float[g];
                for (int i = 0; i < g; i++) {
                    float mx = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < keys; j++) mx = Math.max(mx, st[j * g + i]);
                    mSafe[i] = keys == 0 ? 0f : mx + 0.25f;
                    alpha[i] = (float) r.nextDouble();
                    l[i] = (float) r.nextDouble();
                }
                float[] s0 = st.clone(), l0 = l.clone();
                vk.exp2T(st, keys, mSafe, alpha, l);
                for (int i = 0; i < g; i++) {
                    double sum = 0;
                    for (int j = 0; j < keys; j++) {
                        double want = Math.pow(2, s0[j * g + i] - mSafe[i]);   // the kernel subtracts in float32
                        sum += want;
                        assertEquals(want, st[j * g + i], TileKernelsExp2Test.EXP2_REL_BOUND * 2 * want + 1e-37, vk + " exp2T");
                    }
                    assertEquals(l0[i] * (double) alpha[i] + sum, l[i], 1e-6 * (1 + Math.abs(l[i])), vk + " exp2T row sum");
                }

                for (int rows : new int[] {1, 4, g}) {
                    for (int ev : sizesAround(vk.species().length())) {
                        int ldv = ev + 2, ldo = ev + 1;
                        float[] v = randn(r, 3 + keys * ldv), o = randn(r, rows * ldo), o0 = o.clone();
                        vk.accumulateT(st, rows, keys, v, 3, ldv, ev, alpha, o, ldo);
                        for (int i = 0; i < rows; i++) {
                            for (int c = 0; c < ev; c++) {
                                double want = (double) o0[i * ldo + c] * alpha[i], abs = Math.abs(want);
                                for (int j = 0; j < keys; j++) {
                                    want += (double) st[j * g + i] * v[3 + j * ldv + c];
                                    abs += Math.abs((double) st[j * g + i] * v[3 + j * ldv + c]);
                                }
                                assertEquals(want, o[i * ldo + c], 1e-5 * (1 + abs), vk + " accumulateT rows=" + rows + " ev=" + ev);
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void exp2IsWithinItsBoundAtEveryWidth(int bits) {
        TileKernelsVector vk = kernels(bits);
        int ln = vk.species().length();
        float[] x = new float[ln], y = new float[ln];
        double worst = 0;
        for (int step = 0; step < 20_000; step++) {
            for (int i = 0; i < ln; i++) x[i] = -126f * (step * ln + i) / (20_000f * ln);
            TileKernelsVector.exp2(FloatVector.fromArray(vk.species(), x, 0), vk.exp2Constants()).intoArray(y, 0);
            for (int i = 0; i < ln; i++) {
                double want = Math.pow(2, x[i]);
                worst = Math.max(worst, Math.abs(y[i] - want) / want);
            }
        }
        assertTrue(worst <= TileKernelsExp2Test.EXP2_REL_BOUND, vk + " exp2 max rel error " + worst);
    }
}
