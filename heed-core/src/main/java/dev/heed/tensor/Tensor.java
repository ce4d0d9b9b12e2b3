package dev.heed.tensor;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * An n-dimensional array: {@link Storage} + {@link Shape} + strides + offset (all in elements).
 * Views (reshape of contiguous data, permute, transpose, slice, expand) share storage and copy nothing;
 * {@link #contiguous()} copies only when the layout requires it. Immutable as an object; the
 * elements of heap storage are shared with whoever created it.
 *
 * <pre>{@code
 * Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3);   // [2, 3]
 * Tensor t = x.transpose(0, 1);                                 // [3, 2] view
 * float[] rowMajor = t.toFloatArray();                          // {1, 4, 2, 5, 3, 6}
 * }</pre>
 */
public final class Tensor {
    private final DType dtype;
    private final Shape shape;
    private final int[] strides;
    private final long offset;
    private final Storage storage;

    private Tensor(DType dtype, Shape shape, int[] strides, long offset, Storage storage) {
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.storage = storage;
    }

    // ---------------------------------------------------------------- creation

    /**
     * A contiguous float32 tensor over {@code data} (not copied: later writes to the array show through).
     *
     * @param data the elements in row-major order
     * @param dims the shape, outermost first; the product must equal {@code data.length}
     * @return a float32 tensor of shape {@code dims}
     * @throws HeedException {@link ErrorCode#SHAPE_MISMATCH} when the array length is not the shape's element count
     */
    public static Tensor of(float[] data, int... dims) {
        Shape s = Shape.of(dims);
        checkLength("Tensor.of", s, data.length);
        return new Tensor(DType.FLOAT32, s, s.contiguousStrides(), 0, new Storage.FloatArray(data));
    }

    /**
     * A contiguous int64 tensor over {@code data} (not copied).
     *
     * @param data the elements in row-major order
     * @param dims the shape, outermost first; the product must equal {@code data.length}
     * @return an int64 tensor of shape {@code dims}
     * @throws HeedException {@link ErrorCode#SHAPE_MISMATCH} when the array length is not the shape's element count
     */
    public static Tensor ofLongs(long[] data, int... dims) {
        Shape s = Shape.of(dims);
        checkLength("Tensor.ofLongs", s, data.length);
        return new Tensor(DType.INT64, s, s.contiguousStrides(), 0, new Storage.LongArray(data));
    }

    /**
     * A contiguous int32 tensor over {@code data} (not copied).
     *
     * @param data the elements in row-major order
     * @param dims the shape, outermost first; the product must equal {@code data.length}
     * @return an int32 tensor of shape {@code dims}
     * @throws HeedException {@link ErrorCode#SHAPE_MISMATCH} when the array length is not the shape's element count
     */
    public static Tensor ofInts(int[] data, int... dims) {
        Shape s = Shape.of(dims);
        checkLength("Tensor.ofInts", s, data.length);
        return new Tensor(DType.INT32, s, s.contiguousStrides(), 0, new Storage.IntArray(data));
    }

    /**
     * A contiguous bool tensor over {@code data} (not copied).
     *
     * @param data one byte per element in row-major order, 0 = false, anything else = true
     * @param dims the shape, outermost first; the product must equal {@code data.length}
     * @return a bool tensor of shape {@code dims}
     * @throws HeedException {@link ErrorCode#SHAPE_MISMATCH} when the array length is not the shape's element count
     */
    public static Tensor ofBools(byte[] data, int... dims) {
        Shape s = Shape.of(dims);
        checkLength("Tensor.ofBools", s, data.length);
        return new Tensor(DType.BOOL, s, s.contiguousStrides(), 0, new Storage.ByteArray(data));
    }

    /**
     * A contiguous bool tensor from booleans (copied into one byte per element).
     *
     * @param data the elements in row-major order
     * @param dims the shape, outermost first; the product must equal {@code data.length}
     * @return a bool tensor of shape {@code dims}
     * @throws HeedException {@link ErrorCode#SHAPE_MISMATCH} when the array length is not the shape's element count
     */
    public static Tensor ofBooleans(boolean[] data, int... dims) {
        byte[] b = new byte[data.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (data[i] ? 1 : 0);
        return ofBools(b, dims);
    }

    /**
     * A contiguous uint8 tensor over {@code data} (not copied); bytes are read as 0..255.
     *
     * @param data the elements in row-major order
     * @param dims the shape, outermost first; the product must equal {@code data.length}
     * @return a uint8 tensor of shape {@code dims}
     * @throws HeedException {@link ErrorCode#SHAPE_MISMATCH} when the array length is not the shape's element count
     */
    public static Tensor ofUint8(byte[] data, int... dims) {
        Shape s = Shape.of(dims);
        checkLength("Tensor.ofUint8", s, data.length);
        return new Tensor(DType.UINT8, s, s.contiguousStrides(), 0, new Storage.ByteArray(data));
    }

    /**
     * A contiguous int8 tensor over {@code data} (not copied); bytes are read as -128..127.
     *
     * @param data the elements in row-major order
     * @param dims the shape, outermost first; the product must equal {@code data.length}
     * @return an int8 tensor of shape {@code dims}
     * @throws HeedException {@link ErrorCode#SHAPE_MISMATCH} when the array length is not the shape's element count
     */
    public static Tensor ofInt8(byte[] data, int... dims) {
        Shape s = Shape.of(dims);
        checkLength("Tensor.ofInt8", s, data.length);
        return new Tensor(DType.INT8, s, s.contiguousStrides(), 0, new Storage.ByteArray(data));
    }

    /**
     * A zero-filled contiguous heap tensor (false for bool).
     *
     * @param dtype the element type
     * @param dims  the shape, outermost first
     * @return a fresh tensor
     * @throws HeedException {@link ErrorCode#MEMORY_LIMIT} when the shape has more elements than one Java array can hold
     */
    public static Tensor zeros(DType dtype, int... dims) {
        Shape s = Shape.of(dims);
        int n = s.numelInt();
        Storage st = switch (dtype) {
            case FLOAT32 -> new Storage.FloatArray(new float[n]);
            case INT64 -> new Storage.LongArray(new long[n]);
            case INT32 -> new Storage.IntArray(new int[n]);
            case BOOL, UINT8, INT8 -> new Storage.ByteArray(new byte[n]);
        };
        return new Tensor(dtype, s, s.contiguousStrides(), 0, st);
    }

    /**
     * A float32 scalar (rank 0, shape {@code []}).
     *
     * @param v the value
     * @return a one-element tensor
     */
    public static Tensor scalar(float v) {
        return of(new float[] {v});
    }

    /**
     * A contiguous tensor read in place from a memory segment (little-endian), e.g. a memory-mapped
     * weight. Nothing is copied; the tensor is valid as long as the segment's arena is open.
     *
     * @param segment the bytes, little-endian; may be larger than the tensor needs
     * @param dtype   the element type the bytes hold
     * @param dims    the shape, outermost first
     * @return a contiguous tensor over the start of {@code segment}
     * @throws HeedException {@link ErrorCode#MALFORMED_INPUT} when the segment holds fewer elements than the shape needs
     */
    public static Tensor ofSegment(MemorySegment segment, DType dtype, int... dims) {
        Shape s = Shape.of(dims);
        long have = segment.byteSize() / dtype.byteSize();
        if (have < s.numel()) {
            throw new HeedException(ErrorCode.MALFORMED_INPUT, "Tensor.ofSegment: shape " + s + " needs "
                    + s.numel() + " " + dtype + " elements but the segment holds " + have);
        }
        return new Tensor(dtype, s, s.contiguousStrides(), 0, new Storage.Segment(segment, dtype));
    }

    private static void checkLength(String op, Shape s, int length) {
        if (s.numel() != length) {
            throw HeedException.shape(op, "shape " + s + " has " + s.numel() + " elements but the array has " + length);
        }
    }

    // ---------------------------------------------------------------- accessors

    /** {@return the element type} */
    public DType dtype() { return dtype; }

    /** {@return the shape (immutable)} */
    public Shape shape() { return shape; }

    /**
     * Size of one axis; shorthand for {@code shape().dim(axis)}.
     *
     * @param axis the axis in {@code [-rank, rank)}; negative counts from the end
     * @return the size of that axis
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when the axis is out of range
     */
    public int dim(int axis) { return shape.dim(axis); }

    /** {@return the number of axes (0 for a scalar)} */
    public int rank() { return shape.rank(); }

    /** {@return the number of elements (1 for a scalar)} */
    public long numel() { return shape.numel(); }

    /** {@return the strides in elements, one per axis (a copy); 0 on a broadcast axis, negative after a reversing slice} */
    public int[] strides() { return strides.clone(); }

    /** {@return the position of element [0, …, 0] in the storage, in elements} */
    public long offset() { return offset; }

    /** {@return where the elements live (shared with every view of the same data)} */
    public Storage storage() { return storage; }

    /** {@return true when the elements are laid out row-major without gaps (size-1 axes may have any stride)} */
    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.rank() - 1; i >= 0; i--) {
            int d = shape.dim(i);
            if (d != 1 && strides[i] != expected) return false;
            expected *= d;
        }
        return true;
    }

    /**
     * The backing float array when this tensor is float32, heap-backed and contiguous; the first element is
     * at {@link #offset()}. Kernels use it as their fast path; otherwise call {@link #contiguous()} first.
     *
     * @return the shared backing array, or null when the tensor is not float32, not on the heap or not contiguous
     */
    public float[] floatArrayOrNull() {
        return dtype == DType.FLOAT32 && storage instanceof Storage.FloatArray fa && isContiguous() ? fa.data() : null;
    }

    // ---------------------------------------------------------------- element access (slow path, any layout)

    private long linearIndex(int[] idx) {
        if (idx.length != shape.rank()) {
            throw HeedException.invalid("Tensor.get", "index " + Arrays.toString(idx) + " has rank " + idx.length
                    + " but the tensor " + shape + " has rank " + shape.rank());
        }
        long p = offset;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape.dim(i)) {
                throw HeedException.invalid("Tensor.get", "index " + Arrays.toString(idx) + " is out of bounds for " + shape);
            }
            p += (long) idx[i] * strides[i];
        }
        return p;
    }

    /**
     * Element at {@code idx} as a float (any dtype; bool reads as 0 or 1). Slow path: one bounds-checked read.
     *
     * @param idx one index per axis, each in {@code [0, dim)}
     * @return the element
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when the index has the wrong rank or is out of bounds
     */
    public float getFloat(int... idx) {
        return readFloat(linearIndex(idx));
    }

    /**
     * Element at {@code idx} as a long (any dtype; floats are truncated toward zero). Slow path.
     *
     * @param idx one index per axis, each in {@code [0, dim)}
     * @return the element
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when the index has the wrong rank or is out of bounds
     */
    public long getLong(int... idx) {
        return readLong(linearIndex(idx));
    }

    /** Reads storage position {@code p} (an element index into the storage) as float. */
    float readFloat(long p) {
        return switch (storage) {
            case Storage.FloatArray a -> a.data()[(int) p];
            case Storage.LongArray a -> a.data()[(int) p];
            case Storage.IntArray a -> a.data()[(int) p];
            case Storage.ByteArray a -> dtype == DType.UINT8 ? (a.data()[(int) p] & 0xff)
                    : dtype == DType.INT8 ? a.data()[(int) p] : (a.data()[(int) p] != 0 ? 1f : 0f);
            case Storage.Segment s -> switch (dtype) {
                case FLOAT32 -> s.getFloat(p);
                case INT64 -> s.getLong(p);
                case INT32 -> s.getInt(p);
                case UINT8 -> s.getByte(p) & 0xff;
                case INT8 -> s.getByte(p);
                case BOOL -> s.getByte(p) != 0 ? 1f : 0f;
            };
        };
    }

    long readLong(long p) {
        return switch (storage) {
            case Storage.FloatArray a -> (long) a.data()[(int) p];
            case Storage.LongArray a -> a.data()[(int) p];
            case Storage.IntArray a -> a.data()[(int) p];
            case Storage.ByteArray a -> dtype == DType.UINT8 ? (a.data()[(int) p] & 0xff)
                    : dtype == DType.INT8 ? a.data()[(int) p] : (a.data()[(int) p] != 0 ? 1 : 0);
            case Storage.Segment s -> switch (dtype) {
                case FLOAT32 -> (long) s.getFloat(p);
                case INT64 -> s.getLong(p);
                case INT32 -> s.getInt(p);
                case UINT8 -> s.getByte(p) & 0xff;
                case INT8 -> s.getByte(p);
                case BOOL -> s.getByte(p) != 0 ? 1 : 0;
            };
        };
    }

    // ---------------------------------------------------------------- views

    /**
     * Same elements, new shape. One dimension may be -1 (inferred). Zero-copy when the tensor is contiguous;
     * otherwise the elements are first copied into a contiguous tensor.
     *
     * @param dims the new shape; at most one entry may be -1, inferred from the element count
     * @return a tensor with the same elements in the same row-major order
     * @throws HeedException {@link ErrorCode#SHAPE_MISMATCH} when the element counts differ, more than one -1 is given
     *                       or a dimension is negative
     */
    public Tensor reshape(int... dims) {
        int[] d = dims.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < d.length; i++) {
            if (d[i] == -1) {
                if (infer >= 0) throw HeedException.shape("reshape", shape + " -> " + Arrays.toString(dims) + ": only one dimension may be -1");
                infer = i;
            } else if (d[i] < 0) {
                throw HeedException.shape("reshape", shape + " -> " + Arrays.toString(dims) + ": negative dimension " + d[i]);
            } else {
                known *= d[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || numel() % known != 0) {
                throw HeedException.shape("reshape", shape + " -> " + Arrays.toString(dims) + ": cannot infer -1 from "
                        + numel() + " elements");
            }
            d[infer] = (int) (numel() / known);
            known *= d[infer];
        }
        if (known != numel()) {
            throw HeedException.shape("reshape", shape + " (" + numel() + " elements) -> " + Arrays.toString(d)
                    + " (" + known + " elements): element counts differ");
        }
        Tensor src = isContiguous() ? this : contiguous();
        Shape ns = Shape.of(d);
        return new Tensor(dtype, ns, ns.contiguousStrides(), src.offset, src.storage);
    }

    /**
     * Reorders axes: result axis i is source axis {@code perm[i]}. Zero-copy.
     *
     * @param perm a permutation of the axes (negative axes allowed), one entry per axis
     * @return a view with the permuted shape and strides
     * @throws HeedException {@link ErrorCode#SHAPE_MISMATCH} when {@code perm} has the wrong length, {@link ErrorCode#INVALID_ARGUMENT}
     *                       when an axis is out of range or repeats
     */
    public Tensor permute(int... perm) {
        int r = rank();
        if (perm.length != r) {
            throw HeedException.shape("permute", "permutation " + Arrays.toString(perm) + " has " + perm.length
                    + " axes but the tensor " + shape + " has " + r);
        }
        boolean[] seen = new boolean[r];
        int[] nd = new int[r];
        int[] ns = new int[r];
        for (int i = 0; i < r; i++) {
            int a = shape.normalizeAxis(perm[i]);
            if (seen[a]) throw HeedException.invalid("permute", "axis " + a + " repeats in " + Arrays.toString(perm));
            seen[a] = true;
            nd[i] = shape.dim(a);
            ns[i] = strides[a];
        }
        return new Tensor(dtype, Shape.of(nd), ns, offset, storage);
    }

    /**
     * Swaps two axes. Zero-copy.
     *
     * @param a one axis (negative counts from the end)
     * @param b the other axis
     * @return a view with axes {@code a} and {@code b} exchanged
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when an axis is out of range
     */
    public Tensor transpose(int a, int b) {
        int r = rank();
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) perm[i] = i;
        int na = shape.normalizeAxis(a), nb = shape.normalizeAxis(b);
        perm[na] = nb;
        perm[nb] = na;
        return permute(perm);
    }

    /**
     * Elements {@code start, start+step, …} (before {@code end}) along {@code axis}. Python semantics for
     * negative and out-of-range bounds; {@code step} may be negative (then start defaults high). Zero-copy.
     *
     * @param axis  the axis to slice (negative counts from the end)
     * @param start the first index (negative counts from the end; clamped to the axis)
     * @param end   the index to stop before (negative counts from the end; clamped to the axis)
     * @param step  the distance between taken elements, not 0
     * @return a view with the same rank; the sliced axis may have size 0
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when {@code step} is 0 or the axis is out of range
     */
    public Tensor slice(int axis, long start, long end, long step) {
        int ax = shape.normalizeAxis(axis);
        if (step == 0) throw HeedException.invalid("slice", "step must not be 0");
        int n = shape.dim(ax);
        long s, e;
        if (step > 0) {
            s = start < 0 ? Math.max(0, start + n) : Math.min(start, n);
            e = end < 0 ? Math.max(0, end + n) : Math.min(end, n);
        } else {
            s = start < 0 ? Math.max(-1, start + n) : Math.min(start, n - 1);
            e = end < 0 ? Math.max(-1, end + n) : Math.min(end, n - 1);
        }
        long count = step > 0 ? Math.max(0, (e - s + step - 1) / step) : Math.max(0, (s - e + (-step) - 1) / (-step));
        int[] nd = shape.dims();
        nd[ax] = (int) count;
        int[] ns = strides.clone();
        ns[ax] = (int) (strides[ax] * step);
        long off = count == 0 ? offset : offset + s * strides[ax];
        return new Tensor(dtype, Shape.of(nd), ns, off, storage);
    }

    /**
     * Elements {@code [start, end)} along {@code axis}, step 1. Zero-copy.
     *
     * @param axis  the axis to slice (negative counts from the end)
     * @param start the first index (Python semantics for negative and out-of-range values)
     * @param end   the index to stop before
     * @return a view with the same rank
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when the axis is out of range
     */
    public Tensor slice(int axis, long start, long end) {
        return slice(axis, start, end, 1);
    }

    /**
     * Drops {@code axis} by taking index {@code i} along it. Zero-copy.
     *
     * @param axis the axis to remove (negative counts from the end)
     * @param i    the index to keep, in {@code [0, dim(axis))}
     * @return a view of rank {@code rank() - 1}
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when the axis or the index is out of range
     */
    public Tensor select(int axis, int i) {
        int ax = shape.normalizeAxis(axis);
        int n = shape.dim(ax);
        if (i < 0 || i >= n) throw HeedException.invalid("select", "index " + i + " is out of range for axis " + axis + " of " + shape);
        int r = rank();
        int[] nd = new int[r - 1];
        int[] ns = new int[r - 1];
        for (int k = 0, j = 0; k < r; k++) {
            if (k == ax) continue;
            nd[j] = shape.dim(k);
            ns[j++] = strides[k];
        }
        return new Tensor(dtype, Shape.of(nd), ns, offset + (long) i * strides[ax], storage);
    }

    /**
     * Broadcasts to {@code dims} (NumPy rules: new axes on the left, size-1 axes repeated with stride 0).
     * Zero-copy.
     *
     * @param dims the target shape, of rank ≥ {@code rank()}
     * @return a view of shape {@code dims}
     * @throws HeedException {@link ErrorCode#SHAPE_MISMATCH} when an axis is neither equal to the target nor 1, or the
     *                       target has fewer axes
     */
    public Tensor expand(int... dims) {
        Shape target = Shape.of(dims);
        if (target.rank() < rank()) {
            throw HeedException.shape("expand", shape + " -> " + target + ": target has fewer axes");
        }
        int off = target.rank() - rank();
        int[] ns = new int[target.rank()];
        for (int i = 0; i < target.rank(); i++) {
            if (i < off) { ns[i] = 0; continue; }
            int src = shape.dim(i - off);
            if (src == target.dim(i)) {
                ns[i] = strides[i - off];
            } else if (src == 1) {
                ns[i] = 0;
            } else {
                throw HeedException.shape("expand", shape + " -> " + target + ": axis " + i + " has size " + src
                        + ", which is neither " + target.dim(i) + " nor 1");
            }
        }
        return new Tensor(dtype, target, ns, offset, storage);
    }

    /**
     * Inserts a size-1 axis at {@code axis} (in the result's numbering). Zero-copy.
     *
     * @param axis the new axis's position in {@code [-(rank + 1), rank + 1)}
     * @return a view of rank {@code rank() + 1}
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when the axis is out of range
     */
    public Tensor unsqueeze(int axis) {
        int r = rank() + 1;
        int a = axis < 0 ? axis + r : axis;
        if (a < 0 || a >= r) throw HeedException.invalid("unsqueeze", "axis " + axis + " out of range for result rank " + r);
        int[] nd = new int[r];
        int[] ns = new int[r];
        for (int i = 0, j = 0; i < r; i++) {
            if (i == a) { nd[i] = 1; ns[i] = 0; continue; }
            nd[i] = shape.dim(j);
            ns[i] = strides[j++];
        }
        return new Tensor(dtype, Shape.of(nd), ns, offset, storage);
    }

    // ---------------------------------------------------------------- copies

    /** {@return this tensor if already contiguous and heap-backed, otherwise a contiguous heap copy} */
    public Tensor contiguous() {
        if (isContiguous() && !(storage instanceof Storage.Segment) ) return this;
        return copy();
    }

    /** {@return a fresh contiguous heap copy, never shared} */
    public Tensor copy() {
        Tensor out = zeros(dtype, shape.dims());
        StridedCopy.copy(this, StridedCopy.heapArray(out.storage));
        return out;
    }

    /** {@return the elements in row-major order as a new float array (any dtype converted; bool as 0 or 1)} */
    public float[] toFloatArray() {
        int n = shape.numelInt();
        float[] out = new float[n];
        if (dtype == DType.FLOAT32) {
            StridedCopy.copy(this, out);
            return out;
        }
        Tensor c = contiguous(); // same dtype, heap, row-major: the conversion below is one flat loop
        int o = (int) c.offset;
        switch (c.storage) {
            case Storage.LongArray a -> { long[] x = a.data(); for (int i = 0; i < n; i++) out[i] = x[o + i]; }
            case Storage.IntArray a -> { int[] x = a.data(); for (int i = 0; i < n; i++) out[i] = x[o + i]; }
            case Storage.ByteArray a -> {
                byte[] x = a.data();
                if (dtype == DType.UINT8) for (int i = 0; i < n; i++) out[i] = x[o + i] & 0xff;
                else if (dtype == DType.INT8) for (int i = 0; i < n; i++) out[i] = x[o + i];
                else for (int i = 0; i < n; i++) out[i] = x[o + i] != 0 ? 1f : 0f;
            }
            case Storage.FloatArray a -> throw new HeedException(ErrorCode.INTERNAL, "float storage for dtype " + dtype);
            case Storage.Segment g -> throw new HeedException(ErrorCode.INTERNAL, "contiguous() returned a segment");
        }
        return out;
    }

    /** {@return the elements in row-major order as a new long array (floats truncated toward zero)} */
    public long[] toLongArray() {
        int n = shape.numelInt();
        long[] out = new long[n];
        if (dtype == DType.INT64) {
            StridedCopy.copy(this, out);
            return out;
        }
        Tensor c = contiguous();
        int o = (int) c.offset;
        switch (c.storage) {
            case Storage.FloatArray a -> { float[] x = a.data(); for (int i = 0; i < n; i++) out[i] = (long) x[o + i]; }
            case Storage.IntArray a -> { int[] x = a.data(); for (int i = 0; i < n; i++) out[i] = x[o + i]; }
            case Storage.ByteArray a -> {
                byte[] x = a.data();
                if (dtype == DType.UINT8) for (int i = 0; i < n; i++) out[i] = x[o + i] & 0xff;
                else if (dtype == DType.INT8) for (int i = 0; i < n; i++) out[i] = x[o + i];
                else for (int i = 0; i < n; i++) out[i] = x[o + i] != 0 ? 1 : 0;
            }
            case Storage.LongArray a -> throw new HeedException(ErrorCode.INTERNAL, "long storage for dtype " + dtype);
            case Storage.Segment g -> throw new HeedException(ErrorCode.INTERNAL, "contiguous() returned a segment");
        }
        return out;
    }

    /**
     * Copy into the fresh contiguous {@code out} (same shape, any dtype): a raw strided copy for the same dtype,
     * otherwise through the row-major float (to float32, and float32 to bool) or long (everything else) values.
     */
    private void copyInto(Tensor out) {
        if (out.dtype == dtype) {
            StridedCopy.copy(this, StridedCopy.heapArray(out.storage));
            return;
        }
        switch (out.storage) {
            case Storage.FloatArray a -> System.arraycopy(toFloatArray(), 0, a.data(), 0, a.data().length);
            case Storage.LongArray a -> System.arraycopy(toLongArray(), 0, a.data(), 0, a.data().length);
            case Storage.IntArray a -> {
                long[] v = toLongArray();
                int[] d = a.data();
                for (int i = 0; i < v.length; i++) d[i] = (int) v[i];
            }
            case Storage.ByteArray a -> {
                byte[] d = a.data();
                if (out.dtype == DType.BOOL && dtype == DType.FLOAT32) {
                    float[] v = toFloatArray(); // NaN counts as true, so no detour through long
                    for (int i = 0; i < v.length; i++) d[i] = (byte) (v[i] != 0 ? 1 : 0);
                } else {
                    long[] v = toLongArray();
                    if (out.dtype == DType.BOOL) for (int i = 0; i < v.length; i++) d[i] = (byte) (v[i] != 0 ? 1 : 0);
                    else for (int i = 0; i < v.length; i++) d[i] = (byte) v[i];
                }
            }
            case Storage.Segment g -> throw new HeedException(ErrorCode.INTERNAL, "copy into a segment");
        }
    }

    /**
     * Converts to another dtype (ONNX Cast semantics for the supported types). Always a fresh tensor.
     *
     * @param target the element type of the result
     * @return a fresh contiguous tensor of the same shape
     */
    public Tensor to(DType target) {
        Tensor out = zeros(target, shape.dims());
        copyInto(out);
        return out;
    }

    @Override
    public String toString() {
        return "Tensor(" + dtype + shape + ")";
    }
}
