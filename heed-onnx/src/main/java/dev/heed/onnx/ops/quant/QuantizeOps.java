package dev.heed.onnx.ops.quant;

import static dev.heed.onnx.ops.quant.QuantSupport.float32;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.kernel.Quantize;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.Data;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.tensor.DType;
import dev.heed.tensor.Storage;
import dev.heed.tensor.Tensor;

/**
 * ONNX QuantizeLinear, DequantizeLinear (per tensor and per axis, opsets 10–19 forms) and DynamicQuantizeLinear.
 * Quantisation is {@code saturate(round_half_even(x / scale) + zero_point)}; dequantisation
 * {@code (x − zero_point) · scale}. Cost one pass over the elements (two for DynamicQuantizeLinear: min/max, then
 * quantise).
 */
final class QuantizeOps {
    private QuantizeOps() {}

    static void register(OpRegistry.Builder b) {
        b.register("", "QuantizeLinear", 10, "x, y_scale, y_zero_point? -> y", QuantizeOps::quantize);
        b.register("", "QuantizeLinear", new int[] {13, 19}, "x, y_scale, y_zero_point? -> y | axis:int saturate:int",
                QuantizeOps::quantize);
        b.notes("", "QuantizeLinear", "float32 → int8 / uint8 (uint8 without a zero point); per tensor, and per axis "
                + "(13+); round half to even, saturating; no block quantisation, no float8 outputs");
        b.register("", "DequantizeLinear", 10, "x, x_scale, x_zero_point? -> y", QuantizeOps::dequantize);
        b.register("", "DequantizeLinear", new int[] {13, 19}, "x, x_scale, x_zero_point? -> y | axis:int",
                QuantizeOps::dequantize);
        b.notes("", "DequantizeLinear", "int8 / uint8 / int32 → float32; per tensor, and per axis (13+); no block "
                + "quantisation, no float8 inputs");
        b.register("", "DynamicQuantizeLinear", 11, "x -> y, y_scale, y_zero_point", QuantizeOps::dynamic);
        b.notes("", "DynamicQuantizeLinear", "float32 → uint8 with its scale and zero point; range [min(0, min x), "
                + "max(0, max x)]; a zero range gives scale 1, as ONNX Runtime does");
    }

    /** Index of the per-axis parameter for flat element i: (i / inner) % channels, or 0 per tensor. */
    private record Axis(int channels, int inner) {
        static Axis of(String op, Tensor x, float[] scale, int[] zp, long axisAttr, int opset) {
            if (scale.length == 1 && zp.length == 1) return new Axis(1, 1);
            if (opset < 13) throw HeedException.shape(op, "per-axis scales need opset 13, the model imports " + opset);
            int ax = Data.axis(axisAttr, Math.max(1, x.rank()), op);
            int ch = x.rank() == 0 ? 1 : x.dim(ax);
            if (scale.length != ch || (zp.length != 1 && zp.length != ch)) {
                throw HeedException.shape(op, "x " + x.shape() + " per axis " + ax + ": the scale holds " + scale.length
                        + " and the zero point " + zp.length + " values, both must hold " + ch);
            }
            int inner = 1;
            for (int i = ax + 1; i < x.rank(); i++) inner *= x.dim(i);
            return new Axis(ch, inner);
        }

        int at(int i) {
            return channels == 1 ? 0 : (i / inner) % channels;
        }
    }

    private static Op quantize(Node node, int opset) {
        String op = node.describe();
        long axis = node.attrInt("axis", 1);
        return (ctx, in) -> {
            Tensor x = float32(op, in[0], "x");
            float[] scale = QuantSupport.scales(op, in[1], "y_scale");
            Tensor zpT = in.length > 2 ? in[2] : null;
            DType out = zpT == null ? DType.UINT8 : QuantSupport.quant(op, zpT, "y_zero_point").dtype();
            int[] zp = QuantSupport.zeroPoints(op, zpT, "y_zero_point", null);
            Axis a = Axis.of(op, x, scale, zp, axis, opset);
            float[] xv = x.toFloatArray();
            Tensor y = Data.alloc(ctx, op, out, x.shape().dims());
            byte[] yd = ((Storage.ByteArray) y.storage()).data();
            for (int i = 0; i < xv.length; i++) {
                int c = a.at(i);
                yd[i] = (byte) QuantSupport.quantize(xv[i], scale[c], zp[zp.length == 1 ? 0 : c], out);
            }
            return new Tensor[] {y};
        };
    }

    private static Op dequantize(Node node, int opset) {
        String op = node.describe();
        long axis = node.attrInt("axis", 1);
        return (ctx, in) -> {
            Tensor x = in[0];
            if (x == null) throw HeedException.invalid(op, "input 'x' is required");
            if (!QuantSupport.isQuantType(x.dtype()) && x.dtype() != DType.INT32) {
                throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": input 'x' " + x.dtype() + x.shape()
                        + " must be int8, uint8 or int32");
            }
            float[] scale = QuantSupport.scales(op, in[1], "x_scale");
            Tensor zpT = in.length > 2 ? in[2] : null;
            int[] zp;
            if (x.dtype() == DType.INT32) {
                if (zpT != null && zpT.toLongArray().length > 0 && java.util.Arrays.stream(zpT.toLongArray()).anyMatch(v -> v != 0)) {
                    throw HeedException.invalid(op, "an int32 input needs a zero point of 0");
                }
                zp = new int[] {0};
            } else {
                zp = QuantSupport.zeroPoints(op, zpT, "x_zero_point", x.dtype());
            }
            Axis a = Axis.of(op, x, scale, zp, axis, opset);
            long[] xv = x.toLongArray();
            Tensor y = Data.alloc(ctx, op, DType.FLOAT32, x.shape().dims());
            float[] yd = y.floatArrayOrNull();
            for (int i = 0; i < xv.length; i++) {
                int c = a.at(i);
                yd[i] = (float) (xv[i] - zp[zp.length == 1 ? 0 : c]) * scale[c];
            }
            return new Tensor[] {y};
        };
    }

    private static Op dynamic(Node node, int opset) {
        String op = node.describe();
        return (ctx, in) -> {
            Tensor x = float32(op, in[0], "x");
            float[] xv = x.toFloatArray();
            Tensor y = Data.alloc(ctx, op, DType.UINT8, x.shape().dims());
            float[] sz = new float[2];
            dynamicQuantize(xv, 0, xv.length, ((Storage.ByteArray) y.storage()).data(), 0, sz);
            return new Tensor[] {y, Tensor.scalar(sz[0]), Tensor.ofUint8(new byte[] {(byte) (int) sz[1]})};
        };
    }

    /**
     * DynamicQuantizeLinear on {@code x[off, off+n)} into {@code y[yOff…]}: scale = (max − min) / 255 over the range
     * widened to include 0, zero point = saturate(round(0 − min / scale)); writes {scale, zero point} to
     * {@code scaleZero}.
     */
    static void dynamicQuantize(float[] x, int off, int n, byte[] y, int yOff, float[] scaleZero) {
        float[] mm = new float[2];
        Quantize.range(x, off, n, mm);
        dynamicParameters(mm[0], mm[1], scaleZero);
        float scale = scaleZero[0];
        int zp = (int) scaleZero[1];
        for (int i = 0; i < n; i++) y[yOff + i] = (byte) QuantSupport.quantize(x[off + i], scale, zp, DType.UINT8);
    }

    /**
     * DynamicQuantizeLinear's scale and zero point for the range {@code [min, max]} (min ≤ 0 ≤ max), as the spec and
     * ONNX Runtime compute them: scale = (max − min) / 255 (1 when the range is empty), zero point =
     * round_half_even(saturate(0 − min / scale)). Writes {scale, zero point} to {@code scaleZero}. Shared with the
     * fused quantised linear op.
     */
    static void dynamicParameters(float min, float max, float[] scaleZero) {
        float scale = max == min ? 1f : (max - min) / 255f;
        float initial = 0f - min / scale;
        scaleZero[0] = scale;
        scaleZero[1] = (int) Math.rint(Math.max(0f, Math.min(255f, initial)));
    }
}
