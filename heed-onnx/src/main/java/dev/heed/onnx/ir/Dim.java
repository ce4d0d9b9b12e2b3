package dev.heed.onnx.ir;

/**
 * One declared dimension of a graph input or output: a fixed size, a named symbol ({@code batch},
 * {@code sequence}) or unknown.
 *
 * <pre>{@code
 * Dim d = new Dim.Symbolic("batch");
 * d.toString();   // "batch"
 * }</pre>
 */
public sealed interface Dim {
    /**
     * A known size.
     *
     * @param size the size, ≥ 0
     */
    record Fixed(long size) implements Dim {
        @Override public String toString() { return Long.toString(size); }
    }

    /**
     * A named size; the same name must bind the same value across the inputs of one run.
     *
     * @param name the symbol, e.g. {@code batch}
     */
    record Symbolic(String name) implements Dim {
        @Override public String toString() { return name; }
    }

    /** A size the model does not state. */
    record Unknown() implements Dim {
        @Override public String toString() { return "?"; }
    }
}
