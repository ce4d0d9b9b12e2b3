package dev.heed.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.Session;
import dev.heed.onnx.SessionOptions;
import dev.heed.vision.explain.DeformableBlocks;
import dev.heed.vision.explain.DeformableCapture;
import dev.heed.vision.explain.DetrExplanation;
import dev.heed.vision.explain.SamplingPoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.heed.vision.VisionTestData.referenceImage;
import static dev.heed.vision.VisionTestData.resource;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RT-DETR sampling points against the PyTorch module's own values: {@code rtdetr_explain_golden.py} rebuilds the
 * fixture's module (proved equal to the committed ONNX), runs it in float64 on cv2's 640x640 resize of bus.jpg and
 * records F.grid_sample's grids and the decoder's softmax weights. Heed runs the same image
 * ({@code cv_bus_640x640.npy}) through {@link Detector#explain}; the blocks are found by graph structure. Every
 * detection must map to the same query row, and each of its heads × levels × points must agree: the normalised
 * location (x / W, y / H) within {@value #TOL}, the pixel position within {@value #TOL} · 640 px (the same mapping
 * x = loc · W on both sides), the weight within {@value #TOL}, and level and head exactly. The encoder (AIFI)
 * heat-map, the attention each top-level position receives averaged over heads and queries, must equal the same
 * summary of nn.MultiheadAttention's own probabilities within {@value #HEAT_TOL}.
 */
class RtDetrExplainTest {
    static final Path MODELS = Path.of("../heed-onnx/src/test/resources/models");
    static final double TOL = 1e-4;
    /** Encoder heat values are ~1/400; measured differences ~1e-9. */
    static final double HEAT_TOL = 1e-6;

    @ParameterizedTest(name = "opset {0}, attention fusion {1}")
    @CsvSource({"16, true", "17, false"})
    void samplingPointsEqualPyTorch(int opset, boolean fusion) throws IOException {
        JsonNode g = new ObjectMapper().readTree(resource("explain/rtdetr_bus_points.json").toFile());
        RgbImage image = referenceImage("cv_bus_640x640.npy");
        DetectorOptions o = DetectorOptions.defaults().withSession(SessionOptions.defaults().withAttentionFusion(fusion)
                .withExecution(ExecutionOptions.defaults().withThreads(2)));
        try (Detector det = Detector.open(MODELS.resolve("rtdetr_tiny_opset" + opset + ".onnx"), o)) {
            DetrExplanation e = det.explain(image);
            assertEquals(1, e.decoderLayers(), "deformable blocks found");
            assertEquals(g.path("heads").asInt(), e.heads());
            assertEquals(g.path("levels").asInt(), e.levels());
            assertEquals(g.path("points_per_level").asInt(), e.pointsPerLevel());
            int[] want = new int[g.path("detections").size()];
            for (int i = 0; i < want.length; i++) want[i] = g.path("detections").get(i).path("query").asInt();
            assertArrayEquals(want, e.queries(), "detections' query rows vs PyTorch " + Arrays.toString(want));
            double w = e.image().width(), h = e.image().height();
            double worstLoc = 0, worstPx = 0, worstWeight = 0;
            for (int i = 0; i < want.length; i++) {
                JsonNode ref = g.path("detections").get(i).path("points");
                List<SamplingPoint> pts = e.points().get(i);
                assertEquals(ref.size(), pts.size(), "points of detection " + i);
                for (int k = 0; k < pts.size(); k++) {
                    SamplingPoint p = pts.get(k);
                    JsonNode r = ref.get(k);
                    assertEquals(r.path("level").asInt(), p.level(), "level");
                    assertEquals(r.path("head").asInt(), p.head(), "head");
                    worstLoc = Math.max(worstLoc, Math.max(Math.abs(p.x() / w - r.path("nx").asDouble()), Math.abs(p.y() / h - r.path("ny").asDouble())));
                    worstPx = Math.max(worstPx, Math.max(Math.abs(p.x() - r.path("x").asDouble()), Math.abs(p.y() - r.path("y").asDouble())));
                    worstWeight = Math.max(worstWeight, Math.abs(p.weight() - r.path("weight").asDouble()));
                }
            }
            System.out.printf(Locale.ROOT, "rtdetr explain opset %d fusion %s: %d detections; max |heed - torch| loc %.3g, pixels %.3g, weight %.3g%n",
                    opset, fusion, want.length, worstLoc, worstPx, worstWeight);
            assertTrue(worstLoc <= TOL, "normalised location differs by " + worstLoc);
            assertTrue(worstPx <= TOL * 640, "pixel location differs by " + worstPx);
            assertTrue(worstWeight <= TOL, "weight differs by " + worstWeight);
            // the AIFI encoder layer's attention received per stride-32 position vs PyTorch's own probabilities
            JsonNode heat = g.path("encoder_heat");
            assertEquals(heat.size(), e.encoderSide(), "encoder grid side");
            double worstHeat = 0, total = 0;
            for (int i = 0; i < e.encoderHeat().length; i++) {
                worstHeat = Math.max(worstHeat, Math.abs(e.encoderHeat()[i] - heat.get(i / heat.size()).get(i % heat.size()).asDouble()));
                total += e.encoderHeat()[i];
            }
            System.out.printf(Locale.ROOT, "rtdetr explain opset %d fusion %s: encoder heat max |heed - torch| %.3g%n", opset, fusion, worstHeat);
            assertTrue(worstHeat <= HEAT_TOL, "encoder heat differs by " + worstHeat);
            assertEquals(1.0, total, 1e-4, "attention received sums to 1 over the positions");
            String json = e.toJson();
            JsonNode back = new ObjectMapper().readTree(json);
            assertEquals(want.length, back.path("detections").size());
            assertEquals(want[0], back.path("detections").get(0).path("query").asInt());
            assertEquals(e.points().getFirst().getFirst().x(), (float) back.path("detections").get(0).path("points").get(0).path("x").asDouble());
        }
    }

    @Test
    void theStructureIsFoundWithoutNames() {
        try (Session s = Session.open(MODELS.resolve("rtdetr_tiny_opset17.onnx"))) {
            List<DeformableBlocks.Block> b = DeformableBlocks.find(s.model().graph());
            assertEquals(1, b.size());
            assertEquals(3, b.getFirst().grids().size(), "one grid per level");
        }
    }

    @Test
    void aModelWithoutDeformableAttentionIsRefusedClearly() {
        try (Session s = Session.open(MODELS.resolve("vit_opset17.onnx"))) {
            HeedException e = assertThrows(HeedException.class, () -> DeformableCapture.of(s));
            assertEquals(ErrorCode.UNSUPPORTED, e.code());
            assertTrue(e.getMessage().contains("no GridSample node"), e.getMessage());
        }
    }
}
