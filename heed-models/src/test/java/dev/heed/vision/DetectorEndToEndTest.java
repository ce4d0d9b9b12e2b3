package dev.heed.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.SessionOptions;
import dev.heed.tensor.Tensor;
import dev.heed.tensor.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.heed.vision.VisionTestData.resource;
import static dev.heed.vision.VisionTestData.sharedImage;
import static org.junit.jupiter.api.Assertions.*;

/**
 * RT-DETR end to end on the committed RT-DETR-like fixture: Heed's {@link Detector} (OpenCV-exact pre-processing,
 * Heed's session, post-processing) must give the detections that {@code heed-models/src/test/python/rtdetr_golden.py}
 * derives, Ultralytics-style, from ONNX Runtime's {@code output0} for the same image ({@code rtdetr_<image>_output0.npy},
 * written by {@link WriteRtDetrOutputs}). Conf 0.25 (the default): 15 detections on bus.jpg, 12 on zidane.jpg.
 *
 * <p>Tolerances: boxes {@code |heed - golden| <= 1e-3 * max(1, |golden|)} pixels, scores {@code 1e-3} absolute,
 * classes equal; compared as an unordered set (greedy one-to-one matching), since the golden is sorted by score
 * and Heed keeps query order. A golden detection whose score lies within the score tolerance of conf may be absent
 * from Heed's result (and vice versa); none of the committed ones does.
 */
class DetectorEndToEndTest {
    static final Path MODELS = Path.of("../heed-onnx/src/test/resources/models");
    static final double BOX_REL_TOL = 1e-3;
    static final double SCORE_TOL = 1e-3;
    /** ORT's output0 for the same input vs the committed .npy (same library version, one thread). */
    static final double ORT_REPRO_TOL = 1e-5;

    record Golden(float conf, int maxDet, int width, int height, List<Detection> detections) {}

    static Golden golden(String image) throws IOException {
        JsonNode doc = new ObjectMapper().readTree(resource("e2e/rtdetr_" + stem(image) + "_golden.json").toFile());
        int w = doc.path("width").asInt(), h = doc.path("height").asInt();
        List<Detection> d = new ArrayList<>();
        for (JsonNode n : doc.path("detections")) {
            JsonNode b = n.path("box");
            d.add(new Detection((float) b.path("x1").asDouble(), (float) b.path("y1").asDouble(), (float) b.path("x2").asDouble(),
                    (float) b.path("y2").asDouble(), (float) n.path("confidence").asDouble(), n.path("class").asInt(), n.path("name").asText(), w, h));
        }
        return new Golden((float) doc.path("conf").asDouble(), doc.path("max_det").asInt(), w, h, d);
    }

    static String stem(String image) {
        return image.substring(0, image.lastIndexOf('.'));
    }

    static boolean boxClose(float a, float e) {
        return Math.abs(a - e) <= BOX_REL_TOL * Math.max(1, Math.abs(e));
    }

    static boolean matches(Detection a, Detection e) {
        return a.classId() == e.classId() && a.name().equals(e.name()) && Math.abs(a.confidence() - e.confidence()) <= SCORE_TOL
                && boxClose(a.x1(), e.x1()) && boxClose(a.y1(), e.y1()) && boxClose(a.x2(), e.x2()) && boxClose(a.y2(), e.y2());
    }

    /** Unordered one-to-one comparison; detections within SCORE_TOL of conf may be missing on either side. */
    static void assertSameDetections(Golden g, Detections actual, String what) {
        assertEquals(g.width(), actual.imageWidth(), what + ": image width");
        assertEquals(g.height(), actual.imageHeight(), what + ": image height");
        List<Detection> left = new ArrayList<>(actual.list());
        List<String> problems = new ArrayList<>();
        double maxBox = 0, maxScore = 0;
        for (Detection e : g.detections()) {
            Detection hit = left.stream().filter(a -> matches(a, e)).findFirst().orElse(null);
            if (hit != null) {
                left.remove(hit);
                float[] x = hit.xyxy(), y = e.xyxy();
                for (int i = 0; i < 4; i++) maxBox = Math.max(maxBox, Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(y[i])));
                maxScore = Math.max(maxScore, Math.abs(hit.confidence() - e.confidence()));
            } else if (Math.abs(e.confidence() - g.conf()) > SCORE_TOL) problems.add("missing " + e);
        }
        for (Detection a : left) if (Math.abs(a.confidence() - g.conf()) > SCORE_TOL) problems.add("unexpected " + a);
        System.out.printf("%s: %d/%d matched, max box rel diff %.2g, max score diff %.2g%n", what,
                g.detections().size() - (int) problems.stream().filter(x -> x.startsWith("missing")).count(), g.detections().size(), maxBox, maxScore);
        assertTrue(problems.isEmpty(), what + ": " + problems.size() + " differences:\n  " + String.join("\n  ", problems));
    }

    /** (a) The golden really is ORT's: ORT's output0 for the image today equals the committed .npy. */
    @ParameterizedTest
    @CsvSource({"bus.jpg", "zidane.jpg"})
    void ortOutputStillEqualsTheCommittedNpy(String image) {
        Tensor committed = Npy.read(resource("e2e/rtdetr_" + stem(image) + "_output0.npy"));
        try (OrtOracle ort = new OrtOracle(WriteRtDetrOutputs.MODEL)) {
            Tensor now = WriteRtDetrOutputs.ortOutput0(ort, image);
            assertEquals(committed.shape(), now.shape());
            double d = maxAbsDiff(now, committed);
            System.out.printf("rtdetr %s: max |ort now - committed output0| = %.3g%n", image, d);
            assertTrue(d <= ORT_REPRO_TOL, "ORT output0 moved by " + d + " from the committed .npy; regenerate the goldens");
        }
    }

    /** Heed's post-processing alone on ORT's committed output0 reproduces the Python reference (tight). */
    @ParameterizedTest
    @CsvSource({"bus.jpg", "zidane.jpg"})
    void postprocessOfOrtOutputEqualsThePythonReference(String image) throws IOException {
        Golden g = golden(image);
        Tensor out0 = Npy.read(resource("e2e/rtdetr_" + stem(image) + "_output0.npy"));
        Detections d = new DetectionPostprocess(g.conf(), null, g.maxDet()).apply(out0, g.width(), g.height(), ClassNames.coco80());
        assertEquals(g.detections().size(), d.size(), "count");
        assertSameDetections(g, d, "postprocess " + image);
    }

    /** (b) Heed's whole Detector equals the golden, both opsets. */
    @ParameterizedTest(name = "{0} opset {1}")
    @CsvSource({"bus.jpg, 16", "bus.jpg, 17", "zidane.jpg, 16", "zidane.jpg, 17"})
    void detectorEqualsTheGolden(String image, int opset) throws IOException {
        Golden g = golden(image);
        DetectorOptions o = DetectorOptions.defaults().withConf(g.conf()).withMaxDet(g.maxDet())
                .withSession(SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(2)));
        try (Detector det = Detector.open(MODELS.resolve("rtdetr_tiny_opset" + opset + ".onnx"), o)) {
            assertEquals(640, det.inputSize());
            assertEquals("person", det.names().name(0));                 // from metadata_props
            Detections r = det.detect(sharedImage(image));
            System.out.printf("rtdetr opset %d: %s (pre %.1f ms, post %.1f ms)%n", opset, r.summary(image, 640, 640),
                    r.timings().preprocessMs(), r.timings().postprocessMs());
            assertSameDetections(g, r, image + " opset " + opset);
            assertTrue(r.timings().inferenceMs() > 0 && r.timings().preprocessMs() > 0, "timings recorded: " + r.timings());
        }
    }

    @Test
    void optionsFilterClassesAndCount() throws IOException {
        Golden g = golden("bus.jpg");
        int cls = g.detections().getFirst().classId();
        try (Detector det = Detector.open(MODELS.resolve("rtdetr_tiny_opset17.onnx"), DetectorOptions.defaults().withClasses(Set.of(cls)).withMaxDet(2))) {
            Detections r = det.detect(sharedImage("bus.jpg"));
            long expected = Math.min(2, g.detections().stream().filter(d -> d.classId() == cls).count());
            assertEquals(expected, r.size());
            for (Detection d : r) assertEquals(cls, d.classId());
        }
    }

    @Test
    void detectorIsThreadSafe() throws Exception {
        Golden bus = golden("bus.jpg"), zidane = golden("zidane.jpg");
        RgbImage a = Images.read(sharedImage("bus.jpg")), b = Images.read(sharedImage("zidane.jpg"));
        try (Detector det = Detector.open(MODELS.resolve("rtdetr_tiny_opset17.onnx"));
             ExecutorService pool = Executors.newFixedThreadPool(2)) {
            List<Future<Detections>> fs = new ArrayList<>();
            for (int i = 0; i < 4; i++) fs.add(pool.submit(() -> det.detect(a)));
            for (int i = 0; i < 4; i++) fs.add(pool.submit(() -> det.detect(b)));
            for (int i = 0; i < 8; i++) assertSameDetections(i < 4 ? bus : zidane, fs.get(i).get(), "concurrent run " + i);
        }
    }

    @Test
    void badImagesGiveClearErrors(@TempDir Path dir) throws IOException {
        Path empty = Files.write(dir.resolve("empty.jpg"), new byte[0]);
        byte[] bus = Files.readAllBytes(sharedImage("bus.jpg"));
        Path truncated = Files.write(dir.resolve("truncated.jpg"), java.util.Arrays.copyOf(bus, bus.length / 3));
        Path text = Files.writeString(dir.resolve("notes.jpg"), "this is not an image\n");
        try (Detector det = Detector.open(MODELS.resolve("rtdetr_tiny_opset17.onnx"))) {
            for (Path p : List.of(empty, truncated, text)) {
                HeedException e = assertThrows(HeedException.class, () -> det.detect(p), p.toString());
                assertEquals(ErrorCode.MALFORMED_INPUT, e.code(), e.getMessage());
                assertTrue(e.getMessage().contains(p.getFileName().toString()), e.getMessage());
            }
            HeedException missing = assertThrows(HeedException.class, () -> det.detect(dir.resolve("nope.jpg")));
            assertEquals(ErrorCode.IO, missing.code());
            assertEquals(15, det.detect(sharedImage("bus.jpg")).size(), "the detector still works after bad inputs");
        }
    }

    @Test
    void aModelThatIsNotADetectorIsRefused() {
        HeedException mha = assertThrows(HeedException.class, () -> Detector.open(MODELS.resolve("mha_opset17.onnx")));
        assertTrue(mha.getMessage().startsWith("rtdetr: ") && mha.getMessage().contains("images"), mha.getMessage());
        HeedException vit = assertThrows(HeedException.class, () -> Detector.open(MODELS.resolve("vit_opset17.onnx")));
        assertEquals(ErrorCode.SHAPE_MISMATCH, vit.code());
        assertTrue(vit.getMessage().contains("logits: float[batch, 1000]") && vit.getMessage().contains("[1, Q, 4 + nc]"), vit.getMessage());
        HeedException asClassifier = assertThrows(HeedException.class, () -> Classifier.open(MODELS.resolve("rtdetr_tiny_opset17.onnx")));
        assertTrue(asClassifier.getMessage().contains("output0: float[1, 300, 84]") && asClassifier.getMessage().contains("logits [1, nc]"),
                asClassifier.getMessage());
    }

    static double maxAbsDiff(Tensor a, Tensor b) {
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        double m = 0;
        for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs((double) x[i] - y[i]));
        return m;
    }
}
