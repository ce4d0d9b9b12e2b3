package dev.heed.viz;

import dev.heed.vision.Detection;
import dev.heed.vision.Detector;
import dev.heed.vision.Classifier;
import dev.heed.vision.Images;
import dev.heed.vision.explain.DetrExplanation;
import dev.heed.vision.explain.RolloutOptions;
import dev.heed.vision.explain.ViTExplanation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.heed.viz.AttentionHtmlBrowserTest.attr;
import static dev.heed.viz.AttentionHtmlBrowserTest.bodyTag;
import static dev.heed.viz.AttentionHtmlBrowserTest.errors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image explanation viewer in headless chromium (the same setup as {@link AttentionHtmlBrowserTest}; fails,
 * never skips, without chromium): the page renders with no script error and no console message at all, and responds
 * to a real hover (ViT: the hovered patch and the strongest patch of its attention row, computed here from the same
 * numbers) and a real click (RT-DETR: the clicked detection's query and the number of points drawn, all heads and
 * one head). Events come from the URL fragment and are dispatched as DOM MouseEvents on the canvas.
 */
class ImageExplanationHtmlBrowserTest {
    static final Path MODELS = Path.of("../heed-onnx/src/test/resources/models");

    @TempDir
    Path dir;

    String dom(Path page, String fragment) throws Exception {
        AttentionHtmlBrowserTest browser = new AttentionHtmlBrowserTest();
        browser.dir = dir;
        String dom = browser.chromium(page, fragment, "--dump-dom", "--enable-logging=stderr", "--v=0");
        String body = bodyTag(dom);
        assertEquals("0", attr(body, "data-errors"), () -> "script errors: " + errors(dom) + "\n" + body);
        assertEquals("ok", attr(body, "data-rendered"), () -> "not rendered: " + errors(dom) + "\n" + body);
        try (Stream<Path> logs = Files.list(dir)) {
            for (Path log : logs.filter(p -> p.getFileName().toString().startsWith("stderr-")).toList()) {
                String text = Files.readString(log);
                assertFalse(text.contains(":CONSOLE"), "the page wrote to the console:\n" + text);
            }
        }
        return body;
    }

    static void assertSelfContained(String html) {
        for (String bad : new String[] {"http:", "https:", "//cdn", "src=\"", "href=\"", "url(", "@import", "fetch(", "XMLHttpRequest"}) {
            assertFalse(html.contains(bad), "the page must not reference anything outside itself, found " + bad);
        }
        assertTrue(html.contains("default-src 'none'"));
    }

    static Path image(String name) {
        return ImageExplanationPngTest.image(name);
    }

    @Test
    void vitPageRespondsToHover() throws Exception {
        try (Classifier vit = Classifier.open(MODELS.resolve("vit_opset17.onnx"))) {
            ViTExplanation e = vit.explain(Images.read(image("bus.jpg")), 5, RolloutOptions.defaults());
            Path page = dir.resolve("vit.html");
            ImageExplanationHtml.write(e, "bus.jpg </script> & \"x\"", page);
            assertSelfContained(Files.readString(page));
            String body = dom(page, "");
            assertEquals("vit", attr(body, "data-kind"));
            assertEquals("-1", attr(body, "data-hover-patch"), body);
            assertEquals(String.valueOf(e.argmax()), attr(body, "data-strongest"), "no hover: the rollout's argmax");
            body = dom(page, "hover=3,6");
            assertEquals("27", attr(body, "data-hover-patch"), body);
            // last layer, mean of heads, row of token 28 (patch 27) over the patches
            float[] a = e.attention().getLast();
            int l = e.tokens(), best = 0;
            double bestV = -1;
            for (int j = 1; j < l; j++) {
                double v = 0;
                for (int h = 0; h < e.heads(); h++) v += a[(h * l + 28) * l + j];
                if (v > bestV) { bestV = v; best = j - 1; }
            }
            assertEquals(String.valueOf(best), attr(body, "data-strongest"), "hovered patch's strongest target");
        }
    }

    @Test
    void detrPageRespondsToClick() throws Exception {
        try (Detector det = Detector.open(MODELS.resolve("rtdetr_tiny_opset17.onnx"))) {
            DetrExplanation e = det.explain(Images.read(image("bus.jpg")));
            Path page = dir.resolve("detr.html");
            ImageExplanationHtml.write(e, "bus.jpg", page);
            assertSelfContained(Files.readString(page));
            String body = dom(page, "");
            assertEquals("detr", attr(body, "data-kind"));
            assertEquals(String.valueOf(e.detections().size()), attr(body, "data-detections"));
            assertEquals("-1", attr(body, "data-selected"));
            assertEquals(String.valueOf(e.encoderHeat().length), attr(body, "data-encoder-cells"), "the AIFI heat-map is drawn");
            // click the centre of the detection whose box is the smallest one containing that centre
            int pick = -1;
            for (int i = 0; i < e.detections().size() && pick < 0; i++) {
                Detection d = e.detections().get(i);
                float cx = (d.x1() + d.x2()) / 2, cy = (d.y1() + d.y2()) / 2;
                boolean smallest = true;
                for (Detection o : e.detections().list()) {
                    if (o != d && cx >= o.x1() && cx <= o.x2() && cy >= o.y1() && cy <= o.y2()
                            && (o.x2() - o.x1()) * (o.y2() - o.y1()) <= (d.x2() - d.x1()) * (d.y2() - d.y1())) smallest = false;
                }
                if (smallest) pick = i;
            }
            assertTrue(pick >= 0, "some detection can be clicked unambiguously");
            Detection d = e.detections().get(pick);
            String at = Math.round((d.x1() + d.x2()) / 2) + "," + Math.round((d.y1() + d.y2()) / 2);
            body = dom(page, "click=" + at);
            assertEquals(String.valueOf(e.queries()[pick]), attr(body, "data-selected-query"), body);
            assertEquals(String.valueOf(e.heads() * e.levels() * e.pointsPerLevel()), attr(body, "data-drawn-points"), body);
            body = dom(page, "head=1&click=" + at);
            assertEquals(String.valueOf(e.levels() * e.pointsPerLevel()), attr(body, "data-drawn-points"), "one head's points");
        }
    }
}
