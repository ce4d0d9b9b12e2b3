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

    /** The functions. Those marked "int too" also accept int64 and int32 tensors; the others take float32. */
    public enum Kind {
        /** {@code -x} (int too). */ NEG,
        /** {@code |x|} (int too). */ ABS,
        /** -1, 0 or 1 by the sign of x; ±0 and NaN pass through (int too). */ SIGN,
        /** {@code e^x}. */ EXP,
        /** Natural logarithm; NaN below 0, -inf at 0. */ LOG,
        /** Square root; NaN below 0. */ SQRT,
        /** {@code 1/x}. */ RECIPROCAL,
        /** Hyperbolic tangent. */ TANH,
        /** The error function (float32 precision). */ ERF,
        /** {@code 1/(1+e^-x)}. */ SIGMOID,
        /** {@code max(x, 0)}. */ RELU,
        /** {@code x ≥ 0 ? x : alpha·x}. */ LEAKY_RELU,
        /** {@code 0.5·x·(1+erf(x/√2))} (ONNX Gelu, approximate="none"). */ GELU,
        /** {@code 0.5·x·(1+tanh(√(2/π)·(x+0.044715·x³)))} (ONNX Gelu, approximate="tanh"). */ GELU_TANH,
        /** {@code x·sigmoid(x)}. */ SILU,
        /** {@code max(0, min(1, alpha·x+beta))}. */ HARD_SIGMOID,
        /** {@code x·max(0, min(1, x/6+1/2))}. */ HARD_SWISH,
        /** {@code min(max(x, alpha), beta)}; NaN stays NaN. */ CLIP,
        /** Round toward -∞. */ FLOOR,
        /** Round toward +∞. */ CEIL,
        /** Round half to even, as ONNX Round. */ ROUND,
        /** Sine (radians). */ SIN,
        /** Cosine (radians). */ COS,
        /** {@code x ≥ 0 ? x : alpha·(e^x − 1)} (ONNX Elu, default alpha 1). */ ELU,
        /** {@code beta·(x > 0 ? x : alpha·(e^x − 1))}: beta is SELU's gamma (ONNX Selu). */ SELU,
        /** {@code log(1 + e^x)}, evaluated as {@code max(x, 0) + log1p(e^-|x|)} so it neither overflows nor cancels. */ SOFTPLUS,
        /** {@code x / (1 + |x|)}. */ SOFTSIGN
    }

    /** The op {@code -x}. */
    public static final UnaryOp NEG = of(Kind.NEG);
    /** The op {@code |x|}. */
    public static final UnaryOp ABS = of(Kind.ABS);
    /** The op {@code e^x}. */
    public static final UnaryOp EXP = of(Kind.EXP);
    /** The op natural logarithm. */
    public static final UnaryOp LOG = of(Kind.LOG);
    /** The op square root. */
    public static final UnaryOp SQRT = of(Kind.SQRT);
    /** The op {@code 1/x}. */
    public static final UnaryOp RECIPROCAL = of(Kind.RECIPROCAL);
    /** The op hyperbolic tangent. */
    public static final UnaryOp TANH = of(Kind.TANH);
    /** The op the error function. */
    public static final UnaryOp ERF = of(Kind.ERF);
    /** The op {@code 1/(1+e^-x)}. */
    public static final UnaryOp SIGMOID = of(Kind.SIGMOID);
    /** The op {@code max(x, 0)}. */
    public static final UnaryOp RELU = of(Kind.RELU);
    /** The op exact GELU, {@code 0.5·x·(1+erf(x/√2))}. */
    public static final UnaryOp GELU = of(Kind.GELU);
    /** The op tanh-approximated GELU. */
    public static final UnaryOp GELU_TANH = of(Kind.GELU_TANH);
    /** The op {@code x·sigmoid(x)}. */
    public static final UnaryOp SILU = of(Kind.SILU);
    /** The op {@code x·max(0, min(1, x/6+1/2))}. */
    public static final UnaryOp HARD_SWISH = of(Kind.HARD_SWISH);
    /** The op round toward -∞. */
    public static final UnaryOp FLOOR = of(Kind.FLOOR);
    /** The op round toward +∞. */
    public static final UnaryOp CEIL = of(Kind.CEIL);
    /** The op round half to even. */
    public static final UnaryOp ROUND = of(Kind.ROUND);
    /** The op sine (radians). */
    public static final UnaryOp SIN = of(Kind.SIN);
    /** The op cosine (radians). */
    public static final UnaryOp COS = of(Kind.COS);
    /** The op -1, 0 or 1 by the sign of x. */
    public static final UnaryOp SIGN = of(Kind.SIGN);
    /** The op {@code log(1 + e^x)}. */
    public static final UnaryOp SOFTPLUS = of(Kind.SOFTPLUS);
    /** The op {@code x / (1 + |x|)}. */
    public static final UnaryOp SOFTSIGN = of(Kind.SOFTSIGN);

    /** ONNX Selu's default alpha (float32 constant of the spec). */
    public static final float SELU_ALPHA = 1.67326319217681884765625f,
    /** ONNX Selu's default gamma (float32 constant of the spec). */
            SELU_GAMMA = 1.05070102214813232421875f;

    /**
     * Checks the kind.
     *
     * @param kind  which function, not null
     * @param alpha first constant; 0 when unused
     * @param beta  second constant; 0 when unused
     * @throws NullPointerException when {@code kind} is null
     */
    public UnaryOp {
        java.util.Objects.requireNonNull(kind, "kind");
    }

    /**
     * An op of {@code kind}; kinds with constants get the ONNX defaults (leaky-relu 0.01, hard-sigmoid 0.2 and
     * 0.5, clip unbounded, elu 1, selu {@link #SELU_ALPHA} and {@link #SELU_GAMMA}).
     *
     * @param kind the function
     * @return the op
     */
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

    /**
     * Leaky ReLU: {@code x ≥ 0 ? x : alpha·x}.
     *
     * @param alpha the slope for negative inputs (ONNX default 0.01)
     * @return the op
     */
    public static UnaryOp leakyRelu(float alpha) {
        return new UnaryOp(Kind.LEAKY_RELU, alpha, 0f);
    }

    /**
     * Hard sigmoid: {@code max(0, min(1, alpha·x+beta))}.
     *
     * @param alpha the slope (ONNX default 0.2)
     * @param beta  the offset (ONNX default 0.5)
     * @return the op
     */
    public static UnaryOp hardSigmoid(float alpha, float beta) {
        return new UnaryOp(Kind.HARD_SIGMOID, alpha, beta);
    }

    /**
     * Clamps to {@code [min, max]}; NaN stays NaN.
     *
     * @param min the lower bound, or -∞ for none
     * @param max the upper bound, or +∞ for none
     * @return the op
     */
    public static UnaryOp clip(float min, float max) {
        return new UnaryOp(Kind.CLIP, min, max);
    }

    /**
     * ELU: {@code x ≥ 0 ? x : alpha·(e^x − 1)}.
     *
     * @param alpha the scale for negative inputs (ONNX default 1)
     * @return the op
     */
    public static UnaryOp elu(float alpha) {
        return new UnaryOp(Kind.ELU, alpha, 0f);
    }

    /**
     * SELU: {@code gamma·(x > 0 ? x : alpha·(e^x − 1))}.
     *
     * @param alpha the scale of the exponential part (ONNX default {@link #SELU_ALPHA})
     * @param gamma the overall scale (ONNX default {@link #SELU_GAMMA})
     * @return the op
     */
    public static UnaryOp selu(float alpha, float gamma) {
        return new UnaryOp(Kind.SELU, alpha, gamma);
    }

    /** {@return true when the op also accepts int64 / int32 tensors (neg, abs, sign)} */
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
