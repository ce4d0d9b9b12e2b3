package dev.heed.vision;

import dev.heed.HeedException;
import dev.heed.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class AnnotatorAndClassificationTest {
    @TempDir Path tmp;

    @Test
    void drawsBoxesInTheClassColourAndWrites() {
        RgbImage img = new RgbImage(300, 200, new byte[300 * 200 * 3]);
        Detections d = new Detections(List.of(
                new Detection(50, 60, 150, 180, 0.91f, 0, "person", 300, 200),
                new Detection(0, 0, 299, 199, 0.5f, 5, "bus", 300, 200)), 300, 200, Timings.NONE);
        BufferedImage out = new Annotator().draw(img, d);
        assertEquals(300, out.getWidth());
        assertEquals(Annotator.colorOf(0).getRGB(), out.getRGB(50, 120), "left edge of the person box");
        assertEquals(Annotator.colorOf(0).getRGB(), out.getRGB(100, 180), "bottom edge");
        assertEquals(0xFF000000, out.getRGB(100, 120), "inside stays untouched");
        assertNotEquals(Annotator.colorOf(0), Annotator.colorOf(1));
        assertEquals(Annotator.colorOf(3), Annotator.colorOf(23), "palette cycles every 20 classes");
        for (String n : new String[] {"a.png", "b.jpg"}) {
            Path p = tmp.resolve(n);
            Annotator.write(out, p);
            RgbImage back = Images.read(p);
            assertEquals(300, back.width());
        }
        assertThrows(HeedException.class, () -> Annotator.write(out, tmp.resolve("c.gifx")));
    }

    @Test
    void annotatesARealImage() {
        RgbImage bus = Images.read(VisionTestData.sharedImage("bus.jpg"));
        Detections d = new Detections(List.of(new Detection(17, 230, 801, 768, 0.94f, 5, "bus", 810, 1080)), 810, 1080, Timings.NONE);
        BufferedImage out = new Annotator(false).draw(bus, d);
        assertEquals(1080, out.getHeight());
    }

    @Test
    void topKSoftmax() {
        float[] logits = {1f, 3f, 3f, -2f, 0.5f};
        List<Classification> top = Classification.topK(Tensor.of(logits, 1, 5), 3, ClassNames.of(List.of("a", "b", "c", "d", "e")));
        assertEquals(3, top.size());
        assertEquals(1, top.get(0).classId(), "ties: lower id first");
        assertEquals(2, top.get(1).classId());
        assertEquals(0, top.get(2).classId());
        assertEquals("b", top.get(0).name());
        double z = 0;
        for (float l : logits) z += Math.exp(l);
        assertEquals(Math.exp(3) / z, top.get(0).probability(), 1e-12);
        assertEquals(5, Classification.topK(logits, 99, ClassNames.imagenet1k()).size());
        assertEquals("tench", Classification.topK(new float[] {9, 1}, 1, ClassNames.imagenet1k()).get(0).name());
        assertThrows(HeedException.class, () -> Classification.topK(logits, 0, ClassNames.imagenet1k()));
        assertThrows(HeedException.class, () -> Classification.topK(Tensor.of(new float[4], 2, 2), 1, ClassNames.imagenet1k()));
    }
}
