package dev.heed.kernel;

/**
 * Elementwise comparisons producing a BOOL tensor (ONNX Equal, Greater, Less, GreaterOrEqual, LessOrEqual).
 * Any NaN operand compares false (IEEE), as in ONNX Runtime.
 *
 * <pre>{@code
 * Tensor mask = Elementwise.compare(ctx, CompareOp.GREATER, scores, threshold);   // BOOL
 * }</pre>
 */
public enum CompareOp {
    /** {@code a == b}. */ EQUAL,
    /** {@code a > b}. */ GREATER,
    /** {@code a < b}. */ LESS,
    /** {@code a >= b}. */ GREATER_OR_EQUAL,
    /** {@code a <= b}. */ LESS_OR_EQUAL;

    boolean test(double a, double b) {
        return switch (this) {
            case EQUAL -> a == b;
            case GREATER -> a > b;
            case LESS -> a < b;
            case GREATER_OR_EQUAL -> a >= b;
            case LESS_OR_EQUAL -> a <= b;
        };
    }

    boolean test(long a, long b) {
        return switch (this) {
            case EQUAL -> a == b;
            case GREATER -> a > b;
            case LESS -> a < b;
            case GREATER_OR_EQUAL -> a >= b;
            case LESS_OR_EQUAL -> a <= b;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
