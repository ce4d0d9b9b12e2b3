package dev.heed.attention;

import dev.heed.tensor.Tensor;

/**
 * What an attention call returns.
 *
 * <pre>{@code
 * AttentionResult r = Attention.compute(ctx, q, k, v, AttentionSpec.defaults().withCaptureWeights(true));
 * Tensor out = r.output();      // [B, Hq, L, Ev]
 * Tensor p = r.weights();       // [B, Hq, L, S], rows sum to 1 (0 for fully masked rows)
 * }</pre>
 *
 * @param output  {@code [B, Hq, L, Ev]} float32, contiguous
 * @param weights {@code [B, Hq, L, S]} attention probabilities, or {@code null} when not captured
 */
public record AttentionResult(Tensor output, Tensor weights) {
    /** {@return true when the probabilities were captured ({@link #weights()} is not null)} */
    public boolean hasWeights() {
        return weights != null;
    }
}
