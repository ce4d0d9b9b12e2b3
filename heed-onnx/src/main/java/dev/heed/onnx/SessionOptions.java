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
    /**
     * Fills in defaults for null choices and checks the attention kernel.
     *
     * @param execution        threads and memory limit, or null for {@link ExecutionOptions#defaults()}
     * @param profile          deprecated: profile every run
     * @param constantFolding  fold constant subgraphs at load time
     * @param attentionFusion  replace attention subgraphs by Heed's kernels
     * @param captureAttention deprecated: capture attention in every run
     * @param attention        the kernel fused nodes use, or null for AUTO
     * @param graphFusion      fuse MatMul + bias (+ activation), LayerNorm and GELU subgraphs
     * @throws dev.heed.HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for {@link AttentionImpl#LINEAR}, which is not a kernel for softmax attention
     */
    public SessionOptions {
        if (execution == null) execution = ExecutionOptions.defaults();
        if (attention == null) attention = AttentionImpl.AUTO;
        if (attention == AttentionImpl.LINEAR) {
            throw dev.heed.HeedException.invalid("SessionOptions", "linear attention is a different model, not a kernel choice for "
                    + "softmax attention graphs; expected one of [AUTO, EXACT, FLASH]");
        }
    }

    /** {@return default execution options, no profile, constant folding, attention fusion and graph fusion on} */
    public static SessionOptions defaults() {
        return new SessionOptions(ExecutionOptions.defaults(), false, true, true, false, AttentionImpl.AUTO, true);
    }

    /**
     * A copy with other execution options.
     *
     * @param e threads and memory limit; null for the defaults
     * @return the new options
     */
    public SessionOptions withExecution(ExecutionOptions e) {
        return new SessionOptions(e, profile, constantFolding, attentionFusion, captureAttention, attention, graphFusion);
    }

    /**
     * A copy that profiles every run.
     *
     * @param p whether to profile
     * @return the new options
     * @deprecated choose per run: {@link RunOptions#withProfile} with {@link Session#run(java.util.Map, RunOptions)}
     */
    @Deprecated
    public SessionOptions withProfile(boolean p) {
        return new SessionOptions(execution, p, constantFolding, attentionFusion, captureAttention, attention, graphFusion);
    }

    /**
     * A copy with constant folding on or off.
     *
     * @param f whether to fold constant subgraphs at load time
     * @return the new options
     */
    public SessionOptions withConstantFolding(boolean f) {
        return new SessionOptions(execution, profile, f, attentionFusion, captureAttention, attention, graphFusion);
    }

    /**
     * A copy with attention fusion on or off.
     *
     * @param f whether to replace attention subgraphs by Heed's kernels
     * @return the new options
     */
    public SessionOptions withAttentionFusion(boolean f) {
        return new SessionOptions(execution, profile, constantFolding, f, captureAttention, attention, graphFusion);
    }

    /**
     * Capture implies fusion: only fused nodes can hand out their probabilities.
     *
     * @param c whether every run captures attention
     * @return the new options
     * @deprecated choose per run: {@link RunOptions#withCaptureAttention} with {@link Session#run(java.util.Map, RunOptions)}
     */
    @Deprecated
    public SessionOptions withCaptureAttention(boolean c) {
        return new SessionOptions(execution, profile, constantFolding, attentionFusion || c, c, attention, graphFusion);
    }

    /**
     * A copy with another kernel for fused attention nodes.
     *
     * @param impl AUTO, EXACT or FLASH; null for AUTO
     * @return the new options
     * @throws dev.heed.HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for LINEAR
     */
    public SessionOptions withAttention(AttentionImpl impl) {
        return new SessionOptions(execution, profile, constantFolding, attentionFusion, captureAttention, impl, graphFusion);
    }

    /**
     * A copy with graph fusion on or off (MatMul + bias + activation, LayerNorm, GELU); attention fusion is separate.
     *
     * @param f whether to fuse
     * @return the new options
     */
    public SessionOptions withGraphFusion(boolean f) {
        return new SessionOptions(execution, profile, constantFolding, attentionFusion, captureAttention, attention, f);
    }
}
