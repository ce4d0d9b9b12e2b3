/**
 * ONNX import and execution: the model reader and its IR, {@code Session} (compile → optimise → plan → run) and
 * the operator registry for custom operators. The optimiser's passes ({@code dev.heed.onnx.optimize}), the fused
 * operators they create ({@code dev.heed.onnx.ops.fused}) and the standard operators' adapters
 * ({@code dev.heed.onnx.ops.nn}, {@code dev.heed.onnx.ops.quant}) are internal and not exported.
 */
module dev.heed.onnx {
    requires transitive dev.heed.core;
    requires com.google.protobuf;

    exports dev.heed.onnx;
    exports dev.heed.onnx.ir;
    exports dev.heed.onnx.ops;
    exports dev.heed.onnx.reader;
}
