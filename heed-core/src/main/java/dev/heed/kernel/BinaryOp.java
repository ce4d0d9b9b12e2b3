package dev.heed.kernel;

/**
 * Elementwise arithmetic of two tensors under NumPy broadcasting (ONNX Add, Sub, Mul, Div, Pow, Max, Min).
 * All accept float32; all also accept int64 and int32 (integer division truncates toward zero as in C
 * and ONNX; integer pow is exact repeated multiplication).
 *
 * <pre>{@code
 * Tensor y = Elementwise.binary(ctx, BinaryOp.ADD, x, bias);   // [B, L, E] + [E]
 * }</pre>
 */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, POW,
    /** NaN propagates (ONNX Max). */ MAX,
    /** NaN propagates (ONNX Min). */ MIN;

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
