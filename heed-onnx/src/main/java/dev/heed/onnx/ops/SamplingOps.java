package dev.heed.onnx.ops;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.kernel.GridSample;
import dev.heed.kernel.Resize;
import dev.heed.onnx.ir.Node;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/**
 * Resampling on the {@link Resize} and {@link GridSample} kernels (float32).
 * Versions, signatures and per-version notes are in the registrations below (generated into
 * {@code docs/supported-ops.md}).
 * Output size: {@code floor(in · scale)} (tf_crop_and_resize: {@code floor(in · (end - start) · scale)}) or the
 * given sizes; with sizes the coordinate transform uses {@code scale = out / in}. Upsample and Resize-10 have
 * no nearest_mode: they round as ONNX Runtime does, down on axes that grow (scale ≥ 1) and up on axes that
 * shrink. Cost: O(output · taps) per resized axis (Resize); O(N·C·Ho·Wo) gathers (GridSample).
 */
final class SamplingOps {
    private SamplingOps() {}

    static void register(OpRegistry.Builder b) {
        b.register("", "Resize", 10, "X, scales -> Y | mode:string", SamplingOps::resize);
        b.register("", "Resize", new int[] {11, 13, 18, 19}, "X, roi?, scales?, sizes? -> Y | antialias:int axes:ints "
                + "coordinate_transformation_mode:string cubic_coeff_a:float exclude_outside:int extrapolation_value:float "
                + "keep_aspect_ratio_policy:string mode:string nearest_mode:string", SamplingOps::resize);
        b.register("", "Upsample", 7, "X -> Y | mode:string scales:floats", SamplingOps::upsample);
        b.register("", "Upsample", 9, "X, scales -> Y | mode:string", SamplingOps::upsample);
        b.register("", "GridSample", 16, "X, grid -> Y | align_corners:int mode:string padding_mode:string", SamplingOps::gridSample);
        b.notes("", "Upsample", "v7 scales attribute · v9 scales input; nearest / linear, asymmetric coordinates");
        b.notes("", "Resize", "v10 nearest / linear, asymmetric · v11 + cubic, coordinate_transformation_mode, nearest_mode, cubic_coeff_a, exclude_outside, extrapolation_value (roi only read by tf_crop_and_resize) · v13 roi and scales optional · v18 axes, keep_aspect_ratio_policy (antialias=1 unsupported) · v19 half_pixel_symmetric");
        b.notes("", "GridSample", "X [N, C, H, W], grid [N, Ho, Wo, 2] → [N, C, Ho, Wo]; bilinear / nearest / bicubic, zeros / border / reflection padding, align_corners");
    }

    // ---------------------------------------------------------------- Resize / Upsample

    /** The attributes of one Resize / Upsample node, parsed at load time. */
    private record Spec(String op, Resize.Params params, boolean simpleNearest, long[] axes, String aspectPolicy) {}

    private static Resize.Mode mode(String op, String mode, boolean cubic) {
        return switch (mode) {
            case "nearest" -> Resize.Mode.NEAREST;
            case "linear", "bilinear" -> Resize.Mode.LINEAR;
            case "cubic" -> {
                if (!cubic) throw HeedException.unsupported(op + ": mode 'cubic' needs Resize opset 11 or later", "nearest", "linear");
                yield Resize.Mode.CUBIC;
            }
            default -> throw HeedException.unsupported(op + ": mode '" + mode + "'", cubic ? new Object[] {"nearest", "linear", "cubic"}
                    : new Object[] {"nearest", "linear"});
        };
    }

    private static Op resize(Node node, int opset) {
        String op = node.opType();
        Resize.Mode mode = mode(op, node.attrString("mode", "nearest"), opset >= 11);
        if (opset < 11) {
            Resize.Params p = Resize.Params.defaults(mode).withCoordinateMode(Resize.CoordinateMode.ASYMMETRIC);
            Spec spec = new Spec(op, p, true, null, "stretch");
            return (ctx, in) -> new Tensor[] {run(ctx, spec, in[0], null, in[1], null)};
        }
        String ct = node.attrString("coordinate_transformation_mode", "half_pixel");
        Resize.CoordinateMode cm = switch (ct) {
            case "half_pixel" -> Resize.CoordinateMode.HALF_PIXEL;
            case "pytorch_half_pixel" -> Resize.CoordinateMode.PYTORCH_HALF_PIXEL;
            case "align_corners" -> Resize.CoordinateMode.ALIGN_CORNERS;
            case "asymmetric" -> Resize.CoordinateMode.ASYMMETRIC;
            case "tf_half_pixel_for_nn" -> Resize.CoordinateMode.TF_HALF_PIXEL_FOR_NN;
            case "tf_crop_and_resize" -> Resize.CoordinateMode.TF_CROP_AND_RESIZE;
            case "half_pixel_symmetric" -> Resize.CoordinateMode.HALF_PIXEL_SYMMETRIC;
            default -> throw HeedException.unsupported(op + ": coordinate_transformation_mode '" + ct + "'", "half_pixel",
                    "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize", "half_pixel_symmetric");
        };
        String nm = node.attrString("nearest_mode", "round_prefer_floor");
        Resize.NearestMode nearest = switch (nm) {
            case "round_prefer_floor" -> Resize.NearestMode.ROUND_PREFER_FLOOR;
            case "round_prefer_ceil" -> Resize.NearestMode.ROUND_PREFER_CEIL;
            case "floor" -> Resize.NearestMode.FLOOR;
            case "ceil" -> Resize.NearestMode.CEIL;
            default -> throw HeedException.unsupported(op + ": nearest_mode '" + nm + "'", "round_prefer_floor", "round_prefer_ceil", "floor", "ceil");
        };
        if (opset >= 18 && node.attrInt("antialias", 0) != 0) {
            throw HeedException.unsupported(op + ": antialias=1 (an antialiasing filter for downscaling) is not implemented", "antialias=0");
        }
        String policy = opset >= 18 ? node.attrString("keep_aspect_ratio_policy", "stretch") : "stretch";
        if (!policy.equals("stretch") && !policy.equals("not_larger") && !policy.equals("not_smaller")) {
            throw HeedException.unsupported(op + ": keep_aspect_ratio_policy '" + policy + "'", "stretch", "not_larger", "not_smaller");
        }
        long[] axes = opset >= 18 ? node.attrInts("axes") : null;
        Resize.Params p = new Resize.Params(mode, cm, nearest, node.attrFloat("cubic_coeff_a", -0.75f),
                node.attrInt("exclude_outside", 0) != 0, node.attrFloat("extrapolation_value", 0f), null);
        Spec spec = new Spec(op, p, false, axes, policy);
        return (ctx, in) -> new Tensor[] {run(ctx, spec, in[0], in.length > 1 ? in[1] : null, in.length > 2 ? in[2] : null,
                in.length > 3 ? in[3] : null)};
    }

    private static Op upsample(Node node, int opset) {
        String op = node.opType();
        Resize.Mode mode = mode(op, node.attrString("mode", "nearest"), false);
        Spec spec = new Spec(op, Resize.Params.defaults(mode).withCoordinateMode(Resize.CoordinateMode.ASYMMETRIC), true, null, "stretch");
        if (opset >= 9) return (ctx, in) -> new Tensor[] {run(ctx, spec, in[0], null, in[1], null)};
        float[] scales = node.attrFloats("scales");
        if (scales == null) throw HeedException.invalid(op, "the scales attribute is required at opset " + opset);
        Tensor s = Tensor.of(scales, scales.length);
        return (ctx, in) -> new Tensor[] {run(ctx, spec, in[0], null, s, null)};
    }

    /** Empty (zero-element) optional inputs count as absent, as exporters write "" or an empty constant. */
    private static boolean present(Tensor t) {
        return t != null && t.numel() > 0;
    }

    private static Tensor run(ExecutionContext ctx, Spec spec, Tensor x, Tensor roiT, Tensor scalesT, Tensor sizesT) {
        String op = spec.op();
        if (x.dtype() != DType.FLOAT32) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": X " + Data.shapeOf(x) + " must be float32");
        }
        int r = x.rank();
        int[] axes = resizedAxes(op, x, spec.axes());
        boolean hasScales = present(scalesT), hasSizes = present(sizesT);
        if (hasScales == hasSizes) {
            throw HeedException.invalid(op, "exactly one of scales and sizes must be given; got "
                    + (hasScales ? "both: scales " + Data.shapeOf(scalesT) + ", sizes " + Data.shapeOf(sizesT) : "neither") + " (X " + Data.shapeOf(x) + ")");
        }
        Resize.Params p = spec.params();
        double[] roi = null;
        if (p.coordinateMode() == Resize.CoordinateMode.TF_CROP_AND_RESIZE) {
            if (!present(roiT) || roiT.numel() != 2L * axes.length) {
                throw HeedException.invalid(op, "tf_crop_and_resize needs roi with " + 2 * axes.length + " values (starts, then ends, for X "
                        + Data.shapeOf(x) + "), got " + (roiT == null ? "none" : Data.shapeOf(roiT)));
            }
            float[] rv = roiT.toFloatArray();
            roi = new double[2 * r];
            for (int a = 0; a < r; a++) roi[r + a] = 1;
            for (int k = 0; k < axes.length; k++) {
                roi[axes[k]] = rv[k];
                roi[r + axes[k]] = rv[axes.length + k];
            }
            p = new Resize.Params(p.mode(), p.coordinateMode(), p.nearestMode(), p.cubicA(), p.excludeOutside(), p.extrapolationValue(), roi);
        }
        int[] in = x.shape().dims();
        int[] out = in.clone();
        double[] scales = new double[r];
        Arrays.fill(scales, 1.0);
        if (hasScales) {
            if (scalesT.dtype() != DType.FLOAT32) {
                throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": scales " + Data.shapeOf(scalesT) + " must be float32");
            }
            float[] s = scalesT.toFloatArray();
            if (s.length != axes.length) {
                throw HeedException.shape(op, "scales " + Data.shapeOf(scalesT) + " must have " + axes.length + " values, one per resized axis of X " + Data.shapeOf(x));
            }
            for (int k = 0; k < s.length; k++) {
                int a = axes[k];
                if (!(s[k] > 0) || Float.isInfinite(s[k])) throw HeedException.invalid(op, "scales " + Arrays.toString(s) + " must be positive and finite");
                double extent = roi == null ? 1 : roi[r + a] - roi[a];
                scales[a] = s[k];
                out[a] = Data.toInt((long) Math.floor(in[a] * extent * (double) s[k]), op, "output size");
            }
        } else {
            long[] s = Data.indexValues(sizesT, op, "sizes");
            if (s.length != axes.length) {
                throw HeedException.shape(op, "sizes " + Arrays.toString(s) + " must have " + axes.length + " values, one per resized axis of X " + Data.shapeOf(x));
            }
            for (long v : s) if (v < 0) throw HeedException.invalid(op, "sizes " + Arrays.toString(s) + " must not be negative (X " + Data.shapeOf(x) + ")");
            if (spec.aspectPolicy().equals("stretch")) {
                for (int k = 0; k < s.length; k++) {
                    int a = axes[k];
                    out[a] = Data.toInt(s[k], op, "size");
                    scales[a] = (double) out[a] / in[a];
                }
            } else {
                boolean notLarger = spec.aspectPolicy().equals("not_larger");
                double scale = notLarger ? Double.POSITIVE_INFINITY : 0;
                for (int k = 0; k < s.length; k++) {
                    double q = (double) s[k] / in[axes[k]];
                    scale = notLarger ? Math.min(scale, q) : Math.max(scale, q);
                }
                for (int a : axes) {
                    scales[a] = scale;
                    out[a] = Data.toInt((long) Math.floor(in[a] * scale + 0.5), op, "output size");
                }
            }
        }
        if (hasScales && p.coordinateMode() == Resize.CoordinateMode.ALIGN_CORNERS) {
            // ONNX measures the resized length as in · scale, unfloored: src = o · (in - 1) / (in · scale - 1), which
            // is the asymmetric transform o / s' with s' = (in · scale - 1) / (in - 1) (infinite: every o reads 0)
            for (int a = 0; a < r; a++) {
                if (out[a] == in[a] && scales[a] == 1.0) continue;
                double resized = in[a] * scales[a];
                scales[a] = in[a] == 1 || resized == 1 ? Double.POSITIVE_INFINITY : (resized - 1) / (in[a] - 1);
            }
            p = p.withCoordinateMode(Resize.CoordinateMode.ASYMMETRIC);
        }
        if (!spec.simpleNearest() || p.mode() != Resize.Mode.NEAREST) return Resize.resize(ctx, x, out, scales, p);
        // Upsample / Resize-10 nearest: floor on growing axes, ceil on shrinking ones (two separable passes)
        int[] up = in.clone(), down = in.clone();
        double[] upScales = new double[r], downScales = new double[r];
        Arrays.fill(upScales, 1.0);
        Arrays.fill(downScales, 1.0);
        boolean anyDown = false;
        for (int a = 0; a < r; a++) {
            if (scales[a] >= 1) { up[a] = out[a]; upScales[a] = scales[a]; }
            else { down[a] = out[a]; downScales[a] = scales[a]; anyDown = true; }
        }
        Tensor y = Resize.resize(ctx, x, up, upScales, p.withNearestMode(Resize.NearestMode.FLOOR));
        if (!anyDown) return y;
        for (int a = 0; a < r; a++) if (scales[a] >= 1) down[a] = out[a];
        return Resize.resize(ctx, y, down, downScales, p.withNearestMode(Resize.NearestMode.CEIL));
    }

    /** The axes Resize acts on: the axes attribute (v18, normalised, distinct) or every axis. */
    private static int[] resizedAxes(String op, Tensor x, long[] axes) {
        int r = x.rank();
        if (axes == null) {
            int[] all = new int[r];
            for (int a = 0; a < r; a++) all[a] = a;
            return all;
        }
        int[] out = new int[axes.length];
        boolean[] seen = new boolean[r];
        for (int k = 0; k < axes.length; k++) {
            long a = axes[k] < 0 ? axes[k] + r : axes[k];
            if (a < 0 || a >= r || seen[(int) a]) {
                throw HeedException.invalid(op, "axes " + Arrays.toString(axes) + " must be distinct axes of X " + Data.shapeOf(x));
            }
            seen[(int) a] = true;
            out[k] = (int) a;
        }
        return out;
    }

    // ---------------------------------------------------------------- GridSample

    private static Op gridSample(Node node, int opset) {
        String op = node.opType();
        String m = node.attrString("mode", "bilinear");
        GridSample.Mode mode = switch (m) {
            case "bilinear", "linear" -> GridSample.Mode.BILINEAR;
            case "nearest" -> GridSample.Mode.NEAREST;
            case "bicubic", "cubic" -> GridSample.Mode.BICUBIC;
            default -> throw HeedException.unsupported(op + ": mode '" + m + "'", "bilinear", "nearest", "bicubic");
        };
        String pm = node.attrString("padding_mode", "zeros");
        GridSample.Padding padding = switch (pm) {
            case "zeros" -> GridSample.Padding.ZEROS;
            case "border" -> GridSample.Padding.BORDER;
            case "reflection" -> GridSample.Padding.REFLECTION;
            default -> throw HeedException.unsupported(op + ": padding_mode '" + pm + "'", "zeros", "border", "reflection");
        };
        boolean alignCorners = node.attrInt("align_corners", 0) != 0;
        return (ctx, in) -> {
            Tensor x = in[0], grid = in[1];
            if (x.rank() != 4 || grid.rank() != 4 || grid.dim(3) != 2 || grid.dim(0) != x.dim(0)) {
                throw HeedException.shape(op, "X " + Data.shapeOf(x) + ", grid " + Data.shapeOf(grid)
                        + ": expected X [N, C, H, W] and grid [N, Ho, Wo, 2] with the same N");
            }
            if (x.dtype() != DType.FLOAT32 || grid.dtype() != DType.FLOAT32) {
                throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": X " + Data.shapeOf(x) + " and grid " + Data.shapeOf(grid) + " must be float32");
            }
            return new Tensor[] {GridSample.sample(ctx, x, grid, mode, padding, alignCorners)};
        };
    }
}
