package dev.heed.viz;

import dev.heed.vision.Classifier;
import dev.heed.vision.Images;
import dev.heed.vision.RgbImage;
import dev.heed.vision.explain.RolloutOptions;
import dev.heed.vision.explain.ViTExplanation;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ViT explanation PNG: written, non-blank, and the overlay where the numbers say: rendered over a uniform grey
 * view (so the picture underneath cannot decide), the brightest cell of the overlay panel is the rollout's argmax,
 * for the real fixture's rollout and for every position of a synthetic one.
 */
class ImageExplanationPngTest {
    static final Path MODEL = Path.of("../heed-onnx/src/test/resources/models/vit_opset17.onnx");

    static Path image(String name) {
        for (Path p : new Path[] {Path.of("../../shared/data/images", name), Path.of("/work/shared/data/images", name)}) {
            if (Files.isRegularFile(p)) return p;
        }
        throw new AssertionError("sample image " + name + " not found");
    }

    static RgbImage grey(int side) {
        byte[] b = new byte[side * side * 3];
        Arrays.fill(b, (byte) 128);
        return new RgbImage(side, side, b);
    }

    /** Mean luminance of each overlay cell (its inner half, away from edges), row-major. */
    static double[] cellBrightness(BufferedImage img, int gh, int gw) {
        double[] out = new double[gh * gw];
        int ch = ImageExplanationPng.PANEL / gh, cw = ImageExplanationPng.PANEL / gw;
        for (int cy = 0; cy < gh; cy++) {
            for (int cx = 0; cx < gw; cx++) {
                double s = 0;
                int n = 0;
                for (int y = cy * ch + ch / 4; y < cy * ch + 3 * ch / 4; y++) {
                    for (int x = cx * cw + cw / 4; x < cx * cw + 3 * cw / 4; x++) {
                        int c = img.getRGB(ImageExplanationPng.PANEL_X + x, ImageExplanationPng.PANEL_Y + y);
                        s += 0.299 * ((c >> 16) & 255) + 0.587 * ((c >> 8) & 255) + 0.114 * (c & 255);
                        n++;
                    }
                }
                out[cy * gw + cx] = s / n;
            }
        }
        return out;
    }

    static int argmax(double[] a) {
        int b = 0;
        for (int i = 1; i < a.length; i++) if (a[i] > a[b]) b = i;
        return b;
    }

    @Test
    void realRolloutIsDrawnWhereItIsStrongest(@TempDir Path dir) throws Exception {
        try (Classifier vit = Classifier.open(MODEL)) {
            ViTExplanation e = vit.explain(Images.read(image("bus.jpg")), 5, RolloutOptions.defaults());
            Path out = dir.resolve("bus.explain.png");
            ImageExplanationPng.render(e, out);
            BufferedImage png = ImageIO.read(out.toFile());
            Set<Integer> colours = new HashSet<>();
            for (int y = 0; y < png.getHeight(); y += 3) for (int x = 0; x < png.getWidth(); x += 3) colours.add(png.getRGB(x, y));
            assertTrue(colours.size() > 500, "the PNG looks blank: " + colours.size() + " distinct colours");

            ViTExplanation onGrey = new ViTExplanation(e.top(), grey(e.view().width()), e.gridH(), e.gridW(), e.rollout(), e.heads(),
                    e.tokens(), e.attention(), e.options());
            double[] b = cellBrightness(ImageExplanationPng.image(onGrey), e.gridH(), e.gridW());
            assertEquals(e.argmax(), argmax(b), "brightest overlay cell vs rollout argmax " + Arrays.toString(e.rollout()));
        }
    }

    @Test
    void everyCellCanBeTheBrightest() {
        int g = 7;
        try (Classifier vit = Classifier.open(MODEL)) {
            ViTExplanation real = vit.explain(Images.read(image("zidane.jpg")), 3, RolloutOptions.defaults());
            for (int peak = 0; peak < g * g; peak += 5) {
                float[] r = new float[g * g];
                for (int i = 0; i < r.length; i++) r[i] = 0.01f + 0.001f * (i % 3);
                r[peak] = 0.05f;
                ViTExplanation e = new ViTExplanation(real.top(), grey(224), g, g, r, real.heads(), real.tokens(), real.attention(), real.options());
                assertEquals(peak, argmax(cellBrightness(ImageExplanationPng.image(e), g, g)), "peak at " + peak);
            }
        }
    }
}
