package dev.heed.onnx.ir;

import dev.heed.tensor.DType;

/**
 * ONNX tensor element types (the {@code TensorProto.DataType} numbers of the public spec) and the Heed
 * {@link DType} each maps to, if any.
 *
 * <pre>{@code
 * ElemType t = ElemType.fromCode(7);   // INT64
 * t.heedType();                        // DType.INT64
 * ElemType.fromCode(11).heedType();    // null: double is not a Heed dtype
 * }</pre>
 */
public enum ElemType {
    UNDEFINED(0, 0, null), FLOAT(1, 4, DType.FLOAT32), UINT8(2, 1, DType.UINT8), INT8(3, 1, DType.INT8),
    UINT16(4, 2, null), INT16(5, 2, null), INT32(6, 4, DType.INT32), INT64(7, 8, DType.INT64),
    STRING(8, 0, null), BOOL(9, 1, DType.BOOL), FLOAT16(10, 2, null), DOUBLE(11, 8, null),
    UINT32(12, 4, null), UINT64(13, 8, null), COMPLEX64(14, 8, null), COMPLEX128(15, 16, null),
    BFLOAT16(16, 2, null), FLOAT8E4M3FN(17, 1, null), FLOAT8E4M3FNUZ(18, 1, null), FLOAT8E5M2(19, 1, null),
    FLOAT8E5M2FNUZ(20, 1, null), UINT4(21, 1, null), INT4(22, 1, null), FLOAT4E2M1(23, 1, null);

    private final int code;
    private final int byteSize;
    private final DType heedType;

    ElemType(int code, int byteSize, DType heedType) {
        this.code = code;
        this.byteSize = byteSize;
        this.heedType = heedType;
    }

    /** The ONNX {@code DataType} number. */
    public int code() { return code; }

    /** Bytes per element in raw_data (0 for strings; 1 for the packed 4-bit types, an upper bound). */
    public int byteSize() { return byteSize; }

    /** The Heed dtype, or null when Heed has no such dtype. */
    public DType heedType() { return heedType; }

    /** The element type with ONNX number {@code code}, or null if the number is unknown. */
    public static ElemType fromCode(int code) {
        for (ElemType t : values()) if (t.code == code) return t;
        return null;
    }

    /** The ONNX element type of a Heed dtype. */
    public static ElemType of(DType d) {
        return switch (d) {
            case FLOAT32 -> FLOAT;
            case INT64 -> INT64;
            case INT32 -> INT32;
            case BOOL -> BOOL;
            case UINT8 -> UINT8;
            case INT8 -> INT8;
        };
    }

    /** Lower-case ONNX name, e.g. {@code float}, {@code int64}. */
    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
