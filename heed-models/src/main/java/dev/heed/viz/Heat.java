package dev.heed.viz;

/**
 * The heat scale of the image explanations (PNG and, as the same numbers, the HTML viewer): matplotlib's
 * "inferno" sampled at five points (black → purple → red → orange → pale yellow), interpolated linearly. Its
 * luminance rises monotonically, so the brightest cell is always the strongest one.
 */
final class Heat {
    /** inferno at 0, 0.25, 0.5, 0.75, 1. */
    static final int[] INFERNO = {0x000004, 0x57106e, 0xbc3754, 0xf98e09, 0xfcffa4};

    private Heat() {}

    /** RGB at position {@code t} in [0, 1] (clamped). */
    static int rgb(double t) {
        double x = Math.clamp(t, 0.0, 1.0) * (INFERNO.length - 1);
        int i = Math.min((int) x, INFERNO.length - 2);
        double f = x - i;
        int a = INFERNO[i], b = INFERNO[i + 1];
        return (mix((a >> 16) & 255, (b >> 16) & 255, f) << 16) | (mix((a >> 8) & 255, (b >> 8) & 255, f) << 8) | mix(a & 255, b & 255, f);
    }

    /** {@code 0xRRGGBB} blended over {@code base} with opacity {@code alpha}. */
    static int blend(int base, int over, double alpha) {
        int r = mix((base >> 16) & 255, (over >> 16) & 255, alpha);
        int g = mix((base >> 8) & 255, (over >> 8) & 255, alpha);
        int b = mix(base & 255, over & 255, alpha);
        return (r << 16) | (g << 8) | b;
    }

    /** The JavaScript array literal of the scale, for the HTML viewer. */
    static String js() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < INFERNO.length; i++) {
            int c = INFERNO[i];
            sb.append(i == 0 ? "" : ",").append('[').append((c >> 16) & 255).append(',').append((c >> 8) & 255).append(',').append(c & 255).append(']');
        }
        return sb.append(']').toString();
    }

    private static int mix(int a, int b, double f) {
        return (int) Math.round(a + (b - a) * f);
    }
}
