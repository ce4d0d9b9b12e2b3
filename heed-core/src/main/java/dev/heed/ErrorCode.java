package dev.heed;

/**
 * What kind of failure a {@link HeedException} reports. Callers can switch on it instead of parsing messages.
 *
 * <pre>{@code
 * try { tensor.reshape(7, 3); }
 * catch (HeedException e) { if (e.code() == ErrorCode.SHAPE_MISMATCH) ... }
 * }</pre>
 */
public enum ErrorCode {
    /** Shapes that do not satisfy an operation's rule (the message names both shapes and the rule). */
    SHAPE_MISMATCH,
    /** A dtype an operation does not accept. */
    DTYPE_MISMATCH,
    /** An argument outside its legal range (axis, index, option value). */
    INVALID_ARGUMENT,
    /** A feature, op or option that exists in the world but not (yet) in Heed; the message lists what exists. */
    UNSUPPORTED,
    /** A file or byte stream that is malformed or truncated. */
    MALFORMED_INPUT,
    /** Something that would need more memory than the configured limit allows. */
    MEMORY_LIMIT,
    /** A file that cannot be read or written. */
    IO,
    /** A broken internal invariant: a bug in Heed. */
    INTERNAL
}
