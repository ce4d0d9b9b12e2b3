package dev.heed.kernel;

/**
 * An elementwise function of one tensor, with the constants some of them carry (leaky-relu's slope,
 * clip's bounds, hard-sigmoid's {@code alpha, beta}). Semantics follow the ONNX operators of the same name.
 *
 * <pre>{@code
 * Tensor y = Elementwise.unary(ctx, UnaryOp.GELU, x);
 * Tensor z = Elementwise.unary(ctx, UnaryOp.leakyRelu(0.01f), x);
 * Tensor c = Elementwise.unary(ctx, UnaryOp.clip(-1f, 1f), x);
 * }</pre>
 *
 * @param kind  which function
 * @param alpha first constant (leaky-relu slope, clip minimum, hard-sigmoid / elu / selu alpha); 0 when unused
 * @param beta  second constant (clip maximum, hard-sigmoid beta, selu gamma); 0 when unused
 */
public record UnaryOp(Kind kind, float alpha, float beta) {

    /** The functions. Those marked "int too" also accept int64 and int32 tensors. */
    public enum Kind {
        /** {@code -x} (int too). */ NEG,
        /** {@code |x|} (int too). */ ABS,
        /** -1, 0 or 1 by the sign of x; ±0 and NaN pass through (int too). */ SIGN,
        EXP, LOG, SQRT,
        /** {@code 1/x}. */ RECIPROCAL,
        TANH, ERF,
        /** {@code 1/(1+e^-x)}. */ SIGMOID,
        RELU,
        /** {@code x ≥ 0 ? x : alpha·x}. */ LEAKY_RELU,
        /** {@code 0.5·x·(1+erf(x/√2))} (ONNX Gelu, approximate="none"). */ GELU,
        /** {@code 0.5·x·(1+tanh(√(2/π)·(x+0.044715·x³)))} (ONNX Gelu, approximate="tanh"). */ GELU_TANH,
        /** {@code x·sigmoid(x)}. */ SILU,
        /** {@code max(0, min(1, alpha·x+beta))}. */ HARD_SIGMOID,
        /** {@code x·max(0, min(1, x/6+1/2))}. */ HARD_SWISH,
        /** {@code min(max(x, alpha), beta)}; NaN stays NaN. */ CLIP,
        FLOOR, CEIL,
        /** Round half to even, as ONNX Round. */ ROUND,
        SIN, COS,
        /** {@code x ≥ 0 ? x : alpha·(e^x − 1)} (ONNX Elu, default alpha 1). */ ELU,
        /** {@code beta·(x > 0 ? x : alpha·(e^x − 1))}: beta is SELU's gamma (ONNX Selu). */ SELU,
        /** {@code log(1 + e^x)}, evaluated as {@code max(x, 0) + log1p(e^-|x|)} so it neither overflows nor cancels. */ SOFTPLUS,
        /** {@code x / (1 + |x|)}. */ SOFTSIGN
    }

    public static final UnaryOp NEG = of(Kind.NEG);
    public static final UnaryOp ABS = of(Kind.ABS);
    public static final UnaryOp EXP = of(Kind.EXP);
    public static final UnaryOp LOG = of(Kind.LOG);
    public static final UnaryOp SQRT = of(Kind.SQRT);
    public static final UnaryOp RECIPROCAL = of(Kind.RECIPROCAL);
    public static final UnaryOp TANH = of(Kind.TANH);
    public static final UnaryOp ERF = of(Kind.ERF);
    public static final UnaryOp SIGMOID = of(Kind.SIGMOID);
    public static final UnaryOp RELU = of(Kind.RELU);
    public static final UnaryOp GELU = of(Kind.GELU);
    public static final UnaryOp GELU_TANH = of(Kind.GELU_TANH);
    public static final UnaryOp SILU = of(Kind.SILU);
    public static final UnaryOp HARD_SWISH = of(Kind.HARD_SWISH);
    public static final UnaryOp FLOOR = of(Kind.FLOOR);
    public static final UnaryOp CEIL = of(Kind.CEIL);
    public static final UnaryOp ROUND = of(Kind.ROUND);
    public static final UnaryOp SIN = of(Kind.SIN);
    public static final UnaryOp COS = of(Kind.COS);
    public static final UnaryOp SIGN = of(Kind.SIGN);
    public static final UnaryOp SOFTPLUS = of(Kind.SOFTPLUS);
    public static final UnaryOp SOFTSIGN = of(Kind.SOFTSIGN);

    /** ONNX Selu's default alpha and gamma (float32 constants of the spec). */
    public static final float SELU_ALPHA = 1.67326319217681884765625f, SELU_GAMMA = 1.05070102214813232421875f;

    public UnaryOp {
        java.util.Objects.requireNonNull(kind, "kind");
    }

    /** An op without constants. */
    public static UnaryOp of(Kind kind) {
        return switch (kind) {
            case LEAKY_RELU -> leakyRelu(0.01f);
            case HARD_SIGMOID -> hardSigmoid(0.2f, 0.5f);
            case CLIP -> clip(Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
            case ELU -> elu(1f);
            case SELU -> selu(SELU_ALPHA, SELU_GAMMA);
            default -> new UnaryOp(kind, 0f, 0f);
        };
    }

    /** Leaky ReLU with slope {@code alpha} for negative inputs (ONNX default 0.01). */
    public static UnaryOp leakyRelu(float alpha) {
        return new UnaryOp(Kind.LEAKY_RELU, alpha, 0f);
    }

    /** {@code max(0, min(1, alpha·x+beta))} (ONNX defaults 0.2, 0.5). */
    public static UnaryOp hardSigmoid(float alpha, float beta) {
        return new UnaryOp(Kind.HARD_SIGMOID, alpha, beta);
    }

    /** Clamps to {@code [min, max]}; use infinities for an open side. */
    public static UnaryOp clip(float min, float max) {
        return new UnaryOp(Kind.CLIP, min, max);
    }

    /** ELU with scale {@code alpha} for negative inputs (ONNX default 1). */
    public static UnaryOp elu(float alpha) {
        return new UnaryOp(Kind.ELU, alpha, 0f);
    }

    /** SELU: {@code gamma·(x > 0 ? x : alpha·(e^x − 1))} (ONNX defaults {@link #SELU_ALPHA}, {@link #SELU_GAMMA}). */
    public static UnaryOp selu(float alpha, float gamma) {
        return new UnaryOp(Kind.SELU, alpha, gamma);
    }

    /** True when the op also accepts int64 / int32 tensors. */
    public boolean acceptsIntegers() {
        return kind == Kind.NEG || kind == Kind.ABS || kind == Kind.SIGN;
    }

    @Override
    public String toString() {
        String n = kind.name().toLowerCase(java.util.Locale.ROOT);
        return switch (kind) {
            case LEAKY_RELU -> n + "(alpha=" + alpha + ")";
            case HARD_SIGMOID -> n + "(alpha=" + alpha + ", beta=" + beta + ")";
            case CLIP -> n + "(min=" + alpha + ", max=" + beta + ")";
            case ELU -> n + "(alpha=" + alpha + ")";
            case SELU -> n + "(alpha=" + alpha + ", gamma=" + beta + ")";
            default -> n;
        };
    }
}
