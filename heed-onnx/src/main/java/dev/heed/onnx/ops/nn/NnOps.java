package dev.heed.onnx.ops.nn;

import dev.heed.HeedException;
import dev.heed.kernel.Activation;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.OpRegistry;
import java.util.Arrays;
import java.util.Locale;

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

    /**
     * The op of a {@code FusedConv} node (made by the optimizer's conv-activation fusion): the node carries the
     * Conv's inputs and attributes plus {@code activation}, an {@link Activation} name, applied in the epilogue.
     */
    public static Op fusedConv(Node node) {
        String a = node.attrString("activation", "NONE");
        try {
            return ConvOps.conv(node, Activation.valueOf(a.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw HeedException.unsupported(node.describe() + ": activation '" + a + "'",
                    Arrays.stream(Activation.values()).map(Enum::name).toArray(String[]::new));
        }
    }
}
