package dev.heed.viz;

import dev.heed.vision.Detections;
import dev.heed.vision.Timings;
import dev.heed.vision.Detector;
import dev.heed.vision.Images;
import dev.heed.vision.RgbImage;
import dev.heed.vision.explain.DetrExplanation;
import dev.heed.vision.explain.SamplingPoint;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The detection explanation PNG: written, non-blank, and drawn where the numbers say: over a uniform grey image
 * (so the photo cannot decide) and with the first 1, 2, 3 detections, the pixel at the last-drawn detection's
 * strongest sampling point carries that detection's colour (nearest palette colour, well away from grey).
 */
class DetectionExplanationPngTest {
    static final Path MODEL = Path.of("../heed-onnx/src/test/resources/models/rtdetr_tiny_opset17.onnx");

    static Path image(String name) {
        for (Path p : new Path[] {Path.of("../../shared/data/images", name), Path.of("/work/shared/data/images", name)}) {
            if (Files.isRegularFile(p)) return p;
        }
        throw new AssertionError("sample image " + name + " not found");
    }

    static int nearestDetectionColour(int rgb, int detections) {
        int best = -1;
        double bd = Double.MAX_VALUE;
        for (int i = 0; i < Math.min(detections, DetectionExplanationPng.PALETTE.length); i++) {
            Color c = DetectionExplanationPng.colorOf(i);
            double d = Math.pow(c.getRed() - ((rgb >> 16) & 255), 2) + Math.pow(c.getGreen() - ((rgb >> 8) & 255), 2) + Math.pow(c.getBlue() - (rgb & 255), 2);
            if (d < bd) { bd = d; best = i; }
        }
        return best;
    }

    @Test
    void pointsAndBoxesAreDrawnWhereTheNumbersSay(@TempDir Path dir) throws Exception {
        try (Detector det = Detector.open(MODEL)) {
            DetrExplanation real = det.explain(Images.read(image("bus.jpg")));
            assertTrue(real.detections().size() >= 2, "the fixture detects objects on bus.jpg");
            Path out = dir.resolve("bus.explain.png");
            DetectionExplanationPng.render(real, out);
            BufferedImage png = ImageIO.read(out.toFile());
            Set<Integer> colours = new HashSet<>();
            for (int y = 0; y < png.getHeight(); y += 3) for (int x = 0; x < png.getWidth(); x += 3) colours.add(png.getRGB(x, y));
            assertTrue(colours.size() > 500, "the PNG looks blank: " + colours.size() + " distinct colours");

            byte[] grey = new byte[real.image().width() * real.image().height() * 3];
            Arrays.fill(grey, (byte) 128);
            for (int n = 1; n <= 3; n++) {         // the first n detections; the last of them is drawn on top
                Detections some = new Detections(real.detections().list().subList(0, n), real.image().width(), real.image().height(), Timings.NONE);
                DetrExplanation e = new DetrExplanation(new RgbImage(real.image().width(), real.image().height(), grey), some,
                        Arrays.copyOf(real.queries(), n), real.points().subList(0, n), real.heads(), real.levels(), real.pointsPerLevel(),
                        real.decoderLayers(), real.encoderHeat());
                BufferedImage img = DetectionExplanationPng.image(e);
                double s = DetectionExplanationPng.scale(e);
                SamplingPoint top = e.points().get(n - 1).stream().max(Comparator.comparingDouble(SamplingPoint::weight)).orElseThrow();
                int rgb = img.getRGB((int) Math.round(top.x() * s), (int) Math.round(top.y() * s));
                assertEquals(n - 1, nearestDetectionColour(rgb, n), "colour at the strongest point of detection " + (n - 1) + ": " + Integer.toHexString(rgb));
                int greyDistance = Math.abs(((rgb >> 16) & 255) - 128) + Math.abs(((rgb >> 8) & 255) - 128) + Math.abs((rgb & 255) - 128);
                assertTrue(greyDistance > 60, "the strongest point is barely visible: " + Integer.toHexString(rgb));
            }
        }
    }
}
