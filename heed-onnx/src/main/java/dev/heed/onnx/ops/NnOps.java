package dev.heed.onnx.ops;

/** Neural-network layers on Heed's kernels: MatMul, Gemm, Conv, ConvTranspose, normalisations, Softmax, pooling (owner: fill in). */
final class NnOps {
    private NnOps() {}

    static void register(OpRegistry.Builder b) {
    }
}
