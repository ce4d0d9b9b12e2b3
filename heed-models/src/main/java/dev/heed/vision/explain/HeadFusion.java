package dev.heed.vision.explain;

import dev.heed.HeedException;
import java.util.Arrays;
import java.util.Locale;

/**
 * How attention rollout combines one layer's heads into a single {@code [L, L]} map: the mean of the heads'
 * probabilities (Abnar &amp; Zuidema 2020), or their element-wise max or min (vit-explain's variants).
 *
 * <pre>{@code
 * HeadFusion f = HeadFusion.parse("max");
 * }</pre>
 */
public enum HeadFusion {
    /** The mean of the heads' probabilities (Abnar &amp; Zuidema). */ MEAN,
    /** The element-wise maximum over heads. */ MAX,
    /** The element-wise minimum over heads. */ MIN;

    /**
     * Parses a fusion name.
     *
     * @param s {@code "mean"}, {@code "max"} or {@code "min"} (any case, surrounding spaces ignored)
     * @return the fusion
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} listing the names for anything else
     */
    public static HeadFusion parse(String s) {
        for (HeadFusion f : values()) if (f.name().equalsIgnoreCase(s == null ? "" : s.trim())) return f;
        throw HeedException.invalid("explain", "unknown head fusion '" + s + "'; expected one of "
                + Arrays.stream(values()).map(v -> v.name().toLowerCase(Locale.ROOT)).toList());
    }

    /** {@return the lower-case name used on the command line} */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
