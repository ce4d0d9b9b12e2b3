package dev.heed.kernel;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * 2-D convolution (ONNX {@code Conv} on NCHW float32 with explicit pads), with bias and an {@link Activation}
 * fused.
 *
 * <p>Paths of the fast version ({@code Conv2dVector}, when {@link VectorSupport#available()}): 1×1 stride-1
 * convolutions are a GEMM on the input as it lies; convolutions with few input channels (a detector's stem: K =
 * C·kH·kW small enough for L1) run a direct register-tiled kernel ({@code Conv2dDirect}); other convolutions are
 * a GEMM whose B operand is an implicit im2col, copied straight from the input while packing (no im2col buffer;
 * column-strided inputs split into column phases first, {@code Conv2dPhases}); depthwise convolutions (one input
 * and one output channel per group) run a direct vectorised loop over a padded copy of each plane
 * ({@code Conv2dDepthwise}). Patchifying convolutions
 * (stride = kernel, no padding, as in ViT stems) on any machine: explicit im2col (no larger than x) and one GEMM
 * ({@code Conv2dPatch}). {@link #conv2dReference} is the float64 oracle of every path.
 *
 * <pre>{@code
 * // x [1, 64, 160, 160], w [64, 64, 3, 3], same padding -> y [1, 64, 160, 160]
 * Tensor y = Conv2d.conv2d(ctx, x, w, bias, Conv2d.Params.of(1, 1), Activation.RELU);
 * // depthwise, stride 2
 * Tensor z = Conv2d.conv2d(ctx, x, dw, null, Conv2d.Params.of(2, 1).withGroups(64), Activation.NONE);
 * }</pre>
 */
public final class Conv2d {
    private Conv2d() {}

    /**
     * Tolerance of {@link #conv2d} against {@link #conv2dReference}: {@code |y - y_ref| / (1 + Σ|x·w| + |bias|)}
     * per output element (the same metric as {@link Gemm#TOLERANCE}).
     */
    public static final double TOLERANCE = 1e-5;

    /**
     * Hyper-parameters of a convolution: strides, explicit pads (ONNX {@code pads} order is top, left, bottom,
     * right), dilations and groups.
     *
     * <pre>{@code
     * Conv2d.Params p = new Conv2d.Params(2, 2, 1, 1, 0, 0, 1, 1, 1);   // stride 2, pad top/left only
     * }</pre>
     *
     * @param strideH   vertical stride, ≥ 1
     * @param strideW   horizontal stride, ≥ 1
     * @param padTop    zero rows added above, ≥ 0
     * @param padLeft   zero columns added on the left, ≥ 0
     * @param padBottom zero rows added below, ≥ 0
     * @param padRight  zero columns added on the right, ≥ 0
     * @param dilationH vertical distance between kernel taps, ≥ 1
     * @param dilationW horizontal distance between kernel taps, ≥ 1
     * @param groups    channel groups, ≥ 1; C and M must be multiples of it
     */
    public record Params(int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight,
                         int dilationH, int dilationW, int groups) {
        /**
         * Checks the values.
         *
         * @param strideH   vertical stride, ≥ 1
         * @param strideW   horizontal stride, ≥ 1
         * @param padTop    ≥ 0
         * @param padLeft   ≥ 0
         * @param padBottom ≥ 0
         * @param padRight  ≥ 0
         * @param dilationH ≥ 1
         * @param dilationW ≥ 1
         * @param groups    ≥ 1
         * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} naming the value out of range
         */
        public Params {
            if (strideH < 1 || strideW < 1) throw HeedException.invalid("conv2d", "strides must be >= 1, got " + strideH + ", " + strideW);
            if (dilationH < 1 || dilationW < 1) throw HeedException.invalid("conv2d", "dilations must be >= 1, got " + dilationH + ", " + dilationW);
            if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
                throw HeedException.invalid("conv2d", "pads must be >= 0, got [" + padTop + ", " + padLeft + ", " + padBottom + ", " + padRight + "]");
            }
            if (groups < 1) throw HeedException.invalid("conv2d", "groups must be >= 1, got " + groups);
        }

        /**
         * Same stride and padding on both axes and sides, no dilation, one group.
         *
         * @param stride the stride, ≥ 1
         * @param pad    zeros added on every side, ≥ 0
         * @return the parameters
         */
        public static Params of(int stride, int pad) {
            return new Params(stride, stride, pad, pad, pad, pad, 1, 1, 1);
        }

        /** {@return stride 1, no padding, no dilation, one group} */
        public static Params defaults() {
            return of(1, 0);
        }

        /**
         * A copy with another group count (depthwise: the channel count).
         *
         * @param g channel groups, ≥ 1
         * @return the new parameters
         */
        public Params withGroups(int g) {
            return new Params(strideH, strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW, g);
        }

        /**
         * A copy with other dilations.
         *
         * @param dh vertical dilation, ≥ 1
         * @param dw horizontal dilation, ≥ 1
         * @return the new parameters
         */
        public Params withDilation(int dh, int dw) {
            return new Params(strideH, strideW, padTop, padLeft, padBottom, padRight, dh, dw, groups);
        }
    }

    /** Validated sizes of one convolution. */
    record Dims(int n, int c, int h, int w, int m, int kh, int kw, int oh, int ow, int groups) {
        int cg() { return c / groups; }
        int mg() { return m / groups; }
    }

    /**
     * {@code y[N, M, OH, OW] = act(conv(x[N, C, H, W], w[M, C/groups, kH, kW]) + bias[M])} with
     * {@code OH = (H + padTop + padBottom - dilationH·(kH-1) - 1) / strideH + 1}, likewise OW.
     *
     * @param ctx  the threads to run on
     * @param x    input {@code [N, C, H, W]}, float32
     * @param w    weights {@code [M, C/groups, kH, kW]}, float32
     * @param bias {@code [M]} or null
     * @param p    strides, pads, dilations and groups
     * @param act  activation fused into the epilogue ({@link Activation#NONE} for none)
     * @return {@code y [N, M, OH, OW]}, a new contiguous tensor
     * @throws HeedException {@code SHAPE_MISMATCH} naming the shapes and the rule
     */
    public static Tensor conv2d(ExecutionContext ctx, Tensor x, Tensor w, Tensor bias, Params p, Activation act) {
        Dims d = check(x, w, bias, p, act);
        p = effective(d, p);
        float[] xd = dense(x), wd = dense(w);
        float[] bd = bias == null ? null : bias.toFloatArray();
        dev.heed.exec.MemoryBudget.reserve(ctx, "conv2d: output", DType.FLOAT32, d.n, d.m, d.oh, d.ow);
        if (Conv2dPatch.applies(d, p) && (long) d.n() * d.m() * d.oh() * d.ow() > 0) return Conv2dPatch.conv(ctx, d, xd, wd, bd, act);
        Tensor y = Tensor.zeros(DType.FLOAT32, d.n, d.m, d.oh, d.ow);
        float[] yd = y.floatArrayOrNull();
        if (y.numel() == 0) return y;
        if (VectorSupport.available() && !outsized(d, p)) Conv2dVector.conv(ctx, d, p, xd, wd, bd, yd, act);
        else Conv2dReference.conv(d, p, xd, wd, bd, yd, act);
        return y;
    }

    /**
     * {@code p} with stride 1 on an axis that has one output: a stride only spaces the outputs, so there it changes
     * nothing, and a huge one (2^30, from a hostile model) would overflow the fast paths' buffer arithmetic.
     */
    static Params effective(Dims d, Params p) {
        if ((d.oh() != 1 || p.strideH() == 1) && (d.ow() != 1 || p.strideW() == 1)) return p;
        return new Params(d.oh() == 1 ? 1 : p.strideH(), d.ow() == 1 ? 1 : p.strideW(), p.padTop(), p.padLeft(),
                p.padBottom(), p.padRight(), p.dilationH(), p.dilationW(), p.groups());
    }

    /**
     * True when a fast path's padded, phase-split plane (about stride × (outputs + kernel span) floats per row and
     * per column) would pass {@value #MAX_PLANE_EXTENT}: only absurd geometries (strides, dilations or pads in the
     * millions around a small input) get there; they run on the reference loop, which needs no buffer.
     */
    static boolean outsized(Dims d, Params p) {
        long rowExtent = (long) p.strideW() * (d.ow() + (long) (d.kw() - 1) * p.dilationW() + 64);
        long colExtent = (long) p.strideH() * (d.oh() + (long) (d.kh() - 1) * p.dilationH() + 64);
        return rowExtent > MAX_PLANE_EXTENT || colExtent > MAX_PLANE_EXTENT;
    }

    /** Largest padded row or column, in floats, that the fast paths lay out. */
    static final long MAX_PLANE_EXTENT = 1L << 24;

    /**
     * float64 reference of {@link #conv2d} (same contract; slow, single-threaded): the oracle of the tests.
     *
     * @param x    input {@code [N, C, H, W]}
     * @param w    weights {@code [M, C/groups, kH, kW]}
     * @param bias {@code [M]} or null
     * @param p    strides, pads, dilations and groups
     * @param act  the activation
     * @return {@code y [N, M, OH, OW]}, rounded to float32
     * @throws HeedException {@code SHAPE_MISMATCH} naming the shapes and the rule
     */
    public static Tensor conv2dReference(Tensor x, Tensor w, Tensor bias, Params p, Activation act) {
        Dims d = check(x, w, bias, p, act);
        Tensor y = Tensor.zeros(DType.FLOAT32, d.n, d.m, d.oh, d.ow);
        if (y.numel() == 0) return y;
        Conv2dReference.conv(d, p, dense(x), dense(w), bias == null ? null : bias.toFloatArray(), y.floatArrayOrNull(), act);
        return y;
    }

    /** A row-major heap copy starting at index 0 (or the array itself when already so). */
    private static float[] dense(Tensor t) {
        float[] a = t.floatArrayOrNull();
        if (a != null && t.offset() == 0 && a.length == t.numel()) return a;
        return t.toFloatArray();
    }

    static Dims check(Tensor x, Tensor w, Tensor bias, Params p, Activation act) {
        if (p == null) throw HeedException.invalid("conv2d", "params are null");
        if (act == null) throw HeedException.invalid("conv2d", "activation is null; use Activation.NONE");
        String shapes = "x" + x.shape() + " · w" + w.shape() + (bias == null ? "" : " + bias" + bias.shape());
        for (Tensor t : bias == null ? new Tensor[] {x, w} : new Tensor[] {x, w, bias}) {
            if (t.dtype() != DType.FLOAT32) {
                throw new HeedException(ErrorCode.DTYPE_MISMATCH, "conv2d: " + shapes + ": operands must be float32, got " + t.dtype());
            }
        }
        if (x.rank() != 4) throw HeedException.shape("conv2d", shapes + ": x must be [N, C, H, W] (rank 4), got rank " + x.rank());
        if (w.rank() != 4) throw HeedException.shape("conv2d", shapes + ": w must be [M, C/groups, kH, kW] (rank 4), got rank " + w.rank());
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), wi = x.dim(3);
        int m = w.dim(0), kh = w.dim(2), kw = w.dim(3), g = p.groups();
        if (c % g != 0) throw HeedException.shape("conv2d", shapes + ": C=" + c + " is not divisible by groups=" + g);
        if (m % g != 0) throw HeedException.shape("conv2d", shapes + ": M=w.dim(0)=" + m + " is not divisible by groups=" + g);
        if (w.dim(1) != c / g) {
            throw HeedException.shape("conv2d", shapes + ": w.dim(1)=" + w.dim(1) + " != C/groups=" + c + "/" + g + "=" + (c / g));
        }
        if (kh == 0 || kw == 0) throw HeedException.shape("conv2d", shapes + ": kernel size must be >= 1");
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != m)) {
            throw HeedException.shape("conv2d", shapes + ": bias must be [M]=[" + m + "]");
        }
        long effH = (long) p.dilationH() * (kh - 1) + 1, effW = (long) p.dilationW() * (kw - 1) + 1;
        long padH = (long) h + p.padTop() + p.padBottom(), padW = (long) wi + p.padLeft() + p.padRight();
        if (padH < effH || padW < effW) {
            throw HeedException.shape("conv2d", shapes + ": the dilated kernel " + effH + "x" + effW
                    + " is larger than the padded input " + padH + "x" + padW);
        }
        int oh = (int) ((padH - effH) / p.strideH() + 1), ow = (int) ((padW - effW) / p.strideW() + 1);
        return new Dims(n, c, h, wi, m, kh, kw, oh, ow, g);
    }

    /**
     * Runs {@link #conv2d} on random data for a few shapes (3×3, strided, dilated with asymmetric pads,
     * grouped, depthwise 3×3 and 5×5, 1×1, a stem's few-channel 3×3/2 and 2×2) and compares with
     * {@link #conv2dReference}.
     *
     * @param ctx  the threads the fast kernel runs on
     * @param seed seed of the random data
     * @return one check per shape
     */
    public static List<KernelCheck> selfCheck(ExecutionContext ctx, long seed) {
        record Case(String name, int[] x, int[] w, Params p, boolean bias, Activation act) {}
        List<Case> cases = List.of(
                new Case("conv 3x3", new int[] {1, 16, 20, 19}, new int[] {24, 16, 3, 3}, Params.of(1, 1), true, Activation.RELU),
                new Case("conv 3x3 s2", new int[] {2, 8, 17, 17}, new int[] {12, 8, 3, 3}, Params.of(2, 1), true, Activation.SILU),
                new Case("conv 3x3 dil2 asym-pad", new int[] {1, 5, 13, 11}, new int[] {7, 5, 3, 3},
                        new Params(1, 2, 2, 0, 1, 3, 2, 2, 1), false, Activation.NONE),
                new Case("conv grouped g=4", new int[] {1, 16, 12, 12}, new int[] {8, 4, 3, 3}, Params.of(1, 1).withGroups(4), true, Activation.GELU_ERF),
                new Case("conv depthwise 3x3", new int[] {1, 32, 23, 23}, new int[] {32, 1, 3, 3}, Params.of(1, 1).withGroups(32), true, Activation.RELU),
                new Case("conv 1x1", new int[] {1, 64, 20, 20}, new int[] {48, 64, 1, 1}, Params.defaults(), true, Activation.NONE),
                new Case("conv stem 3x3 s2", new int[] {1, 3, 64, 64}, new int[] {32, 3, 3, 3}, Params.of(2, 1), true, Activation.RELU),
                new Case("conv 2x2 pad b/r", new int[] {1, 32, 32, 32}, new int[] {16, 32, 2, 2},
                        new Params(1, 1, 0, 0, 1, 1, 1, 1, 1), true, Activation.RELU),
                new Case("conv depthwise 5x5", new int[] {1, 64, 20, 20}, new int[] {64, 1, 5, 5}, Params.of(1, 2).withGroups(64), true, Activation.RELU),
                new Case("conv depthwise 3x3 s2", new int[] {1, 32, 40, 40}, new int[] {32, 1, 3, 3}, Params.of(2, 1).withGroups(32), false, Activation.NONE));
        SplittableRandom rnd = new SplittableRandom(seed);
        List<KernelCheck> out = new ArrayList<>();
        for (Case cs : cases) {
            Tensor x = Tensor.of(MatrixChecks.random(rnd, prod(cs.x)), cs.x);
            Tensor w = Tensor.of(MatrixChecks.random(rnd, prod(cs.w)), cs.w);
            Tensor b = cs.bias ? Tensor.of(MatrixChecks.random(rnd, cs.w[0]), cs.w[0]) : null;
            float[] y = conv2d(ctx, x, w, b, cs.p, cs.act).toFloatArray();
            float[] ref = conv2dReference(x, w, b, cs.p, cs.act).toFloatArray();
            double[] scale = Conv2dReference.absScale(check(x, w, b, cs.p, cs.act), cs.p, x.toFloatArray(),
                    w.toFloatArray(), b == null ? null : b.toFloatArray());
            double err = MatrixChecks.scaledError(y, ref, scale);
            Dims d = check(x, w, b, cs.p, cs.act);
            double flops = 2.0 * d.n() * d.m() * d.oh() * d.ow() * d.cg() * d.kh() * d.kw();
            int reps = 0;
            long t0 = System.nanoTime(), t1;
            do {
                conv2d(ctx, x, w, b, cs.p, cs.act);
                reps++;
                t1 = System.nanoTime();
            } while (t1 - t0 < 20_000_000L && reps < 1000);
            out.add(new KernelCheck(cs.name + " x" + java.util.Arrays.toString(cs.x) + " w" + java.util.Arrays.toString(cs.w),
                    err, TOLERANCE, "abs/(1+Σ|x·w|)", flops * reps / (t1 - t0)));
        }
        return out;
    }

    private static int prod(int[] dims) {
        int p = 1;
        for (int v : dims) p *= v;
        return p;
    }
}
