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

    @Test
    void selfCheckPasses() {
        for (KernelCheck kc : Gemm.selfCheck(two, 42)) assertTrue(kc.passed(), kc.toString());
    }
}
