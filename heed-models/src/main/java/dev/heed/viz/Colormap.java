package dev.heed.viz;

/**
 * The sequential colour scale shared by the PNG and (as the same numbers) the HTML viewer: ColorBrewer "Blues"
 * (9 classes), white to navy, interpolated linearly. Probabilities are shown as {@code √p} so that a 0.02
 * weight is still visibly tinted.
 */
final class Colormap {
    /** ColorBrewer Blues-9, light to dark. */
    static final int[] BLUES = {
        0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6, 0x4292c6, 0x2171b5, 0x08519c, 0x08306b
    };

    private Colormap() {}

    /** RGB for a probability {@code p} in [0, 1] (clamped), on the √p scale. */
    static int rgb(float p) {
        return rgbOfSqrt((float) Math.sqrt(Math.clamp(p, 0f, 1f)));
    }

    /** RGB for a position {@code t} in [0, 1] along the scale. */
    static int rgbOfSqrt(float t) {
        float x = Math.clamp(t, 0f, 1f) * (BLUES.length - 1);
        int i = Math.min((int) x, BLUES.length - 2);
        float f = x - i;
        int a = BLUES[i], b = BLUES[i + 1];
        int r = mix((a >> 16) & 255, (b >> 16) & 255, f);
        int g = mix((a >> 8) & 255, (b >> 8) & 255, f);
        int bl = mix(a & 255, b & 255, f);
        return (r << 16) | (g << 8) | bl;
    }

    private static int mix(int a, int b, float f) {
        return Math.round(a + (b - a) * f);
    }
}
