package dev.heed.onnx.ops.quant;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.ops.HeapCache;
import dev.heed.tensor.DType;
import dev.heed.tensor.Storage;
import dev.heed.tensor.Tensor;

/**
 * Shared rules of the quantisation ops: the ONNX rounding (round half to even) and saturation to the integer
 * type's range, zero points and scales as arrays, and int8 / uint8 tensors as heap byte arrays.
 */
final class QuantSupport {
    private QuantSupport() {}

    /** A heap byte view of an int8 / uint8 tensor: the array and the position of element 0 (row-major). */
    record Bytes(byte[] data, int offset, boolean unsigned) {}

    static boolean isQuantType(DType t) {
        return t == DType.INT8 || t == DType.UINT8;
    }

    static int qmin(DType t) {
        return t == DType.UINT8 ? 0 : -128;
    }

    static int qmax(DType t) {
        return t == DType.UINT8 ? 255 : 127;
    }

    /**
     * {@code saturate(round_half_even(x / scale) + zp)} to {@code t}'s range, as the ONNX spec states for
     * QuantizeLinear and as ONNX Runtime computes it (float division, then rounding, then the zero point).
     */
    static int quantize(float x, float scale, int zp, DType t) {
        float v = (float) Math.rint(x / scale) + zp;
        if (Float.isNaN(v)) return zp;   // undefined by the spec; keep the zero point rather than an arbitrary value
        return (int) Math.max(qmin(t), Math.min(qmax(t), v));
    }

    /** {@code saturate(round_half_even(v))} to {@code t}'s range (requantisation of an accumulator). */
    static int saturateRound(double v, DType t) {
        double r = Math.rint(v);
        if (Double.isNaN(r)) return 0;
        return (int) Math.max(qmin(t), Math.min(qmax(t), r));
    }

    /** Requires an int8 / uint8 tensor. */
    static Tensor quant(String op, Tensor t, String what) {
        if (t == null) throw HeedException.invalid(op, "input '" + what + "' is required");
        if (!isQuantType(t.dtype())) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": input '" + what + "' " + t.dtype() + t.shape()
                    + " must be int8 or uint8");
        }
        return t;
    }

    /** Requires a float32 tensor. */
    static Tensor float32(String op, Tensor t, String what) {
        if (t == null) throw HeedException.invalid(op, "input '" + what + "' is required");
        if (t.dtype() != DType.FLOAT32) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": input '" + what + "' " + t.dtype() + t.shape()
                    + " must be float32");
        }
        return t;
    }

    /** The elements of an int8 / uint8 tensor as a heap byte array (copied only when not contiguous or mapped). */
    static Bytes bytes(Tensor t, HeapCache cache) {
        Tensor h = cache == null ? t : cache.of(t);
        if (!h.isContiguous() || !(h.storage() instanceof Storage.ByteArray)) h = h.contiguous();
        return new Bytes(((Storage.ByteArray) h.storage()).data(), (int) h.offset(), h.dtype() == DType.UINT8);
    }

    /** Zero points as ints (null → {0}); must be int8 / uint8 of {@code type} when given. */
    static int[] zeroPoints(String op, Tensor zp, String what, DType type) {
        if (zp == null) return new int[] {0};
        quant(op, zp, what);
        if (type != null && zp.dtype() != type) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": '" + what + "' is " + zp.dtype()
                    + " but the quantised tensor is " + type + "; they must match");
        }
        long[] v = zp.toLongArray();
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) r[i] = (int) v[i];
        return r;
    }

    /** Scale values (float32, at least one). */
    static float[] scales(String op, Tensor s, String what) {
        float[] v = float32(op, s, what).toFloatArray();
        if (v.length == 0) throw HeedException.shape(op, "'" + what + "' " + s.shape() + " holds no value");
        return v;
    }
}
