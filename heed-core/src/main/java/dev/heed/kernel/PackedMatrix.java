package dev.heed.kernel;

/**
 * The B operand {@code op(B)[K, N]} of a GEMM, packed once into the fast kernel's panel layout, for a matrix
 * that many calls multiply by — a constant weight of a linear layer or an ONNX {@code MatMul} / {@code Gemm}
 * initializer. Using it skips all B packing in {@link Gemm#gemm(dev.heed.exec.ExecutionContext, boolean, int,
 * float[], int, int, PackedMatrix, float[], int, int, boolean, float[], Activation)} and
 * {@link Gemm#matmul(dev.heed.exec.ExecutionContext, dev.heed.tensor.Tensor, PackedMatrix)}; results are bitwise
 * equal to the unpacked calls.
 *
 * <p>Immutable and thread-safe once built; it holds its own copy ({@code ≈ K·⌈N/32⌉·32} floats), so the source
 * array may change afterwards without effect. Without the Vector API it holds a plain row-major copy for the
 * reference kernel.
 *
 * <pre>{@code
 * PackedMatrix w = Gemm.pack(false, 384, 1536, weights, 0, 1536);           // once, at model load
 * Gemm.gemm(ctx, false, 128, x, 0, 384, w, y, 0, 1536, false, bias, Activation.GELU_ERF);  // per call
 * Tensor out = Gemm.matmul(ctx, hidden, w);                                  // [B, L, 384] -> [B, L, 1536]
 * }</pre>
 */
public final class PackedMatrix {
    private final int k, n;
    /** Panel layout of {@code GemmVector.PackedB}; null without the Vector API. */
    private final Object panels;
    /** Row-major {@code [K, N]} copy; null with the Vector API. */
    private final float[] dense;

    private PackedMatrix(int k, int n, Object panels, float[] dense) {
        this.k = k;
        this.n = n;
        this.panels = panels;
        this.dense = dense;
    }

    static PackedMatrix ofPanels(int k, int n, Object panels) {
        return new PackedMatrix(k, n, panels, null);
    }

    static PackedMatrix ofDense(int k, int n, float[] dense) {
        return new PackedMatrix(k, n, null, dense);
    }

    /** {@return the rows of op(B): the shared dimension K} */
    public int k() {
        return k;
    }

    /** {@return the columns of op(B): N, the output's column count} */
    public int n() {
        return n;
    }

    /** The packed panels (a {@code GemmVector.PackedB}), or null on the reference path. */
    Object panels() {
        return panels;
    }

    /** The row-major copy {@code [K, N]}, or null on the Vector API path. */
    float[] dense() {
        return dense;
    }

    @Override
    public String toString() {
        return "PackedMatrix[" + k + ", " + n + "]";
    }
}
