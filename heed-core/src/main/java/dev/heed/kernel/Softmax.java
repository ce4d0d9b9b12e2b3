package dev.heed.kernel;

import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;

/**
 * Softmax and log-softmax along one axis (ONNX opset ≥ 13 semantics), numerically stable: the row maximum
 * is subtracted before exponentiating, so inputs of any magnitude work.
 *
 * <p>Catalogue: rows along the last axis (after one contiguous copy when {@code axis} is not last),
 * three vector passes per row ({@link SoftmaxVector}: max, exp and sum, scale); float64 twin
 * {@link SoftmaxReference}. Cost ≈ 3 reads + 2 writes per element plus one exp.
 *
 * <p>A row whose elements are all -inf yields NaN everywhere (-inf - (-inf) is NaN), as ONNX Runtime and
 * NumPy do; a row containing NaN yields NaN everywhere. Attention kernels that must return 0 for fully
 * masked rows handle that themselves.
 *
 * <pre>{@code
 * Tensor p = Softmax.softmax(ctx, scores, -1);        // [B, H, L, S], rows sum to 1
 * Tensor lp = Softmax.logSoftmax(ctx, logits, 1);
 * }</pre>
 */
public final class Softmax {
    private Softmax() {}

    /**
     * {@code exp(x - max) / Σ exp(x - max)} along {@code axis}.
     *
     * @param ctx  the threads to run on
     * @param x    float32 input, any shape and layout
     * @param axis the axis in {@code [-rank, rank)}
     * @return a new contiguous tensor of x's shape; every vector along {@code axis} sums to 1
     * @throws dev.heed.HeedException {@link dev.heed.ErrorCode#DTYPE_MISMATCH} unless float32, {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for a bad axis
     */
    public static Tensor softmax(ExecutionContext ctx, Tensor x, int axis) {
        return run("softmax", ctx, x, axis, false);
    }

    /**
     * {@code x - max - log Σ exp(x - max)} along {@code axis}.
     *
     * @param ctx  the threads to run on
     * @param x    float32 input, any shape and layout
     * @param axis the axis in {@code [-rank, rank)}
     * @return a new contiguous tensor of x's shape
     * @throws dev.heed.HeedException {@link dev.heed.ErrorCode#DTYPE_MISMATCH} unless float32, {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for a bad axis
     */
    public static Tensor logSoftmax(ExecutionContext ctx, Tensor x, int axis) {
        return run("log_softmax", ctx, x, axis, true);
    }

    private static Tensor run(String name, ExecutionContext ctx, Tensor x, int axis, boolean log) {
        Reductions.requireFloat(name, x);
        int r = x.rank();
        int[] dims = x.shape().dims();
        if (x.numel() == 0) return Tensor.zeros(DType.FLOAT32, dims);
        if (r == 0) x = x.reshape(1);
        int ax = Reductions.axisOf(name, x.shape(), r == 0 ? 0 : axis);
        int n = x.dim(ax);
        Tensor rows = Reductions.rowsLast(x, ax);   // [K, n]
        float[] xd = rows.floatArrayOrNull();
        int off = (int) rows.offset();
        int k = (int) (x.numel() / n);
        float[] y = new float[(int) x.numel()];
        boolean vec = VectorSupport.available();
        ctx.parallelFor(k, Math.max(1, StridedWalk.GRAIN_ELEMENTS / n), (s, e) -> {
            for (int i = s; i < e; i++) {
                if (vec) SoftmaxVector.PREFERRED.row(xd, off + i * n, y, i * n, n, log);
                else SoftmaxReference.row(xd, off + i * n, y, i * n, n, log);
            }
        });
        Tensor out = Tensor.of(y, rows.shape().dims());
        if (r == 0) return out.reshape();
        if (ax == x.rank() - 1) return out;
        int[] inv = new int[x.rank()];
        for (int a = 0, j = 0; a < x.rank(); a++) if (a != ax) inv[a] = j++;
        inv[ax] = x.rank() - 1;
        return out.permute(inv).contiguous();
    }
}
