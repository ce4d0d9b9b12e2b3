package dev.heed.kernel;

import dev.heed.exec.ExecutionContext;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Tolerances of the elementwise, reduction, softmax and normalisation kernels, and their
 * {@code heed selfcheck} lines: each fast kernel on ~1M random elements against its float64 reference.
 *
 * <p>An output {@code y} passes against the reference {@code r} when {@code |y - r| ≤ rel·|r| + abs}, NaN
 * matches NaN and infinities match exactly. One float32 ulp is {@code 2^-23 ≈ 1.19e-7} relative.
 *
 * <pre>{@code
 * for (KernelCheck c : ElementwiseChecks.selfCheck(ctx, 42)) System.out.println(c);
 * }</pre>
 */
public final class ElementwiseChecks {
    private ElementwiseChecks() {}

    /** A tolerance {@code |y - r| ≤ rel·|r| + abs}. */
    record Tol(double rel, double abs) {
        boolean ok(double y, double r) {
            return ratio(y, r) <= 1;
        }

        /** The error measured in units of this tolerance (≤ 1 passes); the correctly rounded float always passes. */
        double ratio(double y, double r) {
            if (Double.isNaN(r)) return Double.isNaN(y) ? 0 : Double.POSITIVE_INFINITY;
            if ((float) r == y) return 0;
            if (Double.isInfinite(r) || Double.isInfinite(y)) return y == r ? 0 : Double.POSITIVE_INFINITY;
            double d = Math.abs(y - r);
            return d / (rel * Math.abs(r) + abs);
        }
    }

    static final double ULP = 0x1p-23;
    /** Correctly rounded float ops (add, sub, mul, div, sqrt, reciprocal, pow via Math.pow, sin, cos). */
    static final Tol ROUNDED = new Tol(ULP, 0);
    /** Exact ops, output = the reference rounded to float (neg, abs, relu, leaky-relu, clip, floor, ceil, round, max, min, comparisons). */
    static final Tol EXACT = new Tol(0, 0);
    /** exp: own 2^k·p(r); below 2.4e-38 flushes to zero. */
    static final Tol EXP = new Tol(2 * ULP, 2.4e-38);
    /** log: own series. */
    static final Tol LOG = new Tol(2 * ULP, 1e-30);
    /** tanh: polynomial below 0.625, exp-based above. */
    static final Tol TANH = new Tol(3 * ULP, 1e-30);
    /** erf: own piecewise polynomial. */
    static final Tol ERF = new Tol(4 * ULP, 1e-30);
    /** sigmoid: 1/(1+exp(-x)); underflows to 0 below x ≈ -88.7 (true value < 3e-39). */
    static final Tol SIGMOID = new Tol(3 * ULP, 2.4e-38);
    /** silu: x·sigmoid(x); flushes to -0 below x ≈ -88.7 (true value > -1e-35). */
    static final Tol SILU = new Tol(3 * ULP, 1e-35);
    /** gelu (both forms): 1 + erf/tanh cancels for negative x, so an absolute part is inherent. */
    static final Tol GELU = new Tol(8 * ULP, 2e-7);
    /** hard-sigmoid / hard-swish: 1/6 is not a float, and alpha·x+beta may cancel. */
    static final Tol HARD = new Tol(2 * ULP, 1e-7);

    /** The tolerance of a unary op. */
    static Tol tolerance(UnaryOp.Kind k) {
        return switch (k) {
            case NEG, ABS, RELU, LEAKY_RELU, CLIP, FLOOR, CEIL, ROUND -> EXACT;
            case SQRT, RECIPROCAL, SIN, COS -> ROUNDED;
            case EXP -> EXP;
            case LOG -> LOG;
            case TANH -> TANH;
            case ERF -> ERF;
            case SIGMOID -> SIGMOID;
            case SILU -> SILU;
            case GELU, GELU_TANH -> GELU;
            case HARD_SIGMOID, HARD_SWISH -> HARD;
        };
    }

    /** The tolerance of a binary op. */
    static Tol tolerance(BinaryOp op) {
        return switch (op) {
            case ADD, SUB, MUL, DIV, POW -> ROUNDED;
            case MAX, MIN -> EXACT;
        };
    }

    /** sum and mean: blocked float/double sums, error measured against Σ|x| (mean: Σ|x|/n). */
    static final double SUM_REL_TO_ABS_SUM = 24 * ULP;
    /** softmax: exp's 2 ulp plus rounding of x - max, sum and scale; tiny probabilities judged absolutely. */
    static final Tol SOFTMAX = new Tol(8 * ULP, 1e-9);
    /** log-softmax: (x - max) - log(sum); log(sum) inherits exp's ~2 ulp as an absolute error. */
    static final Tol LOG_SOFTMAX = new Tol(4 * ULP, 5e-7);
    /** layer norm with N(0,1)-scale gamma/beta: blocked statistics, output magnitude O(1..10). */
    static final Tol LAYER_NORM = new Tol(16 * ULP, 2e-6);
    /** batch norm: (x - mean)·a + bias, a rounded to float once. */
    static final Tol BATCH_NORM = new Tol(4 * ULP, 1e-6);
}
