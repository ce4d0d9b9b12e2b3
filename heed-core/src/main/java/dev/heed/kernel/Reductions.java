package dev.heed.kernel;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.DType;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/**
 * Reductions over any set of axes (sum, mean, max, min) and argmax / argmin along one axis, ONNX semantics.
 *
 * <p>Catalogue (float32 in, float32 out; int64 / int32 in, same type out, exact; arg* → int64):
 * <ul>
 *   <li>rows: reduced axes trailing in memory → {@code [K, R]} row reductions, vectorised
 *       ({@code ReductionsVector.reduceRows}); sums in float vector blocks of 256 then double.</li>
 *   <li>columns: reduced axes one contiguous block followed by kept axes ({@code [O, R, I]}, e.g. mean over
 *       L of {@code [B, L, E]}) → accumulate rows of {@code I} with vectors ({@code ReductionsVector.reduceColumns}).</li>
 *   <li>otherwise: one contiguous copy of the view permuted to {@code [kept…, reduced…]}, then rows.</li>
 *   <li>prod: the scalar path, accumulated in double (no vector version).</li>
 *   <li>int64 / int32: scalar, exact long arithmetic ({@link #reduceIntegers}).</li>
 *   <li>arg*: scalar, exact; ties → first index, or last with {@code selectLastIndex}; NaN wins (as NumPy).</li>
 * </ul>
 * An empty reduction gives 0 (sum), NaN (mean), -inf (max), +inf (min), 1 (prod). Empty {@code axes} reduce all axes.
 *
 * <pre>{@code
 * Tensor pooled = Reductions.reduce(ctx, ReduceOp.MEAN, h, new int[] {1}, false);    // [B, L, E] -> [B, E]
 * Tensor best = Reductions.argMax(ctx, logits, -1, false, false);                     // [B, C] -> [B] int64
 * }</pre>
 */
public final class Reductions {
    private Reductions() {}

    /**
     * Reduces {@code x} over {@code axes} (negative axes count from the end; empty = all axes).
     *
     * @param ctx      the threads to run on
     * @param op       the reduction
     * @param x        float32, int64 or int32 input
     * @param axes     the axes to reduce; empty for all
     * @param keepDims keep reduced axes as size 1
     * @return a new contiguous tensor of x's dtype
     * @throws HeedException INVALID_ARGUMENT for an axis out of range or repeated, DTYPE_MISMATCH for another dtype
     */
    public static Tensor reduce(ExecutionContext ctx, ReduceOp op, Tensor x, int[] axes, boolean keepDims) {
        String name = "reduce_" + op;
        if (x.dtype() == DType.INT64 || x.dtype() == DType.INT32) return reduceIntegers(op, x, axes, keepDims);
        requireFloat(name, x);
        Plan plan = plan(name, x, axes, keepDims);
        boolean[] red = plan.red();
        int[] perm = plan.perm();
        int r = x.rank();
        long kept = plan.kept(), reduced = plan.reduced();
        Tensor out = Tensor.zeros(DType.FLOAT32, plan.outShape().dims());
        float[] y = out.floatArrayOrNull();
        int K = (int) kept, R = (int) reduced;
        if (K == 0) return out;
        boolean vec = VectorSupport.available();
        Tensor xs = Elementwise.heap(x);
        // columns: x contiguous, reduced axes one block [lo, hi] followed by kept axes
        int lo = -1, hi = -1;
        for (int a = 0; a < r; a++) if (red[a]) { if (lo < 0) lo = a; hi = a; }
        boolean block = lo >= 0;
        for (int a = lo; block && a <= hi; a++) block = red[a];
        if (R > 0 && block && hi < r - 1 && xs.isContiguous()) {
            int outer = 1, inner = 1;
            for (int a = 0; a < lo; a++) outer *= x.dim(a);
            for (int a = hi + 1; a < r; a++) inner *= x.dim(a);
            float[] xd = ((dev.heed.tensor.Storage.FloatArray) xs.storage()).data();
            int off = (int) xs.offset(), in = inner;
            ctx.parallelFor(outer, Math.max(1, StridedWalk.GRAIN_ELEMENTS / Math.max(1, R * inner)), (s, e) -> {
                for (int o = s; o < e; o++) {
                    if (vec) ReductionsVector.PREFERRED.reduceColumns(op, xd, off + o * R * in, R, in, y, o * in);
                    else ReductionsReference.reduceColumns(op, xd, off + o * R * in, R, in, y, o * in);
                }
            });
            return out;
        }
        Tensor rows = xs.permute(perm);
        float[] xd = rows.floatArrayOrNull();
        if (xd == null) {
            rows = rows.contiguous();
            xd = rows.floatArrayOrNull();
        }
        float[] data = xd;
        int off = (int) rows.offset();
        ctx.parallelFor(K, Math.max(1, StridedWalk.GRAIN_ELEMENTS / Math.max(1, R)), (s, e) -> {
            for (int i = s; i < e; i++) {
                y[i] = vec ? ReductionsVector.PREFERRED.reduceRow(op, data, off + i * R, R)
                        : ReductionsReference.reduceRow(op, data, off + i * R, R);
            }
        });
        return out;
    }

    /**
     * int64 / int32 reductions, exact in long arithmetic (wrapping on overflow, as the ONNX reference's NumPy
     * does), scalar: integer reductions are shape arithmetic and masks, never hot. MEAN truncates toward zero
     * (NumPy's cast of the mean); an empty MEAN gives 0, an empty MAX / MIN the type's minimum / maximum.
     */
    private static Tensor reduceIntegers(ReduceOp op, Tensor x, int[] axes, boolean keepDims) {
        Plan plan = plan("reduce_" + op, x, axes, keepDims);
        long kept = plan.kept(), reduced = plan.reduced();
        long[] v = kept == 0 ? new long[0] : x.permute(plan.perm()).toLongArray();   // [kept, reduced]
        boolean i32 = x.dtype() == DType.INT32;
        long[] y = new long[(int) kept];
        int R = (int) reduced;
        for (int i = 0; i < y.length; i++) {
            long acc = switch (op) {
                case SUM, MEAN -> 0;
                case PROD -> 1;
                case MAX -> i32 ? Integer.MIN_VALUE : Long.MIN_VALUE;
                case MIN -> i32 ? Integer.MAX_VALUE : Long.MAX_VALUE;
            };
            for (int j = 0; j < R; j++) {
                long e = v[i * R + j];
                acc = switch (op) {
                    case SUM, MEAN -> acc + e;
                    case PROD -> acc * e;
                    case MAX -> Math.max(acc, e);
                    case MIN -> Math.min(acc, e);
                };
            }
            y[i] = op == ReduceOp.MEAN ? (R == 0 ? 0 : acc / R) : acc;
        }
        Tensor out = Tensor.ofLongs(y, plan.outShape().dims());
        return i32 ? out.to(DType.INT32) : out;
    }

    /**
     * The reduction's layout: which axes are reduced, the output shape, and the permutation that puts the kept
     * axes (product {@code kept}) before the reduced ones (product {@code reduced}).
     */
    private record Plan(boolean[] red, Shape outShape, int[] perm, long kept, long reduced) {}

    private static Plan plan(String name, Tensor x, int[] axes, boolean keepDims) {
        boolean[] red = reducedAxes(name, x.shape(), axes);
        Shape outShape = outShape(x.shape(), red, keepDims);
        int r = x.rank();
        int[] perm = new int[r];
        int k = 0;
        long kept = 1, reduced = 1;
        for (int a = 0; a < r; a++) if (!red[a]) { perm[k++] = a; kept *= x.dim(a); }
        for (int a = 0; a < r; a++) if (red[a]) { perm[k++] = a; reduced *= x.dim(a); }
        return new Plan(red, outShape, perm, kept, reduced);
    }

    /**
     * Index of the largest element along {@code axis} as int64 (ONNX ArgMax); NaN counts as the largest.
     *
     * @param ctx             the threads to run on
     * @param x               the input
     * @param axis            the axis in {@code [-rank, rank)}
     * @param keepDims        keep the axis as size 1
     * @param selectLastIndex on ties, the last index instead of the first
     * @return an int64 tensor
     * @throws HeedException INVALID_ARGUMENT for a bad or empty axis
     */
    public static Tensor argMax(ExecutionContext ctx, Tensor x, int axis, boolean keepDims, boolean selectLastIndex) {
        return arg("argmax", true, ctx, x, axis, keepDims, selectLastIndex);
    }

    /**
     * Index of the smallest element along {@code axis} as int64 (ONNX ArgMin); NaN counts as the smallest.
     *
     * @param ctx             the threads to run on
     * @param x               the input
     * @param axis            the axis in {@code [-rank, rank)}
     * @param keepDims        keep the axis as size 1
     * @param selectLastIndex on ties, the last index instead of the first
     * @return an int64 tensor
     * @throws HeedException INVALID_ARGUMENT for a bad or empty axis
     */
    public static Tensor argMin(ExecutionContext ctx, Tensor x, int axis, boolean keepDims, boolean selectLastIndex) {
        return arg("argmin", false, ctx, x, axis, keepDims, selectLastIndex);
    }

    private static Tensor arg(String name, boolean max, ExecutionContext ctx, Tensor x, int axis, boolean keepDims, boolean last) {
        requireFloat(name, x);
        int ax = axisOf(name, x.shape(), axis);
        int n = x.dim(ax);
        if (n == 0) throw HeedException.invalid(name, "axis " + axis + " of " + x.shape() + " is empty");
        boolean[] red = new boolean[x.rank()];
        red[ax] = true;
        Shape outShape = outShape(x.shape(), red, keepDims);
        Tensor rows = rowsLast(x, ax);
        float[] xd = rows.floatArrayOrNull();
        int off = (int) rows.offset();
        Tensor out = Tensor.zeros(DType.INT64, outShape.dims());
        long[] y = ((dev.heed.tensor.Storage.LongArray) out.storage()).data();
        int K = y.length;
        ctx.parallelFor(K, Math.max(1, StridedWalk.GRAIN_ELEMENTS / n), (s, e) -> {
            for (int i = s; i < e; i++) y[i] = ReductionsReference.argRow(xd, off + i * n, n, max, last);
        });
        return out;
    }

    // ---------------------------------------------------------------- helpers

    /** {@code x} with {@code axis} moved last, as a contiguous heap float tensor {@code [K, N]}. */
    static Tensor rowsLast(Tensor x, int axis) {
        int r = x.rank();
        int[] perm = new int[r];
        for (int a = 0, k = 0; a < r; a++) if (a != axis) perm[k++] = a;
        perm[r - 1] = axis;
        Tensor p = Elementwise.heap(x).permute(perm);
        return p.floatArrayOrNull() != null ? p : p.contiguous();
    }

    static int axisOf(String op, Shape s, int axis) {
        if (axis < -s.rank() || axis >= s.rank()) {
            throw HeedException.invalid(op, "axis " + axis + " is out of range for " + s + " (rank " + s.rank() + ")");
        }
        return axis < 0 ? axis + s.rank() : axis;
    }

    static boolean[] reducedAxes(String op, Shape s, int[] axes) {
        boolean[] red = new boolean[s.rank()];
        if (axes == null || axes.length == 0) {
            Arrays.fill(red, true);
            return red;
        }
        for (int a : axes) {
            int n = axisOf(op, s, a);
            if (red[n]) throw HeedException.invalid(op, "axis " + a + " repeats in " + Arrays.toString(axes));
            red[n] = true;
        }
        return red;
    }

    static Shape outShape(Shape s, boolean[] red, boolean keepDims) {
        int[] d = new int[s.rank()];
        int k = 0;
        for (int a = 0; a < s.rank(); a++) {
            if (!red[a]) d[k++] = s.dim(a);
            else if (keepDims) d[k++] = 1;
        }
        return Shape.of(Arrays.copyOf(d, k));
    }

    static void requireFloat(String op, Tensor x) {
        if (x.dtype() != DType.FLOAT32) throw Elementwise.dtype(op + ": expects float32, got " + Elementwise.describe(x));
    }
}
