package dev.heed.onnx.ops.nn;

import dev.heed.onnx.ops.OpRegistry;

/**
 * Neural-network layers (float32) as thin ONNX adapters over heed-core's kernels, one file per family:
 * {@code MatMulOps} (MatMul, Gemm), {@code ConvOps} (Conv, ConvTranspose), {@code NormOps} (BatchNormalization,
 * LayerNormalization, InstanceNormalization, LpNormalization), {@code SoftmaxOps} (Softmax, LogSoftmax,
 * Hardmax), {@code PoolOps} (MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool) and {@code DropoutOp}.
 * The supported versions and forms are in the registry ({@link OpRegistry#standard()}), documented in
 * {@code docs/supported-ops.md}, which a test regenerates and compares.
 */
public final class NnOps {
    private NnOps() {}

    /** Registers every neural-network op with its signature, versions and notes. */
    public static void register(OpRegistry.Builder b) {
        MatMulOps.register(b);
        ConvOps.register(b);
        NormOps.register(b);
        SoftmaxOps.register(b);
        PoolOps.register(b);
        DropoutOp.register(b);
    }
}
