package dev.heed.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The results API: JSON as Ultralytics' tojson, the summary line, timings, iteration. */
class DetectionsTest {
    static Detections sample() {
        List<Detection> l = new ArrayList<>();
        l.add(new Detection(10.123456f, 20f, 110f, 220f, 0.87654321f, 5, "bus", 810, 1080));
        for (int i = 0; i < 4; i++) l.add(new Detection(i, i, i + 50, i + 100, 0.5f + i / 10f, 0, "person", 810, 1080));
        l.add(new Detection(1, 2, 3, 4, 0.3f, 27, "tie", 810, 1080));
        return new Detections(l, 810, 1080, new Timings(3.25, 123.44, 0.5));
    }

    @Test
    void summaryLineLikeUltralytics() {
        assertEquals("bus.jpg: 640x640 4 persons, 1 bus, 1 tie, 123.4ms", sample().summary("bus.jpg", 640, 640));
        assertEquals("a.png: 480x640 4 persons, 1 bus, 1 tie, 123.4ms", sample().summary("a.png", 640, 480), "height x width");
    }

    @Test
    void jsonHasUltralyticsFields() throws Exception {
        JsonNode arr = new ObjectMapper().readTree(sample().toJson());
        assertEquals(6, arr.size());
        JsonNode first = arr.get(0);
        List<String> keys = new ArrayList<>();
        first.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("name", "class", "confidence", "box"), keys);
        assertEquals("bus", first.get("name").asText());
        assertEquals(5, first.get("class").asInt());
        assertEquals(0.87654, first.get("confidence").asDouble(), 0, "rounded to 5 decimals");
        JsonNode box = first.get("box");
        List<String> bk = new ArrayList<>();
        box.fieldNames().forEachRemaining(bk::add);
        assertEquals(List.of("x1", "y1", "x2", "y2"), bk);
        assertEquals(10.12346, box.get("x1").asDouble(), 0);
        assertEquals(220.0, box.get("y2").asDouble(), 0);
        JsonNode norm = new ObjectMapper().readTree(sample().toJson(true)).get(0).get("box");
        assertEquals(Math.round(110.0 / 810 * 1e5) / 1e5, norm.get("x2").asDouble(), 1e-12);
    }

    @Test
    void accessors() {
        Detections d = sample();
        assertEquals(6, d.size());
        assertEquals(new Timings(3.25, 123.44, 0.5), d.timings());
        assertEquals(127.19, d.timings().totalMs(), 1e-9);
        assertEquals(java.util.Map.of(0, 4, 5, 1, 27, 1), d.countsByClass());
        Iterator<Detection> it = d.iterator();
        assertEquals("bus", it.next().name());
        assertThrows(UnsupportedOperationException.class, () -> d.list().clear());
        Detections t = d.withTimings(new Timings(1, 2, 3));
        assertEquals(2, t.timings().inferenceMs());
        assertEquals(d.list(), t.list());
    }

    @Test
    void pipelineWithAFakeModel() {
        RgbImage img = Images.read(VisionTestData.resource("synth_1000x333.png"));
        float[] out = new float[2 * 84];
        out[0] = 0.5f; out[1] = 0.5f; out[2] = 0.5f; out[3] = 0.5f; out[4 + 5] = 0.9f;   // a bus in the middle
        RtDetrPipeline p = new RtDetrPipeline(640, DetectionPostprocess.defaults(), ClassNames.coco80());
        int[] seen = new int[4];
        Detections r = p.predict(img, images -> {
            seen[0] = images.dim(0); seen[1] = images.dim(1); seen[2] = images.dim(2); seen[3] = images.dim(3);
            return dev.heed.tensor.Tensor.of(out, 1, 2, 84);
        });
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1, 3, 640, 640}, seen);
        assertEquals(1, r.size());
        assertEquals(250f, r.get(0).x1());
        assertEquals(1000, r.imageWidth());
        assertTrue(r.timings().preprocessMs() > 0);
        assertTrue(r.summary("s.png", 640, 640).startsWith("s.png: 640x640 1 bus, "));
    }
}
