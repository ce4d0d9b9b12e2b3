package dev.heed.viz;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.HeedException;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttentionPngTest {
    @TempDir
    Path dir;

    /** Per-channel variance of the luminance over all pixels: a blank image has 0. */
    static double variance(BufferedImage img) {
        double s = 0, s2 = 0;
        long n = (long) img.getWidth() * img.getHeight();
        for (int y = 0; y < img.getHeight(); y++)
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                double v = 0.299 * ((p >> 16) & 255) + 0.587 * ((p >> 8) & 255) + 0.114 * (p & 255);
                s += v;
                s2 += v * v;
            }
        double mean = s / n;
        return s2 / n - mean * mean;
    }

    /** Fraction of pixels that are not (near) white. */
    static double inked(BufferedImage img) {
        long c = 0;
        for (int y = 0; y < img.getHeight(); y++)
            for (int x = 0; x < img.getWidth(); x++) if ((img.getRGB(x, y) & 0xff) < 235) c++;
        return c / (double) ((long) img.getWidth() * img.getHeight());
    }

    @Test
    void smallInputRendersWithContent() throws Exception {
        AttentionMaps m = AttentionMaps.ofArrays(Synthetic.SENTENCE, Synthetic.maps(2, 3, Synthetic.SENTENCE.size(), 7));
        Path out = dir.resolve("sub/small.png");
        AttentionPng.render(m, 1, 2, out);
        BufferedImage img = ImageIO.read(out.toFile());
        assertNotNull(img, "a readable PNG");
        assertTrue(img.getWidth() >= 500 && img.getWidth() <= 2500, "width " + img.getWidth());
        assertTrue(img.getHeight() >= 300 && img.getHeight() <= 2500, "height " + img.getHeight());
        assertTrue(variance(img) > 200, "non-blank: luminance variance " + variance(img));
        assertTrue(inked(img) > 0.05, "some heat map ink: " + inked(img));
        if (System.getenv("HEED_VIZ_KEEP") != null) Files.copy(out, Path.of(System.getenv("HEED_VIZ_KEEP"), "small.png"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void longInputIsCappedAndNonBlank() throws Exception {
        AttentionMaps m = Synthetic.of(6, 12, 512, 9);
        Path out = dir.resolve("long.png");
        long t0 = System.nanoTime();
        AttentionPng.render(m, 5, 11, out);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        BufferedImage img = ImageIO.read(out.toFile());
        assertTrue(img.getWidth() <= 2400 && img.getHeight() <= 1600, "capped size " + img.getWidth() + "x" + img.getHeight());
        assertTrue(variance(img) > 200, "non-blank: luminance variance " + variance(img));
        assertTrue(ms < 10_000, "rendering took " + ms + " ms");
        if (System.getenv("HEED_VIZ_KEEP") != null) Files.copy(out, Path.of(System.getenv("HEED_VIZ_KEEP"), "long.png"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void singleTokenAndBadFocus() {
        AttentionMaps one = AttentionMaps.ofArrays(java.util.List.of("hi"), java.util.List.<float[][][]>of(new float[][][] {{{1f}}}));
        BufferedImage img = AttentionPng.image(one, 0, 0);
        assertTrue(img.getWidth() > 0);
        var e = assertThrows(HeedException.class, () -> AttentionPng.image(one, 1, 0));
        assertTrue(e.getMessage().contains("focus layer 1"), e.getMessage());
    }
}
