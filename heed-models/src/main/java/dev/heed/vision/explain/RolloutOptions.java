package dev.heed.vision.explain;

import dev.heed.HeedException;

/**
 * How {@link Rollout} fuses heads and how much weak attention it drops.
 *
 * <pre>{@code
 * RolloutOptions o = RolloutOptions.defaults().withFusion(HeadFusion.MAX).withDiscardRatio(0.9);
 * }</pre>
 *
 * @param fusion       how the heads of one layer are combined
 * @param discardRatio fraction of each layer's weakest attention entries set to zero before rolling out, in [0, 1)
 */
public record RolloutOptions(HeadFusion fusion, double discardRatio) {
    /**
     * Checks the values.
     *
     * @param fusion       not null
     * @param discardRatio in [0, 1)
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for a null fusion or a ratio out of range
     */
    public RolloutOptions {
        if (fusion == null) throw HeedException.invalid("RolloutOptions", "fusion is null; expected one of mean, max, min");
        if (!(discardRatio >= 0 && discardRatio < 1)) {
            throw HeedException.invalid("RolloutOptions", "discard ratio must be in [0, 1), got " + discardRatio);
        }
    }

    /** {@return mean over heads, nothing discarded (Abnar &amp; Zuidema's rollout)} */
    public static RolloutOptions defaults() {
        return new RolloutOptions(HeadFusion.MEAN, 0);
    }

    /**
     * A copy with another head fusion.
     *
     * @param f the fusion, not null
     * @return the new options
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for null
     */
    public RolloutOptions withFusion(HeadFusion f) {
        return new RolloutOptions(f, discardRatio);
    }

    /**
     * A copy with another discard ratio.
     *
     * @param r the fraction of each layer's weakest entries set to zero, in [0, 1)
     * @return the new options
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when out of range
     */
    public RolloutOptions withDiscardRatio(double r) {
        return new RolloutOptions(fusion, r);
    }
}
