package dev.heed.onnx.ops;

/** Resampling: Resize, Upsample, GridSample (owner: fill in). */
final class SamplingOps {
    private SamplingOps() {}

    static void register(OpRegistry.Builder b) {
    }
}
