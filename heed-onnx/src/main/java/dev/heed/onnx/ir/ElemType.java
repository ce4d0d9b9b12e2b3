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
    /** 0: not set. */ UNDEFINED(0, 0, null),
    /** 1: float32, Heed's {@link DType#FLOAT32}. */ FLOAT(1, 4, DType.FLOAT32),
    /** 2: unsigned byte, Heed's {@link DType#UINT8}. */ UINT8(2, 1, DType.UINT8),
    /** 3: signed byte, Heed's {@link DType#INT8}. */ INT8(3, 1, DType.INT8),
    /** 4: unsigned 16-bit integer (no Heed dtype). */ UINT16(4, 2, null),
    /** 5: signed 16-bit integer (no Heed dtype). */ INT16(5, 2, null),
    /** 6: signed 32-bit integer, Heed's {@link DType#INT32}. */ INT32(6, 4, DType.INT32),
    /** 7: signed 64-bit integer, Heed's {@link DType#INT64}. */ INT64(7, 8, DType.INT64),
    /** 8: strings (no Heed dtype). */ STRING(8, 0, null),
    /** 9: boolean, Heed's {@link DType#BOOL}. */ BOOL(9, 1, DType.BOOL),
    /** 10: IEEE half precision (no Heed dtype). */ FLOAT16(10, 2, null),
    /** 11: float64 (no Heed dtype). */ DOUBLE(11, 8, null),
    /** 12: unsigned 32-bit integer (no Heed dtype). */ UINT32(12, 4, null),
    /** 13: unsigned 64-bit integer (no Heed dtype). */ UINT64(13, 8, null),
    /** 14: complex of two float32 (no Heed dtype). */ COMPLEX64(14, 8, null),
    /** 15: complex of two float64 (no Heed dtype). */ COMPLEX128(15, 16, null),
    /** 16: bfloat16 (no Heed dtype). */ BFLOAT16(16, 2, null),
    /** 17: 8-bit float E4M3, finite only (no Heed dtype). */ FLOAT8E4M3FN(17, 1, null),
    /** 18: 8-bit float E4M3, finite, no negative zero (no Heed dtype). */ FLOAT8E4M3FNUZ(18, 1, null),
    /** 19: 8-bit float E5M2 (no Heed dtype). */ FLOAT8E5M2(19, 1, null),
    /** 20: 8-bit float E5M2, finite, no negative zero (no Heed dtype). */ FLOAT8E5M2FNUZ(20, 1, null),
    /** 21: unsigned 4-bit integer, two per byte (no Heed dtype). */ UINT4(21, 1, null),
    /** 22: signed 4-bit integer, two per byte (no Heed dtype). */ INT4(22, 1, null),
    /** 23: 4-bit float E2M1, two per byte (no Heed dtype). */ FLOAT4E2M1(23, 1, null);

    private final int code;
    private final int byteSize;
    private final DType heedType;

    ElemType(int code, int byteSize, DType heedType) {
        this.code = code;
        this.byteSize = byteSize;
        this.heedType = heedType;
    }

    /** {@return the ONNX {@code DataType} number} */
    public int code() { return code; }

    /** {@return bytes per element in raw_data (0 for strings; 1 for the packed 4-bit types, an upper bound)} */
    public int byteSize() { return byteSize; }

    /** {@return the Heed dtype, or null when Heed has no such dtype} */
    public DType heedType() { return heedType; }

    /**
     * The element type with an ONNX number.
     *
     * @param code the {@code DataType} number
     * @return the element type, or null if the number is unknown
     */
    public static ElemType fromCode(int code) {
        for (ElemType t : values()) if (t.code == code) return t;
        return null;
    }

    /**
     * The ONNX element type of a Heed dtype.
     *
     * @param d the Heed dtype
     * @return the matching element type
     */
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
