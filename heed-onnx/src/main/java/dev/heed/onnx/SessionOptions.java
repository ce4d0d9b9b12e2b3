package dev.heed.onnx;

import dev.heed.exec.ExecutionOptions;

/**
 * How a {@link Session} loads and runs a model.
 *
 * <pre>{@code
 * SessionOptions o = SessionOptions.defaults()
 *         .withExecution(ExecutionOptions.defaults().withThreads(2))
 *         .withProfile(true);
 * }</pre>
 *
 * @param execution       threads and the per-tensor memory limit (also applied to tensors the file declares)
 * @param profile         record per-node wall-clock times in {@link RunResult#profile()}
 * @param constantFolding fold constant subgraphs (and statically known Shape/Size) at load time
 */
public record SessionOptions(ExecutionOptions execution, boolean profile, boolean constantFolding) {
    public SessionOptions {
        if (execution == null) execution = ExecutionOptions.defaults();
    }

    /** Default execution options, no profile, constant folding on. */
    public static SessionOptions defaults() {
        return new SessionOptions(ExecutionOptions.defaults(), false, true);
    }

    public SessionOptions withExecution(ExecutionOptions e) {
        return new SessionOptions(e, profile, constantFolding);
    }

    public SessionOptions withProfile(boolean p) {
        return new SessionOptions(execution, p, constantFolding);
    }

    public SessionOptions withConstantFolding(boolean f) {
        return new SessionOptions(execution, profile, f);
    }
}
