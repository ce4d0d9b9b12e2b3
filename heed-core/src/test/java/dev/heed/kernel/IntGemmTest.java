package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The integer GEMM against its scalar twin: exact (tolerance 0), every signedness, per-tensor and per-row/column zero points. */
class IntGemmTest {
    static ExecutionContext one, two;

    @BeforeAll
    static void open() {
        one = ExecutionContext.singleThreaded();
        two = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void close() {
        one.close();
        two.close();
    }

    @Test
    void equalsTheScalarTwinBitForBit() {
        SplittableRandom r = new SplittableRandom(15);
        int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {4, 16, 33}, {7, 17, 64}, {13, 40, 129}, {64, 96, 384}, {5, 3, 0}};
        for (int[] s : sizes) {
            int m = s[0], n = s[1], k = s[2];
            for (int variant = 0; variant < 8; variant++) {
                boolean au = (variant & 1) != 0, bu = (variant & 2) != 0, perAxis = (variant & 4) != 0;
                int lda = k + 2, ldb = n + 3, ldc = n + 1;
                byte[] a = bytes(r, 1 + m * lda), b = bytes(r, 2 + Math.max(k, 1) * ldb);
                int[] za = zeros(r, perAxis ? m : 1, au), zb = zeros(r, perAxis ? n : 1, bu);
                int[] want = new int[m * ldc + 1], got = new int[m * ldc + 1];
                IntGemm.gemmReference(m, n, k, a, 1, lda, au, za, b, 2, ldb, bu, zb, want, 1, ldc);
                PackedInt8 p = IntGemm.pack(b, 2, ldb, k, n, bu);
                for (ExecutionContext ctx : new ExecutionContext[] {one, two}) {
                    java.util.Arrays.fill(got, 0);
                    IntGemm.gemm(ctx, m, a, 1, lda, au, za, p, zb, got, 1, ldc);
                    assertArrayEquals(want, got, "m=" + m + " n=" + n + " k=" + k + " variant " + variant);
                }
            }
        }
    }

    @Test
    void referenceMatchesHandComputedValues() {
        // A u8 [1, 2] = {200, 3}, za = 128; B s8 [2, 1] = {-128, 127}, zb = -1: (72)(-127) + (-125)(128) = -25144
        int[] c = new int[1];
        IntGemm.gemmReference(1, 1, 2, new byte[] {(byte) 200, 3}, 0, 2, true, new int[] {128},
                new byte[] {-128, 127}, 0, 1, false, new int[] {-1}, c, 0, 1);
        assertEquals(72 * -127 + -125 * 128, c[0]);
    }

    @Test
    void refusesZeroPointsOfTheWrongLength() {
        PackedInt8 p = IntGemm.pack(new byte[6], 0, 3, 2, 3, false);
        HeedException e = assertThrows(HeedException.class,
                () -> IntGemm.gemm(one, 2, new byte[4], 0, 2, true, new int[] {0}, p, new int[] {0, 0}, new int[6], 0, 3));
        assertEquals(true, e.getMessage().contains("zb must hold 1 or 3"), e.getMessage());
    }

    /**
     * The float-GEMM formulation against the integer twin: equal bit for bit (the int32 result converted to float)
     * whenever it accepts a call; the shapes cover N not a multiple of the register tile, K across several K blocks,
     * offsets and leading dimensions, both signednesses, per-tensor and per-column zero points, one and two threads,
     * a heap and an off-heap segment, and values at the edge of the exactness bound.
     */
    @Test
    void exactFloatProductEqualsTheIntegerTwinBitForBit() {
        SplittableRandom r = new SplittableRandom(16);
        int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {13, 40, 129}, {12, 32, 192}, {25, 33, 385}, {64, 96, 384}, {128, 70, 600}, {2, 3, 0}};
        boolean vector = VectorSupport.available();
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
            for (int[] s : sizes) {
                int m = s[0], n = s[1], k = s[2];
                for (int variant = 0; variant < 8; variant++) {
                    boolean bu = (variant & 1) != 0, perColumn = (variant & 2) != 0, offHeap = (variant & 4) != 0;
                    int lda = k + 3, ldb = n + 5, ldc = n + 2;
                    // a' = q − zp with q, zp in [0, 255]: the extremes ±255 as well as random values
                    float[] a = new float[2 + m * lda];
                    byte[] aq = new byte[m * Math.max(k, 1)];
                    int za = variant == 5 ? 0 : r.nextInt(256);
                    for (int i = 0; i < m; i++) {
                        for (int p = 0; p < k; p++) {
                            int q = variant == 5 ? (p % 3 == 0 ? 0 : 255) : r.nextInt(256);
                            aq[i * k + p] = (byte) q;
                            a[2 + i * lda + p] = q - za;
                        }
                    }
                    byte[] b = bytes(r, 1 + Math.max(k, 1) * ldb);
                    int[] zb = zeros(r, perColumn ? n : 1, bu);
                    int[] want = new int[m * ldc + 1];
                    IntGemm.gemmReference(m, n, k, aq, 0, Math.max(k, 1), true, new int[] {za}, b, 1, ldb, bu, zb, want, 1, ldc);
                    java.lang.foreign.MemorySegment seg = java.lang.foreign.MemorySegment.ofArray(b);
                    if (offHeap) seg = arena.allocate(b.length).copyFrom(seg);
                    Int8Matrix bm = Int8Matrix.of(seg, 1, k, n, ldb, bu);
                    double bound = (double) k * 255 * bm.maxAbsShifted(zb);
                    for (ExecutionContext ctx : new ExecutionContext[] {one, two}) {
                        float[] got = new float[m * ldc + 1];
                        java.util.Arrays.fill(got, -7f);
                        boolean taken = IntGemm.gemmExactFloat(ctx, m, a, 2, lda, bm, zb, got, 1, ldc);
                        String what = "m=" + m + " n=" + n + " k=" + k + " variant " + variant;
                        if (vector && bound < (1 << 24)) assertEquals(true, taken, what + ": within the bound, must be taken");
                        if (!taken) {
                            for (float v : got) assertEquals(-7f, v, what + ": C must stay untouched when refused");
                            continue;
                        }
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                int o = 1 + i * ldc + j;
                                assertEquals(Float.floatToRawIntBits((float) want[o]), Float.floatToRawIntBits(got[o]),
                                        what + " at [" + i + ", " + j + "]: " + got[o] + " vs " + want[o]);
                            }
                            assertEquals(-7f, got[1 + i * ldc + n], what + ": wrote beyond N");
                        }
                    }
                }
            }
        }
    }

    @Test
    void exactFloatProductRefusesCallsBeyondTheBound() {
        // K = 1536, a' = 255 and B = 127 everywhere: partial sums reach 1536·255·127 ≈ 4.97e7 > 2^24, where float
        // would round; the kernel must refuse and leave C alone
        int m = 2, k = 1536, n = 40;
        float[] a = new float[m * k];
        java.util.Arrays.fill(a, 255f);
        byte[] b = new byte[k * n];
        java.util.Arrays.fill(b, (byte) 127);
        Int8Matrix bm = Int8Matrix.of(java.lang.foreign.MemorySegment.ofArray(b), 0, k, n, n, false);
        float[] c = new float[m * n];
        assertEquals(false, IntGemm.gemmExactFloat(one, m, a, 0, k, bm, new int[] {0}, c, 0, n));
        for (float v : c) assertEquals(0f, v);
        // the same product with a' = 1: 1536·127 is far inside the bound and exact
        java.util.Arrays.fill(a, 1f);
        if (VectorSupport.available()) {
            assertEquals(true, IntGemm.gemmExactFloat(one, m, a, 0, k, bm, new int[] {0}, c, 0, n));
            for (float v : c) assertEquals(1536f * 127f, v);
        }
    }

    /**
     * The K-chunked float product against the integer twin, bit for bit, on calls far beyond the single-pass bound
     * (a' at ±255, B at its extremes, K up to 1536), uneven rows (one row large, others small), per-column zero
     * points, uint8 and int8 B, one and two threads; and a call inside the bound (one pass).
     */
    @Test
    void chunkedExactFloatProductEqualsTheIntegerTwinBeyondTheBound() {
        SplittableRandom r = new SplittableRandom(18);
        int[][] sizes = {{2, 40, 1536}, {13, 33, 700}, {33, 70, 1100}, {3, 5, 260}};
        for (int[] s : sizes) {
            int m = s[0], n = s[1], k = s[2];
            for (int variant = 0; variant < 4; variant++) {
                boolean bu = (variant & 1) != 0, perColumn = (variant & 2) != 0;
                int lda = k + 1, ldb = n + 2, ldc = n + 3;
                float[] a = new float[m * lda];
                byte[] aq = new byte[m * k];
                int za = variant == 0 ? 0 : 255;
                for (int i = 0; i < m; i++) {
                    for (int p = 0; p < k; p++) {
                        int q = i == 0 ? (variant == 0 ? 255 : 0) : r.nextInt(256);     // row 0 at the extreme
                        aq[i * k + p] = (byte) q;
                        a[i * lda + p] = q - za;
                    }
                }
                byte[] b = new byte[k * ldb];
                for (int e = 0; e < b.length; e++) b[e] = (byte) (r.nextBoolean() ? (bu ? 255 : 127) : (bu ? 0 : -128));
                int[] zb = perColumn ? zeros(r, n, bu) : new int[] {bu ? 128 : 0};
                int[] want = new int[m * ldc];
                IntGemm.gemmReference(m, n, k, aq, 0, k, true, new int[] {za}, b, 0, ldb, bu, zb, want, 0, ldc);
                Int8Matrix bm = Int8Matrix.of(java.lang.foreign.MemorySegment.ofArray(b), 0, k, n, ldb, bu);
                String what = "m=" + m + " n=" + n + " k=" + k + " variant " + variant;
                if (k > 300) assertBeyondOnePassBound(m, a, lda, bm, zb, what);
                for (ExecutionContext ctx : new ExecutionContext[] {one, two}) {
                    float[] got = new float[m * ldc];
                    java.util.Arrays.fill(got, -7f);
                    boolean taken = IntGemm.gemmExactFloatChunked(ctx, m, a, 0, lda, bm, zb, got, 0, ldc);
                    assertEquals(VectorSupport.available(), taken, what);
                    if (taken) assertEqualsTwinBitForBit(want, got, m, n, ldc, what);
                }
            }
        }
    }

    /** The one-pass float product refuses A' (with the Vector API): a chunked case must really need its chunks. */
    private static void assertBeyondOnePassBound(int m, float[] a, int lda, Int8Matrix bm, int[] zb, String what) {
        if (!VectorSupport.available()) return;
        assertEquals(false, IntGemm.gemmExactFloat(one, m, a, 0, lda, bm, zb, new float[m * bm.n()], 0, bm.n()),
                what + ": must be beyond the one-pass bound for the test to mean something");
    }

    /**
     * Every {@code got[i, j]} (j < N) has exactly the bits of the integer twin's {@code want[i, j]} as a float, and the
     * padding columns {@code [N, ldc)} still hold the -7 they were filled with.
     */
    private static void assertEqualsTwinBitForBit(int[] want, float[] got, int m, int n, int ldc, String what) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int o = i * ldc + j;
                if (Float.floatToRawIntBits((float) want[o]) != Float.floatToRawIntBits(got[o])) {
                    fail(what + " at [" + i + ", " + j + "]: " + got[o] + " vs " + want[o]);
                }
            }
            for (int j = n; j < ldc; j++) assertEquals(-7f, got[i * ldc + j], what + ": wrote beyond N");
        }
    }

    /**
     * The product with A' quantised on the fly ({@link IntGemm#gemmExactFloatQuantizing}) against the integer twin on
     * the bytes the scalar quantiser writes ({@link Quantize#shiftedReference}), bit for bit: inside the one-pass bound
     * and far beyond it (K chunks), M over several row slabs (more rows than one GEMM row block), rows padded
     * ({@code ldx > K}) and offset, a NaN among the activations, per-column zero points, int8 and uint8 B, one and two
     * threads; and equal to {@link IntGemm#gemmExactFloatChunked} on the materialised A'.
     */
    @Test
    void quantizingProductEqualsTheIntegerTwinOnTheQuantisedBytes() {
        SplittableRandom r = new SplittableRandom(19);
        int[][] sizes = {{1, 5, 7}, {13, 33, 129}, {GemmVector.MACHINE.mc() * 2 + 37, 21, 70}, {40, 17, 1536}, {3, 40, 0}};
        for (int[] s : sizes) {
            int m = s[0], n = s[1], k = s[2];
            for (int variant = 0; variant < 4; variant++) {
                boolean bu = (variant & 1) != 0, perColumn = (variant & 2) != 0;
                int ldx = k + 3, xOff = 2, ldb = n + 1, ldc = n + 2;
                float[] x = new float[xOff + m * ldx];
                boolean far = k > 1000;                  // K = 1536 with x near the top of the range: far beyond the bound
                for (int e = 0; e < x.length; e++) x[e] = (float) (r.nextGaussian() * 3 + (far ? 12 : 0));
                if (m * k > 10) x[xOff + ldx + 1] = Float.NaN;
                float scale = far ? 12f / 255 : (float) (12.0 / 255 * (1 + r.nextDouble()));
                int zp = far ? r.nextInt(4) : r.nextInt(256);
                byte[] xq = new byte[m * Math.max(k, 1)];
                float[] a = new float[m * Math.max(k, 1)];
                for (int i = 0; i < m; i++) {
                    Quantize.shiftedReference(x, xOff + i * ldx, k, scale, zp, a, i * k);
                    for (int p = 0; p < k; p++) xq[i * k + p] = (byte) ((int) a[i * k + p] + zp);
                }
                byte[] b = new byte[Math.max(k, 1) * ldb];
                for (int e = 0; e < b.length; e++) {
                    b[e] = k > 1000 ? (byte) (r.nextBoolean() ? (bu ? 255 : 127) : (bu ? 0 : -128)) : (byte) r.nextInt(256);
                }
                int[] zb = perColumn ? zeros(r, n, bu) : new int[] {bu ? 128 : 0};
                int[] want = new int[m * ldc];
                IntGemm.gemmReference(m, n, k, xq, 0, Math.max(k, 1), true, new int[] {zp}, b, 0, ldb, bu, zb, want, 0, ldc);
                Int8Matrix bm = Int8Matrix.of(java.lang.foreign.MemorySegment.ofArray(b), 0, k, n, ldb, bu);
                String what = "m=" + m + " n=" + n + " k=" + k + " variant " + variant;
                if (k > 1000) assertBeyondOnePassBound(m, a, k, bm, zb, what);
                for (ExecutionContext ctx : new ExecutionContext[] {one, two}) {
                    float[] got = new float[m * ldc], dense = new float[m * ldc];
                    java.util.Arrays.fill(got, -7f);
                    boolean taken = IntGemm.gemmExactFloatQuantizing(ctx, m, x, xOff, ldx, scale, zp, bm, zb, got, 0, ldc);
                    assertEquals(VectorSupport.available(), taken, what);
                    if (!taken) continue;
                    IntGemm.gemmExactFloatChunked(ctx, m, a, 0, Math.max(k, 1), bm, zb, dense, 0, ldc);
                    assertEqualsTwinBitForBit(want, got, m, n, ldc, what);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            int o = i * ldc + j;
                            if (Float.floatToRawIntBits(dense[o]) != Float.floatToRawIntBits(got[o])) {
                                fail(what + " at [" + i + ", " + j + "]: " + got[o] + " vs the dense A' " + dense[o]);
                            }
                        }
                    }
                }
            }
        }
        assertThrows(HeedException.class, () -> IntGemm.gemmExactFloatQuantizing(one, 1, new float[4], 0, 4, 0.1f, 256,
                Int8Matrix.of(java.lang.foreign.MemorySegment.ofArray(new byte[8]), 0, 4, 2, 2, false), new int[] {0}, new float[2], 0, 2));
    }

    /**
     * The product with its epilogue run per tile inside the GEMM (the 15-argument
     * {@link IntGemm#gemmExactFloatQuantizing}) equals the product followed by {@link IntGemm#epilogue} bit for bit,
     * and its float64 twin ({@link IntGemm#epilogueReference} on the exact product) within
     * {@link IntGemm#EPILOGUE_TOLERANCE}·(1 + |want|): every activation, with and without a bias, one K pass and K
     * chunks (K = 1536 far beyond the bound), M over several row slabs, K = 0, N not a multiple of the vector length,
     * padded rows of C left untouched, one and two threads.
     */
    @Test
    void quantizingProductWithItsEpilogueEqualsTheProductThenTheEpilogue() {
        SplittableRandom r = new SplittableRandom(23);
        int[][] sizes = {{1, 5, 7}, {13, 33, 129}, {GemmVector.MACHINE.mc() * 2 + 37, 21, 70}, {40, 17, 1536}, {3, 40, 0}};
        for (int[] s : sizes) {
            int m = s[0], n = s[1], k = s[2], ldx = k + 1, ldc = n + 2;
            boolean far = k > 1000;
            float[] x = new float[m * ldx];
            for (int e = 0; e < x.length; e++) x[e] = (float) (r.nextGaussian() * 3 + (far ? 12 : 0));
            float xs = far ? 12f / 255 : (float) (12.0 / 255 * (1 + r.nextDouble()));
            int zp = far ? r.nextInt(4) : r.nextInt(256);
            byte[] b = new byte[Math.max(k, 1) * n];
            for (int e = 0; e < b.length; e++) b[e] = far ? (byte) (r.nextBoolean() ? 127 : -128) : (byte) r.nextInt(256);
            Int8Matrix bm = Int8Matrix.of(java.lang.foreign.MemorySegment.ofArray(b), 0, k, n, n, false);
            int[] zb = zeros(r, n, false);
            float[] scale = new float[n], bias = new float[n];
            for (int j = 0; j < n; j++) {
                scale[j] = (float) (xs * 0.01 * (1 + r.nextDouble()));
                bias[j] = (float) (r.nextDouble() * 2 - 1);
            }
            float[] product = new float[m * ldc];
            if (!IntGemm.gemmExactFloatQuantizing(one, m, x, 0, ldx, xs, zp, bm, zb, product, 0, ldc)) return;   // no Vector API
            for (Activation act : Activation.values()) {
                for (boolean withBias : new boolean[] {false, true}) {
                    float[] bb = withBias ? bias : null;
                    float[] want = product.clone();
                    IntGemm.epilogue(one, m, n, want, 0, ldc, scale, bb, act);
                    double[] exact = new double[product.length];
                    IntGemm.epilogueReference(m, n, product, 0, ldc, scale, bb, act, exact);
                    for (ExecutionContext ctx : new ExecutionContext[] {one, two}) {
                        String what = "m=" + m + " n=" + n + " k=" + k + " " + act + (withBias ? " +bias" : "") + " threads=" + ctx.threads();
                        float[] got = new float[m * ldc];
                        java.util.Arrays.fill(got, -7f);
                        assertEquals(true, IntGemm.gemmExactFloatQuantizing(ctx, m, x, 0, ldx, xs, zp, bm, zb, got, 0, ldc, scale, bb, act), what);
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                int o = i * ldc + j;
                                if (Float.floatToRawIntBits(want[o]) != Float.floatToRawIntBits(got[o])) {
                                    fail(what + " at [" + i + ", " + j + "]: " + got[o] + " vs product then epilogue " + want[o]);
                                }
                                if (!(Math.abs(got[o] - exact[o]) <= IntGemm.EPILOGUE_TOLERANCE * (1 + Math.abs(exact[o])))) {
                                    fail(what + " at [" + i + ", " + j + "]: " + got[o] + " vs float64 " + exact[o]);
                                }
                            }
                            for (int j = n; j < ldc; j++) assertEquals(-7f, got[i * ldc + j], what + ": wrote beyond N");
                        }
                    }
                }
            }
        }
        HeedException e = assertThrows(HeedException.class, () -> IntGemm.gemmExactFloatQuantizing(one, 1, new float[4], 0, 4, 0.1f, 0,
                Int8Matrix.of(java.lang.foreign.MemorySegment.ofArray(new byte[8]), 0, 4, 2, 2, false), new int[] {0}, new float[2], 0, 2,
                new float[3], null, Activation.NONE));
        assertEquals(true, e.getMessage().contains("N=2"), e.getMessage());
    }

    /**
     * The quantised linear epilogue {@code act(c·scale + bias)} against its float64 twin within
     * {@link IntGemm#EPILOGUE_TOLERANCE}·(1 + |want|), for every activation, with and without a bias, N not a multiple
     * of the vector length, offsets and padded rows, one and two threads (a C large enough to be split); without an
     * activation and with ReLU it must equal the float32 expression {@code (c * scale) + bias} of the unfused
     * Mul / Add nodes bit for bit. Elements outside C stay untouched.
     */
    @Test
    void epilogueMatchesItsFloat64TwinAndTheUnfusedExpression() {
        SplittableRandom r = new SplittableRandom(17);
        int[][] sizes = {{1, 1}, {3, 7}, {5, 33}, {17, 100}, {200, 333}};      // the last one is split over threads
        for (int[] s : sizes) {
            int m = s[0], n = s[1], ldc = n + 3, off = 2;
            float[] c0 = new float[off + m * ldc + 1];
            for (int e = 0; e < c0.length; e++) c0[e] = (float) (r.nextInt(-60_000, 60_000));   // integer products
            float[] scale = new float[n], bias = new float[n];
            for (int j = 0; j < n; j++) {
                scale[j] = (float) (1e-4 * (1 + r.nextDouble()));
                bias[j] = (float) (r.nextDouble() * 4 - 2);
            }
            for (Activation act : Activation.values()) {
                for (boolean withBias : new boolean[] {false, true}) {
                    float[] b = withBias ? bias : null;
                    double[] want = new double[c0.length];
                    IntGemm.epilogueReference(m, n, c0, off, ldc, scale, b, act, want);
                    for (ExecutionContext ctx : new ExecutionContext[] {one, two}) {
                        float[] got = c0.clone();
                        IntGemm.epilogue(ctx, m, n, got, off, ldc, scale, b, act);
                        String what = m + "x" + n + " " + act + (withBias ? " +bias" : "") + " threads=" + ctx.threads();
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                int o = off + i * ldc + j;
                                double err = Math.abs(got[o] - want[o]);
                                if (!(err <= IntGemm.EPILOGUE_TOLERANCE * (1 + Math.abs(want[o])))) {
                                    fail(what + " at [" + i + ", " + j + "]: " + got[o] + " vs " + want[o]);
                                }
                                if (act == Activation.NONE || act == Activation.RELU) {
                                    float v = c0[o] * scale[j];
                                    if (withBias) v = v + bias[j];
                                    if (act == Activation.RELU) v = Math.max(v, 0f);
                                    if (Float.floatToRawIntBits(v) != Float.floatToRawIntBits(got[o])) {
                                        fail(what + " bit for bit at [" + i + ", " + j + "]: " + got[o] + " vs " + v);
                                    }
                                }
                            }
                            for (int j = n; j < ldc && off + i * ldc + j < got.length; j++) {
                                assertEquals(c0[off + i * ldc + j], got[off + i * ldc + j], what + ": padding changed");
                            }
                        }
                        for (int e = 0; e < off; e++) assertEquals(c0[e], got[e], what + ": prefix changed");
                    }
                }
            }
        }
        HeedException e = assertThrows(HeedException.class,
                () -> IntGemm.epilogue(one, 2, 3, new float[6], 0, 3, new float[2], null, Activation.NONE));
        assertEquals(true, e.getMessage().contains("N=3"), e.getMessage());
    }

    private static byte[] bytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) r.nextInt(256);
        return b;
    }

    private static int[] zeros(SplittableRandom r, int n, boolean unsigned) {
        int[] z = new int[n];
        for (int i = 0; i < n; i++) z[i] = unsigned ? r.nextInt(256) : r.nextInt(256) - 128;
        return z;
    }
}
