package dev.heed.attention;

/**
 * Which attention kernel computes an {@link Attention#compute} call.
 *
 * <pre>{@code
 * AttentionSpec spec = AttentionSpec.defaults().withImplementation(AttentionImpl.FLASH);
 * }</pre>
 */
public enum AttentionImpl {
    /** {@link #EXACT} when the score matrix of one head is small, {@link #FLASH} otherwise. Never {@link #LINEAR}. */
    AUTO,
    /** Softmax attention that materialises rows of scores (two passes over each row). */
    EXACT,
    /** Softmax attention tiled over keys with an online softmax; memory linear in sequence length. */
    FLASH,
    /** Linear attention (Katharopoulos et al. 2020): softmax replaced by a feature-map kernel, O(n). */
    LINEAR
}
