package dev.heed.onnx.ops.quant;

import dev.heed.onnx.ops.OpRegistry;

/**
 * Quantisation ops (int8 / uint8 with int32 accumulators), one file per family: {@code QuantizeOps}
 * (QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear), {@code IntegerMatMulOps} (MatMulInteger,
 * QLinearMatMul), {@code IntegerConvOps} (ConvInteger, QLinearConv). Rounding is round half to even with saturation, as the ONNX spec states.
 */
public final class QuantOps {
    private QuantOps() {}

    /** Registers every quantisation op with its signature, versions and notes. */
    public static void register(OpRegistry.Builder b) {
        QuantizeOps.register(b);
        IntegerMatMulOps.register(b);
        IntegerConvOps.register(b);
    }
}
