package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link Conv2d#conv2d} against its float64 reference, tolerance {@link Conv2d#TOLERANCE}. */
class Conv2dTest {
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

    static Tensor rand(SplittableRandom rnd, int... dims) {
        return Tensor.of(MatrixChecks.random(rnd, (int) Shape.of(dims).numel()), dims);
    }

    static void check(long seed, int[] xd, int[] wd, Conv2d.Params p, boolean bias, Activation act, int... expect) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Tensor x = rand(rnd, xd), w = rand(rnd, wd), b = bias ? rand(rnd, wd[0]) : null;
        Tensor ref = Conv2d.conv2dReference(x, w, b, p, act);
        assertEquals(Shape.of(expect), ref.shape());
        double[] scale = Conv2dReference.absScale(Conv2d.check(x, w, b, p, act), p, x.toFloatArray(), w.toFloatArray(),
                b == null ? null : b.toFloatArray());
        for (ExecutionContext ctx : new ExecutionContext[] {one, two}) {
            Tensor y = Conv2d.conv2d(ctx, x, w, b, p, act);
            assertEquals(ref.shape(), y.shape());
            double e = MatrixChecks.scaledError(y.toFloatArray(), ref.toFloatArray(), scale);
            assertTrue(e <= Conv2d.TOLERANCE, "error " + e + " with " + ctx.threads() + " threads, " + p + " " + act);
        }
    }

    @Test
    void plainAndPadded3x3() {
        check(1, new int[] {1, 3, 9, 11}, new int[] {5, 3, 3, 3}, Conv2d.Params.defaults(), true, Activation.NONE, 1, 5, 7, 9);
        check(2, new int[] {2, 16, 20, 19}, new int[] {33, 16, 3, 3}, Conv2d.Params.of(1, 1), true, Activation.RELU, 2, 33, 20, 19);
        check(3, new int[] {1, 64, 13, 13}, new int[] {40, 64, 3, 3}, Conv2d.Params.of(1, 1), false, Activation.NONE, 1, 40, 13, 13);
    }

    @Test
    void strides() {
        check(4, new int[] {1, 8, 17, 16}, new int[] {12, 8, 3, 3}, Conv2d.Params.of(2, 1), true, Activation.SILU, 1, 12, 9, 8);
        check(5, new int[] {1, 4, 15, 15}, new int[] {6, 4, 5, 3}, new Conv2d.Params(3, 2, 0, 1, 0, 1, 1, 1, 1), true,
                Activation.NONE, 1, 6, 4, 8);
        check(6, new int[] {1, 3, 32, 32}, new int[] {8, 3, 4, 4}, Conv2d.Params.of(4, 0), true, Activation.NONE, 1, 8, 8, 8);
    }

    @Test
    void dilationAndAsymmetricPadding() {
        check(7, new int[] {1, 5, 13, 11}, new int[] {7, 5, 3, 3}, new Conv2d.Params(1, 2, 2, 0, 1, 3, 2, 2, 1), false,
                Activation.NONE, 1, 7, 12, 5);
        check(8, new int[] {2, 3, 10, 10}, new int[] {4, 3, 2, 3}, new Conv2d.Params(1, 1, 0, 2, 3, 0, 3, 1, 1), true,
                Activation.TANH, 2, 4, 10, 10);
    }

    @Test
    void groupsAndDepthwise() {
        check(9, new int[] {1, 16, 12, 12}, new int[] {8, 4, 3, 3}, Conv2d.Params.of(1, 1).withGroups(4), true,
                Activation.GELU_ERF, 1, 8, 12, 12);
        // depthwise: stride 1, stride 2, dilation, asymmetric pads, no bias
        check(10, new int[] {2, 32, 23, 29}, new int[] {32, 1, 3, 3}, Conv2d.Params.of(1, 1).withGroups(32), true,
                Activation.RELU, 2, 32, 23, 29);
        check(11, new int[] {1, 24, 20, 21}, new int[] {24, 1, 3, 3}, Conv2d.Params.of(2, 1).withGroups(24), false,
                Activation.NONE, 1, 24, 10, 11);
        check(12, new int[] {1, 8, 19, 40}, new int[] {8, 1, 5, 5}, new Conv2d.Params(1, 1, 3, 0, 1, 4, 2, 2, 8), true,
                Activation.GELU_TANH, 1, 8, 15, 36);
        // channel multiplier 2 (two outputs per group) takes the grouped GEMM path
        check(13, new int[] {1, 6, 9, 9}, new int[] {12, 1, 3, 3}, Conv2d.Params.of(1, 1).withGroups(6), true,
                Activation.SIGMOID, 1, 12, 9, 9);
    }

    /**
     * Depthwise rows wide enough for the register-blocked interior (four vectors of outputs per step) besides the
     * one-vector steps and the scalar borders: unit and larger column strides (gathers), dilation, asymmetric pads,
     * a 1×7 kernel.
     */
    @Test
    void depthwiseWideRowsRegisterBlocked() {
        check(40, new int[] {1, 4, 7, 150}, new int[] {4, 1, 3, 3}, Conv2d.Params.of(1, 1).withGroups(4), true,
                Activation.NONE, 1, 4, 7, 150);
        check(41, new int[] {1, 3, 9, 161}, new int[] {3, 1, 3, 3}, Conv2d.Params.of(2, 1).withGroups(3), true,
                Activation.RELU, 1, 3, 5, 81);
        check(42, new int[] {1, 2, 6, 200}, new int[] {2, 1, 5, 5}, new Conv2d.Params(1, 3, 2, 3, 1, 0, 1, 2, 2), false,
                Activation.SILU, 1, 2, 5, 65);
        check(43, new int[] {2, 2, 5, 300}, new int[] {2, 1, 1, 7}, new Conv2d.Params(1, 1, 0, 3, 0, 3, 1, 1, 2), true,
                Activation.NONE, 2, 2, 5, 300);
    }

    @Test
    void pointwise() {
        check(14, new int[] {2, 64, 20, 20}, new int[] {48, 64, 1, 1}, Conv2d.Params.defaults(), true, Activation.NONE, 2, 48, 20, 20);
        check(15, new int[] {1, 33, 7, 9}, new int[] {17, 33, 1, 1}, Conv2d.Params.of(2, 0), false, Activation.RELU, 1, 17, 4, 5);
        check(16, new int[] {1, 8, 5, 5}, new int[] {6, 4, 1, 1}, Conv2d.Params.of(1, 1).withGroups(2), true, Activation.NONE, 1, 6, 7, 7);
    }

    /**
     * The implicit-im2col packing paths: output rows at least one B panel wide (interior panels are vector copies for
     * stride 1 and gathers for strides 2 and 3, edge panels clip at the padding), rows narrower than a panel (several
     * runs per panel), odd sizes, K = Cg·kH·kW above one K block (512), grouped and padded 1×1.
     */
    @Test
    void implicitIm2colPackingPaths() {
        // stride 1, OW = 70 (two full panels and a ragged one per row), pad 1, K = 9·8
        check(20, new int[] {1, 8, 9, 70}, new int[] {19, 8, 3, 3}, Conv2d.Params.of(1, 1), true, Activation.NONE, 1, 19, 9, 70);
        // stride 2 and 3 with wide rows: gathered interior panels, clipped edges
        check(21, new int[] {1, 6, 11, 141}, new int[] {10, 6, 3, 3}, Conv2d.Params.of(2, 1), true, Activation.RELU, 1, 10, 6, 71);
        check(22, new int[] {1, 5, 10, 200}, new int[] {9, 5, 3, 5}, new Conv2d.Params(2, 3, 1, 2, 0, 1, 1, 1, 1), false,
                Activation.NONE, 1, 9, 5, 67);
        // dilated strided wide rows
        check(23, new int[] {1, 4, 12, 150}, new int[] {7, 4, 3, 3}, new Conv2d.Params(1, 2, 2, 2, 2, 2, 2, 2, 1), true,
                Activation.NONE, 1, 7, 12, 75);
        // tiny rows (OW = 3: ten runs per panel), odd sizes
        check(24, new int[] {3, 7, 5, 5}, new int[] {11, 7, 3, 3}, Conv2d.Params.of(2, 1), true, Activation.SILU, 3, 11, 3, 3);
        // K = 64·9 = 576 > 512: two K blocks; OW = 64 = two full panels per row
        check(25, new int[] {1, 64, 6, 64}, new int[] {24, 64, 3, 3}, Conv2d.Params.of(1, 1), true, Activation.NONE, 1, 24, 6, 64);
        // grouped with wide rows and a padded 1x1 (through the im2col path, zero border)
        check(26, new int[] {1, 12, 6, 96}, new int[] {9, 4, 3, 3}, Conv2d.Params.of(1, 1).withGroups(3), true,
                Activation.NONE, 1, 9, 6, 96);
        check(27, new int[] {1, 10, 4, 40}, new int[] {5, 10, 1, 1}, Conv2d.Params.of(1, 1), true, Activation.NONE, 1, 5, 6, 42);
        // grouped, batched, stride 2 across both axes and stride 3 on W only (x offsets per image and group)
        check(29, new int[] {2, 8, 9, 75}, new int[] {6, 4, 3, 3}, Conv2d.Params.of(2, 1).withGroups(2), true,
                Activation.NONE, 2, 6, 5, 38);
        check(30, new int[] {1, 6, 7, 100}, new int[] {4, 3, 2, 4}, new Conv2d.Params(1, 3, 0, 3, 1, 0, 1, 2, 2), false,
                Activation.NONE, 1, 4, 7, 33);
        // 1x1 stride 2 with wide rows (gathered, no padding)
        check(28, new int[] {1, 16, 6, 130}, new int[] {20, 16, 1, 1}, Conv2d.Params.of(2, 0), true, Activation.NONE, 1, 20, 3, 65);
    }

    @Test
    void emptyBatch() {
        check(17, new int[] {0, 3, 5, 5}, new int[] {4, 3, 3, 3}, Conv2d.Params.of(1, 1), true, Activation.NONE, 0, 4, 5, 5);
    }

    @Test
    void shapeErrors() {
        SplittableRandom rnd = new SplittableRandom(1);
        HeedException e = assertThrows(HeedException.class, () -> Conv2d.conv2d(one, rand(rnd, 1, 3, 8, 8),
                rand(rnd, 4, 2, 3, 3), null, Conv2d.Params.defaults(), Activation.NONE));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertEquals("conv2d: x[1, 3, 8, 8] · w[4, 2, 3, 3]: w.dim(1)=2 != C/groups=3/1=3", e.getMessage());
        e = assertThrows(HeedException.class, () -> Conv2d.conv2d(one, rand(rnd, 1, 4, 8, 8),
                rand(rnd, 3, 2, 3, 3), null, Conv2d.Params.defaults().withGroups(2), Activation.NONE));
        assertTrue(e.getMessage().contains("M=w.dim(0)=3 is not divisible by groups=2"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Conv2d.conv2d(one, rand(rnd, 1, 3, 2, 2),
                rand(rnd, 4, 3, 3, 3), null, Conv2d.Params.defaults(), Activation.NONE));
        assertTrue(e.getMessage().contains("larger than the padded input 2x2"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Conv2d.conv2d(one, rand(rnd, 3, 8, 8),
                rand(rnd, 4, 3, 3, 3), null, Conv2d.Params.defaults(), Activation.NONE));
        assertTrue(e.getMessage().contains("x must be [N, C, H, W]"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Conv2d.conv2d(one, rand(rnd, 1, 3, 8, 8),
                rand(rnd, 4, 3, 3, 3), rand(rnd, 5), Conv2d.Params.defaults(), Activation.NONE));
        assertTrue(e.getMessage().contains("bias must be [M]=[4]"), e.getMessage());
        assertThrows(HeedException.class, () -> Conv2d.Params.of(0, 1));
        assertThrows(HeedException.class, () -> new Conv2d.Params(1, 1, -1, 0, 0, 0, 1, 1, 1));
    }

    @Test
    void selfCheckPasses() {
        for (KernelCheck kc : Conv2d.selfCheck(two, 42)) assertTrue(kc.passed(), kc.toString());
    }
}
