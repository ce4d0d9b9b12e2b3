package dev.heed.attention;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.kernel.Activation;
import dev.heed.kernel.Gemm;
import dev.heed.kernel.MatrixOperand;
import dev.heed.tensor.Tensor;

/** The linear layers of {@link MultiHeadAttention}: {@code y = x · w + b}, on the shared GEMM kernel. */
final class Projection {
    private Projection() {}

    /** x {@code [N, in]}, w {@code [in, out]}, b {@code [out]} or null → {@code [N, out]}. */
    static Tensor linear(ExecutionContext ctx, Tensor x, Tensor w, Tensor b) {
        int n = x.dim(0), in = x.dim(1), out = w.dim(1);
        if (w.dim(0) != in) throw HeedException.shape("linear", "x" + x.shape() + " · w" + w.shape() + ": x.dim(1)=" + in + " != w.dim(0)=" + w.dim(0));
        if (b != null && (b.rank() != 1 || b.dim(0) != out)) throw HeedException.shape("linear", "b" + b.shape() + " must be [" + out + "]");
        float[] y = new float[n * out];
        Gemm.gemm(ctx, MatrixOperand.of(x, false), MatrixOperand.of(w, false), n, out, in, y, 0, out, false,
                b == null ? null : b.contiguous().toFloatArray(), Activation.NONE);
        return Tensor.of(y, n, out);
    }
}
