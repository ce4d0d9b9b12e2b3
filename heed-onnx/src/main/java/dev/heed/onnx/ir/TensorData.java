package dev.heed.onnx.ir;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A decoded ONNX {@code TensorProto}: name, element type, dims and the data source, not yet turned into a
 * {@link Tensor}. Raw data (inline or external) stays a slice of the mapped file, so
 * {@link #toTensor()} of a float32/int64/int32/bool/uint8 raw tensor copies nothing.
 *
 * <pre>{@code
 * TensorData w = model.graph().initializers().get(0);
 * Tensor t = w.toTensor();   // zero-copy view of the memory-mapped file for raw_data
 * }</pre>
 *
 * @param name     tensor name ("" when unnamed)
 * @param elemType element type
 * @param dims     dimensions
 * @param data     where the elements are
 */
public record TensorData(String name, ElemType elemType, long[] dims, Data data) {

    /** Where a tensor's elements are. */
    public sealed interface Data {
        /**
         * Little-endian bytes in place (raw_data, or external data), a slice of the mapped file.
         *
         * @param bytes the slice
         */
        record Raw(MemorySegment bytes) implements Data {}
        /**
         * float_data.
         *
         * @param values the elements
         */
        record Floats(float[] values) implements Data {}
        /**
         * int32_data (also holds int8/int16/uint8/uint16/bool/float16 bit patterns).
         *
         * @param values the elements, one per int
         */
        record Ints(int[] values) implements Data {}
        /**
         * int64_data.
         *
         * @param values the elements
         */
        record Longs(long[] values) implements Data {}
        /**
         * double_data.
         *
         * @param values the elements
         */
        record Doubles(double[] values) implements Data {}
        /**
         * uint64_data (also uint32).
         *
         * @param values the elements' bit patterns
         */
        record ULongs(long[] values) implements Data {}
        /**
         * string_data (the strings themselves are not kept).
         *
         * @param count the number of strings
         */
        record Strings(int count) implements Data {}
        /** No data fields at all: legal only for empty tensors. */
        record Empty() implements Data {}
    }

    /**
     * Copies {@code dims}.
     *
     * @param name     tensor name
     * @param elemType element type
     * @param dims     dimensions
     * @param data     where the elements are
     */
    public TensorData {
        dims = dims.clone();
    }

    /** {@return a copy of the dimensions} */
    @Override
    public long[] dims() {
        return dims.clone();
    }

    /**
     * Number of elements (product of dims; 1 for a scalar), in checked arithmetic.
     *
     * @return the element count
     * @throws HeedException {@link ErrorCode#MALFORMED_INPUT} for a negative dimension, {@link ErrorCode#MEMORY_LIMIT} when the count overflows
     */
    public long numel() {
        long n = 1;
        for (long d : dims) if (d == 0) return 0;
        for (long d : dims) {
            if (d < 0) throw new HeedException(ErrorCode.MALFORMED_INPUT, "tensor '" + name + "' " + Arrays.toString(dims) + " has a negative dimension");
            if (n > Long.MAX_VALUE / d) {
                throw new HeedException(ErrorCode.MEMORY_LIMIT, "tensor '" + name + "' " + Arrays.toString(dims)
                        + ": the element count overflows 64 bits");
            }
            n *= d;
        }
        return n;
    }

    /**
     * This tensor as a Heed {@link Tensor}. Raw data is referenced in place; typed fields are converted.
     *
     * @return the tensor, a view of the mapped file for raw data
     * @throws HeedException UNSUPPORTED for element types Heed has no dtype for, MALFORMED_INPUT when the data
     *                       length does not match the dims
     */
    public Tensor toTensor() {
        String what = "tensor '" + name + "' " + elemType + Arrays.toString(dims);
        DType dt = elemType.heedType();
        if (dt == null) {
            throw HeedException.unsupported(what + ": element type " + elemType + " has no Heed dtype",
                    (Object[]) Arrays.stream(DType.values()).map(DType::toString).toArray(String[]::new));
        }
        int[] d = new int[dims.length];
        for (int i = 0; i < d.length; i++) {
            if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) {
                throw new HeedException(ErrorCode.MALFORMED_INPUT, what + ": dimension " + i + " = " + dims[i] + " is out of range");
            }
            d[i] = (int) dims[i];
        }
        long n = numel();
        return switch (data) {
            case Data.Raw r -> {
                if (n > Long.MAX_VALUE / dt.byteSize()) {
                    throw new HeedException(ErrorCode.MEMORY_LIMIT, what + ": " + n + " elements overflow a 64-bit byte count");
                }
                long need = n * dt.byteSize();
                if (r.bytes().byteSize() != need) {
                    throw new HeedException(ErrorCode.MALFORMED_INPUT, what + ": raw data has " + r.bytes().byteSize()
                            + " bytes but the dims need " + need);
                }
                yield Tensor.ofSegment(r.bytes(), dt, d);
            }
            case Data.Floats f -> {
                count(what, f.values().length, n);
                if (dt != DType.FLOAT32) throw mismatch(what, "float_data");
                yield Tensor.of(f.values(), d);
            }
            case Data.Longs l -> {
                count(what, l.values().length, n);
                if (dt != DType.INT64) throw mismatch(what, "int64_data");
                yield Tensor.ofLongs(l.values(), d);
            }
            case Data.Ints iv -> {
                count(what, iv.values().length, n);
                int[] v = iv.values();
                yield switch (dt) {
                    case INT32 -> Tensor.ofInts(v, d);
                    case BOOL, UINT8, INT8 -> {
                        byte[] b = new byte[v.length];
                        for (int i = 0; i < v.length; i++) b[i] = (byte) (dt == DType.BOOL ? (v[i] != 0 ? 1 : 0) : v[i]);
                        yield dt == DType.BOOL ? Tensor.ofBools(b, d) : dt == DType.INT8 ? Tensor.ofInt8(b, d) : Tensor.ofUint8(b, d);
                    }
                    default -> throw mismatch(what, "int32_data");
                };
            }
            case Data.Doubles x -> throw mismatch(what, "double_data");
            case Data.ULongs x -> throw mismatch(what, "uint64_data");
            case Data.Strings x -> throw mismatch(what, "string_data");
            case Data.Empty e -> {
                if (n != 0) throw new HeedException(ErrorCode.MALFORMED_INPUT, what + ": has " + n + " elements but no data");
                yield Tensor.zeros(dt, d);
            }
        };
    }

    private static void count(String what, long have, long need) {
        if (have != need) {
            throw new HeedException(ErrorCode.MALFORMED_INPUT, what + ": has " + have + " values but the dims need " + need);
        }
    }

    private static HeedException mismatch(String what, String field) {
        return new HeedException(ErrorCode.MALFORMED_INPUT, what + ": data stored in " + field + ", which does not hold this element type");
    }

    @Override
    public String toString() {
        return "TensorData(" + name + ": " + elemType + Arrays.toString(dims) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o == this;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
