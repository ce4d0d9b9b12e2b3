package dev.heed.onnx.ops;

/** Elementwise math on Heed's kernels, NumPy broadcasting (owner: fill in with the catalogue of ops and versions). */
final class MathOps {
    private MathOps() {}

    static void register(OpRegistry.Builder b) {
    }
}
