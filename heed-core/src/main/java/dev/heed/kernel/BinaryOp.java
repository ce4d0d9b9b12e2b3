package dev.heed.kernel;

/**
 * Elementwise arithmetic of two tensors under NumPy broadcasting (ONNX Add, Sub, Mul, Div, Pow, Max, Min, Mod,
 * PRelu). All accept float32; all also accept int64, int32 and uint8 (integer division truncates toward zero
 * as in C and ONNX; integer pow is exact repeated multiplication; results wrap to the operand type).
 *
 * <pre>{@code
 * Tensor y = Elementwise.binary(ctx, BinaryOp.ADD, x, bias);   // [B, L, E] + [E]
 * }</pre>
 */
public enum BinaryOp {
    /** {@code a + b}. */ ADD,
    /** {@code a − b}. */ SUB,
    /** {@code a · b}. */ MUL,
    /** {@code a / b}; integers truncate toward zero, and integer division by zero is refused. */ DIV,
    /** {@code a^b}; for integers exact repeated multiplication. */ POW,
    /** NaN propagates (ONNX Max). */ MAX,
    /** NaN propagates (ONNX Min). */ MIN,
    /** Remainder with the sign of the divisor, {@code a − floor(a/b)·b} (ONNX Mod, fmod=0; Python's %). */ MOD,
    /** Remainder with the sign of the dividend, {@code a − trunc(a/b)·b} (ONNX Mod, fmod=1; C fmod). */ FMOD,
    /** {@code a < 0 ? a·b : a}: b is the slope (ONNX PRelu). */ PRELU;

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
