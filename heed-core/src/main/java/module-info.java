/**
 * Heed's core: tensors, the execution context (threads, scratch, memory budget), kernels on the Vector API with
 * their float64 reference twins, and attention (exact, flash, linear, KV cache). Every package is public API.
 */
module dev.heed.core {
    requires jdk.incubator.vector;

    exports dev.heed;
    exports dev.heed.attention;
    exports dev.heed.exec;
    exports dev.heed.kernel;
    exports dev.heed.tensor;
    exports dev.heed.tensor.io;
}
