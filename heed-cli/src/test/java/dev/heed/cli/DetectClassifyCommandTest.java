package dev.heed.cli;

import static dev.heed.cli.CliTest.heed;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code heed detect} and {@code heed classify} in-process on the committed RT-DETR-like and ViT fixtures and the
 * shared sample images. The numbers themselves are checked against ONNX Runtime / torchvision in heed-models'
 * DetectorEndToEndTest and ClassifierEndToEndTest; here: what the user reads and the files written.
 */
class DetectClassifyCommandTest {
    static final Path MODELS = Path.of("../heed-onnx/src/test/resources/models");
    static final Path RTDETR = MODELS.resolve("rtdetr_tiny_opset17.onnx");
    static final Path VIT = MODELS.resolve("vit_opset17.onnx");
    /** The shared sample images: ../../shared/data/images from heed-cli/ (the repository's sibling), else /work/shared. */
    static final Path IMAGES = Files.isDirectory(Path.of("../../shared/data/images")) ? Path.of("../../shared/data/images")
            : Path.of("/work/shared/data/images");
    static final Path BUS = IMAGES.resolve("bus.jpg");
    static final Path ZIDANE = IMAGES.resolve("zidane.jpg");
    /** bus.jpg: 640x640 15 toasters, 541.6ms */
    static final Pattern SUMMARY = Pattern.compile("(?m)^(\\S+): 640x640 (.*), (\\d+\\.\\d)ms$");

    static void assertFixtures() {
        for (Path p : new Path[] {RTDETR, VIT, BUS, ZIDANE}) assertTrue(Files.isRegularFile(p), "missing " + p.toAbsolutePath());
    }

    /** Sum of the counts in a summary line's "15 toasters, 1 laptop" part. */
    static int countIn(String classes) {
        if (classes.startsWith("(no detections)")) return 0;
        return Arrays.stream(classes.split(", ")).mapToInt(s -> Integer.parseInt(s.substring(0, s.indexOf(' ')))).sum();
    }

    @Test
    void detectPrintsSummaryLinesAndTheTotal() {
        assertFixtures();
        CliTest.Outcome o = heed("detect", BUS.toString(), ZIDANE.toString(), "--model", RTDETR.toString(), "--threads", "2");
        assertEquals(0, o.exit(), o.out() + o.err());
        Matcher m = SUMMARY.matcher(o.out());
        int total = 0, lines = 0;
        while (m.find()) {
            lines++;
            total += countIn(m.group(2));
        }
        assertEquals(2, lines, o.out());
        assertTrue(o.out().contains("bus.jpg: 640x640 "), o.out());
        assertTrue(o.out().contains("Detected " + total + " objects in 2 images"), o.out());
        assertEquals(27, total, "15 on bus.jpg + 12 on zidane.jpg at conf 0.25 (DetectorEndToEndTest goldens)");
    }

    @Test
    void detectOverADirectoryWritesAnnotatedImagesAndJson(@TempDir Path dir) throws Exception {
        assertFixtures();
        Path in = Files.createDirectories(dir.resolve("in"));
        Files.copy(BUS, in.resolve("bus.jpg"));
        Files.copy(ZIDANE, in.resolve("zidane.jpg"));
        Files.writeString(in.resolve("readme.txt"), "not an image, not listed");
        Path out = dir.resolve("out");
        CliTest.Outcome o = heed("detect", in.toString(), "--model", RTDETR.toString(), "--out", out.toString(), "--json", "--conf", "0.28", "--max-det", "4");
        assertEquals(0, o.exit(), o.out() + o.err());
        assertTrue(o.err().contains("detect") && o.err().contains("2/2"), "progress bar on stderr: " + o.err());
        for (String stem : new String[] {"bus", "zidane"}) {
            BufferedImage annotated = ImageIO.read(out.resolve(stem + ".jpg").toFile());
            BufferedImage original = ImageIO.read(in.resolve(stem + ".jpg").toFile());
            assertEquals(original.getWidth(), annotated.getWidth());
            assertEquals(original.getHeight(), annotated.getHeight());
            JsonNode j = new ObjectMapper().readTree(out.resolve(stem + ".json").toFile());
            assertTrue(j.isArray() && j.size() <= 4, j.toString());
            for (JsonNode d : j) {
                assertTrue(d.path("confidence").asDouble() > 0.28, d.toString());
                assertTrue(d.path("name").isTextual() && d.path("class").isInt(), d.toString());
                for (String k : new String[] {"x1", "y1", "x2", "y2"}) assertTrue(d.path("box").path(k).isNumber(), d.toString());
            }
        }
        assertFalse(Files.exists(out.resolve("readme.json")));
    }

    @Test
    void detectClassesByNameOrIdAndJsonToStdout() throws Exception {
        assertFixtures();
        CliTest.Outcome byName = heed("detect", ZIDANE.toString(), "--model", RTDETR.toString(), "--classes", "laptop", "--json");
        assertEquals(0, byName.exit(), byName.out() + byName.err());
        // JSON on stdout is pure (one JSON line per image); the summary goes to stderr
        assertTrue(byName.err().contains("zidane.jpg: 640x640 1 laptop, "), byName.err());
        assertEquals(1, byName.out().lines().count(), byName.out());
        JsonNode line = new ObjectMapper().readTree(byName.out());
        assertEquals("zidane.jpg", line.path("image").asText());
        JsonNode j = line.path("detections");
        assertEquals(1, j.size());
        assertEquals("laptop", j.get(0).path("name").asText());
        assertEquals(63, j.get(0).path("class").asInt());
        CliTest.Outcome byId = heed("detect", ZIDANE.toString(), "--model", RTDETR.toString(), "--classes", "63,0");
        assertTrue(byId.out().contains("Detected 1 objects"), byId.out());
        CliTest.Outcome unknown = heed("detect", ZIDANE.toString(), "--model", RTDETR.toString(), "--classes", "unicorn");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("unicorn") && unknown.err().contains("person"), unknown.err());
    }

    @Test
    void badImagesAreReportedAndSkipped(@TempDir Path dir) throws Exception {
        assertFixtures();
        Path empty = Files.write(dir.resolve("empty.jpg"), new byte[0]);
        byte[] bus = Files.readAllBytes(BUS);
        Path truncated = Files.write(dir.resolve("truncated.jpg"), Arrays.copyOf(bus, bus.length / 3));
        Path text = Files.writeString(dir.resolve("text.jpg"), "hello, I am text\n");
        CliTest.Outcome o = heed("detect", empty.toString(), truncated.toString(), text.toString(), BUS.toString(), "--model", RTDETR.toString());
        assertEquals(2, o.exit(), o.out() + o.err());
        for (String n : new String[] {"empty.jpg", "truncated.jpg", "text.jpg"}) {
            assertTrue(o.err().lines().anyMatch(l -> l.startsWith("heed: MALFORMED_INPUT:") && l.contains(n)), n + " not reported: " + o.err());
        }
        assertFalse(o.err().contains("Exception"), "no stack trace: " + o.err());
        assertTrue(o.out().contains("bus.jpg: 640x640 15 toasters, "), "the good image still ran: " + o.out());
        assertTrue(o.out().contains("Detected 15 objects in 1 image (3 failed)"), o.out());

        CliTest.Outcome c = heed("classify", text.toString(), "--model", VIT.toString());
        assertEquals(2, c.exit());
        assertTrue(c.err().contains("MALFORMED_INPUT") && c.err().contains("text.jpg"), c.err());

        CliTest.Outcome notADetector = heed("detect", BUS.toString(), "--model", MODELS.resolve("mha_opset17.onnx").toString());
        assertEquals(2, notADetector.exit());
        assertTrue(notADetector.err().startsWith("heed: "), notADetector.err());
        CliTest.Outcome missingModel = heed("detect", BUS.toString(), "--model", dir.resolve("nope.onnx").toString());
        assertEquals(2, missingModel.exit());
        assertTrue(missingModel.err().contains("nope.onnx"), missingModel.err());
    }

    @Test
    void classifyPrintsTopK(@TempDir Path dir) throws Exception {
        assertFixtures();
        CliTest.Outcome o = heed("classify", ZIDANE.toString(), "--model", VIT.toString(), "--top", "3");
        assertEquals(0, o.exit(), o.out() + o.err());
        // torchvision's top-3 for the fixture (ClassifierEndToEndTest golden): 37 box turtle, 278 kit fox, 39 common iguana
        assertTrue(o.out().startsWith("zidane.jpg: 224x224 box turtle 0.02, kit fox 0.01, common iguana 0.01, "), o.out());
        assertTrue(o.out().contains("box turtle (37)") && o.out().contains("kit fox (278)") && o.out().contains("common iguana (39)"), o.out());
        assertEquals(4, o.out().lines().count(), o.out());

        Path labels = dir.resolve("labels.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 1000; i++) sb.append("L").append(i).append('\n');
        Files.writeString(labels, sb);
        CliTest.Outcome l = heed("classify", ZIDANE.toString(), "--model", VIT.toString(), "--top", "1", "--labels", labels.toString());
        assertEquals(0, l.exit(), l.err());
        assertTrue(l.out().contains("L37 (37)"), l.out());

        CliTest.Outcome badTop = heed("classify", ZIDANE.toString(), "--model", VIT.toString(), "--top", "0");
        assertEquals(2, badTop.exit());
        assertTrue(badTop.err().contains("--top"), badTop.err());
    }
}
