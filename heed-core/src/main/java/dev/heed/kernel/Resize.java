package dev.heed.kernel;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/**
 * Resizing by nearest, n-linear or n-cubic interpolation along any axes (ONNX Resize / Upsample, PyTorch
 * {@code interpolate}).
 *
 * <p>Catalogue: one separable implementation — each resized axis is resampled in turn with a precomputed
 * table of (source index, weight) taps, which is exact for all three modes because their kernels are
 * products of 1-D kernels. Cost O(output · taps) per axis. It is its own reference; tests compare it with
 * PyTorch and the ONNX conformance data.
 *
 * <p>For output coordinate {@code o} on an axis of input length {@code in}, output length {@code out} and
 * scale {@code s}, the source coordinate is (ONNX names): HALF_PIXEL {@code (o + 0.5) / s - 0.5};
 * PYTORCH_HALF_PIXEL the same, or 0 when {@code out == 1}; ALIGN_CORNERS {@code o · (in - 1) / (out - 1)};
 * ASYMMETRIC {@code o / s}; TF_HALF_PIXEL_FOR_NN {@code (o + 0.5) / s}; TF_CROP_AND_RESIZE maps into the
 * region of interest and writes {@code extrapolationValue} outside the input; HALF_PIXEL_SYMMETRIC centres the
 * resized extent. Taps outside the input read the nearest edge value.
 *
 * <pre>{@code
 * Tensor y = Resize.resize(ctx, x, new int[] {1, 3, 448, 448}, new double[] {1, 1, 2, 2},
 *         Resize.Params.defaults(Resize.Mode.LINEAR));
 * }</pre>
 */
public final class Resize {
    private Resize() {}

    /** Interpolation. */
    public enum Mode {
        /** The nearest input sample, chosen by {@link NearestMode}. */ NEAREST,
        /** Linear along each resized axis (bilinear, trilinear). */ LINEAR,
        /** Cubic convolution along each resized axis, with coefficient {@code cubicA}. */ CUBIC
    }

    /** How an output coordinate maps to an input coordinate (formulas in the class comment). */
    public enum CoordinateMode {
        /** {@code (o + 0.5) / s - 0.5}. */ HALF_PIXEL,
        /** As HALF_PIXEL, but 0 when the output length is 1. */ PYTORCH_HALF_PIXEL,
        /** {@code o · (in - 1) / (out - 1)}: corner samples line up. */ ALIGN_CORNERS,
        /** {@code o / s}. */ ASYMMETRIC,
        /** {@code (o + 0.5) / s}. */ TF_HALF_PIXEL_FOR_NN,
        /** Into the region of interest {@code roi}; outside the input reads {@code extrapolationValue}. */ TF_CROP_AND_RESIZE,
        /** HALF_PIXEL with the resized extent centred on the input. */ HALF_PIXEL_SYMMETRIC
    }

    /** How {@link Mode#NEAREST} rounds a fractional source coordinate. */
    public enum NearestMode {
        /** Round to nearest, halves down. */ ROUND_PREFER_FLOOR,
        /** Round to nearest, halves up. */ ROUND_PREFER_CEIL,
        /** Round down. */ FLOOR,
        /** Round up. */ CEIL
    }

    /**
     * Resize options, ONNX attribute by attribute.
     *
     * @param mode               the interpolation
     * @param coordinateMode     ONNX {@code coordinate_transformation_mode}
     * @param nearestMode        ONNX {@code nearest_mode}, used by {@link Mode#NEAREST}
     * @param cubicA             the cubic coefficient A (ONNX {@code cubic_coeff_a}; -0.75 as PyTorch, -0.5 as TensorFlow)
     * @param excludeOutside     give taps outside the input weight 0 and renormalise the rest
     * @param extrapolationValue value written outside the input by TF_CROP_AND_RESIZE
     * @param roi per axis {start, end} pairs as ONNX lays them out ({@code [starts..., ends...]}), only for TF_CROP_AND_RESIZE
     */
    public record Params(Mode mode, CoordinateMode coordinateMode, NearestMode nearestMode, double cubicA,
                         boolean excludeOutside, float extrapolationValue, double[] roi) {
        /**
         * ONNX defaults: half_pixel, round_prefer_floor, A = -0.75, no exclusion, extrapolation 0.
         *
         * @param mode the interpolation
         * @return the options
         */
        public static Params defaults(Mode mode) {
            return new Params(mode, CoordinateMode.HALF_PIXEL, NearestMode.ROUND_PREFER_FLOOR, -0.75, false, 0f, null);
        }

        /**
         * A copy with another coordinate mode.
         *
         * @param m the mode
         * @return the new options
         */
        public Params withCoordinateMode(CoordinateMode m) {
            return new Params(mode, m, nearestMode, cubicA, excludeOutside, extrapolationValue, roi);
        }

        /**
         * A copy with another rounding for NEAREST.
         *
         * @param m the rounding
         * @return the new options
         */
        public Params withNearestMode(NearestMode m) {
            return new Params(mode, coordinateMode, m, cubicA, excludeOutside, extrapolationValue, roi);
        }
    }

    /**
     * Resizes {@code x} to {@code outDims}; {@code scales[i]} is the scale the coordinate transform uses on axis
     * i (pass {@code out / in} when sizes were given).
     *
     * @param ctx     the threads to run on
     * @param x       float32 input, any rank
     * @param outDims the output shape, same rank as x
     * @param scales  one scale per axis
     * @param p       the interpolation options
     * @return a new contiguous tensor of shape {@code outDims}
     * @throws HeedException SHAPE_MISMATCH when the ranks differ, DTYPE_MISMATCH unless float32, INVALID_ARGUMENT for a
     *                       missing or short roi with TF_CROP_AND_RESIZE or an empty x resized to a non-empty output,
     *                       MEMORY_LIMIT when a pass is too large
     */
    public static Tensor resize(ExecutionContext ctx, Tensor x, int[] outDims, double[] scales, Params p) {
        int r = x.rank();
        if (outDims.length != r || scales.length != r) {
            throw HeedException.shape("Resize", "x" + x.shape() + ": output sizes " + Arrays.toString(outDims) + " and scales "
                    + Arrays.toString(scales) + " must have one entry per axis (" + r + ")");
        }
        if (x.dtype() != DType.FLOAT32) {
            throw new HeedException(dev.heed.ErrorCode.DTYPE_MISMATCH, "Resize: x is " + x.dtype() + "; only float32 is supported");
        }
        if (p.coordinateMode() == CoordinateMode.TF_CROP_AND_RESIZE && (p.roi() == null || p.roi().length != 2 * r)) {
            throw HeedException.invalid("Resize", "tf_crop_and_resize needs a roi of " + 2 * r + " values, got "
                    + (p.roi() == null ? "none" : Arrays.toString(p.roi())));
        }
        dev.heed.exec.MemoryBudget.reserve(ctx, "Resize: output", DType.FLOAT32, outDims); // long arithmetic, before allocating
        if (x.shape().numel() == 0) {
            // nothing to interpolate from: an empty output is empty, any other has no defined values
            for (int d : outDims) if (d == 0) return Tensor.zeros(DType.FLOAT32, outDims);
            throw HeedException.invalid("Resize", "x" + x.shape() + " is empty: there is no value to interpolate an output of "
                    + Arrays.toString(outDims) + " from");
        }
        float[] data = x.toFloatArray();      // row-major copy from any storage (heap, mapped, strided)
        int[] dims = x.shape().dims();
        for (int axis = 0; axis < r; axis++) {
            if (dims[axis] == outDims[axis] && scales[axis] == 1.0 && p.coordinateMode() != CoordinateMode.TF_CROP_AND_RESIZE) continue;
            data = resampleAxis(ctx, data, dims, axis, outDims[axis], scales[axis], p);
            dims[axis] = outDims[axis];
        }
        return Tensor.of(data, dims);
    }

    /** One axis: out[..., o, ...] = Σ_t weight[o][t] · in[..., index[o][t], ...] (or the extrapolation value). */
    private static float[] resampleAxis(ExecutionContext ctx, float[] in, int[] dims, int axis, int outLen, double scale, Params p) {
        int inLen = dims[axis];
        int outerCount = 1, innerCount = 1;
        for (int i = 0; i < axis; i++) outerCount *= dims[i];
        for (int i = axis + 1; i < dims.length; i++) innerCount *= dims[i];
        final int outer = outerCount, inner = innerCount;
        // the pass after one axis may be bigger than the final output (grow one axis, then shrink another)
        long passBytes = dev.heed.exec.MemoryBudget.bytes("Resize: axis " + axis, 4, outer, outLen, inner);
        dev.heed.exec.MemoryBudget.reserve(ctx, "Resize: axis " + axis + " pass [" + outer + ", " + outLen + ", " + inner + "]", passBytes);
        if (passBytes / 4 > Integer.MAX_VALUE - 16) {
            throw new HeedException(dev.heed.ErrorCode.MEMORY_LIMIT, "Resize: axis " + axis + " pass has " + passBytes / 4
                    + " elements, more than one Java array can hold");
        }
        float[] out = new float[outer * outLen * inner];
        if (inLen == 0 || outLen == 0 || outer == 0 || inner == 0) return out;
        int taps = switch (p.mode()) { case NEAREST -> 1; case LINEAR -> 2; case CUBIC -> 4; };
        int[] idx = new int[outLen * taps];
        double[] wgt = new double[outLen * taps];
        boolean[] outside = new boolean[outLen];
        for (int o = 0; o < outLen; o++) {
            double src = sourceCoordinate(o, inLen, outLen, scale, axis, dims.length, p);
            if (p.coordinateMode() == CoordinateMode.TF_CROP_AND_RESIZE && (src < 0 || src > inLen - 1)) {
                outside[o] = true;
                continue;
            }
            switch (p.mode()) {
                case NEAREST -> {
                    idx[o] = clamp(nearest(src, p.nearestMode()), inLen);
                    wgt[o] = 1;
                }
                case LINEAR -> {
                    double c = Math.min(Math.max(src, 0), inLen - 1);
                    int i0 = (int) Math.floor(c);
                    double t = c - i0;
                    idx[2 * o] = clamp(i0, inLen);
                    idx[2 * o + 1] = clamp(i0 + 1, inLen);
                    wgt[2 * o] = 1 - t;
                    wgt[2 * o + 1] = t;
                }
                case CUBIC -> {
                    int i0 = (int) Math.floor(src);
                    double t = src - i0;
                    double a = p.cubicA();
                    double[] w = {cubic(t + 1, a), cubic(t, a), cubic(1 - t, a), cubic(2 - t, a)};
                    double sum = 0;
                    for (int k = 0; k < 4; k++) {
                        int j = i0 - 1 + k;
                        if (p.excludeOutside() && (j < 0 || j >= inLen)) w[k] = 0;
                        sum += w[k];
                    }
                    for (int k = 0; k < 4; k++) {
                        idx[4 * o + k] = clamp(i0 - 1 + k, inLen);
                        wgt[4 * o + k] = p.excludeOutside() ? w[k] / sum : w[k];
                    }
                }
            }
        }
        float extrapolation = p.extrapolationValue();
        int fTaps = taps;
        ctx.parallelFor(outer, Math.max(1, 65536 / Math.max(1, outLen * inner)), (s, e) -> {
            for (int b = s; b < e; b++) {
                int inBase = b * inLen * inner, outBase = b * outLen * inner;
                for (int o = 0; o < outLen; o++) {
                    int dst = outBase + o * inner;
                    if (outside[o]) {
                        Arrays.fill(out, dst, dst + inner, extrapolation);
                        continue;
                    }
                    for (int q = 0; q < inner; q++) {
                        double v = 0;
                        for (int k = 0; k < fTaps; k++) v += wgt[o * fTaps + k] * in[inBase + idx[o * fTaps + k] * inner + q];
                        out[dst + q] = (float) v;
                    }
                }
            }
        });
        return out;
    }

    static double sourceCoordinate(int o, int inLen, int outLen, double scale, int axis, int rank, Params p) {
        return switch (p.coordinateMode()) {
            case HALF_PIXEL -> (o + 0.5) / scale - 0.5;
            case PYTORCH_HALF_PIXEL -> outLen > 1 ? (o + 0.5) / scale - 0.5 : 0;
            case ALIGN_CORNERS -> outLen == 1 ? 0 : o * (double) (inLen - 1) / (outLen - 1);
            case ASYMMETRIC -> o / scale;
            case TF_HALF_PIXEL_FOR_NN -> (o + 0.5) / scale;
            case HALF_PIXEL_SYMMETRIC -> {
                double adjustment = outLen / (scale * inLen);
                double center = inLen / 2.0;
                double offset = center * (1 - adjustment);
                yield offset + (o + 0.5) / scale - 0.5;
            }
            case TF_CROP_AND_RESIZE -> {
                double start = p.roi()[axis], end = p.roi()[rank + axis];
                yield outLen > 1 ? start * (inLen - 1) + o * (end - start) * (inLen - 1) / (outLen - 1)
                        : 0.5 * (start + end) * (inLen - 1);
            }
        };
    }

    static long nearest(double x, NearestMode m) {
        return switch (m) {
            case FLOOR -> (long) Math.floor(x);
            case CEIL -> (long) Math.ceil(x);
            case ROUND_PREFER_FLOOR -> x == Math.floor(x) + 0.5 ? (long) Math.floor(x) : Math.round(x);
            case ROUND_PREFER_CEIL -> x == Math.floor(x) + 0.5 ? (long) Math.ceil(x) : Math.round(x);
        };
    }

    private static int clamp(long i, int n) {
        return (int) Math.min(Math.max(i, 0), n - 1);
    }

    /** Keys' cubic convolution kernel with parameter a. */
    private static double cubic(double d, double a) {
        d = Math.abs(d);
        if (d <= 1) return ((a + 2) * d - (a + 3)) * d * d + 1;
        if (d < 2) return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
        return 0;
    }
}
