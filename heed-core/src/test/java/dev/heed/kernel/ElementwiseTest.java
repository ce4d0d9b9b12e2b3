package dev.heed.kernel;

import static dev.heed.kernel.KernelTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ElementwiseTest {
    static ExecutionContext ctx;
    static final int[] SIZES = {1, 15, 16, 17, 33, 1023, 20011};
    static final float[] SPECIALS = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-40f,
            -1e-40f, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 0.5f, -0.5f, 1.5f, 2.5f, -2.5f, 88.7f, 89f,
            -87f, -87.5f, -104f, 1f, -1f, 3.92f, 3.93f, 0.625f, 0.6249f, 1e-3f, 8388609f, -8388609.5f, 12582913f};

    @BeforeAll
    static void start() {
        ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void stop() {
        ctx.close();
    }

    static UnaryOp withConstants(UnaryOp.Kind k) {
        return switch (k) {
            case LEAKY_RELU -> UnaryOp.leakyRelu(0.1f);
            case CLIP -> UnaryOp.clip(-0.7f, 1.3f);
            case HARD_SIGMOID -> UnaryOp.hardSigmoid(0.3f, 0.45f);
            case ELU -> UnaryOp.elu(1.3f);
            case SELU -> UnaryOp.selu(1.5f, 1.1f);
            default -> UnaryOp.of(k);
        };
    }

    static double scaleFor(UnaryOp.Kind k) {
        return switch (k) {
            case EXP, SIGMOID, SILU, SOFTPLUS -> 30;
            case ELU, SELU -> 1;   // most values in the |x| < 0.5 expm1 branch; the specials cover the tails
            case ERF, TANH -> 2;
            case SIN, COS -> 10;
            default -> 4;
        };
    }

    static float[] values(UnaryOp.Kind k, SplittableRandom r, int n) {
        float[] v = gaussian(r, n, scaleFor(k));
        if (k == UnaryOp.Kind.LOG || k == UnaryOp.Kind.SQRT) {
            for (int i = 0; i < n; i++) v[i] = (float) Math.exp(nextGaussian(r) * 20);  // wide positive range
        }
        for (int i = 0; i < Math.min(n, SPECIALS.length); i++) v[(int) ((long) i * 7919 % n)] = SPECIALS[i];
        return v;
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.Kind.class)
    void unaryMatchesReference(UnaryOp.Kind kind) {
        UnaryOp op = withConstants(kind);
        SplittableRandom r = new SplittableRandom(kind.ordinal() + 1);
        for (int n : SIZES) {
            Tensor x = Tensor.of(values(kind, r, n), n);
            check(op, x, op + " n=" + n);
        }
        // transposed and strided views, segment-backed input, a broadcast (stride 0) view
        Tensor m = Tensor.of(values(kind, r, 17 * 33), 17, 33);
        check(op, asTransposedView(m), op + " transposed");
        check(op, m.slice(1, 32, -100, -3), op + " negative step");
        check(op, m.slice(0, 0, 1).expand(5, 33), op + " expanded");
        try (Arena arena = Arena.ofConfined()) {
            check(op, asSegment(m, arena), op + " segment");
        }
        Tensor empty = Elementwise.unary(ctx, op, Tensor.zeros(DType.FLOAT32, 3, 0, 2));
        assertArrayEquals(new int[] {3, 0, 2}, empty.shape().dims());
        Tensor s = Elementwise.unary(ctx, op, Tensor.scalar(0.3f));
        assertEquals(0, s.rank());
    }

    private static void check(UnaryOp op, Tensor x, String what) {
        Tensor y = Elementwise.unary(ctx, op, x);
        assertTrue(y.isContiguous());
        assertEquals(x.shape(), y.shape());
        assertClose(what, y.toFloatArray(), ElementwiseReference.unary(op, x), ElementwiseChecks.tolerance(op.kind()));
    }

    @Test
    void erfReferenceMatchesPublishedValues() {
        double[][] golden = { // x, erf(x) (SciPy)
            {0.001, 0.0011283787909692363}, {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465},
            {0.999, 0.8422852702064969}, {1.0, 0.8427007929497148}, {1.7, 0.9837904585907745},
            {2.5, 0.999593047982555}, {2.99, 0.9999764743969194}, {3.0, 0.9999779095030014},
            {3.5, 0.9999992569016276}, {4.5, 0.9999999998033839}, {6.0, 1.0}};
        for (double[] g : golden) {
            assertEquals(g[1], ElementwiseReference.erf(g[0]), 1e-15, "erf(" + g[0] + ")");
            assertEquals(-g[1], ElementwiseReference.erf(-g[0]), 1e-15, "erf(" + -g[0] + ")");
            assertEquals(1 - g[1], 1 - ElementwiseReference.erf(g[0]), 1e-15 + 1e-12 * (1 - g[1]));
        }
    }

    // ---------------------------------------------------------------- binary

    static final int[][][] SHAPE_PAIRS = {
        {{17}, {17}}, {{1023}, {1023}}, {{3, 1, 5}, {4, 1}}, {{4, 1}, {3, 1, 5}}, {{}, {33}}, {{33}, {}},
        {{2, 7, 33}, {33}}, {{33}, {2, 7, 33}}, {{2, 7, 33}, {7, 1}}, {{5, 1}, {1, 17}}, {{1}, {1}},
        {{2, 3, 4, 5}, {3, 1, 5}}, {{0, 5}, {5}}, {{3, 0}, {1, 1}}, {{1, 20000}, {20000}}};

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binaryMatchesReference(BinaryOp op) {
        SplittableRandom r = new SplittableRandom(100 + op.ordinal());
        for (int[][] p : SHAPE_PAIRS) {
            Tensor a = random(r, 3, p[0]), b = random(r, 3, p[1]);
            if (op == BinaryOp.POW) a = Elementwise.unary(ctx, UnaryOp.ABS, a);
            String what = op + " " + a.shape() + " " + b.shape();
            checkBinary(op, a, b, what);
            checkBinary(op, asTransposedView(a), b, what + " (a transposed)");
            checkBinary(op, a, asTransposedView(b), what + " (b transposed)");
        }
        Tensor a = random(r, 3, 9, 17), b = random(r, 3, 17, 9);
        checkBinary(op, a, b.transpose(0, 1), op + " a + b^T");
        try (Arena arena = Arena.ofConfined()) {
            checkBinary(op, asSegment(a, arena), asSegment(random(r, 3, 17), arena), op + " segments");
        }
    }

    private static void checkBinary(BinaryOp op, Tensor a, Tensor b, String what) {
        Tensor y = Elementwise.binary(ctx, op, a, b);
        assertEquals(dev.heed.tensor.Shape.broadcast("t", a.shape(), b.shape()), y.shape(), what);
        assertClose(what, y.toFloatArray(), ElementwiseReference.binary(op, a, b), ElementwiseChecks.tolerance(op));
    }

    @Test
    void powSpecialExponentsAndNegativeBases() {
        Tensor a = Tensor.of(new float[] {-2f, -0.5f, 3f, 0f, -0f, Float.NaN, -3f}, 7);
        for (float e : new float[] {2f, 1f, 3f, 0.5f, -1f, 0f}) {
            Tensor y = Elementwise.binary(ctx, BinaryOp.POW, a, Tensor.scalar(e));
            assertClose("pow ^" + e, y.toFloatArray(), ElementwiseReference.binary(BinaryOp.POW, a, Tensor.scalar(e)),
                    ElementwiseChecks.ROUNDED);
        }
        assertEquals(-8f, Elementwise.binary(ctx, BinaryOp.POW, Tensor.scalar(-2f), Tensor.scalar(3f)).getFloat());
    }

    @Test
    void maxMinPropagateNaNAndOrderZeros() {
        Tensor a = Tensor.of(new float[] {Float.NaN, 1f, 0f, -0f, Float.NEGATIVE_INFINITY}, 5);
        Tensor b = Tensor.of(new float[] {1f, Float.NaN, -0f, 0f, 2f}, 5);
        float[] mx = Elementwise.binary(ctx, BinaryOp.MAX, a, b).toFloatArray();
        float[] mn = Elementwise.binary(ctx, BinaryOp.MIN, a, b).toFloatArray();
        assertTrue(Float.isNaN(mx[0]) && Float.isNaN(mx[1]) && Float.isNaN(mn[0]) && Float.isNaN(mn[1]));
        assertEquals(2f, mx[4]);
        assertEquals(Float.NEGATIVE_INFINITY, mn[4]);
        assertEquals(0, Float.floatToRawIntBits(mx[2]));
        assertEquals(0x80000000, Float.floatToRawIntBits(mn[3]));
    }

    @Test
    void integerArithmeticTruncatesLikeC() {
        Tensor a = Tensor.ofLongs(new long[] {7, -7, 7, -7, 9, 2}, 6);
        Tensor b = Tensor.ofLongs(new long[] {2, 2, -2, -2, 3, 10}, 6);
        assertArrayEquals(new long[] {3, -3, -3, 3, 3, 0}, Elementwise.binary(ctx, BinaryOp.DIV, a, b).toLongArray());
        assertArrayEquals(new long[] {9, -5, 5, -9, 12, 12}, Elementwise.binary(ctx, BinaryOp.ADD, a, b).toLongArray());
        assertArrayEquals(new long[] {49, 49, 0, 0, 729, 1024},
                Elementwise.binary(ctx, BinaryOp.POW, a, Tensor.ofLongs(new long[] {2, 2, -1, -1, 3, 10}, 6)).toLongArray());
        assertArrayEquals(new long[] {7, 2, 7, -2, 9, 10}, Elementwise.binary(ctx, BinaryOp.MAX, a, b).toLongArray());
        assertArrayEquals(new long[] {-7, 7, -7, 7, -9, -2}, Elementwise.unary(ctx, UnaryOp.NEG, a).toLongArray());
        assertArrayEquals(new long[] {7, 7, 7, 7, 9, 2}, Elementwise.unary(ctx, UnaryOp.ABS, a).toLongArray());
        // shape arithmetic: [4] * scalar, broadcast int64
        Tensor shape = Tensor.ofLongs(new long[] {2, 12, 128, 64}, 4);
        Tensor prod = Elementwise.binary(ctx, BinaryOp.MUL, shape, Tensor.ofLongs(new long[] {2}));
        assertEquals(DType.INT64, prod.dtype());
        assertArrayEquals(new long[] {4, 24, 256, 128}, prod.toLongArray());
        // int32, wrapping like Java/C on overflow, and broadcasting
        Tensor i = Tensor.ofInts(new int[] {Integer.MAX_VALUE, -9, 4}, 3, 1);
        Tensor j = Tensor.ofInts(new int[] {1, 2}, 2);
        Tensor s = Elementwise.binary(ctx, BinaryOp.ADD, i, j);
        assertEquals(DType.INT32, s.dtype());
        assertArrayEquals(new long[] {Integer.MIN_VALUE, Integer.MIN_VALUE + 1, -8, -7, 5, 6}, s.toLongArray());
        assertArrayEquals(new long[] {Integer.MAX_VALUE, Integer.MAX_VALUE / 2, -9, -4, 4, 2},
                Elementwise.binary(ctx, BinaryOp.DIV, i, j).toLongArray());
        HeedException e = assertThrows(HeedException.class,
                () -> Elementwise.binary(ctx, BinaryOp.DIV, a, Tensor.ofLongs(new long[] {0})));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        // strided int64 view
        Tensor t = Tensor.ofLongs(new long[] {1, 2, 3, 4, 5, 6}, 2, 3).transpose(0, 1);
        assertArrayEquals(new long[] {2, 5, 3, 6, 4, 7}, Elementwise.binary(ctx, BinaryOp.ADD, t, Tensor.ofLongs(new long[] {1})).toLongArray());
    }

    @Test
    void integerModSignAndUint8Wrap() {
        Tensor a = Tensor.ofLongs(new long[] {7, -7, 7, -7, 6, 0}, 6);
        Tensor b = Tensor.ofLongs(new long[] {3, 3, -3, -3, 3, 5}, 6);
        assertArrayEquals(new long[] {1, 2, -2, -1, 0, 0}, Elementwise.binary(ctx, BinaryOp.MOD, a, b).toLongArray());
        assertArrayEquals(new long[] {1, -1, 1, -1, 0, 0}, Elementwise.binary(ctx, BinaryOp.FMOD, a, b).toLongArray());
        assertArrayEquals(new long[] {7, -21, 7, 21, 6, 0}, Elementwise.binary(ctx, BinaryOp.PRELU, a, b).toLongArray());
        assertArrayEquals(new long[] {1, -1, 1, -1, 1, 0}, Elementwise.unary(ctx, UnaryOp.SIGN, a).toLongArray());
        HeedException e = assertThrows(HeedException.class,
                () -> Elementwise.binary(ctx, BinaryOp.MOD, a, Tensor.ofLongs(new long[] {0})));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        Tensor i = Tensor.ofInts(new int[] {-5, 5}, 2);
        assertArrayEquals(new long[] {1, 2}, Elementwise.binary(ctx, BinaryOp.MOD, i, Tensor.ofInts(new int[] {3}, 1)).toLongArray());
        Tensor u = Tensor.ofUint8(new byte[] {(byte) 250, 3, 9}, 3), v = Tensor.ofUint8(new byte[] {10, 5, 2}, 3);
        Tensor s = Elementwise.binary(ctx, BinaryOp.ADD, u, v);
        assertEquals(DType.UINT8, s.dtype());
        assertArrayEquals(new long[] {4, 8, 11}, s.toLongArray());             // 260 wraps to 4
        assertArrayEquals(new long[] {25, 0, 4}, Elementwise.binary(ctx, BinaryOp.DIV, u, v).toLongArray());
        assertArrayEquals(new long[] {240, 254, 7}, Elementwise.binary(ctx, BinaryOp.SUB, u, v).toLongArray());
        // float mod / fmod on mixed signs, against the definitions
        Tensor x = Tensor.of(new float[] {-4.3f, 7.2f, 5.0f, -5.0f, 3.0f}, 5), y = Tensor.of(new float[] {2.1f, -3.4f, 5f, 3f, Float.POSITIVE_INFINITY}, 5);
        float[] m = Elementwise.binary(ctx, BinaryOp.MOD, x, y).toFloatArray(), f = Elementwise.binary(ctx, BinaryOp.FMOD, x, y).toFloatArray();
        assertArrayEquals(new float[] {-4.3f % 2.1f + 2.1f, 7.2f % -3.4f - 3.4f, 0f, 1f, 3f}, m);
        assertArrayEquals(new float[] {-4.3f % 2.1f, 7.2f % -3.4f, 0f, -2f, 3f}, f);
    }

    @Test
    void dtypeAndShapeErrorsNameOpAndOperands() {
        Tensor f = Tensor.of(new float[6], 2, 3), l = Tensor.ofLongs(new long[3], 3);
        HeedException e = assertThrows(HeedException.class, () -> Elementwise.binary(ctx, BinaryOp.ADD, f, l));
        assertEquals(ErrorCode.DTYPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("add") && e.getMessage().contains("float32[2, 3]")
                && e.getMessage().contains("int64[3]"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Elementwise.unary(ctx, UnaryOp.EXP, l));
        assertEquals(ErrorCode.DTYPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("exp") && e.getMessage().contains("int64"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Elementwise.binary(ctx, BinaryOp.MUL, f, Tensor.of(new float[4], 4)));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("mul") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"));
        e = assertThrows(HeedException.class, () -> Elementwise.where(ctx, f, f, f));
        assertEquals(ErrorCode.DTYPE_MISMATCH, e.code());
        e = assertThrows(HeedException.class, () -> Elementwise.logicalAnd(ctx, f, f));
        assertEquals(ErrorCode.DTYPE_MISMATCH, e.code());
        e = assertThrows(HeedException.class, () -> Elementwise.compare(ctx, CompareOp.LESS, f, l));
        assertEquals(ErrorCode.DTYPE_MISMATCH, e.code());
    }

    // ---------------------------------------------------------------- compare, logic, where

    @ParameterizedTest
    @EnumSource(CompareOp.class)
    void comparisonsAreExact(CompareOp op) {
        SplittableRandom r = new SplittableRandom(7);
        for (int[][] p : SHAPE_PAIRS) {
            Tensor a = Elementwise.unary(ctx, UnaryOp.ROUND, random(r, 2, p[0]));
            Tensor b = Elementwise.unary(ctx, UnaryOp.ROUND, random(r, 2, p[1]));
            checkCompare(op, a, b);
            checkCompare(op, asTransposedView(a), b);
            checkCompare(op, a.to(DType.INT64), b.to(DType.INT64));
            checkCompare(op, a.to(DType.INT32), asTransposedView(b.to(DType.INT32)));
        }
        Tensor nan = Tensor.of(new float[] {Float.NaN, 1f}, 2);
        boolean[] res = ElementwiseReference.compare(op, nan, nan);
        assertFalse(res[0]);
        assertArrayEquals(new long[] {0, res[1] ? 1 : 0}, Elementwise.compare(ctx, op, nan, nan).toLongArray());
    }

    private static void checkCompare(CompareOp op, Tensor a, Tensor b) {
        Tensor y = Elementwise.compare(ctx, op, a, b);
        assertEquals(DType.BOOL, y.dtype());
        boolean[] ref = ElementwiseReference.compare(op, a, b);
        long[] got = y.toLongArray();
        for (int i = 0; i < ref.length; i++) assertEquals(ref[i] ? 1 : 0, got[i], op + " " + a + " " + b + " at " + i);
    }

    @Test
    void logicalOpsOnBool() {
        Tensor a = Tensor.ofBooleans(new boolean[] {true, false}, 2, 1);
        Tensor b = Tensor.ofBooleans(new boolean[] {true, false, true}, 3);
        assertArrayEquals(new long[] {1, 0, 1, 0, 0, 0}, Elementwise.logicalAnd(ctx, a, b).toLongArray());
        assertArrayEquals(new long[] {1, 1, 1, 1, 0, 1}, Elementwise.logicalOr(ctx, a, b).toLongArray());
        assertArrayEquals(new long[] {0, 1, 0, 1, 0, 1}, Elementwise.logicalXor(ctx, a, b).toLongArray());
        assertArrayEquals(new long[] {0, 1, 0}, Elementwise.logicalNot(ctx, b).toLongArray());
        assertArrayEquals(new long[] {1, 0}, Elementwise.logicalNot(ctx, Tensor.ofBools(new byte[] {0, 5}, 2)).toLongArray());
    }

    @Test
    void whereBroadcastsThreeWays() {
        SplittableRandom r = new SplittableRandom(3);
        Tensor cond = Tensor.ofBooleans(new boolean[] {true, false, true}, 3, 1, 1);   // [3, 1, 1]
        Tensor a = random(r, 1, 4, 1);                                                   // [4, 1]
        Tensor b = random(r, 1, 5);                                                      // [5]
        Tensor y = Elementwise.where(ctx, cond, a, b);
        assertArrayEquals(new int[] {3, 4, 5}, y.shape().dims());
        for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) for (int k = 0; k < 5; k++) {
            float want = cond.getLong(i, 0, 0) != 0 ? a.getFloat(j, 0) : b.getFloat(k);
            assertEquals(want, y.getFloat(i, j, k));
        }
        Tensor li = Elementwise.where(ctx, cond.select(2, 0).select(1, 0), Tensor.ofLongs(new long[] {7}), Tensor.ofLongs(new long[] {-1, -2, -3}, 3));
        assertArrayEquals(new long[] {7, -2, 7}, li.toLongArray());
        Tensor masked = Elementwise.where(ctx, Tensor.ofBooleans(new boolean[] {false, true}, 2), Tensor.scalar(Float.NEGATIVE_INFINITY),
                Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
        assertArrayEquals(new float[] {1, Float.NEGATIVE_INFINITY, 3, Float.NEGATIVE_INFINITY}, masked.toFloatArray());
        HeedException e = assertThrows(HeedException.class, () -> Elementwise.where(ctx, cond, random(r, 1, 4, 2), b));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("where"), e.getMessage());
    }

    @Test
    void biasAddOnLargeTensorUsesAllThreads() {
        SplittableRandom r = new SplittableRandom(11);
        Tensor x = random(r, 1, 4, 129, 384), bias = random(r, 1, 384);
        checkBinary(BinaryOp.ADD, x, bias, "bias add");
        checkBinary(BinaryOp.MUL, random(r, 1, 300_001), Tensor.scalar(0.5f), "long row");
    }
}
