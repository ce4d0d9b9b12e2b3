package dev.heed.kernel;

/**
 * An element-wise function fused into the epilogue of a kernel ({@link Gemm}, {@link Conv2d}): applied to each
 * output after the bias is added, while the output tile is still in cache.
 *
 * <p>{@link #apply(float)} is the scalar float32 version the fast kernels' tails use; {@link #applyDouble(double)}
 * is the float64 form the reference twins use as the oracle.
 *
 * <pre>{@code
 * Activation.GELU_ERF.apply(1f);   // 0.8413447
 * Gemm.gemm(ctx, false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, false, bias, Activation.GELU_ERF);
 * }</pre>
 */
public enum Activation {
    /** Identity. */
    NONE,
    /** {@code max(x, 0)}. */
    RELU,
    /** {@code 0.5 x (1 + erf(x / sqrt 2))}, the exact GELU (BERT, ONNX Gelu default). */
    GELU_ERF,
    /** {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}, the tanh approximation of GELU. */
    GELU_TANH,
    /** {@code x * sigmoid(x)}, also called Swish. */
    SILU,
    /** {@code 1 / (1 + exp(-x))}. */
    SIGMOID,
    /** Hyperbolic tangent. */
    TANH;

    /**
     * The elementwise op that computes this activation, or null for {@link #NONE}: the vector epilogues (float GEMM,
     * convolutions, quantised linear layers) run it through that op's own loop in {@link ElementwiseVector}, so a fused
     * activation rounds exactly as the stand-alone node would.
     */
    UnaryOp unaryOp() {
        return switch (this) {
            case NONE -> null;
            case RELU -> UnaryOp.RELU;
            case GELU_ERF -> UnaryOp.GELU;
            case GELU_TANH -> UnaryOp.GELU_TANH;
            case SILU -> UnaryOp.SILU;
            case SIGMOID -> UnaryOp.SIGMOID;
            case TANH -> UnaryOp.TANH;
        };
    }

    static final float SQRT_2_OVER_PI = 0.7978845608028654f;
    static final float GELU_TANH_C = 0.044715f;
    static final float INV_SQRT_2 = 0.7071067811865476f;

    /**
     * This activation on one float32 value.
     *
     * @param x the input
     * @return the activated value (NaN stays NaN)
     */
    public float apply(float x) {
        return switch (this) {
            case NONE -> x;
            case RELU -> x > 0f ? x : 0f;
            case GELU_ERF -> 0.5f * x * (1f + erfFloat(x * INV_SQRT_2));
            case GELU_TANH -> 0.5f * x * (1f + (float) Math.tanh(SQRT_2_OVER_PI * (x + GELU_TANH_C * x * x * x)));
            case SILU -> x / (1f + (float) Math.exp(-x));
            case SIGMOID -> 1f / (1f + (float) Math.exp(-x));
            case TANH -> (float) Math.tanh(x);
        };
    }

    /**
     * This activation in float64 (the reference kernels' oracle).
     *
     * @param x the input
     * @return the activated value
     */
    public double applyDouble(double x) {
        return switch (this) {
            case NONE -> x;
            case RELU -> x > 0 ? x : 0;
            case GELU_ERF -> 0.5 * x * (1 + erfDouble(x / Math.sqrt(2)));
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case SILU -> x / (1 + Math.exp(-x));
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case TANH -> Math.tanh(x);
        };
    }

    // Abramowitz & Stegun 7.1.26: erf(x) = 1 - (a1 t + ... + a5 t^5) exp(-x^2), t = 1 / (1 + p x); |error| <= 1.5e-7,
    // below float32 resolution near 1. The vector epilogue (GemmVector) uses the elementwise kernels' erf instead
    // (ElementwiseVector.erf, no exp, within 1.5 ulp): both stay within float32 resolution of the float64 definition.
    static final float ERF_P = 0.3275911f;
    static final float ERF_A1 = 0.254829592f;
    static final float ERF_A2 = -0.284496736f;
    static final float ERF_A3 = 1.421413741f;
    static final float ERF_A4 = -1.453152027f;
    static final float ERF_A5 = 1.061405429f;

    /** erf in float32 precision (A&amp;S 7.1.26, absolute error below 1.5e-7). */
    static float erfFloat(float x) {
        float ax = Math.abs(x);
        float t = 1f / (1f + ERF_P * ax);
        float poly = ((((ERF_A5 * t + ERF_A4) * t + ERF_A3) * t + ERF_A2) * t + ERF_A1) * t;
        float y = 1f - poly * (float) Math.exp(-ax * ax);
        return Math.copySign(y, x);
    }

    /**
     * erf in float64: Maclaurin series below |x| = 3 (about 1e-13 absolute after cancellation), otherwise the
     * Laplace continued fraction of erfc evaluated backwards from 80 terms.
     */
    static double erfDouble(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 3) {
            double x2 = ax * ax, term = ax, sum = ax;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
            double t = ax;
            for (int n = 80; n >= 1; n--) t = ax + (n / 2.0) / t;
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / t;
        }
        return Math.copySign(r, x);
    }
}
