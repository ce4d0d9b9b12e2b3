package dev.heed.server;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import dev.heed.vision.Classifier;
import dev.heed.vision.Detector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs every {@code curl} line of the README's "Serve over HTTP" section, with the machine's curl, against a real server. */
class ReadmeCurlTest {

    static List<String> curlLines() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int from = readme.indexOf("## Serve over HTTP");
        assertTrue(from >= 0, "README has no 'Serve over HTTP' section");
        int to = readme.indexOf("\n## ", from + 1);
        List<String> out = new ArrayList<>();
        for (String line : readme.substring(from, to < 0 ? readme.length() : to).split("\n")) {
            if (line.startsWith("curl ")) out.add(line);
        }
        return out;
    }

    @Test
    void curlExamplesWork() throws Exception {
        List<String> lines = curlLines();
        assertTrue(lines.size() >= 6, "curl examples found: " + lines.size());
        // the README's image paths are relative to the repository root, as ../shared/data/images/NAME
        String images = VisionRoutesTest.image("bus.jpg").toAbsolutePath().getParent() + "/";
        try (TextEncoder enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(Http.CACHE));
             Detector det = Detector.open(VisionRoutesTest.DETECTOR);
             Classifier cls = Classifier.open(VisionRoutesTest.CLASSIFIER);
             HeedServer server = HeedServer.start(enc, VisionModels.none().withDetector(det, "rtdetr_tiny").withClassifier(cls, "vit"),
                     ServerConfig.defaults().withPort(0))) {
            for (String line : lines) {
                assertTrue(line.contains("http://127.0.0.1:8080/"), line);
                String cmd = line.replace("http://127.0.0.1:8080", server.uri().toString()).replace("../shared/data/images/", images);
                Process p = new ProcessBuilder("bash", "-c", cmd).directory(Path.of("..").toFile()).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), cmd);
                assertEquals(0, p.exitValue(), cmd + "\n" + out);
                if (line.contains("/metrics")) assertTrue(out.contains("heed_http_requests_seconds_count"), out);
                else if (line.contains("/v1/detect")) assertTrue(Http.JSON.readTree(out).get("detections").isArray(), out);
                else if (line.contains("/v1/classify")) assertEquals(3, Http.JSON.readTree(out).get("classifications").size(), out);
                else assertNotNull(Http.JSON.readTree(out), out);
                System.out.println(line.substring(0, Math.min(80, line.length())) + " -> " + out.substring(0, Math.min(100, out.length())).replace('\n', ' '));
            }
        }
    }
}
