package dev.heed.attention;

/**
 * How a causal mask lines up queries and keys when the query length {@code L} differs from the key length
 * {@code S}. Query {@code i} may see key {@code j} when {@code j <= i + shift}, with {@code shift = 0} for
 * {@link #TOP_LEFT} and {@code shift = S - L} for {@link #BOTTOM_RIGHT}.
 *
 * <pre>{@code
 * // KV-cache decoding: one new query over S cached keys sees all of them
 * AttentionSpec.defaults().withCausal(CausalAlignment.BOTTOM_RIGHT);
 * }</pre>
 */
public enum CausalAlignment {
    /** No causal mask. */
    NONE,
    /** PyTorch's {@code is_causal=True}: the mask's diagonal starts at the top-left corner ({@code j <= i}). */
    TOP_LEFT,
    /** Diagonal ends at the bottom-right corner ({@code j <= i + S - L}): the last query sees every key. */
    BOTTOM_RIGHT
}
