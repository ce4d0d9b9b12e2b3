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

    /**
     * A shape from its dimensions, outermost first.
     *
     * @param dims the dimension sizes, each ≥ 0; none for a scalar; the array is copied
     * @return the shape
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when a dimension is negative
     */
    public static Shape of(int... dims) {
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw new HeedException(ErrorCode.INVALID_ARGUMENT,
                        "shape: dimension " + i + " of " + Arrays.toString(dims) + " is negative");
            }
        }
        return new Shape(dims.clone());
    }

    /**
     * A shape from long dimensions (as ONNX and NumPy headers store them), refusing any that does not fit an int.
     *
     * @param dims the dimension sizes, each in {@code [0, Integer.MAX_VALUE]}
     * @return the shape
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when a dimension is negative or too large
     */
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

    /** {@return the rank-0 shape {@code []} of a scalar (one element)} */
    public static Shape scalar() {
        return new Shape(new int[0]);
    }

    /** {@return the number of dimensions (0 for a scalar)} */
    public int rank() {
        return dims.length;
    }

    /**
     * Size of one dimension.
     *
     * @param axis the axis in {@code [-rank, rank)}; negative axes count from the end
     * @return the size of that dimension
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when the axis is out of range
     */
    public int dim(int axis) {
        return dims[normalizeAxis(axis)];
    }

    /** {@return a copy of the dimensions, outermost first} */
    public int[] dims() {
        return dims.clone();
    }

    /** {@return the number of elements: the product of the dimensions (1 for a scalar, 0 when any is 0)} */
    public long numel() {
        return numel(dims);
    }

    /**
     * The element count of {@code dims} in checked arithmetic: 0 when any dimension is 0, otherwise the
     * product, refused with {@code MEMORY_LIMIT} when it would not fit a long (it used to wrap, so that
     * [2^30, 12, 2^30, 64] counted 0 elements).
     *
     * @param dims dimension sizes, each ≥ 0
     * @return the product of {@code dims} (1 for none)
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} for a negative dimension,
     *                       {@link ErrorCode#MEMORY_LIMIT} when the product overflows a long
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

    /**
     * Number of elements as an int, for shapes whose elements go into one Java array.
     *
     * @return the number of elements
     * @throws HeedException {@link ErrorCode#MEMORY_LIMIT}, naming the shape, when it does not fit a Java array
     */
    public int numelInt() {
        long n = numel();
        if (n > Integer.MAX_VALUE - 16) {
            throw new HeedException(ErrorCode.MEMORY_LIMIT,
                    "shape " + this + " has " + n + " elements, more than one Java array can hold");
        }
        return (int) n;
    }

    /**
     * Maps a possibly negative axis into {@code [0, rank)}.
     *
     * @param axis an axis in {@code [-rank, rank)}
     * @return the same axis in {@code [0, rank)}
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT}, naming the shape, when the axis is out of range
     */
    public int normalizeAxis(int axis) {
        int r = dims.length;
        int a = axis < 0 ? axis + r : axis;
        if (a < 0 || a >= r) {
            throw new HeedException(ErrorCode.INVALID_ARGUMENT,
                    "axis " + axis + " is out of range for shape " + this + " (rank " + r + ")");
        }
        return a;
    }

    /**
     * Row-major (C-contiguous) strides.
     *
     * @return one stride per axis, in elements (the last is 1)
     * @throws HeedException {@link ErrorCode#MEMORY_LIMIT} when a stride does not fit an int
     */
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
     * @param op the operation's name, for the error message
     * @param a  the first operand's shape
     * @param b  the second operand's shape
     * @return the broadcast shape, of rank {@code max(a.rank(), b.rank())}
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
