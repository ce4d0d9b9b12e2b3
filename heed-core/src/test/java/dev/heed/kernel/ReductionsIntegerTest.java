package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** int64 / int32 reductions (exact) against a nested-loop oracle over [A, B, C] written here; PROD on floats. */
class ReductionsIntegerTest {
    static ExecutionContext ctx;

    @BeforeAll
    static void start() {
        ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void stop() {
        ctx.close();
    }

    /** Oracle: reduce [A, B, C] over axis 1 by nested loops (no permutation code shared with the kernel). */
    private static long[] overMiddle(ReduceOp op, long[] v, int a, int b, int c) {
        long[] out = new long[a * c];
        for (int i = 0; i < a; i++) {
            for (int k = 0; k < c; k++) {
                long acc = op == ReduceOp.PROD ? 1 : op == ReduceOp.MAX ? Long.MIN_VALUE : op == ReduceOp.MIN ? Long.MAX_VALUE : 0;
                for (int j = 0; j < b; j++) {
                    long e = v[(i * b + j) * c + k];
                    acc = switch (op) {
                        case SUM, MEAN -> acc + e;
                        case PROD -> acc * e;
                        case MAX -> Math.max(acc, e);
                        case MIN -> Math.min(acc, e);
                    };
                }
                out[i * c + k] = op == ReduceOp.MEAN ? acc / b : acc;
            }
        }
        return out;
    }

    @Test
    void int64AndInt32AreExact() {
        SplittableRandom r = new SplittableRandom(7);
        int a = 3, b = 5, c = 4;
        long[] v = new long[a * b * c];
        for (int i = 0; i < v.length; i++) v[i] = r.nextLong(-9, 10);
        Tensor x64 = Tensor.ofLongs(v, a, b, c);
        Tensor x32 = x64.to(DType.INT32);
        for (ReduceOp op : ReduceOp.values()) {
            long[] want = overMiddle(op, v, a, b, c);
            Tensor y = Reductions.reduce(ctx, op, x64, new int[] {1}, true);
            assertEquals(DType.INT64, y.dtype());
            assertArrayEquals(new int[] {a, 1, c}, y.shape().dims(), op + " shape");
            assertArrayEquals(want, y.toLongArray(), op + " int64");
            Tensor y32 = Reductions.reduce(ctx, op, x32.transpose(0, 2).contiguous().transpose(0, 2), new int[] {-2}, false);
            assertEquals(DType.INT32, y32.dtype());
            assertArrayEquals(new int[] {a, c}, y32.shape().dims(), op + " int32 shape");
            assertArrayEquals(want, y32.toLongArray(), op + " int32 (transposed view)");
        }
    }

    @Test
    void meanTruncatesTowardZeroAndLargeInt64StaysExact() {
        Tensor x = Tensor.ofLongs(new long[] {-7, 0, 7, 1, (1L << 53) + 1, 1}, 2, 3);
        assertArrayEquals(new long[] {0, 3002399751580331L}, Reductions.reduce(ctx, ReduceOp.MEAN, x, new int[] {1}, false).toLongArray());
        assertArrayEquals(new long[] {0, (1L << 53) + 3}, Reductions.reduce(ctx, ReduceOp.SUM, x, new int[] {1}, false).toLongArray());
        assertArrayEquals(new long[] {-7, 1}, Reductions.reduce(ctx, ReduceOp.MIN, x, new int[] {1}, false).toLongArray());
    }

    @Test
    void emptyReductions() {
        Tensor e = Tensor.ofLongs(new long[0], 2, 0);
        assertArrayEquals(new long[] {1, 1}, Reductions.reduce(ctx, ReduceOp.PROD, e, new int[] {1}, false).toLongArray());
        assertArrayEquals(new long[] {Long.MIN_VALUE, Long.MIN_VALUE}, Reductions.reduce(ctx, ReduceOp.MAX, e, new int[] {1}, false).toLongArray());
        Tensor f = Tensor.zeros(DType.FLOAT32, 2, 0);
        assertArrayEquals(new float[] {1, 1}, Reductions.reduce(ctx, ReduceOp.PROD, f, new int[] {1}, false).toFloatArray());
    }

    @Test
    void floatProductIsAccumulatedInDouble() {
        // 40 factors of 10 overflow float on the way (1e38 · 10) but the result 1e-2 fits: double accumulation keeps it
        float[] v = new float[80];
        for (int i = 0; i < 40; i++) { v[i] = 10f; v[40 + i] = 0.1f; }
        Tensor x = Tensor.of(v, 80);
        double want = 1;
        for (float f : v) want *= f;
        float got = Reductions.reduce(ctx, ReduceOp.PROD, x, new int[] {0}, false).toFloatArray()[0];
        assertEquals(want, got, 1e-6 * Math.abs(want), "product of 10^40 · 0.1^40 (tolerance 1e-6 relative)");
        // columns path ([R, I] with kept trailing axis)
        Tensor cols = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        assertArrayEquals(new float[] {15, 48}, Reductions.reduce(ctx, ReduceOp.PROD, cols, new int[] {0}, false).toFloatArray());
    }
}
