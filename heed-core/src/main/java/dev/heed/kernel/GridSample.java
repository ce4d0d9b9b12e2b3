package dev.heed.kernel;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;

/**
 * Grid sampling (ONNX GridSample, PyTorch {@code grid_sample}) over 4-D inputs.
 *
 * <p>Catalogue: one scalar implementation (gathers at data-dependent addresses do not vectorise usefully),
 * parallel over batch × output rows; coordinates are un-normalised in double precision. Cost: O(N·C·Ho·Wo)
 * gathers (4 per output for bilinear, 16 for bicubic). It is its own reference; tests compare it with
 * PyTorch-generated values.
 *
 * <p>Rules (ONNX opset 16): x [N, C, H, W], grid [N, Ho, Wo, 2] holding (x, y) in [-1, 1] → y [N, C, Ho, Wo].
 * With {@code alignCorners} the extremes -1 and 1 are the centres of the corner pixels
 * ({@code px = (g + 1) / 2 · (W - 1)}); without, they are the outer edges of the corner pixels
 * ({@code px = ((g + 1) · W - 1) / 2}). Padding: ZEROS reads 0 outside; BORDER clamps the coordinate;
 * REFLECTION mirrors it at the borders (pixel centres with alignCorners, pixel edges without), then clamps.
 * NEAREST rounds half to even, as PyTorch's {@code nearbyint}.
 *
 * <pre>{@code
 * Tensor y = GridSample.sample(ctx, x, grid, GridSample.Mode.BILINEAR, GridSample.Padding.ZEROS, false);
 * }</pre>
 */
public final class GridSample {
    private GridSample() {}

    /** Interpolation. */
    public enum Mode {
        /** Weighted mean of the 2 × 2 nearest pixels. */ BILINEAR,
        /** The nearest pixel (ties to even). */ NEAREST,
        /** Cubic convolution over 4 × 4 pixels (A = -0.75, as PyTorch). */ BICUBIC
    }

    /** What is read outside the input. */
    public enum Padding {
        /** 0 outside the input. */ ZEROS,
        /** The coordinate is clamped to the input. */ BORDER,
        /** The coordinate is mirrored at the borders, then clamped. */ REFLECTION
    }

    /**
     * Samples {@code x} at the points of {@code grid}; see the class comment for the rules.
     *
     * @param ctx          the threads to run on
     * @param x            input {@code [N, C, H, W]}, float32
     * @param grid         sampling points {@code [N, Ho, Wo, 2]}: (x, y) in [-1, 1] (beyond is padding)
     * @param mode         the interpolation
     * @param padding      what is read outside the input
     * @param alignCorners whether ±1 are the centres (true) or the outer edges (false) of the corner pixels
     * @return {@code y [N, C, Ho, Wo]}, a new contiguous tensor
     * @throws HeedException SHAPE_MISMATCH when the shapes do not fit, DTYPE_MISMATCH unless float32
     */
    public static Tensor sample(ExecutionContext ctx, Tensor x, Tensor grid, Mode mode, Padding padding, boolean alignCorners) {
        if (x.rank() != 4 || grid.rank() != 4 || grid.dim(3) != 2 || grid.dim(0) != x.dim(0)) {
            throw HeedException.shape("GridSample", "x" + x.shape() + ", grid" + grid.shape()
                    + ": expected x [N, C, H, W] and grid [N, Ho, Wo, 2] with the same N");
        }
        if (x.dtype() != DType.FLOAT32 || grid.dtype() != DType.FLOAT32) {
            throw new HeedException(dev.heed.ErrorCode.DTYPE_MISMATCH, "GridSample: x is " + x.dtype() + " and grid is "
                    + grid.dtype() + "; both must be float32");
        }
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3), ho = grid.dim(1), wo = grid.dim(2);
        Tensor xc = x.contiguous(), gc = grid.contiguous();
        float[] xs = xc.floatArrayOrNull(), gs = gc.floatArrayOrNull();
        int xo = (int) xc.offset(), go = (int) gc.offset();
        float[] out = new float[n * c * ho * wo];
        int planeOut = ho * wo, planeIn = h * w;
        ctx.parallelFor(n * ho, 4, (start, end) -> {
            double[] cw = new double[4], ch = new double[4];
            for (int row = start; row < end; row++) {
                int b = row / ho, oy = row % ho;
                for (int ox = 0; ox < wo; ox++) {
                    int gi = go + ((b * ho + oy) * wo + ox) * 2;
                    double px = unnormalize(gs[gi], w, alignCorners);
                    double py = unnormalize(gs[gi + 1], h, alignCorners);
                    int outBase = b * c * planeOut + oy * wo + ox;
                    int inBase = xo + b * c * planeIn;
                    switch (mode) {
                        case NEAREST -> {
                            double fx = padding == Padding.ZEROS ? px : clampOrReflect(px, w, padding, alignCorners);
                            double fy = padding == Padding.ZEROS ? py : clampOrReflect(py, h, padding, alignCorners);
                            long ix = (long) Math.rint(fx), iy = (long) Math.rint(fy);
                            boolean inside = ix >= 0 && ix < w && iy >= 0 && iy < h;
                            for (int ch0 = 0; ch0 < c; ch0++) {
                                out[outBase + ch0 * planeOut] = inside ? xs[inBase + ch0 * planeIn + (int) iy * w + (int) ix] : 0f;
                            }
                        }
                        case BILINEAR -> {
                            double fx = padding == Padding.ZEROS ? px : clampOrReflect(px, w, padding, alignCorners);
                            double fy = padding == Padding.ZEROS ? py : clampOrReflect(py, h, padding, alignCorners);
                            int x0 = (int) Math.floor(fx), y0 = (int) Math.floor(fy);
                            double tx = fx - x0, ty = fy - y0;
                            for (int ch0 = 0; ch0 < c; ch0++) {
                                int base = inBase + ch0 * planeIn;
                                double v = (1 - ty) * ((1 - tx) * at(xs, base, x0, y0, w, h) + tx * at(xs, base, x0 + 1, y0, w, h))
                                        + ty * ((1 - tx) * at(xs, base, x0, y0 + 1, w, h) + tx * at(xs, base, x0 + 1, y0 + 1, w, h));
                                out[outBase + ch0 * planeOut] = (float) v;
                            }
                        }
                        case BICUBIC -> {
                            // Bicubic reads a 4x4 neighbourhood; padding applies to each tap, not to the centre.
                            int x0 = (int) Math.floor(px), y0 = (int) Math.floor(py);
                            cubicWeights(px - x0, cw);
                            cubicWeights(py - y0, ch);
                            for (int ch0 = 0; ch0 < c; ch0++) {
                                int base = inBase + ch0 * planeIn;
                                double v = 0;
                                for (int j = 0; j < 4; j++) {
                                    double rowSum = 0;
                                    for (int i = 0; i < 4; i++) {
                                        rowSum += cw[i] * tap(xs, base, x0 - 1 + i, y0 - 1 + j, w, h, padding, alignCorners);
                                    }
                                    v += ch[j] * rowSum;
                                }
                                out[outBase + ch0 * planeOut] = (float) v;
                            }
                        }
                    }
                }
            }
        });
        return Tensor.of(out, n, c, ho, wo);
    }

    static double unnormalize(double g, int size, boolean alignCorners) {
        return alignCorners ? (g + 1) / 2 * (size - 1) : ((g + 1) * size - 1) / 2;
    }

    /** Value at integer (x, y), zero outside. */
    private static double at(float[] xs, int base, int x, int y, int w, int h) {
        return x >= 0 && x < w && y >= 0 && y < h ? xs[base + y * w + x] : 0;
    }

    private static double tap(float[] xs, int base, int x, int y, int w, int h, Padding padding, boolean alignCorners) {
        if (padding == Padding.ZEROS) return at(xs, base, x, y, w, h);
        int cx = (int) clampOrReflect(x, w, padding, alignCorners);
        int cy = (int) clampOrReflect(y, h, padding, alignCorners);
        return xs[base + cy * w + cx];
    }

    /** BORDER: clamp to [0, size-1]. REFLECTION: mirror at the borders, then clamp. */
    static double clampOrReflect(double p, int size, Padding padding, boolean alignCorners) {
        if (padding == Padding.REFLECTION) {
            p = alignCorners ? reflect(p, 0, 2.0 * (size - 1)) : reflect(p, -1, 2.0 * size - 1);
        }
        return Math.min(Math.max(p, 0), size - 1);
    }

    /** Reflects {@code p} into the span [twiceLow/2, twiceHigh/2] (bounds given doubled, as PyTorch does). */
    private static double reflect(double p, double twiceLow, double twiceHigh) {
        if (twiceLow == twiceHigh) return 0;
        double min = twiceLow / 2, span = (twiceHigh - twiceLow) / 2;
        p = Math.abs(p - min);
        double extra = p % span;
        int flips = (int) Math.floor(p / span);
        return flips % 2 == 0 ? extra + min : span - extra + min;
    }

    /** Cubic convolution weights (A = -0.75, as PyTorch) for the 4 taps at offsets -1, 0, 1, 2 from floor. */
    private static void cubicWeights(double t, double[] wgt) {
        double a = -0.75;
        wgt[0] = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a;
        wgt[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
        double u = 1 - t;
        wgt[2] = ((a + 2) * u - (a + 3)) * u * u + 1;
        wgt[3] = 1 - wgt[0] - wgt[1] - wgt[2];
    }
}
