package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.tensor.DType;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link Gemm#matmul}: NumPy semantics checked against a float64 element-wise oracle written here. */
class MatmulTest {
    static ExecutionContext ctx;

    @BeforeAll
    static void start() {
        ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void stop() {
        ctx.close();
    }

    static Tensor rand(long seed, int... dims) {
        return Tensor.of(MatrixChecks.random(new SplittableRandom(seed), (int) Shape.of(dims).numel()), dims);
    }

    /** NumPy matmul in float64 via element access (any layout), plus Σ|a·b| per output. */
    static void check(Tensor a, Tensor b, int... expectDims) {
        Tensor y = Gemm.matmul(ctx, a, b);
        assertEquals(Shape.of(expectDims), y.shape());
        boolean aVec = a.rank() == 1, bVec = b.rank() == 1;
        Tensor a2 = aVec ? a.unsqueeze(0) : a, b2 = bVec ? b.unsqueeze(1) : b;
        int m = a2.dim(-2), k = a2.dim(-1), n = b2.dim(-1);
        int[] yd = y.shape().dims();
        int[] full = new int[Math.max(a2.rank(), b2.rank())];
        Shape batch = Shape.broadcast("t", Shape.of(java.util.Arrays.copyOf(a2.shape().dims(), a2.rank() - 2)),
                Shape.of(java.util.Arrays.copyOf(b2.shape().dims(), b2.rank() - 2)));
        float[] got = y.toFloatArray();
        int count = (int) batch.numel();
        int[] bd = batch.dims();
        double worst = 0;
        for (int t = 0; t < count; t++) {
            int[] idx = new int[bd.length];
            for (int d = bd.length - 1, r = t; d >= 0; d--) { idx[d] = r % bd[d]; r /= bd[d]; }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0, abs = 0;
                    for (int p = 0; p < k; p++) {
                        double v = (double) a2.getFloat(index(idx, a2.rank(), i, p, a2)) * b2.getFloat(index(idx, b2.rank(), p, j, b2));
                        s += v;
                        abs += Math.abs(v);
                    }
                    double e = Math.abs(got[(t * m + i) * n + j] - s) / (1 + abs);
                    worst = Math.max(worst, e);
                }
            }
        }
        assertTrue(worst <= Gemm.TOLERANCE, "error " + worst + " for " + a.shape() + " · " + b.shape());
        assertTrue(full.length >= 0 && yd.length == expectDims.length);
    }

    /** Index into t (rank r) for broadcast batch index idx and matrix position (row, col). */
    static int[] index(int[] batchIdx, int r, int row, int col, Tensor t) {
        int[] ix = new int[r];
        int lead = batchIdx.length - (r - 2);
        for (int d = 0; d < r - 2; d++) ix[d] = t.dim(d) == 1 ? 0 : batchIdx[lead + d];
        ix[r - 2] = row;
        ix[r - 1] = col;
        return ix;
    }

    @Test
    void batchBroadcasting() {
        check(rand(1, 2, 1, 5, 7), rand(2, 3, 7, 4), 2, 3, 5, 4);
        check(rand(3, 4, 9, 65), rand(4, 65, 33), 4, 9, 33);      // shared b: batches fold into M
        check(rand(5, 70, 65), rand(6, 3, 65, 17), 3, 70, 17);     // shared a
        check(rand(7, 1, 6, 8), rand(8, 5, 8, 3), 5, 6, 3);
    }

    @Test
    void vectorPromotion() {
        check(rand(1, 7), rand(2, 7, 4), 4);
        check(rand(3, 5, 7), rand(4, 7), 5);
        check(rand(5, 7), rand(6, 7), new int[0]);
        check(rand(7, 7), rand(8, 3, 7, 4), 3, 4);
        check(rand(9, 2, 3, 5, 7), rand(10, 7), 2, 3, 5);
    }

    @Test
    void transposedAndStridedViews() {
        Tensor kT = rand(1, 2, 3, 40, 16).transpose(-1, -2);           // [2, 3, 16, 40], unit stride on rows
        check(rand(2, 2, 3, 33, 16), kT, 2, 3, 33, 40);
        Tensor aT = rand(3, 65, 17).transpose(0, 1);                    // [17, 65]
        check(aT, rand(4, 65, 9), 17, 9);
        Tensor perm = rand(5, 4, 10, 2, 12).permute(0, 2, 1, 3);        // [4, 2, 10, 12] heads view
        check(perm, rand(6, 12, 7), 4, 2, 10, 7);
        Tensor sliced = rand(7, 9, 30).slice(1, 3, 23, 2);              // [9, 10], column stride 2: copied
        check(sliced, rand(8, 10, 6), 9, 6);
        Tensor expanded = rand(9, 1, 5, 6).expand(3, 5, 6);            // batch stride 0
        check(expanded, rand(10, 3, 6, 4), 3, 5, 4);
        check(rand(11, 4, 6), rand(12, 6, 1).expand(2, 6, 1), 2, 4, 1);
    }

    @Test
    void emptyTensors() {
        assertEquals(Shape.of(0, 5, 3), Gemm.matmul(ctx, rand(1, 0, 5, 4), rand(2, 4, 3)).shape());
        Tensor z = Gemm.matmul(ctx, Tensor.zeros(DType.FLOAT32, 2, 0), Tensor.zeros(DType.FLOAT32, 0, 3));
        assertEquals(Shape.of(2, 3), z.shape());
        assertArrayEquals(new float[6], z.toFloatArray());
        assertEquals(Shape.of(2, 0), Gemm.matmul(ctx, rand(1, 2, 4), rand(2, 4, 0)).shape());
    }

    @Test
    void shapeErrorsNameBothShapesAndTheRule() {
        HeedException e = assertThrows(HeedException.class, () -> Gemm.matmul(ctx, rand(1, 2, 3), rand(2, 4, 5)));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertEquals("matmul: a[2, 3] · b[4, 5]: a.dim(-1)=3 != b.dim(-2)=4", e.getMessage());
        e = assertThrows(HeedException.class, () -> Gemm.matmul(ctx, rand(1, 2, 3, 4), rand(2, 3, 4, 5)));
        assertTrue(e.getMessage().contains("a[2, 3, 4] · b[3, 4, 5]: batch axes [2] and [3] do not broadcast"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Gemm.matmul(ctx, Tensor.scalar(1f), rand(2, 3)));
        assertTrue(e.getMessage().contains("rank >= 1"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Gemm.matmul(ctx, Tensor.ofLongs(new long[] {1, 2}, 1, 2), rand(2, 2, 3)));
        assertEquals(ErrorCode.DTYPE_MISMATCH, e.code());
    }
    /** matmul by a packed constant equals matmul by the tensor bitwise, for folded, strided and 1-D a. */
    @Test
    void packedRightOperand() {
        Tensor b = rand(20, 45, 70);
        PackedMatrix pb = Gemm.pack(b);
        Tensor[] as = {
                rand(21, 2, 3, 37, 45),                           // batches fold into one GEMM of 222 rows
                rand(22, 45, 37).transpose(0, 1),                 // A^T read in place
                rand(23, 4, 45, 10).transpose(-1, -2),            // batched transposed views: one GEMM per batch
                rand(24, 3, 30, 50).slice(2, 2, 47, 1),           // row stride 50, K = 45
                rand(25, 45),                                     // 1-D: [45] -> [70]
                rand(26, 1, 45)};
        for (Tensor a : as) {
            Tensor want = Gemm.matmul(ctx, a, b), got = Gemm.matmul(ctx, a, pb);
            assertEquals(want.shape(), got.shape(), "shape for a" + a.shape());
            assertArrayEquals(want.toFloatArray(), got.toFloatArray(), "a" + a.shape());
            check(a, b, want.shape().dims());
        }
        Tensor bT = rand(27, 70, 45).transpose(0, 1);                  // pack(Tensor) takes any layout
        assertArrayEquals(Gemm.matmul(ctx, as[0], bT).toFloatArray(), Gemm.matmul(ctx, as[0], Gemm.pack(bT)).toFloatArray());
        assertEquals(Shape.of(0, 70), Gemm.matmul(ctx, rand(28, 0, 45), pb).shape());
    }

    @Test
    void packedShapeErrors() {
        PackedMatrix pb = Gemm.pack(rand(1, 4, 5));
        HeedException e = assertThrows(HeedException.class, () -> Gemm.matmul(ctx, rand(2, 2, 3), pb));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertEquals("matmul: a[2, 3] · b[4, 5] (packed): a.dim(-1)=3 != b.dim(0)=4", e.getMessage());
        e = assertThrows(HeedException.class, () -> Gemm.matmul(ctx, Tensor.scalar(1f), pb));
        assertTrue(e.getMessage().contains("rank >= 1"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Gemm.matmul(ctx, Tensor.ofLongs(new long[] {1, 2, 3, 4}, 1, 4), pb));
        assertEquals(ErrorCode.DTYPE_MISMATCH, e.code());
        e = assertThrows(HeedException.class, () -> Gemm.pack(Tensor.ofLongs(new long[] {1, 2}, 1, 2)));
        assertEquals(ErrorCode.DTYPE_MISMATCH, e.code());
    }
}
