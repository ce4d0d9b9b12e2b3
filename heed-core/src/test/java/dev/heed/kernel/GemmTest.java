package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link Gemm#gemm} against its float64 reference, tolerance {@link Gemm#TOLERANCE}. */
class GemmTest {
    static ExecutionContext one, two;

    @BeforeAll
    static void start() {
        one = ExecutionContext.singleThreaded();
        two = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void stop() {
        one.close();
        two.close();
    }

    /**
     * Runs one case with padded leading dimensions and offsets; returns the scaled max error.
     */
    static double run(ExecutionContext ctx, long seed, int m, int n, int k, boolean ta, boolean tb, boolean acc,
                      boolean withBias, Activation act, int pad, int off) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        float[] a = MatrixChecks.random(rnd, off + Math.max(0, aRows * lda));
        float[] b = MatrixChecks.random(rnd, off + Math.max(0, bRows * ldb));
        float[] c0 = MatrixChecks.random(rnd, off + m * ldc);
        float[] bias = withBias ? MatrixChecks.random(rnd, n) : null;
        float[] c = c0.clone(), ref = c0.clone();
        Gemm.gemm(ctx, ta, tb, m, n, k, a, off, Math.max(1, lda), b, off, Math.max(1, ldb), c, off, Math.max(1, ldc), acc, bias, act);
        Gemm.gemmReference(ctx, ta, tb, m, n, k, a, off, Math.max(1, lda), b, off, Math.max(1, ldb), ref, off, Math.max(1, ldc), acc, bias, act);
        // padding between rows and before the offset must be untouched
        for (int i = 0; i < off; i++) assertEquals(c0[i], c[i], "prefix element " + i + " changed");
        for (int i = 0; i < m; i++) {
            for (int j = n; j < ldc; j++) assertEquals(c0[off + i * ldc + j], c[off + i * ldc + j], "padding changed");
        }
        return MatrixChecks.gemmError(ta, tb, m, n, k, a, off, lda, b, off, ldb, c, ref, off, ldc, acc ? c0 : null, bias);
    }

    static Stream<Arguments> oddShapes() {
        int[][] shapes = {{1, 1, 1}, {3, 17, 5}, {17, 3, 63}, {63, 65, 129}, {65, 63, 257}, {129, 33, 300},
                {7, 257, 31}, {6, 32, 256}, {12, 64, 512}, {1, 100, 65}, {100, 1, 65}, {257, 129, 63}};
        Stream.Builder<Arguments> s = Stream.builder();
        for (int[] sh : shapes) {
            for (int t = 0; t < 4; t++) s.add(Arguments.of(sh[0], sh[1], sh[2], (t & 1) != 0, (t & 2) != 0));
        }
        return s.build();
    }

    @ParameterizedTest(name = "{0}x{1}x{2} transA={3} transB={4}")
    @MethodSource("oddShapes")
    void oddSizesAllTransposes(int m, int n, int k, boolean ta, boolean tb) {
        double e1 = run(one, m * 31L + n, m, n, k, ta, tb, false, false, Activation.NONE, 0, 0);
        double e2 = run(two, m * 37L + k, m, n, k, ta, tb, true, true, Activation.NONE, 3, 5);
        assertTrue(e1 <= Gemm.TOLERANCE, "1 thread: error " + e1);
        assertTrue(e2 <= Gemm.TOLERANCE, "2 threads, accumulate, bias, ld+3, offset 5: error " + e2);
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(Activation.class)
    void everyActivationWithBias(Activation act) {
        for (boolean acc : new boolean[] {false, true}) {
            double e = run(two, act.ordinal(), 37, 70, 45, false, true, acc, true, act, 1, 2);
            assertTrue(e <= Gemm.TOLERANCE, act + " accumulate=" + acc + ": error " + e);
            double e2 = run(one, act.ordinal() + 99, 5, 3, 600, true, false, acc, true, act, 0, 0);
            assertTrue(e2 <= Gemm.TOLERANCE, act + " K=600: error " + e2);
        }
    }

    @Test
    void largeMultiBlockParallel() {
        // crosses the KC, MC and NC blocking and splits into several tasks
        double e = run(two, 7, 400, 1100, 600, false, false, true, true, Activation.GELU_ERF, 0, 0);
        assertTrue(e <= Gemm.TOLERANCE, "error " + e);
    }

    @Test
    void emptyDimensions() {
        // K = 0: bias through the activation, or C when accumulating
        float[] c = {9, 9, 9, 9, 9, 9};
        Gemm.gemm(two, false, false, 2, 3, 0, new float[0], 0, 1, new float[0], 0, 3, c, 0, 3, false,
                new float[] {-1, 0, 2}, Activation.RELU);
        assertArrayEquals(new float[] {0, 0, 2, 0, 0, 2}, c);
        float[] c2 = {1, 2, 3, 4};
        Gemm.gemm(one, true, true, 2, 2, 0, new float[0], 0, 2, new float[0], 0, 1, c2, 0, 2, true, null, Activation.NONE);
        assertArrayEquals(new float[] {1, 2, 3, 4}, c2);
        float[] c3 = {1, 2};
        Gemm.gemm(one, false, false, 1, 2, 0, null, 0, 1, null, 0, 2, c3, 0, 2, false, null, Activation.NONE);
        assertArrayEquals(new float[] {0, 0}, c3);
        // M = 0 and N = 0: nothing happens, no array needed
        Gemm.gemm(two, false, false, 0, 5, 7, null, 0, 7, new float[35], 0, 5, null, 0, 5, false, null, Activation.NONE);
        Gemm.gemm(two, false, false, 5, 0, 7, new float[35], 0, 7, null, 0, 1, null, 0, 1, false, null, Activation.NONE);
    }

    @Test
    void argumentErrorsNameTheOperand() {
        HeedException e = assertThrows(HeedException.class, () ->
                Gemm.gemm(one, false, false, 2, 3, 4, new float[8], 0, 4, new float[12], 0, 3, new float[5], 0, 3, false, null, Activation.NONE));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().startsWith("gemm: c stored as [2, 3]"), e.getMessage());
        e = assertThrows(HeedException.class, () ->
                Gemm.gemm(one, true, false, 2, 3, 4, new float[8], 0, 1, new float[12], 0, 3, new float[6], 0, 3, false, null, Activation.NONE));
        assertTrue(e.getMessage().contains("lda=1 must be >= max(1, 2)"), e.getMessage());
        e = assertThrows(HeedException.class, () ->
                Gemm.gemm(one, false, false, 2, 3, 4, new float[8], 0, 4, new float[12], 0, 3, new float[6], 0, 3, false, new float[2], Activation.NONE));
        assertTrue(e.getMessage().contains("bias[2] is shorter than n=3"), e.getMessage());
        assertThrows(HeedException.class, () ->
                Gemm.gemm(one, false, false, -1, 3, 4, new float[8], 0, 4, new float[12], 0, 3, new float[6], 0, 3, false, null, Activation.NONE));
    }

    @Test
    void threadCountDoesNotChangeResults() {
        SplittableRandom rnd = new SplittableRandom(3);
        int m = 200, n = 300, k = 700;
        float[] a = MatrixChecks.random(rnd, m * k), b = MatrixChecks.random(rnd, k * n);
        float[] c1 = new float[m * n], c2 = new float[m * n];
        Gemm.gemm(one, false, false, m, n, k, a, 0, k, b, 0, n, c1, 0, n, false, null, Activation.NONE);
        Gemm.gemm(two, false, false, m, n, k, a, 0, k, b, 0, n, c2, 0, n, false, null, Activation.NONE);
        assertArrayEquals(c1, c2);
    }

    @Test
    void activationScalarMatchesDouble() {
        for (Activation act : Activation.values()) {
            for (float x = -9f; x <= 9f; x += 0.0137f) {
                double want = act.applyDouble(x);
                assertEquals(want, act.apply(x), 3e-7 * (1 + Math.abs(want)), act + "(" + x + ")");
            }
        }
        assertEquals(0.8413447460685429, Activation.GELU_ERF.applyDouble(1.0), 1e-15);
        assertEquals(0.9953222650189527, Activation.erfDouble(2.0), 1e-15);
        assertEquals(0.9999779095030014, Activation.erfDouble(3.0), 1e-15);
        assertEquals(-0.9999999845827421, Activation.erfDouble(-4.0), 1e-15);
    }

    // ------------------------------------------------------------------------------------------- packed B

    static Stream<Arguments> packedShapes() {
        int[][] shapes = {{1, 1, 1}, {3, 17, 5}, {8, 100, 600}, {63, 65, 129}, {129, 33, 1100}, {7, 257, 31},
                {300, 70, 45}, {40, 1100, 300}, {8, 1536, 384}};
        Stream.Builder<Arguments> s = Stream.builder();
        for (int[] sh : shapes) {
            for (int t = 0; t < 4; t++) s.add(Arguments.of(sh[0], sh[1], sh[2], (t & 1) != 0, (t & 2) != 0));
        }
        return s.build();
    }

    /**
     * A packed B gives bitwise the result of the unpacked call (same blocking, same FMA order), on one and two
     * threads, with accumulate, bias and an activation, padded leading dimensions and offsets; and that result is
     * within {@link Gemm#TOLERANCE} of the float64 reference.
     */
    @ParameterizedTest(name = "{0}x{1}x{2} transA={3} transB={4}")
    @MethodSource("packedShapes")
    void packedBEqualsUnpackedBitwise(int m, int n, int k, boolean ta, boolean tb) {
        SplittableRandom rnd = new SplittableRandom(m * 1000003L + n * 1009L + k);
        int pad = 3, off = 2;
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        float[] a = MatrixChecks.random(rnd, off + (ta ? k : m) * lda);
        float[] b = MatrixChecks.random(rnd, off + (tb ? n : k) * ldb);
        float[] c0 = MatrixChecks.random(rnd, off + m * ldc);
        float[] bias = MatrixChecks.random(rnd, n);
        PackedMatrix pb = Gemm.pack(tb, k, n, b, off, ldb);
        assertEquals(k, pb.k());
        assertEquals(n, pb.n());
        for (ExecutionContext ctx : new ExecutionContext[] {one, two}) {
            for (boolean acc : new boolean[] {false, true}) {
                Activation act = acc ? Activation.GELU_ERF : Activation.NONE;
                float[] want = c0.clone(), got = c0.clone(), ref = c0.clone();
                Gemm.gemm(ctx, ta, tb, m, n, k, a, off, lda, b, off, ldb, want, off, ldc, acc, acc ? bias : null, act);
                Gemm.gemm(ctx, ta, m, a, off, lda, pb, got, off, ldc, acc, acc ? bias : null, act);
                assertArrayEquals(want, got, "packed != unpacked, threads=" + ctx.threads() + " accumulate=" + acc);
                Gemm.gemmReference(ctx, ta, tb, m, n, k, a, off, lda, b, off, ldb, ref, off, ldc, acc, acc ? bias : null, act);
                double e = MatrixChecks.gemmError(ta, tb, m, n, k, a, off, lda, b, off, ldb, got, ref, off, ldc,
                        acc ? c0 : null, acc ? bias : null);
                assertTrue(e <= Gemm.TOLERANCE, "threads=" + ctx.threads() + " accumulate=" + acc + ": error " + e);
            }
        }
    }

    @Test
    void packedIsACopyOfTheSource() {
        SplittableRandom rnd = new SplittableRandom(11);
        int m = 9, n = 40, k = 20;
        float[] a = MatrixChecks.random(rnd, m * k), b = MatrixChecks.random(rnd, k * n);
        PackedMatrix pb = Gemm.pack(false, k, n, b, 0, n);
        float[] want = new float[m * n], got = new float[m * n];
        Gemm.gemm(one, false, false, m, n, k, a, 0, k, b, 0, n, want, 0, n, false, null, Activation.NONE);
        java.util.Arrays.fill(b, 7f);                     // changing the source afterwards has no effect
        Gemm.gemm(one, false, m, a, 0, k, pb, got, 0, n, false, null, Activation.NONE);
        assertArrayEquals(want, got);
    }

    /** The plain row-major form a PackedMatrix takes without the Vector API goes through the reference kernel. */
    @Test
    void packedReferenceFallback() {
        SplittableRandom rnd = new SplittableRandom(5);
        int m = 13, n = 21, k = 34;
        float[] a = MatrixChecks.random(rnd, k * m), b = MatrixChecks.random(rnd, k * n), bias = MatrixChecks.random(rnd, n);
        float[] got = new float[m * n], ref = new float[m * n];
        Gemm.gemm(two, true, m, a, 0, m, PackedMatrix.ofDense(k, n, b.clone()), got, 0, n, false, bias, Activation.RELU);
        Gemm.gemmReference(two, true, false, m, n, k, a, 0, m, b, 0, n, ref, 0, n, false, bias, Activation.RELU);
        double e = MatrixChecks.gemmError(true, false, m, n, k, a, 0, m, b, 0, n, got, ref, 0, n, null, bias);
        assertTrue(e <= Gemm.TOLERANCE, "error " + e);
    }

    @Test
    void packedEmptyDepthAndRows() {
        PackedMatrix z = Gemm.pack(false, 0, 3, new float[0], 0, 3);
        float[] c = {9, 9, 9, 9, 9, 9};
        Gemm.gemm(two, false, 2, new float[0], 0, 1, z, c, 0, 3, false, new float[] {-1, 0, 2}, Activation.RELU);
        assertArrayEquals(new float[] {0, 0, 2, 0, 0, 2}, c);
        PackedMatrix p = Gemm.pack(true, 4, 2, new float[8], 0, 4);
        Gemm.gemm(one, false, 0, null, 0, 4, p, null, 0, 2, false, null, Activation.NONE);   // M = 0: nothing to do
    }

    @Test
    void packedArgumentErrorsNameTheOperand() {
        HeedException e = assertThrows(HeedException.class, () -> Gemm.pack(false, 4, 3, new float[11], 0, 3));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().startsWith("gemm.pack: b stored as [4, 3] (B)"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Gemm.pack(true, 4, 3, new float[12], 0, 3));
        assertTrue(e.getMessage().contains("ldb=3 must be >= max(1, 4)"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Gemm.pack(true, 1 << 16, 1 << 15, new float[1 << 20], 0, 16));
        assertTrue(e.getMessage().contains("ldb=16 must be >= max(1, 65536)"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Gemm.pack(false, -1, 3, new float[12], 0, 3));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        PackedMatrix p = Gemm.pack(false, 4, 3, new float[12], 0, 3);
        e = assertThrows(HeedException.class, () ->
                Gemm.gemm(one, false, 2, new float[7], 0, 4, p, new float[6], 0, 3, false, null, Activation.NONE));
        assertTrue(e.getMessage().startsWith("gemm: a stored as [2, 4] (A)"), e.getMessage());
        e = assertThrows(HeedException.class, () ->
                Gemm.gemm(one, false, 2, new float[8], 0, 4, p, new float[5], 0, 3, false, null, Activation.NONE));
        assertTrue(e.getMessage().startsWith("gemm: c stored as [2, 3] (C)"), e.getMessage());
        e = assertThrows(HeedException.class, () ->
                Gemm.gemm(one, false, 2, new float[8], 0, 4, p, new float[6], 0, 3, false, new float[2], Activation.NONE));
        assertTrue(e.getMessage().contains("bias[2] is shorter than n=3 of PackedMatrix[4, 3]"), e.getMessage());
        e = assertThrows(HeedException.class, () ->
                Gemm.gemm(one, false, 2, new float[8], 0, 4, null, new float[6], 0, 3, false, null, Activation.NONE));
        assertTrue(e.getMessage().contains("packed b is null"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Gemm.pack(dev.heed.tensor.Tensor.zeros(dev.heed.tensor.DType.FLOAT32, 2, 3, 4)));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("b[2, 3, 4] must be 2-D [K, N]"), e.getMessage());
    }

    /** Few rows on two threads: the grid cuts N (B read in place for M <= 32); results match one thread bitwise. */
    @Test
    void smallMSplitsColumnsAcrossThreads() {
        for (int[] sh : new int[][] {{8, 1536, 512}, {32, 1100, 300}, {40, 700, 600}, {5, 2000, 700}}) {
            int m = sh[0], n = sh[1], k = sh[2];
            double e = run(two, m + n, m, n, k, false, false, false, true, Activation.GELU_TANH, 0, 0);
            assertTrue(e <= Gemm.TOLERANCE, m + "x" + n + "x" + k + ": error " + e);
            SplittableRandom rnd = new SplittableRandom(m);
            float[] a = MatrixChecks.random(rnd, m * k), b = MatrixChecks.random(rnd, k * n);
            float[] c1 = new float[m * n], c2 = new float[m * n];
            Gemm.gemm(one, false, false, m, n, k, a, 0, k, b, 0, n, c1, 0, n, false, null, Activation.NONE);
            Gemm.gemm(two, false, false, m, n, k, a, 0, k, b, 0, n, c2, 0, n, false, null, Activation.NONE);
            assertArrayEquals(c1, c2, m + "x" + n + "x" + k);
        }
    }

    @Test
    void selfCheckPasses() {
        for (KernelCheck kc : Gemm.selfCheck(two, 42)) assertTrue(kc.passed(), kc.toString());
    }
}
