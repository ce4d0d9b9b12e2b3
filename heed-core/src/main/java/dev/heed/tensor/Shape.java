package dev.heed.tensor;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.util.Arrays;

/**
 * An immutable list of dimension sizes, PyTorch order (outermost first), e.g. {@code [B, H, L, E]}.
 * Negative axes count from the end as in NumPy.
 *
 * <pre>{@code
 * Shape s = Shape.of(2, 12, 128, 64);
 * s.dim(-1);   // 64
 * s.numel();   // 196608
 * }</pre>
 */
public final class Shape {
    private final int[] dims;

    private Shape(int[] dims) {
        this.dims = dims;
    }

    /** A shape from its dimensions; every dimension must be ≥ 0. */
    public static Shape of(int... dims) {
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw new HeedException(ErrorCode.INVALID_ARGUMENT,
                        "shape: dimension " + i + " of " + Arrays.toString(dims) + " is negative");
            }
        }
        return new Shape(dims.clone());
    }

    /** A shape from long dimensions, refusing any that does not fit an int. */
    public static Shape ofLongs(long... dims) {
        int[] d = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) {
                throw new HeedException(ErrorCode.INVALID_ARGUMENT,
                        "shape: dimension " + i + " of " + Arrays.toString(dims) + " is out of range");
            }
            d[i] = (int) dims[i];
        }
        return new Shape(d);
    }

    /** The rank-0 shape of a scalar. */
    public static Shape scalar() {
        return new Shape(new int[0]);
    }

    public int rank() {
        return dims.length;
    }

    /** Size of {@code axis}; negative axes count from the end. */
    public int dim(int axis) {
        return dims[normalizeAxis(axis)];
    }

    /** A copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    /** Number of elements (1 for a scalar). */
    public long numel() {
        return numel(dims);
    }

    /**
     * The element count of {@code dims} in checked arithmetic: 0 when any dimension is 0, otherwise the
     * product, refused with {@code MEMORY_LIMIT} when it would not fit a long (it used to wrap, so that
     * [2^30, 12, 2^30, 64] counted 0 elements).
     */
    public static long numel(int... dims) {
        for (int d : dims) if (d == 0) return 0;
        long n = 1;
        for (int d : dims) {
            if (d < 0) throw new HeedException(ErrorCode.INVALID_ARGUMENT, "shape " + Arrays.toString(dims) + " has a negative dimension");
            if (n > Long.MAX_VALUE / d) {
                throw new HeedException(ErrorCode.MEMORY_LIMIT, "shape " + Arrays.toString(dims)
                        + " has more than 2^63 elements (the element count overflows 64 bits)");
            }
            n *= d;
        }
        return n;
    }

    /** Number of elements as an int, or an error naming the shape if it does not fit a Java array. */
    public int numelInt() {
        long n = numel();
        if (n > Integer.MAX_VALUE - 16) {
            throw new HeedException(ErrorCode.MEMORY_LIMIT,
                    "shape " + this + " has " + n + " elements, more than one Java array can hold");
        }
        return (int) n;
    }

    /** Maps a possibly negative axis into {@code [0, rank)} or throws naming the shape. */
    public int normalizeAxis(int axis) {
        int r = dims.length;
        int a = axis < 0 ? axis + r : axis;
        if (a < 0 || a >= r) {
            throw new HeedException(ErrorCode.INVALID_ARGUMENT,
                    "axis " + axis + " is out of range for shape " + this + " (rank " + r + ")");
        }
        return a;
    }

    /** Row-major (C-contiguous) strides in elements. */
    public int[] contiguousStrides() {
        int[] s = new int[dims.length];
        boolean empty = false;
        for (int d : dims) empty |= d == 0;
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            if (acc > Integer.MAX_VALUE && empty) {
                acc = Integer.MAX_VALUE; // an empty tensor never indexes with its strides: any value will do
            } else if (acc > Integer.MAX_VALUE) {
                throw new HeedException(ErrorCode.MEMORY_LIMIT, "shape " + this + ": stride " + acc + " of axis " + i
                        + " does not fit an int (the tensor has more elements than one Java array can hold)");
            }
            s[i] = (int) acc;
            acc *= Math.max(dims[i], 1);
        }
        return s;
    }

    /**
     * NumPy broadcasting of two shapes: dimensions are aligned from the right and must be equal or 1.
     *
     * @throws HeedException naming both shapes and the first axis that clashes
     */
    public static Shape broadcast(String op, Shape a, Shape b) {
        int r = Math.max(a.rank(), b.rank());
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.rank() ? 1 : a.dims[i - (r - a.rank())];
            int db = i < r - b.rank() ? 1 : b.dims[i - (r - b.rank())];
            if (da != db && da != 1 && db != 1) {
                throw HeedException.shape(op, "cannot broadcast " + a + " with " + b + ": at axis " + (i - r)
                        + " sizes " + da + " and " + db + " differ and neither is 1");
            }
            out[i] = da == 1 ? db : da;
        }
        return new Shape(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** {@code [2, 3, 4]}. */
    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
