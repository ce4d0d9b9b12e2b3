package dev.heed.attention;

import dev.heed.HeedException;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;

/**
 * The options of one attention call, mirroring PyTorch's {@code scaled_dot_product_attention}.
 *
 * <h2>Contract</h2>
 * q {@code [B, Hq, L, E]}, k {@code [B, Hkv, S, E]}, v {@code [B, Hkv, S, Ev]}, {@code Hq % Hkv == 0} (query
 * head {@code h} uses key/value head {@code h / (Hq / Hkv)}: grouped-query / multi-query attention).
 * {@code out[b, h, i] = Σ_j p_ij · v[b, g(h), j]} with {@code p_i = softmax_j(scale · q_i·k_j + bias_ij)},
 * where key {@code j} is visible to query {@code i} when all of these hold:
 * <ul>
 *   <li>causal ({@link CausalAlignment}): {@code j <= i + shift}, {@code shift = 0} (top-left) or
 *       {@code S - L} (bottom-right);</li>
 *   <li>window {@code W > 0}: {@code j > i + shift - W} — the query sees only the last {@code W} keys up to its
 *       diagonal; without a causal mask the diagonal is the bottom-right one and keys after it stay visible;</li>
 *   <li>a boolean mask, broadcastable to {@code [B, Hq, L, S]}, is true (true = attend). A float mask is
 *       instead added to the scores ({@code -inf} hides a key).</li>
 * </ul>
 * <b>Fully masked rows</b> (no visible key, or every bias {@code -inf}) give an output row of zeros and, when
 * captured, a weight row of zeros — in every implementation (PyTorch's math path gives NaN there).
 *
 * <p>{@link AttentionImpl#LINEAR} replaces the softmax by {@code φ(q_i)·φ(k_j) / Σ_j φ(q_i)·φ(k_j)} with
 * {@link #featureMap()}; it ignores {@link #scale()}, supports causal (both alignments), GQA and boolean or
 * {@code 0/-inf} masks that do not vary along the query axis (key padding), but not windows.
 *
 * <pre>{@code
 * AttentionSpec spec = AttentionSpec.defaults()
 *         .withCausal(CausalAlignment.TOP_LEFT)
 *         .withMask(padding)                    // bool [B, 1, 1, S]
 *         .withImplementation(AttentionImpl.FLASH);
 * }</pre>
 *
 * @param scale          multiplier of q·k; {@code NaN} means the default {@code 1/√E}
 * @param causal         causal mask alignment, {@link CausalAlignment#NONE} for none
 * @param mask           boolean (true = attend) or float32 additive mask broadcastable to [B, Hq, L, S], or null
 * @param window         sliding window size in keys; 0 means no window
 * @param captureWeights also return the probabilities [B, Hq, L, S]
 * @param implementation kernel choice
 * @param featureMap     φ for {@link AttentionImpl#LINEAR}
 */
public record AttentionSpec(double scale, CausalAlignment causal, Tensor mask, int window, boolean captureWeights,
                            AttentionImpl implementation, FeatureMap featureMap) {

    /**
     * Fills in defaults for null choices ({@code NONE}, {@code AUTO}, elu+1) and checks the values.
     *
     * @param scale          multiplier of q·k, finite, or {@code NaN} for {@code 1/√E}
     * @param causal         causal alignment, null for {@link CausalAlignment#NONE}
     * @param mask           bool or float32 mask broadcastable to {@code [B, Hq, L, S]}, or null
     * @param window         sliding window in keys, ≥ 0 (0 = none)
     * @param captureWeights also return the probabilities
     * @param implementation kernel choice, null for {@link AttentionImpl#AUTO}
     * @param featureMap     φ for linear attention, null for {@link FeatureMap#ELU_PLUS_ONE}
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for a negative window or an infinite scale,
     *                       {@link dev.heed.ErrorCode#UNSUPPORTED} for a mask that is neither bool nor float32
     */
    public AttentionSpec {
        if (causal == null) causal = CausalAlignment.NONE;
        if (implementation == null) implementation = AttentionImpl.AUTO;
        if (featureMap == null) featureMap = FeatureMap.ELU_PLUS_ONE;
        if (window < 0) throw HeedException.invalid("attention", "window must be >= 0 (0 = none), got " + window);
        if (!Double.isNaN(scale) && !Double.isFinite(scale)) {
            throw HeedException.invalid("attention", "scale must be finite or NaN (default), got " + scale);
        }
        if (mask != null && mask.dtype() != DType.BOOL && mask.dtype() != DType.FLOAT32) {
            throw HeedException.unsupported("attention: mask dtype " + mask.dtype(), DType.BOOL, DType.FLOAT32);
        }
    }

    /** {@return default scale, no causal mask, no mask, no window, no capture, {@link AttentionImpl#AUTO}, elu+1} */
    public static AttentionSpec defaults() {
        return new AttentionSpec(Double.NaN, CausalAlignment.NONE, null, 0, false, AttentionImpl.AUTO, FeatureMap.ELU_PLUS_ONE);
    }

    /**
     * A copy with another scale.
     *
     * @param s multiplier of q·k, finite, or {@code NaN} for the default {@code 1/√E}
     * @return the new spec
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code s} is infinite
     */
    public AttentionSpec withScale(double s) {
        return new AttentionSpec(s, causal, mask, window, captureWeights, implementation, featureMap);
    }

    /**
     * A copy with another causal alignment.
     *
     * @param c the alignment; null means {@link CausalAlignment#NONE}
     * @return the new spec
     */
    public AttentionSpec withCausal(CausalAlignment c) {
        return new AttentionSpec(scale, c, mask, window, captureWeights, implementation, featureMap);
    }

    /**
     * Shorthand: {@code TOP_LEFT} when true (PyTorch's {@code is_causal}), {@code NONE} when false.
     *
     * @param c whether the mask is causal
     * @return the new spec
     */
    public AttentionSpec withCausal(boolean c) {
        return withCausal(c ? CausalAlignment.TOP_LEFT : CausalAlignment.NONE);
    }

    /**
     * A copy with another mask.
     *
     * @param m bool (true = attend) or float32 additive mask broadcastable to {@code [B, Hq, L, S]}, or null for none
     * @return the new spec
     * @throws HeedException {@link dev.heed.ErrorCode#UNSUPPORTED} for another dtype
     */
    public AttentionSpec withMask(Tensor m) {
        return new AttentionSpec(scale, causal, m, window, captureWeights, implementation, featureMap);
    }

    /**
     * A copy with another sliding window.
     *
     * @param w the number of keys a query sees up to its diagonal, ≥ 0; 0 for no window
     * @return the new spec
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code w < 0}
     */
    public AttentionSpec withWindow(int w) {
        return new AttentionSpec(scale, causal, mask, w, captureWeights, implementation, featureMap);
    }

    /**
     * A copy that does or does not return the probabilities {@code [B, Hq, L, S]} (capturing costs memory and,
     * for flash attention, a second pass).
     *
     * @param c whether to capture
     * @return the new spec
     */
    public AttentionSpec withCaptureWeights(boolean c) {
        return new AttentionSpec(scale, causal, mask, window, c, implementation, featureMap);
    }

    /**
     * A copy with another implementation.
     *
     * @param i the kernel choice; null means {@link AttentionImpl#AUTO}
     * @return the new spec
     */
    public AttentionSpec withImplementation(AttentionImpl i) {
        return new AttentionSpec(scale, causal, mask, window, captureWeights, i, featureMap);
    }

    /**
     * A copy with another feature map for {@link AttentionImpl#LINEAR} (ignored by the others).
     *
     * @param f φ; null means {@link FeatureMap#ELU_PLUS_ONE}
     * @return the new spec
     */
    public AttentionSpec withFeatureMap(FeatureMap f) {
        return new AttentionSpec(scale, causal, mask, window, captureWeights, implementation, f);
    }

    /**
     * The scale actually used for head size {@code e}.
     *
     * @param e the head size E of q and k
     * @return {@link #scale()}, or {@code 1/√e} when it is NaN
     */
    public double effectiveScale(int e) {
        return Double.isNaN(scale) ? 1.0 / Math.sqrt(e) : scale;
    }
}
