package dev.heed.kernel;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/**
 * Max and average pooling over any number of spatial axes (ONNX MaxPool, AveragePool, GlobalAveragePool,
 * GlobalMaxPool), x [N, C, D1, …, Dk].
 *
 * <p>Catalogue: 2-D windows (x rank 4) run {@link Pooling2d}'s row-wise loop, parallel over output rows; every
 * other rank runs the N-D loop, parallel over N·C planes, windows walked with precomputed offsets, which is also
 * the 2-D path's reference twin. Cost O(output · window). Tests compare both with a direct float64 loop, with
 * each other, and with the ONNX conformance data.
 *
 * <p>Output length per axis: {@code floor_or_ceil((in + padBegin + padEnd - dilation·(k - 1) - 1) / stride) + 1};
 * with {@code ceilMode} a last window that would start in the end padding is dropped. Max ignores padding;
 * average divides by the number of input elements in the window, or with {@code countIncludePad} by the
 * window size clipped to the padded extent.
 *
 * <pre>{@code
 * Tensor y = Pooling.maxPool(ctx, x, new Pooling.Window(new int[] {3, 3}, new int[] {2, 2},
 *         new int[] {1, 1, 1, 1}, new int[] {1, 1}, false));
 * }</pre>
 */
public final class Pooling {
    private Pooling() {}

    /**
     * A pooling window over k spatial axes (arrays are not copied; do not change them).
     *
     * @param kernel    window size per spatial axis
     * @param strides   stride per axis
     * @param pads      ONNX layout: begins of every axis, then ends
     * @param dilations dilation per axis
     * @param ceilMode  round the output length up
     */
    public record Window(int[] kernel, int[] strides, int[] pads, int[] dilations, boolean ceilMode) {
        /**
         * A window of {@code kernel} with stride 1, no padding, no dilation, floor mode.
         *
         * @param kernel window size per spatial axis
         * @return the window
         */
        public static Window of(int... kernel) {
            int k = kernel.length;
            int[] ones = new int[k];
            Arrays.fill(ones, 1);
            return new Window(kernel, ones, new int[2 * k], ones.clone(), false);
        }
    }

    /**
     * Max pooling (ONNX MaxPool); padding is ignored.
     *
     * @param ctx the threads to run on
     * @param x   input {@code [N, C, D1…Dk]}, float32
     * @param w   the window, one entry per spatial axis
     * @return {@code [N, C, O1…Ok]}
     * @throws HeedException SHAPE_MISMATCH when the window does not fit the input, DTYPE_MISMATCH unless float32
     */
    public static Tensor maxPool(ExecutionContext ctx, Tensor x, Window w) {
        return pool(ctx, x, w, true, false);
    }

    /**
     * Average pooling (ONNX AveragePool).
     *
     * @param ctx             the threads to run on
     * @param x               input {@code [N, C, D1…Dk]}, float32
     * @param w               the window, one entry per spatial axis
     * @param countIncludePad divide by the window size clipped to the padded extent instead of the input elements in the window
     * @return {@code [N, C, O1…Ok]}
     * @throws HeedException SHAPE_MISMATCH when the window does not fit the input, DTYPE_MISMATCH unless float32
     */
    public static Tensor averagePool(ExecutionContext ctx, Tensor x, Window w, boolean countIncludePad) {
        return pool(ctx, x, w, false, countIncludePad);
    }

    /**
     * Mean over all spatial axes, keeping them as size 1 (ONNX GlobalAveragePool).
     *
     * @param ctx the threads to run on
     * @param x   input {@code [N, C, D1…Dk]}, float32
     * @return {@code [N, C, 1, …, 1]}
     */
    public static Tensor globalAveragePool(ExecutionContext ctx, Tensor x) {
        return global(ctx, x, false);
    }

    /**
     * Max over all spatial axes, keeping them as size 1 (ONNX GlobalMaxPool).
     *
     * @param ctx the threads to run on
     * @param x   input {@code [N, C, D1…Dk]}, float32
     * @return {@code [N, C, 1, …, 1]}
     */
    public static Tensor globalMaxPool(ExecutionContext ctx, Tensor x) {
        return global(ctx, x, true);
    }

    /**
     * Output lengths per spatial axis (the formula in the class comment).
     *
     * @param op the operation's name for messages
     * @param in input length per spatial axis
     * @param w  the window
     * @return output length per spatial axis
     * @throws HeedException SHAPE_MISMATCH when a padded axis is shorter than the dilated window
     */
    public static int[] outputSpatial(String op, int[] in, Window w) {
        int k = in.length;
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            long span = (long) w.dilations()[i] * (w.kernel()[i] - 1) + 1;
            long padded = (long) in[i] + w.pads()[i] + w.pads()[k + i];
            if (padded < span) {
                throw HeedException.shape(op, "spatial axis " + i + " of length " + in[i] + " (padded " + padded
                        + ") is shorter than the window span " + span);
            }
            long num = padded - span;
            long o = (w.ceilMode() ? Math.ceilDiv(num, w.strides()[i]) : Math.floorDiv(num, w.strides()[i])) + 1;
            if (w.ceilMode() && (o - 1) * w.strides()[i] >= in[i] + w.pads()[i]) o--;
            out[i] = (int) o;
        }
        return out;
    }

    private static Tensor pool(ExecutionContext ctx, Tensor x, Window w, boolean max, boolean countIncludePad) {
        return pool(ctx, x, w, max, countIncludePad, true);
    }

    /**
     * True when every window span is at most about twice its axis, as in any real network: {@link Pooling2d} loops
     * over each tap of the window. A hostile one (a kernel of 2^30 over pads as large) goes to the N-D loop instead,
     * which visits only the taps that land inside the input.
     */
    private static boolean compactWindow(int[] in, Window w) {
        for (int i = 0; i < in.length; i++) {
            if ((long) (w.kernel()[i] - 1) * w.dilations()[i] + 1 > 2L * in[i] + 64) return false;
        }
        return true;
    }

    /** The N-D loop for every rank ({@code fast2d} false): the reference twin of {@link Pooling2d}. */
    static Tensor poolNd(ExecutionContext ctx, Tensor x, Window w, boolean max, boolean countIncludePad) {
        return pool(ctx, x, w, max, countIncludePad, false);
    }

    private static Tensor pool(ExecutionContext ctx, Tensor x, Window w, boolean max, boolean countIncludePad, boolean fast2d) {
        String op = max ? "MaxPool" : "AveragePool";
        int k = x.rank() - 2;
        if (k < 1 || w.kernel().length != k || w.strides().length != k || w.dilations().length != k || w.pads().length != 2 * k) {
            throw HeedException.shape(op, "x" + x.shape() + " with kernel " + Arrays.toString(w.kernel()) + ", strides "
                    + Arrays.toString(w.strides()) + ", pads " + Arrays.toString(w.pads()) + ", dilations "
                    + Arrays.toString(w.dilations()) + ": x must be [N, C, spatial...] and each parameter must cover its "
                    + Math.max(k, 0) + " spatial axes (pads twice)");
        }
        if (x.dtype() != DType.FLOAT32) {
            throw new HeedException(dev.heed.ErrorCode.DTYPE_MISMATCH, op + ": x is " + x.dtype() + "; only float32 is supported");
        }
        int[] in = Arrays.copyOfRange(x.shape().dims(), 2, 2 + k);
        int[] out = outputSpatial(op, in, w);
        int planes = x.dim(0) * x.dim(1);
        int inPlane = 1, outPlane = 1;
        long outPlaneLong = 1;
        for (int i = 0; i < k; i++) { inPlane *= in[i]; outPlaneLong = Math.min(Integer.MAX_VALUE, outPlaneLong * out[i]); }
        outPlane = (int) outPlaneLong;
        Tensor xc = x.contiguous();
        float[] heap = xc.floatArrayOrNull();
        float[] xs = heap != null ? heap : x.toFloatArray();         // a mapped or other non-heap input: one copy
        int xo = heap != null ? (int) xc.offset() : 0;
        // checked: planes · outPlane in long arithmetic, against the memory budget
        float[] ys = new float[dev.heed.exec.MemoryBudget.elements(ctx, op + ": output", DType.FLOAT32, x.dim(0), x.dim(1), (int) Math.min(Integer.MAX_VALUE, (long) outPlane))];
        int[] inStride = new int[k];
        for (int i = k - 1, s = 1; i >= 0; i--) { inStride[i] = s; s *= in[i]; }
        final int fInPlane = inPlane, fOutPlane = outPlane;
        if (fast2d && k == 2 && compactWindow(in, w)) {
            Pooling2d.pool(ctx, xs, xo, ys, planes, in[0], in[1], out[0], out[1], w, max, countIncludePad);
            return Tensor.of(ys, shapeOf(x, out));
        }
        ctx.parallelFor(planes, 1, (s, e) -> {
            int[] o = new int[k], kk = new int[k], lo = new int[k], hi = new int[k];
            for (int p = s; p < e; p++) {
                int base = xo + p * fInPlane;
                Arrays.fill(o, 0);
                for (int q = 0; q < fOutPlane; q++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    int count = 0;
                    long padCount = 1;
                    for (int i = 0; i < k; i++) {
                        int start = o[i] * w.strides()[i] - w.pads()[i];
                        int end = Math.min(start + (w.kernel()[i] - 1) * w.dilations()[i] + 1, in[i] + w.pads()[k + i]);
                        padCount *= (end - start + w.dilations()[i] - 1) / w.dilations()[i];
                    }
                    // only the kernel taps that land inside the input: [lo, hi] per axis, so that a window that is
                    // mostly padding (huge pads or kernel) costs what it reads, not its full size
                    boolean empty = false;
                    for (int i = 0; i < k; i++) {
                        int start = o[i] * w.strides()[i] - w.pads()[i], d = w.dilations()[i];
                        lo[i] = start >= 0 ? 0 : (int) Math.min(w.kernel()[i], ((long) -start + d - 1) / d);
                        hi[i] = (int) Math.min(w.kernel()[i] - 1L, Math.floorDiv((long) in[i] - 1 - start, (long) d));
                        empty |= lo[i] > hi[i];
                    }
                    System.arraycopy(lo, 0, kk, 0, k);
                    boolean done = empty;
                    while (!done) {
                        int off = 0;
                        boolean inside = true;
                        for (int i = 0; i < k; i++) {
                            int pos = o[i] * w.strides()[i] - w.pads()[i] + kk[i] * w.dilations()[i];
                            if (pos < 0 || pos >= in[i]) { inside = false; break; }
                            off += pos * inStride[i];
                        }
                        if (inside) {
                            float v = xs[base + off];
                            if (max) { if (v > acc || Float.isNaN(v)) acc = v; } else acc += v;
                            count++;
                        }
                        done = true;
                        for (int i = k - 1; i >= 0; i--) {
                            if (++kk[i] <= hi[i]) { done = false; break; }
                            kk[i] = lo[i];
                        }
                    }
                    float r;
                    if (max) r = count == 0 ? Float.NEGATIVE_INFINITY : (float) acc;
                    else r = (float) (acc / (countIncludePad ? padCount : Math.max(count, 1)));
                    ys[p * fOutPlane + q] = r;
                    for (int i = k - 1; i >= 0; i--) {
                        if (++o[i] < out[i]) break;
                        o[i] = 0;
                    }
                }
            }
        });
        return Tensor.of(ys, shapeOf(x, out));
    }

    private static int[] shapeOf(Tensor x, int[] out) {
        int[] dims = new int[out.length + 2];
        dims[0] = x.dim(0);
        dims[1] = x.dim(1);
        System.arraycopy(out, 0, dims, 2, out.length);
        return dims;
    }

    private static Tensor global(ExecutionContext ctx, Tensor x, boolean max) {
        if (x.rank() < 3) throw HeedException.shape(max ? "GlobalMaxPool" : "GlobalAveragePool", "x" + x.shape() + " must be [N, C, spatial...]");
        int planes = x.dim(0) * x.dim(1);
        int plane = (int) (x.numel() / Math.max(1, planes));
        Tensor xc = x.contiguous();
        float[] heap = xc.floatArrayOrNull();
        float[] xs = heap != null ? heap : x.toFloatArray();         // a mapped or other non-heap input: one copy
        int xo = heap != null ? (int) xc.offset() : 0;
        float[] ys = new float[planes];
        ctx.parallelFor(planes, 16, (s, e) -> {
            for (int p = s; p < e; p++) {
                double acc = max ? Double.NEGATIVE_INFINITY : 0;
                for (int i = 0; i < plane; i++) {
                    float v = xs[xo + p * plane + i];
                    if (max) acc = Math.max(acc, v); else acc += v;
                }
                ys[p] = (float) (max ? acc : acc / plane);
            }
        });
        int[] dims = x.shape().dims();
        for (int i = 2; i < dims.length; i++) dims[i] = 1;
        return Tensor.of(ys, dims);
    }
}
