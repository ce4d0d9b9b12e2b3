package dev.heed.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.SessionOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.heed.vision.VisionTestData.resource;
import static dev.heed.vision.VisionTestData.sharedImage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ViT classification end to end: Heed's {@link Classifier} on the committed torchvision ViT fixture must give
 * torchvision's own top-5 (exactly, in order) and logits, as written by
 * {@code heed-models/src/test/python/vit_golden.py} (the same weights, loaded from the ONNX initializers; PIL decode
 * and torchvision's transforms). Measured: max |heed - torchvision| ≈ 3e-6 and |ort - torchvision| ≈ 2e-6 on logits
 * of magnitude ~1..10 (the decoded crops are identical for these images); the tolerance 1e-4 leaves room for other
 * CPUs' float rounding. The top-5 is compared as an ordered list of class ids.
 */
class ClassifierEndToEndTest {
    static final Path MODELS = Path.of("../heed-onnx/src/test/resources/models");
    /** max |heed - torchvision| over the 1000 logits (values of magnitude ~1..10). */
    static final double LOGIT_TOL = 1e-4;

    static JsonNode golden(String image) throws IOException {
        JsonNode img = new ObjectMapper().readTree(resource("e2e/vit_golden.json").toFile()).path("images").path(image);
        assertTrue(img.isObject(), "vit_golden.json has no entry for " + image + " (rerun vit_golden.py)");
        return img;
    }

    static List<Integer> ints(JsonNode arr) {
        List<Integer> l = new ArrayList<>();
        arr.forEach(n -> l.add(n.asInt()));
        return l;
    }

    static float[] floats(JsonNode arr) {
        float[] f = new float[arr.size()];
        for (int i = 0; i < f.length; i++) f[i] = (float) arr.get(i).asDouble();
        return f;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(b.length, a.length, "logit count");
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

    /** The golden really is the fixture: ONNX Runtime on Heed's pre-processing agrees with torchvision's logits. */
    @ParameterizedTest
    @CsvSource({"bus.jpg", "zidane.jpg"})
    void ortOnTheFixtureAgreesWithTheGolden(String image) throws IOException {
        JsonNode g = golden(image);
        try (OrtOracle ort = new OrtOracle(MODELS.resolve("vit_opset17.onnx"))) {
            float[] logits = ort.run("pixel_values", ViTPreprocess.imagenet().apply(Images.read(sharedImage(image))), "logits").toFloatArray();
            double d = maxAbsDiff(logits, floats(g.path("logits")));
            System.out.printf("vit %s: max |ort - torchvision| logits = %.3g%n", image, d);
            assertTrue(d <= LOGIT_TOL, "ORT vs torchvision logits differ by " + d + " > " + LOGIT_TOL);
            List<Integer> top = Classification.topK(logits, 5, ClassNames.imagenet1k()).stream().map(Classification::classId).toList();
            assertEquals(ints(g.path("top5")), top, "ORT top-5");
        }
    }

    @ParameterizedTest(name = "{0} opset {1}")
    @CsvSource({"bus.jpg, 16", "bus.jpg, 17", "zidane.jpg, 16", "zidane.jpg, 17"})
    void heedTop5AndLogitsEqualTorchvision(String image, int opset) throws IOException {
        JsonNode g = golden(image);
        ClassifierOptions o = ClassifierOptions.defaults().withSession(SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(2)));
        try (Classifier vit = Classifier.open(MODELS.resolve("vit_opset" + opset + ".onnx"), o)) {
            assertEquals(224, vit.inputSize());
            Classifications r = vit.classify(sharedImage(image), 5);
            double d = maxAbsDiff(r.logits(), floats(g.path("logits")));
            System.out.printf("vit %s opset %d: max |heed - torchvision| logits = %.3g; %s%n", image, opset, d, r.summary(image));
            assertTrue(d <= LOGIT_TOL, "Heed vs torchvision logits differ by " + d + " > " + LOGIT_TOL);
            assertEquals(ints(g.path("top5")), r.top().stream().map(Classification::classId).toList(), "Heed top-5 vs torchvision");
            JsonNode p = g.path("top5_prob");
            for (int i = 0; i < 5; i++) {
                assertEquals(p.get(i).asDouble(), r.top().get(i).probability(), 1e-6, "probability of rank " + (i + 1));
                assertEquals(ClassNames.imagenet1k().name(r.top().get(i).classId()), r.top().get(i).name());
            }
        }
    }

    @Test
    void aLabelsFileRenamesTheClasses(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path labels = dir.resolve("labels.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 1000; i++) sb.append("label").append(i).append('\n');
        java.nio.file.Files.writeString(labels, sb);
        try (Classifier vit = Classifier.open(MODELS.resolve("vit_opset17.onnx"), ClassifierOptions.defaults().withLabels(ClassNames.fromFile(labels)))) {
            Classification best = vit.classify(sharedImage("zidane.jpg"), 1).top().getFirst();
            assertEquals("label" + best.classId(), best.name());
        }
    }
}
