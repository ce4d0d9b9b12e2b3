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
 * @param profile            record per-node wall-clock times in {@link RunResult#profile()}
 * @param constantFolding    fold constant subgraphs (and statically known Shape/Size) at load time
 * @param attentionFusion    replace exported attention subgraphs by Heed's attention kernels (on by default)
 * @param captureAttention   return every fused attention's probabilities in {@link RunResult#attention()}
 * @param attention          which attention kernel fused nodes use ({@link AttentionImpl#AUTO} by default)
 */
public record SessionOptions(ExecutionOptions execution, boolean profile, boolean constantFolding,
                             boolean attentionFusion, boolean captureAttention, AttentionImpl attention) {
    public SessionOptions {
        if (execution == null) execution = ExecutionOptions.defaults();
        if (attention == null) attention = AttentionImpl.AUTO;
        if (attention == AttentionImpl.LINEAR) {
            throw dev.heed.HeedException.invalid("SessionOptions", "linear attention is a different model, not a kernel choice for "
                    + "softmax attention graphs; expected one of [AUTO, EXACT, FLASH]");
        }
    }

    /** The first three options; fusion on, capture off, automatic kernel choice. */
    public SessionOptions(ExecutionOptions execution, boolean profile, boolean constantFolding) {
        this(execution, profile, constantFolding, true, false, AttentionImpl.AUTO);
    }

    /** Default execution options, no profile, constant folding and attention fusion on. */
    public static SessionOptions defaults() {
        return new SessionOptions(ExecutionOptions.defaults(), false, true);
    }

    public SessionOptions withExecution(ExecutionOptions e) {
        return new SessionOptions(e, profile, constantFolding, attentionFusion, captureAttention, attention);
    }

    public SessionOptions withProfile(boolean p) {
        return new SessionOptions(execution, p, constantFolding, attentionFusion, captureAttention, attention);
    }

    public SessionOptions withConstantFolding(boolean f) {
        return new SessionOptions(execution, profile, f, attentionFusion, captureAttention, attention);
    }

    public SessionOptions withAttentionFusion(boolean f) {
        return new SessionOptions(execution, profile, constantFolding, f, captureAttention, attention);
    }

    /** Capture implies fusion: only fused nodes can hand out their probabilities. */
    public SessionOptions withCaptureAttention(boolean c) {
        return new SessionOptions(execution, profile, constantFolding, attentionFusion || c, c, attention);
    }

    public SessionOptions withAttention(AttentionImpl impl) {
        return new SessionOptions(execution, profile, constantFolding, attentionFusion, captureAttention, impl);
    }
}
