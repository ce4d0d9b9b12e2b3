package dev.heed.attention;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.Tensor;

/**
 * The linear layers of {@link MultiHeadAttention}: {@code y = x · w + b}.
 * TODO(lead): route to the shared GEMM kernel (dev.heed.kernel) after the GEMM branch is merged; this is a
 * simple row-by-row vectorised loop (axpy over rows of w), correct but not blocked for cache.
 */
final class Projection {
    private Projection() {}

    /** x {@code [N, in]}, w {@code [in, out]}, b {@code [out]} or null → {@code [N, out]}. */
    static Tensor linear(ExecutionContext ctx, Tensor x, Tensor w, Tensor b) {
        int n = x.dim(0), in = x.dim(1), out = w.dim(1);
        if (w.dim(0) != in) throw HeedException.shape("linear", "x" + x.shape() + " · w" + w.shape() + ": x.dim(1)=" + in + " != w.dim(0)=" + w.dim(0));
        if (b != null && (b.rank() != 1 || b.dim(0) != out)) throw HeedException.shape("linear", "b" + b.shape() + " must be [" + out + "]");
        Tensor xc = x.contiguous(), wc = w.contiguous();
        float[] xa = xc.floatArrayOrNull(), wa = wc.floatArrayOrNull();
        int xo = (int) xc.offset(), wo = (int) wc.offset();
        float[] ba = b == null ? null : b.toFloatArray();
        float[] y = new float[n * out];
        TileKernels kern = TileKernels.best();
        ctx.parallelFor(n, 4, (start, end) -> {
            for (int i = start; i < end; i++) {
                if (ba != null) System.arraycopy(ba, 0, y, i * out, out);
                for (int c = 0; c < in; c++) kern.axpy(xa[xo + i * in + c], wa, wo + c * out, y, i * out, out);
            }
        });
        return Tensor.of(y, n, out);
    }
}
