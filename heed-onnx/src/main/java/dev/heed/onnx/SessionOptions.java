package dev.heed.onnx;

import dev.heed.attention.AttentionImpl;
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
 * @param execution          threads and the per-tensor memory limit (also applied to tensors the file declares)
 * @param profile            deprecated: record per-node wall-clock times in {@link Session#runWithProfile}; choose it
 *                           per run with {@link RunOptions#withProfile} instead
 * @param constantFolding    fold constant subgraphs (and statically known Shape/Size) at load time
 * @param attentionFusion    replace exported attention subgraphs by Heed's attention kernels (on by default)
 * @param captureAttention   deprecated: every run computes and {@link Session#runWithProfile} returns the fused
 *                           attentions' probabilities; choose it per run with {@link RunOptions#withCaptureAttention}
 * @param attention          which attention kernel fused nodes use ({@link AttentionImpl#AUTO} by default)
 * @param graphFusion        fuse MatMul + bias (+ activation), decomposed LayerNorm and erf-GELU subgraphs into
 *                           single kernels (on by default; see {@code dev.heed.onnx.optimize.Optimizer})
 */
public record SessionOptions(ExecutionOptions execution, boolean profile, boolean constantFolding,
                             boolean attentionFusion, boolean captureAttention, AttentionImpl attention,
                             boolean graphFusion) {
    public SessionOptions {
        if (execution == null) execution = ExecutionOptions.defaults();
        if (attention == null) attention = AttentionImpl.AUTO;
        if (attention == AttentionImpl.LINEAR) {
            throw dev.heed.HeedException.invalid("SessionOptions", "linear attention is a different model, not a kernel choice for "
                    + "softmax attention graphs; expected one of [AUTO, EXACT, FLASH]");
        }
    }

    /** Default execution options, no profile, constant folding, attention fusion and graph fusion on. */
    public static SessionOptions defaults() {
        return new SessionOptions(ExecutionOptions.defaults(), false, true, true, false, AttentionImpl.AUTO, true);
    }

    public SessionOptions withExecution(ExecutionOptions e) {
        return new SessionOptions(e, profile, constantFolding, attentionFusion, captureAttention, attention, graphFusion);
    }

    /** @deprecated choose per run: {@link RunOptions#withProfile} with {@link Session#run(java.util.Map, RunOptions)} */
    @Deprecated
    public SessionOptions withProfile(boolean p) {
        return new SessionOptions(execution, p, constantFolding, attentionFusion, captureAttention, attention, graphFusion);
    }

    public SessionOptions withConstantFolding(boolean f) {
        return new SessionOptions(execution, profile, f, attentionFusion, captureAttention, attention, graphFusion);
    }

    public SessionOptions withAttentionFusion(boolean f) {
        return new SessionOptions(execution, profile, constantFolding, f, captureAttention, attention, graphFusion);
    }

    /**
     * Capture implies fusion: only fused nodes can hand out their probabilities.
     *
     * @deprecated choose per run: {@link RunOptions#withCaptureAttention} with {@link Session#run(java.util.Map, RunOptions)}
     */
    @Deprecated
    public SessionOptions withCaptureAttention(boolean c) {
        return new SessionOptions(execution, profile, constantFolding, attentionFusion || c, c, attention, graphFusion);
    }

    public SessionOptions withAttention(AttentionImpl impl) {
        return new SessionOptions(execution, profile, constantFolding, attentionFusion, captureAttention, impl, graphFusion);
    }

    /** Graph fusion on or off (MatMul + bias + activation, LayerNorm, GELU); attention fusion is separate. */
    public SessionOptions withGraphFusion(boolean f) {
        return new SessionOptions(execution, profile, constantFolding, attentionFusion, captureAttention, attention, f);
    }
}
