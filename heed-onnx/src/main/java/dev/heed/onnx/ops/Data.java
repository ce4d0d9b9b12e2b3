package dev.heed.onnx.ops;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.DType;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Storage;
import dev.heed.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Typed element movement shared by the op adapters (this package and {@code ops.nn}; not an API for users): allocation under the memory limit, block copies
 * from any storage (heap or memory-mapped segment) at a storage position, axis and index helpers.
 * Positions are in elements relative to a tensor's {@link Tensor#offset()}, computed with its own strides,
 * so views (transposed, sliced, expanded, negative steps) are read in place.
 */
public final class Data {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Data() {}

    /**
     * A zero-filled heap tensor, refused when it would exceed the context's per-tensor memory limit or the run's budget.
     *
     * @param ctx  the context whose limit applies
     * @param op   names the op in error messages
     * @param dt   the element type
     * @param dims the shape
     * @return the tensor
     * @throws HeedException INVALID_ARGUMENT for a negative dimension, MEMORY_LIMIT when over the limit (or past 64 bits)
     */
    public static Tensor alloc(ExecutionContext ctx, String op, DType dt, int[] dims) {
        for (int d : dims) {
            if (d < 0) throw HeedException.invalid(op, "negative output dimension in " + Arrays.toString(dims));
        }
        // per tensor and the run's total; an element count past 64 bits is MEMORY_LIMIT there, and a zero dimension
        // anywhere makes the tensor empty however large the others are
        dev.heed.exec.MemoryBudget.reserve(ctx, op + ": output", dt, dims);
        return Tensor.zeros(dt, dims);
    }

    /**
     * Copies {@code n} consecutive storage elements of {@code src} (from position sp) into heap tensor {@code dst} at dp.
     *
     * @param src the source, heap or segment
     * @param sp  the first source storage position
     * @param dst the heap destination, same dtype
     * @param dp  the first destination storage position
     * @param n   the number of elements
     */
    public static void copy(Tensor src, long sp, Tensor dst, long dp, int n) {
        if (n <= 0) return;
        long s = src.offset() + sp;
        int d = (int) (dst.offset() + dp);
        switch (src.storage()) {
            case Storage.FloatArray a -> System.arraycopy(a.data(), (int) s, ((Storage.FloatArray) dst.storage()).data(), d, n);
            case Storage.LongArray a -> System.arraycopy(a.data(), (int) s, ((Storage.LongArray) dst.storage()).data(), d, n);
            case Storage.IntArray a -> System.arraycopy(a.data(), (int) s, ((Storage.IntArray) dst.storage()).data(), d, n);
            case Storage.ByteArray a -> System.arraycopy(a.data(), (int) s, ((Storage.ByteArray) dst.storage()).data(), d, n);
            case Storage.Segment g -> {
                MemorySegment m = g.segment();
                switch (dst.storage()) {
                    case Storage.FloatArray f -> MemorySegment.copy(m, F32, s * 4, f.data(), d, n);
                    case Storage.LongArray l -> MemorySegment.copy(m, I64, s * 8, l.data(), d, n);
                    case Storage.IntArray i -> MemorySegment.copy(m, I32, s * 4, i.data(), d, n);
                    case Storage.ByteArray b -> MemorySegment.copy(m, ValueLayout.JAVA_BYTE, s, b.data(), d, n);
                    case Storage.Segment x -> throw new HeedException(ErrorCode.INTERNAL, "copy into a segment");
                }
            }
        }
    }

    /**
     * A dense (contiguous) version of t.
     *
     * @param t any tensor
     * @return t itself when contiguous (heap or segment), else a heap copy
     */
    public static Tensor dense(Tensor t) {
        return t.isContiguous() ? t : t.contiguous();
    }

    static long[] longs(Tensor t) {
        return t.toLongArray();
    }

    /** Integer values of a shape-like tensor (int64/int32) for op {@code op}, input {@code what}. */
    static long[] indexValues(Tensor t, String op, String what) {
        if (t.dtype() != DType.INT64 && t.dtype() != DType.INT32) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": input '" + what + "' must be int64 or int32, got " + t.dtype());
        }
        return t.toLongArray();
    }

    /**
     * Narrows an index or size to int.
     *
     * @param v    the value
     * @param op   names the op in error messages
     * @param what names the value in error messages
     * @return {@code v} as an int
     * @throws HeedException INVALID_ARGUMENT when it does not fit
     */
    public static int toInt(long v, String op, String what) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw HeedException.invalid(op, what + " " + v + " is out of range");
        return (int) v;
    }

    /**
     * Normalises an axis in [-rank, rank).
     *
     * @param axis the axis, negative counting from the end
     * @param rank the tensor's rank
     * @param op   names the op in error messages
     * @return the axis in [0, rank)
     * @throws HeedException INVALID_ARGUMENT naming the op when out of range
     */
    public static int axis(long axis, int rank, String op) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw HeedException.invalid(op, "axis " + axis + " is out of range for rank " + rank);
        return (int) a;
    }

    static Tensor int64Vector(long[] v) {
        return Tensor.ofLongs(v, v.length);
    }

    static Tensor int64Scalar(long v) {
        return Tensor.ofLongs(new long[] {v});
    }

    static int[] dims(Tensor t) {
        return t.shape().dims();
    }

    /**
     * The dtype and shape for messages.
     *
     * @param t the tensor
     * @return e.g. {@code float32[2, 3]}
     */
    public static String shapeOf(Tensor t) {
        return t.dtype() + t.shape().toString();
    }

    static void sameDType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": inputs " + shapeOf(a) + " and " + shapeOf(b) + " must have the same dtype");
        }
    }

    /** Shape of the broadcast of several tensors (NumPy rules). */
    static Shape broadcast(String op, Tensor... ts) {
        Shape s = ts[0].shape();
        for (int i = 1; i < ts.length; i++) s = Shape.broadcast(op, s, ts[i].shape());
        return s;
    }

    /** Iterates storage positions (relative to offset) of a view in row-major order. */
    static final class Walker {
        private final int[] dims;
        private final int[] strides;
        private final int[] idx;
        private long pos;

        Walker(Tensor t) {
            this.dims = t.shape().dims();
            this.strides = t.strides();
            this.idx = new int[dims.length];
        }

        long next() {
            long p = pos;
            for (int ax = dims.length - 1; ax >= 0; ax--) {
                idx[ax]++;
                pos += strides[ax];
                if (idx[ax] < dims[ax]) return p;
                pos -= (long) strides[ax] * idx[ax];
                idx[ax] = 0;
            }
            return p;
        }
    }

    /**
     * Builds a tensor of {@code outDims} where output coordinate o on axis ax reads source coordinate
     * {@code map[ax][o]} (any view), or the one-element {@code fill} where a map entry is -1. Tile, Pad and
     * friends are such separable index maps. The last axis is cut into runs of consecutive source coordinates (or
     * of fill), each one block copy per output row; the element walk {@link #remapElements} is its reference twin.
     */
    static Tensor remap(ExecutionContext ctx, String op, Tensor src, int[] outDims, int[][] map, Tensor fill) {
        Tensor out = alloc(ctx, op, src.dtype(), outDims);
        int r = outDims.length;
        long n = out.numel();
        if (r == 0 || n == 0) return remapElements(out, src, outDims, map, fill);
        int last = r - 1, inner = outDims[last];
        // the last axis as runs: [start, start + len) reads consecutive source coordinates from src0, or fills (src0 -1)
        int[] runStart = new int[inner], runSrc = new int[inner], runLen = new int[inner];
        int runs = 0;
        for (int o = 0; o < inner; o++) {
            int m = map[last][o];
            if (runs > 0) {
                int p = runs - 1, prev = runSrc[p] < 0 ? -1 : runSrc[p] + runLen[p];
                if ((m < 0 && runSrc[p] < 0) || (m >= 0 && m == prev)) { runLen[p]++; continue; }
            }
            runStart[runs] = o;
            runSrc[runs] = m < 0 ? -1 : m;
            runLen[runs++] = 1;
        }
        int[] st = src.strides();
        Tensor fillDense = fill == null ? null : dense(fill);
        int[] idx = new int[r];
        long rows = n / inner;
        for (long row = 0; row < rows; row++) {
            long p = 0, o = row * inner;
            boolean pad = false;
            for (int ax = 0; ax < last; ax++) {
                int s = map[ax][idx[ax]];
                if (s < 0) { pad = true; break; }
                p += (long) s * st[ax];
            }
            if (pad) {
                fillRun(fillDense, out, o, inner);
            } else {
                for (int k = 0; k < runs; k++) {
                    long at = o + runStart[k];
                    if (runSrc[k] < 0) fillRun(fillDense, out, at, runLen[k]);
                    else if (st[last] == 1) copy(src, p + runSrc[k], out, at, runLen[k]);
                    else for (int j = 0; j < runLen[k]; j++) copy(src, p + (long) (runSrc[k] + j) * st[last], out, at + j, 1);
                }
            }
            for (int ax = last - 1; ax >= 0; ax--) {
                if (++idx[ax] < outDims[ax]) break;
                idx[ax] = 0;
            }
        }
        return out;
    }

    /** {@code len} copies of the one-element {@code fill} into heap tensor {@code out} from position {@code at}. */
    private static void fillRun(Tensor fill, Tensor out, long at, int len) {
        if (out.storage() instanceof Storage.FloatArray f && fill.storage() instanceof Storage.FloatArray v) {
            int from = (int) (out.offset() + at);
            Arrays.fill(f.data(), from, from + len, v.data()[(int) fill.offset()]);
            return;
        }
        for (int j = 0; j < len; j++) copy(fill, 0, out, at + j, 1);
    }

    /** The element-by-element walk: remap's reference twin (and its path for rank 0 and empty outputs). */
    static Tensor remapElements(Tensor out, Tensor src, int[] outDims, int[][] map, Tensor fill) {
        int r = outDims.length;
        int[] st = src.strides();
        int[] idx = new int[r];
        long n = out.numel();
        Tensor fillDense = fill == null ? null : dense(fill);
        for (long i = 0; i < n; i++) {
            long p = 0;
            boolean pad = false;
            for (int ax = 0; ax < r; ax++) {
                int s = map[ax][idx[ax]];
                if (s < 0) { pad = true; break; }
                p += (long) s * st[ax];
            }
            if (pad) copy(fillDense, 0, out, i, 1);
            else copy(src, p, out, i, 1);
            for (int ax = r - 1; ax >= 0; ax--) {
                if (++idx[ax] < outDims[ax]) break;
                idx[ax] = 0;
            }
        }
        return out;
    }

    /**
     * Copies every element of {@code src} (any view) into the fresh contiguous {@code dst} of the same shape.
     *
     * @param src the source, any layout or storage
     * @param dst a contiguous heap tensor of the same shape and dtype
     */
    public static void copyAll(Tensor src, Tensor dst) {
        if (src.isContiguous()) {
            copy(src, 0, dst, 0, (int) src.numel());
            return;
        }
        Walker w = new Walker(src);
        long n = src.numel();
        for (long i = 0; i < n; i++) copy(src, w.next(), dst, i, 1);
    }
}
