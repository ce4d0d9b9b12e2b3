package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The kernels that moved out of the ONNX adapters, each against its float64 twin: normalisation statistics
 * ({@link NormStatistics#TOLERANCE}), Lp normalisation ({@link NormStatistics#LP_TOLERANCE}), Hardmax and max
 * pooling with indices (exact), the patchifying convolution path ({@link Conv2d#TOLERANCE}) and the
 * {@link MatrixOperand} views (bitwise equal to the dense GEMM).
 */
class NnKernelTwinsTest {

    private static void close(String what, double[] ref, double[] got, double tol) {
        assertEquals(ref.length, got.length, what + ": length");
        for (int i = 0; i < ref.length; i++) {
            double err = Math.abs(got[i] - ref[i]) / (1 + Math.abs(ref[i]));
            assertTrue(err <= tol, what + "[" + i + "]: " + got[i] + " vs reference " + ref[i] + " (scaled error " + err + ")");
        }
    }

    @Test
    void channelMomentsMatchTwinOnViewsAndOddSizes() {
        SplittableRandom r = new SplittableRandom(1);
        for (int[] dims : new int[][] {{2, 3, 5, 7}, {1, 4}, {3, 5, 1}, {2, 1, 9, 2}}) {
            Tensor x = KernelTestSupport.random(r, 3, dims);
            float[] sv = x.toFloatArray();
            for (int i = 0; i < sv.length; i++) sv[i] += 1000f;   // a large mean: the two-pass variance must not cancel
            Tensor shifted = Tensor.of(sv, dims);
            for (Tensor t : new Tensor[] {x, shifted, KernelTestSupport.asTransposedView(x)}) {
                NormStatistics.Moments m = NormStatistics.channelMoments(t), ref = NormStatisticsReference.channelMoments(t);
                close("mean " + t.shape(), ref.mean(), m.mean(), NormStatistics.TOLERANCE);
                close("variance " + t.shape(), ref.variance(), m.variance(), NormStatistics.TOLERANCE);
            }
        }
    }

    @Test
    void rowMomentsMatchTwinAtEveryAxis() {
        SplittableRandom r = new SplittableRandom(2);
        Tensor x = KernelTestSupport.random(r, 2, 3, 4, 5);
        for (int axis = -3; axis <= 2; axis++) {
            NormStatistics.Moments m = NormStatistics.rowMoments(x, axis), ref = NormStatisticsReference.rowMoments(x, axis);
            close("row mean axis " + axis, ref.mean(), m.mean(), NormStatistics.TOLERANCE);
            close("row variance axis " + axis, ref.variance(), m.variance(), NormStatistics.TOLERANCE);
        }
        try (Arena arena = Arena.ofConfined()) {
            Tensor seg = KernelTestSupport.asSegment(x, arena);
            close("segment", NormStatisticsReference.rowMoments(x, 1).variance(), NormStatistics.rowMoments(seg, 1).variance(),
                    NormStatistics.TOLERANCE);
        }
        HeedException e = assertThrows(HeedException.class, () -> NormStatistics.rowMoments(x, 4));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    }

    @Test
    void lpNormalizeMatchesTwinAndKeepsZeroVectors() {
        SplittableRandom r = new SplittableRandom(3);
        Tensor x = KernelTestSupport.random(r, 2, 3, 6, 5);
        float[] v = x.toFloatArray();
        for (int i = 0; i < 6; i++) v[i * 5] = 0f;   // x[0, :, 0] is a zero vector along axis 1
        Tensor z = Tensor.of(v, 3, 6, 5);
        for (int p = 1; p <= 2; p++) {
            for (int axis : new int[] {-1, 0, 1}) {
                for (Tensor t : new Tensor[] {z, KernelTestSupport.asTransposedView(z)}) {
                    double[] ref = NormStatisticsReference.lpNormalize(t, axis, p);
                    float[] got = NormStatistics.lpNormalize(t, axis, p).toFloatArray();
                    double[] g = new double[got.length];
                    for (int i = 0; i < g.length; i++) g[i] = got[i];
                    close("lp p=" + p + " axis " + axis, ref, g, NormStatistics.LP_TOLERANCE);
                }
            }
        }
        assertEquals(0f, NormStatistics.lpNormalize(z, 1, 2).getFloat(0, 3, 0));
        assertEquals(ErrorCode.UNSUPPORTED, assertThrows(HeedException.class, () -> NormStatistics.lpNormalize(z, 1, 3)).code());
    }

    @Test
    void hardmaxMatchesTwinWithTiesAndNaN() {
        float nan = Float.NaN;
        Tensor x = Tensor.of(new float[] {1, 3, 3, 0, /**/ 2, nan, 5, nan, /**/ -1, -1, -1, -1}, 3, 4);
        for (int axis : new int[] {0, 1, -1}) {
            double[] ref = Hardmax.hardmaxReference(x, axis);
            float[] got = Hardmax.hardmax(x, axis).toFloatArray();
            for (int i = 0; i < ref.length; i++) assertEquals(ref[i], got[i], "axis " + axis + " at " + i);
        }
        assertArrayEquals(new float[] {0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0}, Hardmax.hardmax(x, 1).toFloatArray());
        SplittableRandom r = new SplittableRandom(4);
        Tensor y = KernelTestSupport.asTransposedView(KernelTestSupport.random(r, 1, 4, 7, 3));
        double[] ref = Hardmax.hardmaxReference(y, 1);
        float[] got = Hardmax.hardmax(y, 1).toFloatArray();
        for (int i = 0; i < ref.length; i++) assertEquals(ref[i], got[i], "view at " + i);
    }

    @Test
    void maxPoolIndicesMatchTwinAndMaxPool() {
        SplittableRandom r = new SplittableRandom(5);
        Pooling.Window[] windows = {
            Pooling.Window.of(2, 2),
            new Pooling.Window(new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 0, 1, 1}, new int[] {1, 2}, true),
        };
        Tensor x = KernelTestSupport.random(r, 1, 2, 3, 7, 6);
        try (ExecutionContext ctx = ExecutionContext.singleThreaded()) {
            for (Pooling.Window w : windows) {
                for (boolean colMajor : new boolean[] {false, true}) {
                    PoolingIndices.Result got = PoolingIndices.maxPoolWithIndices(x, w, colMajor);
                    double[][] ref = PoolingIndices.maxPoolWithIndicesReference(x, w, colMajor);
                    float[] v = got.values().toFloatArray();
                    long[] idx = got.indices().toLongArray();
                    for (int i = 0; i < v.length; i++) {
                        assertEquals(ref[0][i], v[i], "value " + i);
                        assertEquals((long) ref[1][i], idx[i], "index " + i);
                    }
                    assertArrayEquals(Pooling.maxPool(ctx, x, w).toFloatArray(), v);
                }
            }
        }
        Tensor oneD = Tensor.of(new float[] {1, 5, 5, 2, Float.NaN, 3}, 1, 1, 6);
        PoolingIndices.Result p = PoolingIndices.maxPoolWithIndices(oneD, Pooling.Window.of(3), false);
        assertArrayEquals(new long[] {1, 1, 4, 4}, p.indices().toLongArray());   // first maximum; NaN wins
    }

    @Test
    void patchConvolutionIsAConv2dPathAndMatchesReference() {
        SplittableRandom r = new SplittableRandom(6);
        int[][][] shapes = {
            {{2, 3, 32, 48}, {16, 3, 16, 16}},   // ViT-style patch embedding
            {{1, 5, 9, 10}, {7, 5, 3, 2}},       // kernel does not divide the input: edges dropped
            {{1, 4, 4, 4}, {3, 4, 2, 1}},
        };
        try (ExecutionContext ctx = ExecutionContext.singleThreaded()) {
            for (int[][] s : shapes) {
                Tensor x = KernelTestSupport.random(r, 1, s[0]), w = KernelTestSupport.random(r, 1, s[1]);
                Tensor b = KernelTestSupport.random(r, 1, s[1][0]);
                Conv2d.Params p = new Conv2d.Params(s[1][2], s[1][3], 0, 0, 0, 0, 1, 1, 1);
                Conv2d.Dims d = Conv2d.check(x, w, b, p, Activation.RELU);
                assertTrue(Conv2dPatch.applies(d, p), "patch path for " + p);
                for (Activation act : new Activation[] {Activation.NONE, Activation.RELU}) {
                    Tensor y = Conv2d.conv2d(ctx, x, w, b, p, act), ref = Conv2d.conv2dReference(x, w, b, p, act);
                    assertEquals(ref.shape(), y.shape());
                    double[] scale = Conv2dReference.absScale(d, p, x.toFloatArray(), w.toFloatArray(), b.toFloatArray());
                    double e = MatrixChecks.scaledError(y.toFloatArray(), ref.toFloatArray(), scale);
                    assertTrue(e <= Conv2d.TOLERANCE, "patch conv error " + e + " for x" + x.shape() + " w" + w.shape());
                }
            }
        }
        assertTrue(!Conv2dPatch.applies(new Conv2d.Dims(1, 4, 8, 8, 2, 2, 2, 4, 4, 1), Conv2d.Params.of(2, 1)), "padding");
        assertTrue(!Conv2dPatch.applies(new Conv2d.Dims(1, 4, 8, 8, 2, 1, 1, 8, 8, 1), Conv2d.Params.defaults()), "1x1");
    }

    @Test
    void matrixOperandViewsReadInPlaceAndMatchDenseGemm() {
        SplittableRandom r = new SplittableRandom(7);
        Tensor a = KernelTestSupport.random(r, 1, 5, 7), b = KernelTestSupport.random(r, 1, 7, 3);
        Tensor bt = KernelTestSupport.asTransposedView(b);               // same values, column-major storage
        MatrixOperand ob = MatrixOperand.of(bt, false);
        assertTrue(ob.trans(), "a transposed view is read in place, flipped");
        assertTrue(ob.data() == ((dev.heed.tensor.Storage.FloatArray) bt.storage()).data(), "no copy");
        float[] want = new float[15], got = new float[15], packed = new float[15];
        try (ExecutionContext ctx = ExecutionContext.singleThreaded(); Arena arena = Arena.ofConfined()) {
            Gemm.gemm(ctx, false, false, 5, 3, 7, a.toFloatArray(), 0, 7, b.toFloatArray(), 0, 3, want, 0, 3, false, null, Activation.NONE);
            MatrixOperand oa = MatrixOperand.of(KernelTestSupport.asSegment(a, arena), false);   // a mapped tensor: copied once
            Gemm.gemm(ctx, oa, ob, 5, 3, 7, got, 0, 3, false, null, Activation.NONE);
            Gemm.gemm(ctx, oa, 5, Gemm.pack(ob, 7, 3), packed, 0, 3, false, null, Activation.NONE);
        }
        assertArrayEquals(want, got);
        assertArrayEquals(want, packed);
        HeedException e = assertThrows(HeedException.class, () -> MatrixOperand.of(Tensor.of(new float[8], 2, 2, 2), false));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
    }

    @Test
    void matmulShapeReportsInTheCallersTerms() {
        Tensor a = Tensor.of(new float[6], 2, 3), b = Tensor.of(new float[8], 4, 2);
        HeedException e = assertThrows(HeedException.class, () -> Gemm.matmulShape("MatMul", "A", "B", a, b));
        assertEquals("MatMul: A[2, 3] · B[4, 2]: A.dim(-1)=3 != B.dim(-2)=4", e.getMessage());
        assertArrayEquals(new int[] {5, 2, 4}, Gemm.matmulShape("m", "a", "b", Tensor.of(new float[30], 5, 2, 3), Tensor.of(new float[12], 3, 4)));
        assertArrayEquals(new int[] {2}, Gemm.matmulShape("m", "a", "b", Tensor.of(new float[3], 3), Tensor.of(new float[6], 3, 2)));
        assertArrayEquals(new int[] {}, Gemm.matmulShape("m", "a", "b", Tensor.of(new float[3], 3), Tensor.of(new float[3], 3)));
    }
}
