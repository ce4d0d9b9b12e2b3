package dev.heed;

import java.util.Arrays;

/**
 * The one exception Heed throws. Unchecked; carries an {@link ErrorCode}. Messages name the operation,
 * the tensors involved and the rule that failed, e.g.
 * {@code matmul: a[2, 3] · b[4, 5]: a.dim(-1)=3 != b.dim(-2)=4}.
 */
public final class HeedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The kind of failure; serialised with the exception. */
    private final ErrorCode code;

    /**
     * Creates an exception of the given kind.
     *
     * @param code    what kind of failure this is
     * @param message what failed and why: the operation, the tensors or values involved and the rule
     */
    public HeedException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    /**
     * Creates an exception of the given kind that wraps a lower-level cause (an I/O error, a parser's exception).
     *
     * @param code    what kind of failure this is
     * @param message what failed and why
     * @param cause   the underlying exception, kept for {@link #getCause()}
     */
    public HeedException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** {@return the kind of failure, never null} */
    public ErrorCode code() {
        return code;
    }

    /**
     * Shorthand for a shape error: {@code op: rule} with shapes already formatted into the rule.
     *
     * @param op   the operation's name, e.g. {@code matmul}
     * @param rule the rule that failed, with both shapes, e.g. {@code a.dim(-1)=3 != b.dim(-2)=4}
     * @return a {@link ErrorCode#SHAPE_MISMATCH} exception, for the caller to throw
     */
    public static HeedException shape(String op, String rule) {
        return new HeedException(ErrorCode.SHAPE_MISMATCH, op + ": " + rule);
    }

    /**
     * Shorthand for an invalid argument: {@code op: rule}.
     *
     * @param op   the operation or option's owner, e.g. {@code softmax}
     * @param rule what was given and what is allowed, e.g. {@code axis 3 out of range [-2, 2)}
     * @return an {@link ErrorCode#INVALID_ARGUMENT} exception, for the caller to throw
     */
    public static HeedException invalid(String op, String rule) {
        return new HeedException(ErrorCode.INVALID_ARGUMENT, op + ": " + rule);
    }

    /**
     * Shorthand for an unsupported choice: the message is {@code what}, followed by
     * {@code "; expected one of [...]"} when {@code choices} is not empty.
     *
     * @param what    what was asked for, e.g. {@code onnx op 'Foo' (opset 17)}
     * @param choices what exists instead (formatted with {@code toString}); may be empty
     * @return an {@link ErrorCode#UNSUPPORTED} exception, for the caller to throw
     */
    public static HeedException unsupported(String what, Object... choices) {
        String msg = choices.length == 0 ? what : what + "; expected one of " + Arrays.toString(choices);
        return new HeedException(ErrorCode.UNSUPPORTED, msg);
    }
}
