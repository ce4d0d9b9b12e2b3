package dev.heed.kernel;

import static dev.heed.kernel.KernelTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.tensor.DType;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ReductionsSoftmaxNormsTest {
    static ExecutionContext ctx;

    @BeforeAll
    static void start() {
        ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void stop() {
        ctx.close();
    }

    static final int[][] SHAPES = {{17}, {1023}, {3, 5, 7}, {2, 33, 15}, {4, 1, 6, 1}, {2, 0, 3}, {1}, {100_003}, {2, 70, 130}};
    static final int[][][] AXES = {{{0}}, {{0}}, {{0}, {1}, {2}, {-1}, {0, 2}, {1, 2}, {}, {0, 1, 2}},
        {{1}, {0, 1}, {2, 0}}, {{1, 3}, {0}, {2}}, {{1}, {0, 2}, {2}}, {{0}}, {{0}}, {{1}, {2}, {0, 1}}};

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void reduceMatchesReference(ReduceOp op) {
        SplittableRandom r = new SplittableRandom(op.ordinal() + 40);
        for (int s = 0; s < SHAPES.length; s++) {
            Tensor x = random(r, 2, SHAPES[s]);
            for (int[] axes : AXES[s]) {
                for (boolean keep : new boolean[] {true, false}) {
                    checkReduce(op, x, axes, keep);
                    checkReduce(op, asTransposedView(x), axes, keep);
                }
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            checkReduce(op, asSegment(random(r, 1, 4, 9), arena), new int[] {1}, false);
        }
    }

    private static void checkReduce(ReduceOp op, Tensor x, int[] axes, boolean keep) {
        String what = op + " " + x.shape() + " axes " + java.util.Arrays.toString(axes) + " keep=" + keep;
        Tensor y = Reductions.reduce(ctx, op, x, axes, keep);
        boolean[] red = Reductions.reducedAxes("t", x.shape(), axes);
        int[] want = new int[x.rank()];
        int k = 0;
        for (int a = 0; a < x.rank(); a++) if (!red[a]) want[k++] = x.dim(a); else if (keep) want[k++] = 1;
        assertArrayEquals(java.util.Arrays.copyOf(want, k), y.shape().dims(), what);
        double[] ref = ReductionsReference.reduce(op, x, axes);
        float[] got = y.toFloatArray();
        if (op == ReduceOp.MAX || op == ReduceOp.MIN) {
            assertClose(what, got, ref, ElementwiseChecks.EXACT);
            return;
        }
        if (op == ReduceOp.PROD) { // double accumulation, one float rounding: 1e-6 relative (or the same infinity / zero)
            for (int i = 0; i < ref.length; i++) {
                if (Double.isInfinite(ref[i]) || Math.abs(ref[i]) > Float.MAX_VALUE) assertEquals(Math.signum(ref[i]) * Double.POSITIVE_INFINITY, got[i], what + " at " + i);
                else assertEquals(ref[i], got[i], 1e-6 * Math.abs(ref[i]) + Float.MIN_VALUE, what + " at " + i);
            }
            return;
        }
        double[] abs = ReductionsReference.absSum(x, axes);
        long n = x.numel() / Math.max(1, ref.length);
        for (int i = 0; i < ref.length; i++) {
            double scale = op == ReduceOp.MEAN ? abs[i] / n : abs[i];
            double tol = ElementwiseChecks.SUM_REL_TO_ABS_SUM * scale + 1e-30;
            if (Double.isNaN(ref[i])) assertTrue(Float.isNaN(got[i]), what);
            else assertEquals(ref[i], got[i], tol, what + " at " + i);
        }
    }

    @Test
    void reduceEdgeCases() {
        Tensor empty = Tensor.zeros(DType.FLOAT32, 2, 0);
        assertArrayEquals(new float[] {0, 0}, Reductions.reduce(ctx, ReduceOp.SUM, empty, new int[] {1}, false).toFloatArray());
        assertEquals(Float.NEGATIVE_INFINITY, Reductions.reduce(ctx, ReduceOp.MAX, empty, new int[] {1}, false).toFloatArray()[0]);
        assertTrue(Float.isNaN(Reductions.reduce(ctx, ReduceOp.MEAN, empty, new int[] {1}, false).toFloatArray()[0]));
        Tensor nan = Tensor.of(new float[] {1, Float.NaN, 3, 4, 5, 6}, 2, 3);
        float[] mx = Reductions.reduce(ctx, ReduceOp.MAX, nan, new int[] {1}, false).toFloatArray();
        assertTrue(Float.isNaN(mx[0]));
        assertEquals(6f, mx[1]);
        float[] col = Reductions.reduce(ctx, ReduceOp.MIN, nan, new int[] {0}, false).toFloatArray();
        assertTrue(Float.isNaN(col[1]));
        Tensor all = Reductions.reduce(ctx, ReduceOp.SUM, Tensor.of(new float[] {1, 2, 3, 4}, 2, 2), new int[0], false);
        assertEquals(0, all.rank());
        assertEquals(10f, all.getFloat());
        HeedException e = assertThrows(HeedException.class, () -> Reductions.reduce(ctx, ReduceOp.SUM, nan, new int[] {2}, true));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Reductions.reduce(ctx, ReduceOp.SUM, nan, new int[] {1, -1}, true));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        e = assertThrows(HeedException.class, () -> Reductions.reduce(ctx, ReduceOp.SUM, Tensor.ofBooleans(new boolean[2], 2), new int[] {0}, true)); // ints: ReductionsIntegerTest
        assertEquals(ErrorCode.DTYPE_MISMATCH, e.code());
    }

    @Test
    void argMaxArgMinExactWithTiesAndKeepDims() {
        SplittableRandom r = new SplittableRandom(9);
        for (int[] shape : new int[][] {{17}, {3, 33}, {4, 5, 6}, {2, 1023}}) {
            Tensor x = Elementwise.unary(ctx, UnaryOp.ROUND, random(r, 2, shape));   // many ties
            for (int axis = -x.rank(); axis < x.rank(); axis++) {
                for (boolean last : new boolean[] {false, true}) {
                    for (boolean max : new boolean[] {true, false}) {
                        Tensor y = max ? Reductions.argMax(ctx, x, axis, true, last) : Reductions.argMin(ctx, x, axis, true, last);
                        assertEquals(DType.INT64, y.dtype());
                        int[] d = x.shape().dims();
                        d[axis < 0 ? axis + x.rank() : axis] = 1;
                        assertArrayEquals(d, y.shape().dims());
                        assertArrayEquals(ReductionsReference.arg(x, axis, max, last), y.toLongArray());
                        Tensor t = max ? Reductions.argMax(ctx, asTransposedView(x), axis, false, last)
                                : Reductions.argMin(ctx, asTransposedView(x), axis, false, last);
                        assertEquals(x.rank() - 1, t.rank());
                        assertArrayEquals(ReductionsReference.arg(x, axis, max, last), t.toLongArray());
                    }
                }
            }
        }
        Tensor t = Tensor.of(new float[] {1, 5, 5, 2, Float.NaN, 7}, 6);
        assertEquals(4, Reductions.argMax(ctx, t, 0, false, false).getLong());
        assertEquals(0, Reductions.argMin(ctx, Tensor.of(new float[] {1, 5, 1}, 3), 0, false, false).getLong());
        assertEquals(2, Reductions.argMin(ctx, Tensor.of(new float[] {1, 5, 1}, 3), 0, false, true).getLong());
    }

    // ---------------------------------------------------------------- softmax

    @Test
    void softmaxMatchesReferenceOnEveryAxis() {
        SplittableRandom r = new SplittableRandom(5);
        for (int[] shape : new int[][] {{1}, {17}, {3, 33}, {2, 3, 1023}, {4, 1, 15}, {2, 12, 16, 16}}) {
            Tensor x = random(r, 5, shape);
            for (int axis = -x.rank(); axis < x.rank(); axis++) {
                for (Tensor v : new Tensor[] {x, asTransposedView(x)}) {
                    assertClose("softmax " + x.shape() + " axis " + axis, Softmax.softmax(ctx, v, axis).toFloatArray(),
                            SoftmaxReference.softmax(v, axis, false), ElementwiseChecks.SOFTMAX);
                    assertClose("log_softmax " + x.shape() + " axis " + axis, Softmax.logSoftmax(ctx, v, axis).toFloatArray(),
                            SoftmaxReference.softmax(v, axis, true), ElementwiseChecks.LOG_SOFTMAX);
                }
            }
        }
        Tensor empty = Softmax.softmax(ctx, Tensor.zeros(DType.FLOAT32, 2, 0), -1);
        assertArrayEquals(new int[] {2, 0}, empty.shape().dims());
    }

    @Test
    void softmaxIsStableAndHandlesMaskedRows() {
        float n = Float.NEGATIVE_INFINITY;
        Tensor x = Tensor.of(new float[] {1e4f, 1e4f - 1, 1e4f - 2, -3e38f, 3e38f, 0, n, n, n, n, 0, n}, 4, 3);
        float[] p = Softmax.softmax(ctx, x, 1).toFloatArray();
        double[] ref = SoftmaxReference.softmax(x, 1, false);
        assertClose("large inputs", java.util.Arrays.copyOf(p, 6), java.util.Arrays.copyOf(ref, 6), ElementwiseChecks.SOFTMAX);
        assertEquals(1f, p[4]);
        // a fully -inf row is NaN (as ONNX Runtime and NumPy); a partly masked row is fine
        for (int i = 6; i < 9; i++) assertTrue(Float.isNaN(p[i]), "fully masked row -> NaN");
        assertArrayEquals(new float[] {0, 1, 0}, java.util.Arrays.copyOfRange(p, 9, 12));
        float[] lp = Softmax.logSoftmax(ctx, x, 1).toFloatArray();
        assertTrue(Float.isNaN(lp[6]));
        assertEquals(n, lp[9]);
        assertEquals(0f, lp[10]);
        assertTrue(Float.isNaN(Softmax.softmax(ctx, Tensor.of(new float[] {1, Float.NaN}, 2), 0).toFloatArray()[0]));
    }

    // ---------------------------------------------------------------- norms

    @Test
    void layerNormMatchesReference() {
        SplittableRandom r = new SplittableRandom(8);
        for (int[] shape : new int[][] {{1, 17}, {2, 7, 384}, {3, 1023}, {2, 3, 4, 5}, {5, 1}}) {
            Tensor x = random(r, 3, shape);
            Elementwise.binary(ctx, BinaryOp.ADD, x, Tensor.scalar(10f));
            for (int axis : new int[] {-1, 1}) {
                int ax = axis < 0 ? axis + x.rank() : axis;
                int[] nd = java.util.Arrays.copyOfRange(shape, ax, shape.length);
                Tensor g = random(r, 1, nd), b = random(r, 1, nd);
                Tensor shifted = Elementwise.binary(ctx, BinaryOp.ADD, x, Tensor.scalar(100f));   // mean far from 0
                for (Tensor v : new Tensor[] {x, shifted, asTransposedView(x)}) {
                    String what = "layer_norm " + v.shape() + " axis " + axis;
                    assertClose(what, Norms.layerNorm(ctx, v, g, b, axis, 1e-5f).toFloatArray(),
                            NormsReference.layerNorm(v, g, b, axis, 1e-5f), ElementwiseChecks.LAYER_NORM);
                    assertClose(what + " no gamma/beta", Norms.layerNorm(ctx, v, null, null, axis, 1e-12f).toFloatArray(),
                            NormsReference.layerNorm(v, null, null, axis, 1e-12f), ElementwiseChecks.LAYER_NORM);
                }
            }
        }
        // gamma broadcast from [1], constant rows give beta
        Tensor c = Tensor.of(new float[] {2, 2, 2, 2}, 1, 4);
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f},
                Norms.layerNorm(ctx, c, Tensor.scalar(3f), Tensor.scalar(0.5f), -1, 1e-5f).toFloatArray());
        HeedException e = assertThrows(HeedException.class,
                () -> Norms.layerNorm(ctx, random(r, 1, 2, 8), random(r, 1, 7), null, -1, 1e-5f));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("gamma[7]") && e.getMessage().contains("[8]"), e.getMessage());
    }

    @Test
    void batchNormMatchesReference() {
        SplittableRandom r = new SplittableRandom(12);
        for (int[] shape : new int[][] {{2, 3, 5, 7}, {1, 16, 33}, {4, 5}, {2, 3, 2, 2, 3}}) {
            int c = shape[1];
            Tensor x = random(r, 2, shape);
            Tensor s = random(r, 1, c), b = random(r, 1, c), m = random(r, 1, c);
            Tensor v = Elementwise.unary(ctx, UnaryOp.ABS, random(r, 1, c));
            for (Tensor xv : new Tensor[] {x, asTransposedView(x)}) {
                assertClose("batch_norm " + xv.shape(), Norms.batchNorm(ctx, xv, s, b, m, v, 1e-5f).toFloatArray(),
                        NormsReference.batchNorm(xv, s, b, m, v, 1e-5f), ElementwiseChecks.BATCH_NORM);
            }
        }
        HeedException e = assertThrows(HeedException.class, () -> Norms.batchNorm(ctx, random(r, 1, 2, 3, 4),
                random(r, 1, 4), random(r, 1, 3), random(r, 1, 3), random(r, 1, 3), 1e-5f));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("scale[4]") && e.getMessage().contains("C=3"), e.getMessage());
    }
}
