package dev.heed.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Where a tensor's elements live: a heap array or a {@link MemorySegment} (for memory-mapped weights,
 * read in place, little-endian as ONNX stores them). Indices are element indices, not bytes.
 */
public sealed interface Storage {

    /** {@return the number of elements the storage holds (not bytes)} */
    long length();

    /** {@return the bytes of the whole backing buffer (the array or the segment), not of one tensor's view of it} */
    long byteSize();

    /**
     * {@return the backing buffer itself, for identity: the array, or the segment's {@link MemorySegment}; tensors
     * that are views of one buffer return the same object}
     */
    Object buffer();

    /**
     * float32 elements on the heap.
     *
     * @param data the elements; shared, not copied
     */
    record FloatArray(float[] data) implements Storage {
        public long length() { return data.length; }
        public long byteSize() { return 4L * data.length; }
        public Object buffer() { return data; }
    }

    /**
     * int64 elements on the heap.
     *
     * @param data the elements; shared, not copied
     */
    record LongArray(long[] data) implements Storage {
        public long length() { return data.length; }
        public long byteSize() { return 8L * data.length; }
        public Object buffer() { return data; }
    }

    /**
     * int32 elements on the heap.
     *
     * @param data the elements; shared, not copied
     */
    record IntArray(int[] data) implements Storage {
        public long length() { return data.length; }
        public long byteSize() { return 4L * data.length; }
        public Object buffer() { return data; }
    }

    /**
     * bool, uint8 or int8 elements on the heap, one byte each.
     *
     * @param data the elements; shared, not copied
     */
    record ByteArray(byte[] data) implements Storage {
        public long length() { return data.length; }
        public long byteSize() { return data.length; }
        public Object buffer() { return data; }
    }

    /**
     * Elements of {@code dtype} in a memory segment (for instance a memory-mapped file), little-endian.
     *
     * @param segment the bytes; its size is a multiple of {@code dtype.byteSize()}
     * @param dtype   the element type of the bytes
     */
    record Segment(MemorySegment segment, DType dtype) implements Storage {
        static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        public long length() { return segment.byteSize() / dtype.byteSize(); }
        public long byteSize() { return segment.byteSize(); }
        public Object buffer() { return segment; }

        float getFloat(long i) { return segment.getAtIndex(F32, i); }
        long getLong(long i) { return segment.getAtIndex(I64, i); }
        int getInt(long i) { return segment.getAtIndex(I32, i); }
        byte getByte(long i) { return segment.get(ValueLayout.JAVA_BYTE, i); }
    }
}
