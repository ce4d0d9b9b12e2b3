package dev.heed.tensor;

/**
 * Element types. The integer and boolean types exist because ONNX graphs compute shapes and masks with
 * them, and int8 / uint8 (with int32 accumulators) because quantised models store weights and activations
 * in them; the float kernels work on {@link #FLOAT32}, the integer GEMM on int8 / uint8.
 */
public enum DType {
    /** IEEE 754 single precision, four bytes: the type every float kernel computes in. */
    FLOAT32(4, "float32"),
    /** Signed 64-bit integer: ONNX's type for shapes, indices and token ids. */
    INT64(8, "int64"),
    /** Signed 32-bit integer (also the accumulator of the integer GEMM). */
    INT32(4, "int32"),
    /** One byte per element, 0 = false, anything else = true. */
    BOOL(1, "bool"),
    /** Unsigned byte, 0..255 (quantised activations, image pixels). */
    UINT8(1, "uint8"),
    /** Signed byte, two's complement (quantised weights and activations). */
    INT8(1, "int8");

    private final int byteSize;
    private final String displayName;

    DType(int byteSize, String displayName) {
        this.byteSize = byteSize;
        this.displayName = displayName;
    }

    /** {@return the bytes per element: 1, 4 or 8} */
    public int byteSize() {
        return byteSize;
    }

    @Override
    public String toString() {
        return displayName;
    }
}
