package dev.heed.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heed.tensor.Tensor;
import dev.heed.tensor.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.heed.cli.CliTest.heed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The explanation options of {@code classify} and {@code detect} and {@code run --capture} (issue 17), end to end
 * through the command line. The numbers are checked against PyTorch in heed-models (ViTRolloutTest,
 * RtDetrExplainTest); here the files must exist, hold those numbers and be well-formed.
 */
class ExplainCommandsTest {
    static final Path GOLDEN = Path.of("../heed-models/src/test/resources/vision/explain");

    @Test
    void classifyExplainWritesTheRolloutAndAPicture(@TempDir Path dir) throws Exception {
        DetectClassifyCommandTest.assertFixtures();
        CliTest.Outcome o = heed("classify", DetectClassifyCommandTest.BUS.toString(), "--model", DetectClassifyCommandTest.VIT.toString(),
                "--threads", "2", "--explain", dir.toString(), "--explain-fusion", "max", "--discard-ratio", "0.9");
        assertEquals(0, o.exit(), o.out() + o.err());
        assertTrue(o.out().contains("explain: rollout (max, discard 0.9)"), o.out());
        Tensor r = Npy.read(dir.resolve("bus.rollout.npy"));
        assertArrayEquals(new int[] {7, 7}, r.shape().dims());
        JsonNode ref = new ObjectMapper().readTree(GOLDEN.resolve("vit_rollout_golden.json").toFile())
                .path("images").path("bus.jpg").path("rollout").path("max/0.9");
        float[] v = r.toFloatArray();
        for (int i = 0; i < 49; i++) assertEquals(ref.get(i / 7).get(i % 7).asDouble(), v[i], 1e-4, "cell " + i);
        assertTrue(ImageIO.read(dir.resolve("bus.explain.png").toFile()).getWidth() > 400);
    }

    @Test
    void detectExplainWritesPointsPerDetection(@TempDir Path dir) throws Exception {
        DetectClassifyCommandTest.assertFixtures();
        CliTest.Outcome o = heed("detect", DetectClassifyCommandTest.BUS.toString(), "--model", DetectClassifyCommandTest.RTDETR.toString(),
                "--threads", "2", "--explain", dir.toString());
        assertEquals(0, o.exit(), o.out() + o.err());
        JsonNode j = new ObjectMapper().readTree(dir.resolve("bus.explain.json").toFile());
        assertEquals(15, j.path("detections").size(), "15 detections on bus.jpg (DetectorEndToEndTest golden)");
        JsonNode golden = new ObjectMapper().readTree(GOLDEN.resolve("../e2e/rtdetr_bus_golden.json").toFile()).path("detections");
        java.util.Set<Integer> want = new java.util.TreeSet<>(), got = new java.util.TreeSet<>();
        golden.forEach(d -> want.add(d.path("query").asInt()));               // that golden lists by score, Heed by query
        j.path("detections").forEach(d -> got.add(d.path("query").asInt()));
        assertEquals(want, got, "the detections' query rows");
        JsonNode p = j.path("detections").get(0).path("points");
        assertEquals(4 * 3 * 4, p.size());
        double sum = 0;
        for (JsonNode x : p) sum += x.path("weight").asDouble();
        assertEquals(4.0, sum, 1e-4, "weights sum to 1 per head");
        assertTrue(Files.size(dir.resolve("bus.explain.png")) > 10_000);
    }

    @Test
    void htmlWritesOneViewerPerImage(@TempDir Path dir) throws Exception {
        DetectClassifyCommandTest.assertFixtures();
        CliTest.Outcome o = heed("classify", DetectClassifyCommandTest.BUS.toString(), "--model", DetectClassifyCommandTest.VIT.toString(),
                "--threads", "2", "--html", dir.resolve("vit.html").toString());
        assertEquals(0, o.exit(), o.out() + o.err());
        assertTrue(Files.readString(dir.resolve("vit.html")).contains("{\"kind\":\"vit\""));
        o = heed("detect", DetectClassifyCommandTest.BUS.toString(), DetectClassifyCommandTest.ZIDANE.toString(), "--model",
                DetectClassifyCommandTest.RTDETR.toString(), "--threads", "2", "--html", dir.resolve("detr.html").toString());
        assertEquals(0, o.exit(), o.out() + o.err());
        assertTrue(Files.readString(dir.resolve("detr-bus.html")).contains("{\"kind\":\"detr\""));
        assertTrue(Files.exists(dir.resolve("detr-zidane.html")));
    }

    @Test
    void classifyExplainRejectsAnUnknownFusion(@TempDir Path dir) {
        DetectClassifyCommandTest.assertFixtures();
        CliTest.Outcome o = heed("classify", DetectClassifyCommandTest.BUS.toString(), "--model", DetectClassifyCommandTest.VIT.toString(),
                "--explain-fusion", "avg", "--explain", dir.toString());
        assertEquals(2, o.exit());
        assertTrue(o.err().contains("expected one of [mean, max, min]"), o.err());
    }

    @Test
    void runCaptureWritesIntermediateValues(@TempDir Path dir) throws Exception {
        CliTest.Outcome o = heed("run", DetectClassifyCommandTest.VIT.toString(), "--output-dir", dir.toString(), "--threads", "2",
                "--capture", "/encoder/ln/LayerNormalization_output_0", "--capture", "/.*encoder_layer_1.*LayerNorm.*/");
        assertEquals(0, o.exit(), o.out() + o.err());
        Tensor t = Npy.read(dir.resolve("_encoder_ln_LayerNormalization_output_0.npy"));
        assertArrayEquals(new int[] {1, 50, 64}, t.shape().dims());
        assertTrue(o.out().contains("(captured)"), o.out());
        try (var files = Files.list(dir)) {
            assertTrue(files.filter(f -> f.getFileName().toString().contains("encoder_layer_1")).count() >= 1, "the pattern captured layer 1's LayerNorms");
        }
        CliTest.Outcome bad = heed("run", DetectClassifyCommandTest.VIT.toString(), "--output-dir", dir.toString(), "--capture", "no-such-value");
        assertTrue(bad.exit() != 0, "an unknown capture name fails the run");
        assertTrue(bad.err().contains("cannot capture 'no-such-value'"), bad.err());
    }
}
