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
    public RolloutOptions {
        if (fusion == null) throw HeedException.invalid("RolloutOptions", "fusion is null; expected one of mean, max, min");
        if (!(discardRatio >= 0 && discardRatio < 1)) {
            throw HeedException.invalid("RolloutOptions", "discard ratio must be in [0, 1), got " + discardRatio);
        }
    }

    /** Mean over heads, nothing discarded (Abnar &amp; Zuidema's rollout). */
    public static RolloutOptions defaults() {
        return new RolloutOptions(HeadFusion.MEAN, 0);
    }

    public RolloutOptions withFusion(HeadFusion f) {
        return new RolloutOptions(f, discardRatio);
    }

    public RolloutOptions withDiscardRatio(double r) {
        return new RolloutOptions(fusion, r);
    }
}
