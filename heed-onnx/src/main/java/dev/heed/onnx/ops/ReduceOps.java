package dev.heed.onnx.ops;

/** Reductions: Reduce*, ArgMax/ArgMin, attribute and input forms of axes (owner: fill in). */
final class ReduceOps {
    private ReduceOps() {}

    static void register(OpRegistry.Builder b) {
    }
}
