package dev.heed.kernel;

import static dev.heed.kernel.KernelTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The elementwise fast paths against the float64 reference: every (op, layout) loop of {@link ElementwiseVector}
 * (same-shape, row broadcast, column broadcast, scalar on either side) at sizes around the vector width and with
 * non-zero offsets, size-1 dims, strided views, both single- and multi-threaded; and erf over the whole float range.
 */
class ElementwiseFastPathTest {
    static ExecutionContext one, two;
    /** Inner sizes around the 16-lane vector: tails of every length, exact multiples, one element. */
    static final int[] INNER = {1, 3, 15, 16, 17, 31, 32, 33, 47, 384, 1000};
    static final BinaryOp[] ARITHMETIC = {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV, BinaryOp.MAX, BinaryOp.MIN};

    @BeforeAll
    static void start() {
        one = ExecutionContext.singleThreaded();
        two = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void stop() {
        two.close();
    }

    private static void checkBinary(BinaryOp op, Tensor a, Tensor b, String what) {
        double[] ref = ElementwiseReference.binary(op, a, b);
        for (ExecutionContext ctx : new ExecutionContext[] {one, two}) {
            Tensor y = Elementwise.binary(ctx, op, a, b);
            assertTrue(y.isContiguous(), what);
            assertEquals(dev.heed.tensor.Shape.broadcast("t", a.shape(), b.shape()), y.shape(), what);
            assertClose(what + " threads=" + ctx.threads(), y.toFloatArray(), ref, ElementwiseChecks.tolerance(op));
        }
    }

    @Test
    void binaryLayoutsAtEveryTailLength() {
        SplittableRandom r = new SplittableRandom(5);
        for (BinaryOp op : ARITHMETIC) {
            for (int n : INNER) {
                Tensor a = random(r, 3, 5, n), b = random(r, 3, 5, n);
                checkBinary(op, a, b, op + " same [5, " + n + "]");
                checkBinary(op, a, random(r, 3, n), op + " row [5, " + n + "] op [" + n + "]");
                checkBinary(op, random(r, 3, n), a, op + " row [" + n + "] op [5, " + n + "]");
                checkBinary(op, a, random(r, 3, 5, 1), op + " column [5, " + n + "] op [5, 1]");
                checkBinary(op, random(r, 3, 5, 1), a, op + " column [5, 1] op [5, " + n + "]");
                checkBinary(op, a, Tensor.scalar(0.75f), op + " scalar right [5, " + n + "]");
                checkBinary(op, Tensor.scalar(-1.25f), a, op + " scalar left [5, " + n + "]");
                checkBinary(op, a, random(r, 3, 1, 1), op + " [1, 1] operand");
                // views with a non-zero storage offset and a stride: slices of a wider tensor
                Tensor wide = random(r, 3, 6, n + 7);
                Tensor view = wide.slice(0, 1, 6).slice(1, 3, 3 + n);   // [5, n], offset, row stride n + 7
                checkBinary(op, view, b, op + " sliced view [5, " + n + "]");
                checkBinary(op, view, random(r, 3, n), op + " sliced view + row");
                checkBinary(op, view.transpose(0, 1), random(r, 3, 5), op + " transposed view [" + n + ", 5] + [5]");
            }
            // size-1 dims in the middle, and [B, L, E] + [B, 1, E] / [B, L, 1]
            Tensor x = random(r, 3, 2, 1, 7, 33);
            checkBinary(op, x, random(r, 3, 1, 1, 1, 33), op + " [2,1,7,33] op [1,1,1,33]");
            checkBinary(op, x, random(r, 3, 2, 1, 7, 1), op + " [2,1,7,33] op [2,1,7,1]");
            checkBinary(op, random(r, 3, 3, 9, 40), random(r, 3, 3, 1, 40), op + " [3,9,40] op [3,1,40]");
            checkBinary(op, random(r, 3, 3, 9, 40), random(r, 3, 9, 1), op + " [3,9,40] op [9,1]");
        }
    }

    @Test
    void largeBinaryLayoutsAcrossTheThreadThreshold() {
        SplittableRandom r = new SplittableRandom(6);
        for (BinaryOp op : ARITHMETIC) {
            Tensor a = random(r, 2, 1030, 1031);   // > 1M elements, odd row length
            checkBinary(op, a, random(r, 2, 1030, 1031), op + " same 1030x1031");
            checkBinary(op, a, random(r, 2, 1031), op + " row 1030x1031");
            checkBinary(op, a, random(r, 2, 1030, 1), op + " column 1030x1031");
            checkBinary(op, a, Tensor.scalar(1.5f), op + " scalar 1030x1031");
        }
        Tensor a = random(r, 2, 1030, 1031);
        checkBinary(BinaryOp.MUL, a, a.transpose(0, 1).contiguous().transpose(0, 1), "mul by a transposed layout");
        Tensor sq = random(r, 2, 517, 517);
        for (BinaryOp op : ARITHMETIC) {
            checkBinary(op, sq, sq.transpose(0, 1), op + " x op x^T [517, 517]");
            checkBinary(op, sq.transpose(0, 1), random(r, 2, 517), op + " x^T op row [517]");
            checkBinary(op, sq.transpose(0, 1), sq.slice(0, 0, 517, 1).transpose(0, 1).slice(1, 0, 517), op + " both transposed");
        }
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.Kind.class)
    void unaryRunsAtOffsetsAndTails(UnaryOp.Kind kind) {
        UnaryOp op = ElementwiseTest.withConstants(kind);
        SplittableRandom r = new SplittableRandom(50 + kind.ordinal());
        for (int n : INNER) {
            Tensor wide = Tensor.of(ElementwiseTest.values(kind, r, 3 * (n + 5)), 3, n + 5);
            checkUnary(op, wide.slice(1, 2, 2 + n), op + " sliced [3, " + n + "]");   // offset 2, stride n + 5
            checkUnary(op, wide.slice(0, 1, 2).slice(1, 1, 1 + n).reshape(n), op + " offset run [" + n + "]");
        }
        // the blocked gather walk: a transposed [700, 333] view (44 row blocks × 2 column tiles, both partial)
        Tensor t = Tensor.of(ElementwiseTest.values(kind, r, 333 * 700), 333, 700).transpose(0, 1);
        checkUnary(op, t, op + " transposed [700, 333]");
        checkUnary(op, t.slice(1, 1, 333, 2), op + " transposed and stepped [700, 166]");
        Tensor big = Tensor.of(ElementwiseTest.values(kind, r, 300_007), 300_007);
        checkUnary(op, big, op + " [300007] (multi-threaded)");
    }

    private static void checkUnary(UnaryOp op, Tensor x, String what) {
        double[] ref = ElementwiseReference.unary(op, x);
        for (ExecutionContext ctx : new ExecutionContext[] {one, two}) {
            Tensor y = Elementwise.unary(ctx, op, x);
            assertEquals(x.shape(), y.shape(), what);
            assertClose(what + " threads=" + ctx.threads(), y.toFloatArray(), ref, ElementwiseChecks.tolerance(op.kind()));
        }
    }

    /**
     * erf on every 127th float bit pattern with |x| ≤ 4.5 (~17M values, dense through both polynomial pieces and
     * their seams) and every 4099th pattern of the whole range (NaN, ±inf, subnormals, huge values), against
     * the float64 series/continued-fraction reference; the worst error must stay within ERF's 4 ulp.
     */
    @Test
    void erfOverTheWholeFloatRange() {
        int step = 127;
        int limit = Float.floatToRawIntBits(4.5f);
        int count = (limit / step + 1) * 2 + (int) ((1L << 32) / 4099) + 16;
        float[] xs = new float[count];
        int k = 0;
        for (int bits = 0; bits <= limit; bits += step) {
            xs[k++] = Float.intBitsToFloat(bits);
            xs[k++] = -Float.intBitsToFloat(bits);
        }
        for (long bits = 0; bits < (1L << 32); bits += 4099) xs[k++] = Float.intBitsToFloat((int) bits);
        for (float s : new float[] {1f, Math.nextDown(1f), 3.92f, Math.nextUp(3.92f), Float.NaN,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f}) xs[k++] = s;
        Tensor x = Tensor.of(java.util.Arrays.copyOf(xs, k), k);
        float[] y = Elementwise.unary(two, UnaryOp.ERF, x).toFloatArray();
        double worstUlp = 0;
        float at = 0;
        for (int i = 0; i < k; i++) {
            double ref = ElementwiseReference.erf(xs[i]);
            if (Double.isNaN(ref)) {
                assertTrue(Float.isNaN(y[i]), "erf(NaN)");
                continue;
            }
            assertTrue(ElementwiseChecks.ERF.ok(y[i], ref), "erf(" + xs[i] + ") = " + y[i] + ", reference " + ref);
            double ulps = Math.abs(y[i] - ref) / (ElementwiseChecks.ULP * Math.max(Math.abs(ref), 1e-30));
            if (ulps > worstUlp) {
                worstUlp = ulps;
                at = xs[i];
            }
        }
        System.out.printf("erf: %d values, max error %.3f ulp (2^-23 relative) at x = %s%n", k, worstUlp, at);
        assertTrue(worstUlp <= 4, "erf max error " + worstUlp + " ulp at " + at);
    }

    /**
     * gelu (erf form) and gelu_tanh on every 127th float in [-12, 12]: the negative side, where {@code 1 + erf}
     * cancels and erf's absolute error is scaled by |x|/2, is where the GELU tolerance is tightest.
     */
    @Test
    void geluOverADenseRange() {
        int limit = Float.floatToRawIntBits(12f);
        int n = (limit / 127 + 1) * 2;
        float[] xs = new float[n];
        int k = 0;
        for (int bits = 0; bits <= limit && k + 1 < n; bits += 127) {
            xs[k++] = Float.intBitsToFloat(bits);
            xs[k++] = -Float.intBitsToFloat(bits);
        }
        Tensor x = Tensor.of(java.util.Arrays.copyOf(xs, k), k);
        for (UnaryOp op : new UnaryOp[] {UnaryOp.GELU, UnaryOp.GELU_TANH}) {
            float[] y = Elementwise.unary(two, op, x).toFloatArray();
            double worst = 0;
            float at = 0;
            for (int i = 0; i < k; i++) {
                double q = ElementwiseChecks.GELU.ratio(y[i], ElementwiseReference.apply(op, xs[i]));
                if (q > worst) {
                    worst = q;
                    at = xs[i];
                }
            }
            System.out.printf("%s: %d values, max error %.3f x tolerance at x = %s%n", op, k, worst, at);
            assertTrue(worst <= 1, op + " max error " + worst + " x tolerance at " + at);
        }
    }
}
