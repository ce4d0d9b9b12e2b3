package dev.heed.vision.explain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.SessionOptions;
import dev.heed.vision.Classifier;
import dev.heed.vision.ClassifierOptions;
import dev.heed.vision.Images;
import dev.heed.vision.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention rollout on the torchvision ViT fixture against an independent reference: PyTorch's own per-head
 * probabilities (need_weights=True, float64) rolled out in numpy by
 * {@code heed-models/src/test/python/vit_rollout_golden.py}. Every combination of opset (16, 17), Heed's attention
 * fusion (on: probabilities from the fused kernel; off: the exported Softmax outputs captured by name), head fusion
 * (mean, max, min) and discard ratio (0, 0.9) must match within {@value #TOL} per cell (rollout values are ~0.02;
 * Heed's float32 probabilities differ from float64 by ~1e-7). The test also checks that both capture paths really
 * ran (fused attention present or absent). One model run per image and session; the other options re-roll its
 * captured attention ({@link ViTExplanation#withOptions}), the same code path {@code Classifier.explain} ends in.
 */
class ViTRolloutTest {
    static final Path MODELS = Path.of("../heed-onnx/src/test/resources/models");
    static final double TOL = 1e-4;

    static JsonNode golden() throws IOException {
        return new ObjectMapper().readTree(Path.of("src/test/resources/vision/explain/vit_rollout_golden.json").toFile());
    }

    static Path image(String name) {
        for (Path p : new Path[] {Path.of("../../shared/data/images", name), Path.of("/work/shared/data/images", name)}) {
            if (Files.isRegularFile(p)) return p;
        }
        throw new AssertionError("sample image " + name + " not found in ../../shared/data/images");
    }

    static Classifier open(int opset, boolean attentionFusion) {
        SessionOptions s = SessionOptions.defaults().withAttentionFusion(attentionFusion)
                .withExecution(ExecutionOptions.defaults().withThreads(2));
        return Classifier.open(MODELS.resolve("vit_opset" + opset + ".onnx"), ClassifierOptions.defaults().withSession(s));
    }

    @ParameterizedTest(name = "opset {0}, attention fusion {1}")
    @CsvSource({"16, true", "16, false", "17, true", "17, false"})
    void rolloutEqualsPyTorchReference(int opset, boolean attentionFusion) throws IOException {
        JsonNode g = golden();
        try (Classifier vit = open(opset, attentionFusion)) {
            assertEquals(attentionFusion, !vit.session().fusedAttention().isEmpty(), "fused attention present iff fusion is on");
            int checked = 0;
            for (String name : new String[] {"bus.jpg", "zidane.jpg"}) {
                JsonNode img = g.path("images").path(name);
                RgbImage rgb = Images.read(image(name));
                ViTExplanation run = vit.explain(rgb, 5, RolloutOptions.defaults());   // one run; options re-roll it
                for (HeadFusion f : HeadFusion.values()) {
                    for (double d : new double[] {0.0, 0.9}) {
                        ViTExplanation e = f == HeadFusion.MEAN && d == 0 ? run : run.withOptions(new RolloutOptions(f, d));
                        assertEquals(img.path("layers").asInt(), e.layers(), "layers");
                        assertEquals(img.path("heads").asInt(), e.heads(), "heads");
                        assertEquals(img.path("top1").asInt(), e.top().getFirst().classId(), "top-1");
                        JsonNode ref = img.path("rollout").path(f.label() + "/" + d);
                        assertFalse(ref.isMissingNode(), "golden has no " + f.label() + "/" + d);
                        assertEquals(ref.size(), e.gridH());
                        double worst = 0;
                        for (int y = 0; y < e.gridH(); y++) {
                            for (int x = 0; x < e.gridW(); x++) {
                                worst = Math.max(worst, Math.abs(ref.get(y).get(x).asDouble() - e.rollout()[y * e.gridW() + x]));
                            }
                        }
                        System.out.printf(Locale.ROOT, "vit rollout %s opset %d fusion %s %s/%.1f: max |heed - torch| = %.3g%n",
                                name, opset, attentionFusion, f.label(), d, worst);
                        assertTrue(worst <= TOL, name + " " + f.label() + "/" + d + ": max |heed - torch| = " + worst + " > " + TOL);
                        checked++;
                    }
                }
                // the last layer's per-head CLS row, as drawn in the PNG's head grid
                ViTExplanation e = vit.explain(rgb, 1, new RolloutOptions(HeadFusion.MAX, 0.5));   // a second run, other options
                float[][] cls = e.lastLayerCls();
                JsonNode max5 = img.path("rollout").path("max/0.0");
                assertEquals(max5.get(0).get(0).asDouble(), e.withOptions(new RolloutOptions(HeadFusion.MAX, 0)).rollout()[0], TOL);
                JsonNode ref = img.path("last_layer_cls");
                for (int h = 0; h < e.heads(); h++) {
                    for (int i = 0; i < cls[h].length; i++) assertEquals(ref.get(h).get(i).asDouble(), cls[h][i], TOL, "head " + h + " patch " + i);
                }
            }
            assertEquals(12, checked);
        }
    }
}
