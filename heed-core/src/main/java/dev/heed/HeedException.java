package dev.heed;

import java.util.Arrays;

/**
 * The one exception Heed throws. Unchecked; carries an {@link ErrorCode}. Messages name the operation,
 * the tensors involved and the rule that failed, e.g.
 * {@code matmul: a[2, 3] · b[4, 5]: a.dim(-1)=3 != b.dim(-2)=4}.
 */
public final class HeedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    public HeedException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public HeedException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** The kind of failure. */
    public ErrorCode code() {
        return code;
    }

    /** Shorthand for a shape error: {@code op: rule} with shapes already formatted into the rule. */
    public static HeedException shape(String op, String rule) {
        return new HeedException(ErrorCode.SHAPE_MISMATCH, op + ": " + rule);
    }

    /** Shorthand for an invalid argument. */
    public static HeedException invalid(String op, String rule) {
        return new HeedException(ErrorCode.INVALID_ARGUMENT, op + ": " + rule);
    }

    /** Shorthand for an unsupported choice; {@code choices} lists what exists. */
    public static HeedException unsupported(String what, Object... choices) {
        String msg = choices.length == 0 ? what : what + "; expected one of " + Arrays.toString(choices);
        return new HeedException(ErrorCode.UNSUPPORTED, msg);
    }
}
