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

    /**
     * Hostile geometry (the guided ONNX fuzzer's find: a stride of 2^30 on an axis with one output overflowed the
     * depthwise path's buffer arithmetic): equal to the reference, on the fast path with the stride made 1 there, and
     * on the reference loop when the padded plane would be absurdly wide.
     */
    @Test
    void hugeStridesAndPadsEqualTheReference() {
        check(20, new int[] {1, 1, 7, 5}, new int[] {1, 1, 3, 3}, new Conv2d.Params(2, 1 << 30, 1, 1, 1, 1, 1, 1, 1), false,
                Activation.NONE, 1, 1, 4, 1);
        check(21, new int[] {1, 2, 6, 5}, new int[] {2, 2, 3, 3}, new Conv2d.Params(1 << 30, 1 << 29, 0, 2, 0, 1, 1, 1, 1), true,
                Activation.NONE, 1, 2, 1, 1);
        // a padded width of ~2^28 at a stride of 2^26: five outputs per row, and a fast-path plane far past the bound
        check(22, new int[] {1, 1, 4, 5}, new int[] {1, 1, 3, 3}, new Conv2d.Params(1, 1 << 26, 1, 1 << 27, 1, 1 << 27, 1, 1, 1),
                false, Activation.NONE, 1, 1, 4, 5);
        assertTrue(Conv2d.outsized(Conv2d.check(rand(new SplittableRandom(1), 1, 1, 4, 5), rand(new SplittableRandom(2), 1, 1, 3, 3),
                null, new Conv2d.Params(1, 1 << 26, 1, 1 << 27, 1, 1 << 27, 1, 1, 1), Activation.NONE),
                new Conv2d.Params(1, 1 << 26, 1, 1 << 27, 1, 1 << 27, 1, 1, 1)));
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

    /**
     * Column-strided convolutions and rows that B panels straddle: stem-like few input channels (3, 16; the direct
     * path where K fits L1) with rows wide enough for full panels and narrow ones, odd and even widths, stride 2
     * and 3 on W, a row stride differing from the column stride, dilation with asymmetric pads, groups, batches;
     * then cases that must take the GEMM with the padded, phase-split B ({@link Conv2dVector.PaddedB}: groups, or
     * K above the direct kernel's bound at every vector width) and one that reads x in place.
     */
    @Test
    void stridedColumnsThroughPhases() {
        // RT-DETR stem1 in small: 3 -> 16 channels, 3x3/2, pad 1, even and odd widths
        check(50, new int[] {1, 3, 20, 140}, new int[] {16, 3, 3, 3}, Conv2d.Params.of(2, 1), true, Activation.RELU, 1, 16, 10, 70);
        check(51, new int[] {2, 3, 17, 135}, new int[] {32, 3, 3, 3}, Conv2d.Params.of(2, 1), true, Activation.NONE, 2, 32, 9, 68);
        // stem3-like 16 -> 8, and a 5-wide kernel at stride 3 with pads that reach past the left edge by more than a phase
        check(52, new int[] {1, 16, 11, 97}, new int[] {8, 16, 3, 3}, Conv2d.Params.of(2, 1), false, Activation.SILU, 1, 8, 6, 49);
        check(53, new int[] {1, 4, 9, 200}, new int[] {6, 4, 3, 5}, new Conv2d.Params(1, 3, 1, 4, 1, 2, 1, 1, 1), true,
                Activation.NONE, 1, 6, 9, 68);
        // row stride 1, column stride 2; row stride 3, column stride 2; dilation 2 with asymmetric pads
        check(54, new int[] {1, 5, 6, 131}, new int[] {7, 5, 3, 3}, new Conv2d.Params(1, 2, 1, 1, 1, 1, 1, 1, 1), true,
                Activation.NONE, 1, 7, 6, 66);
        check(55, new int[] {1, 5, 13, 150}, new int[] {7, 5, 3, 3}, new Conv2d.Params(3, 2, 0, 3, 2, 0, 2, 2, 1), true,
                Activation.TANH, 1, 7, 4, 75);
        // grouped and batched, stride 2, narrow rows (several runs per panel)
        check(56, new int[] {2, 6, 9, 9}, new int[] {6, 2, 3, 3}, Conv2d.Params.of(2, 1).withGroups(3), true,
                Activation.RELU, 2, 6, 5, 5);
        // 2x2 kernels with a right/bottom pad (stem2a/2b), stride 1, and a strided 1x1 (phase split, no padding)
        check(57, new int[] {1, 16, 12, 70}, new int[] {8, 16, 2, 2}, new Conv2d.Params(1, 1, 0, 0, 1, 1, 1, 1, 1), true,
                Activation.RELU, 1, 8, 12, 70);
        check(58, new int[] {1, 8, 7, 139}, new int[] {16, 8, 1, 1}, Conv2d.Params.of(2, 0), true, Activation.NONE, 1, 16, 4, 70);
        // the GEMM over the padded copy: grouped stride 2; K above the direct bound with stride 2, stride 1 with OW = 21
        // (panels across rows at every panel width), dilated with column stride 3; then OW = 64 (whole panels: x in place)
        assertGemmSource(new int[] {1, 8, 11, 75}, new int[] {6, 4, 3, 3}, Conv2d.Params.of(2, 1).withGroups(2), true);
        check(59, new int[] {1, 8, 11, 75}, new int[] {6, 4, 3, 3}, Conv2d.Params.of(2, 1).withGroups(2), true,
                Activation.RELU, 1, 6, 6, 38);
        int c = Conv2dDirect.MAX_K / 9 + 1;               // K = 9·C above the direct kernel's bound
        assertGemmSource(new int[] {1, c, 7, 37}, new int[] {10, c, 3, 3}, Conv2d.Params.of(2, 1), true);
        check(63, new int[] {1, c, 7, 37}, new int[] {10, c, 3, 3}, Conv2d.Params.of(2, 1), true, Activation.NONE, 1, 10, 4, 19);
        check(64, new int[] {2, c, 5, 21}, new int[] {7, c, 3, 3}, Conv2d.Params.of(1, 1), false, Activation.SILU, 2, 7, 5, 21);
        check(65, new int[] {1, c, 6, 50}, new int[] {5, c, 3, 3}, new Conv2d.Params(1, 3, 2, 1, 0, 3, 2, 2, 1), true,
                Activation.NONE, 1, 5, 4, 17);
        assertGemmSource(new int[] {1, c, 4, 64}, new int[] {5, c, 3, 3}, Conv2d.Params.of(1, 1), false);
        check(66, new int[] {1, c, 4, 64}, new int[] {5, c, 3, 3}, Conv2d.Params.of(1, 1), true, Activation.NONE, 1, 5, 4, 64);
    }

    /** Asserts that the convolution runs the GEMM path (not direct, not depthwise) and which B source it reads. */
    private static void assertGemmSource(int[] xd, int[] wd, Conv2d.Params p, boolean padded) {
        Conv2d.Dims d = Conv2d.check(Tensor.zeros(dev.heed.tensor.DType.FLOAT32, xd), Tensor.zeros(dev.heed.tensor.DType.FLOAT32, wd),
                null, p, Activation.NONE);
        assertTrue(!Conv2dDirect.applies(d, p) && d.cg() * d.mg() > 1, "GEMM path expected for " + d);
        assertEquals(padded, Conv2dVector.usePadded(d, p), "padded B for " + d);
    }

    /** Channel counts where a 6-row register tile pads M less than the machine's (16, 40) and where it does not. */
    @Test
    void shortRegisterTiles() {
        GemmBlocking m16 = Conv2dVector.tileFor(16), m64 = Conv2dVector.tileFor(64), m48 = Conv2dVector.tileFor(48);
        if (GemmVector.MACHINE.mr() == 12) {
            assertEquals(6, m16.mr());
            assertEquals(12, m64.mr());
            assertEquals(12, m48.mr());
        } else {
            assertEquals(GemmVector.MACHINE, m16);
        }
        int c = Conv2dDirect.MAX_K / 4 + 1;               // K = 4·C above the direct kernel's bound: the GEMM path
        assertGemmSource(new int[] {1, c, 6, 33}, new int[] {16, c, 2, 2}, new Conv2d.Params(1, 1, 0, 0, 1, 1, 1, 1, 1), true);
        check(60, new int[] {1, c, 6, 33}, new int[] {16, c, 2, 2}, new Conv2d.Params(1, 1, 0, 0, 1, 1, 1, 1, 1), true,
                Activation.NONE, 1, 16, 6, 33);
        check(61, new int[] {1, c, 5, 16}, new int[] {40, c, 2, 2}, Conv2d.Params.of(1, 0), true, Activation.RELU, 1, 40, 4, 15);
        check(62, new int[] {1, 8, 9, 9}, new int[] {5, 8, 3, 3}, Conv2d.Params.of(1, 1), false, Activation.NONE, 1, 5, 9, 9);
    }

    /**
     * Depthwise v3 ({@link Conv2dDepthwise}): the flat stride-1 path on narrow and wide planes (OW below one vector,
     * around vector multiples, 5x5 with pad 2 as in RT-DETR's light layers, dilation, asymmetric pads larger than
     * the kernel reach so whole output columns and rows see only padding) and the row path (column stride 2 and 3,
     * row stride 2 alone), with every activation and with and without bias.
     */
    @Test
    void depthwisePaddedBuffer() {
        check(70, new int[] {1, 6, 5, 3}, new int[] {6, 1, 3, 3}, Conv2d.Params.of(1, 1).withGroups(6), true,
                Activation.RELU, 1, 6, 5, 3);
        check(71, new int[] {1, 5, 20, 20}, new int[] {5, 1, 5, 5}, Conv2d.Params.of(1, 2).withGroups(5), true,
                Activation.NONE, 1, 5, 20, 20);
        check(72, new int[] {2, 3, 11, 40}, new int[] {3, 1, 5, 5}, Conv2d.Params.of(1, 2).withGroups(3), false,
                Activation.SILU, 2, 3, 11, 40);
        check(73, new int[] {1, 4, 9, 33}, new int[] {4, 1, 3, 3}, new Conv2d.Params(1, 1, 4, 5, 0, 3, 2, 1, 4), true,
                Activation.GELU_ERF, 1, 4, 9, 39);
        check(74, new int[] {1, 3, 16, 64}, new int[] {3, 1, 3, 3}, Conv2d.Params.of(1, 1).withGroups(3), true,
                Activation.SIGMOID, 1, 3, 16, 64);
        // row path: column stride 2 (the stage downsample), 3, and row stride 2 with column stride 1
        check(75, new int[] {1, 7, 20, 20}, new int[] {7, 1, 3, 3}, Conv2d.Params.of(2, 1).withGroups(7), true,
                Activation.NONE, 1, 7, 10, 10);
        check(76, new int[] {1, 3, 23, 161}, new int[] {3, 1, 3, 3}, Conv2d.Params.of(2, 1).withGroups(3), true,
                Activation.RELU, 1, 3, 12, 81);
        check(77, new int[] {1, 2, 14, 100}, new int[] {2, 1, 5, 3}, new Conv2d.Params(2, 3, 2, 1, 2, 4, 1, 2, 2), false,
                Activation.TANH, 1, 2, 7, 34);
        check(78, new int[] {2, 4, 15, 70}, new int[] {4, 1, 3, 3}, new Conv2d.Params(2, 1, 1, 0, 1, 2, 1, 1, 4), true,
                Activation.GELU_TANH, 2, 4, 8, 70);
    }

    /**
     * The direct kernel for few input channels ({@link Conv2dDirect}; each case asserts that it is the path taken):
     * the stem's 3 → 32 3×3/2, channel counts that leave a partial channel block (13, 5, 1), the 2×2 convs with a
     * right/bottom pad, dilation with row and column strides 2 and 3 and asymmetric pads, a 5×5, batches, OW not a
     * multiple of the tile width, every activation.
     */
    @Test
    void directFewInputChannels() {
        int[][][] cases = {
            {{1, 3, 20, 70}, {32, 3, 3, 3}}, {{1, 3, 9, 50}, {13, 3, 3, 3}}, {{1, 16, 8, 37}, {5, 16, 2, 2}},
            {{2, 4, 17, 100}, {9, 4, 3, 3}}, {{1, 2, 12, 17}, {7, 2, 5, 5}}, {{1, 3, 7, 64}, {1, 3, 3, 3}}};
        Conv2d.Params[] params = {
            Conv2d.Params.of(2, 1), Conv2d.Params.of(1, 1), new Conv2d.Params(1, 1, 0, 0, 1, 1, 1, 1, 1),
            new Conv2d.Params(2, 3, 1, 4, 2, 0, 2, 2, 1), Conv2d.Params.of(1, 2), Conv2d.Params.of(1, 0)};
        Activation[] acts = {Activation.RELU, Activation.NONE, Activation.SILU, Activation.GELU_TANH, Activation.SIGMOID, Activation.TANH};
        int[][] expect = {{1, 32, 10, 35}, {1, 13, 9, 50}, {1, 5, 8, 37}, {2, 9, 8, 34}, {1, 7, 12, 17}, {1, 1, 5, 62}};
        SplittableRandom rnd = new SplittableRandom(80);
        for (int i = 0; i < cases.length; i++) {
            Tensor x = rand(rnd, cases[i][0]), w = rand(rnd, cases[i][1]);
            assertTrue(Conv2dDirect.applies(Conv2d.check(x, w, null, params[i], acts[i]), params[i]), "case " + i);
            check(80 + i, cases[i][0], cases[i][1], params[i], i % 2 == 0, acts[i], expect[i]);
        }
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
