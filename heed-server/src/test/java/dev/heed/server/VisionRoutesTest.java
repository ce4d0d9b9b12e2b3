package dev.heed.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import dev.heed.vision.Annotator;
import dev.heed.vision.Classification;
import dev.heed.vision.Classifications;
import dev.heed.vision.Classifier;
import dev.heed.vision.DetectionPostprocess;
import dev.heed.vision.Detections;
import dev.heed.vision.Detector;
import dev.heed.vision.DetectorOptions;
import dev.heed.vision.Images;
import dev.heed.vision.RgbImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/detect} and {@code /v1/classify} on a real server with the committed fixtures (RT-DETR-like and
 * ViT-like, random weights): every answer equals the in-process {@link Detector} / {@link Classifier} on the same
 * image, whether the image comes as a multipart form or as a raw body; the annotated JPEG equals the in-process
 * {@link Annotator}'s; each bad input is a 4xx naming the problem; the metrics count what was sent.
 */
class VisionRoutesTest {
    static final Path DETECTOR = Path.of("..", "heed-onnx", "src", "test", "resources", "models", "rtdetr_tiny_opset17.onnx");
    static final Path CLASSIFIER = Path.of("..", "heed-onnx", "src", "test", "resources", "models", "vit_opset17.onnx");
    static final long PIXELS = 2_000_000;
    static TextEncoder enc;
    static Detector det;
    static Classifier cls;
    static HeedServer server;
    static URI base;
    static byte[] bus, zidane;

    /** ../shared/data/images/NAME seen from the repository root or any folder above it; fails loudly when missing. */
    static Path image(String name) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("shared").resolve("data").resolve("images").resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        Path abs = Path.of("/work/shared/data/images", name);     // the workplace's copy, for clones made elsewhere
        if (Files.isRegularFile(abs)) return abs;
        return fail("sample image " + name + " not found in ../shared/data/images");
    }

    @BeforeAll
    static void start() throws Exception {
        enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(Http.CACHE));
        det = Detector.open(DETECTOR);
        cls = Classifier.open(CLASSIFIER);
        server = HeedServer.start(enc, VisionModels.none().withDetector(det, "rtdetr_tiny").withClassifier(cls, "vit"),
                ServerConfig.defaults().withPort(0).withMaxImagePixels(PIXELS));
        base = server.uri();
        bus = Files.readAllBytes(image("bus.jpg"));
        zidane = Files.readAllBytes(image("zidane.jpg"));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (det != null) det.close();
        if (cls != null) cls.close();
        if (enc != null) enc.close();
    }

    /** A multipart/form-data body: the image as field {@code image} (file name given), then text fields. */
    static Http.Reply form(String path, String filename, byte[] image, Map<String, String> fields) {
        String boundary = "heedBoundary" + System.nanoTime();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (var f : fields.entrySet()) {
            out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"\r\n\r\n" + f.getValue() + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        if (image != null) {
            out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + filename
                    + "\"\r\nContent-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(image);
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return Http.postBytes(base, path, "multipart/form-data; boundary=" + boundary, out.toByteArray());
    }

    /** The in-process detections as the route writes them: tojson() parsed. */
    static JsonNode expected(Detections r) throws Exception {
        return Http.JSON.readTree(r.toJson());
    }

    /**
     * The same detections (names, classes, order) with boxes within {@code 1e-3} px and confidences within
     * {@code 1e-4}: for a reference that runs the model in its own session, whose thread split may round the last
     * float bits differently.
     */
    static void assertClose(JsonNode want, JsonNode got) {
        assertEquals(want.size(), got.size(), () -> "detections: " + want + " vs " + got);
        for (int i = 0; i < want.size(); i++) {
            JsonNode w = want.get(i), g = got.get(i);
            assertEquals(w.get("name"), g.get("name"));
            assertEquals(w.get("class"), g.get("class"));
            assertEquals(w.get("confidence").asDouble(), g.get("confidence").asDouble(), 1e-4, "confidence " + i);
            for (String k : new String[] {"x1", "y1", "x2", "y2"}) {
                assertEquals(w.get("box").get(k).asDouble(), g.get("box").get(k).asDouble(), 1e-3, k + " of detection " + i);
            }
        }
    }

    /** The summary line without its timing (the last ", 12.3ms"). */
    static String untimed(String summary) {
        return summary.substring(0, summary.lastIndexOf(", "));
    }

    @Test
    void detectMultipartEqualsInProcess() throws Exception {
        Http.Reply r = form("/v1/detect", "bus.jpg", bus, Map.of());
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        Detections ref = det.detect(Images.decode(bus, "bus.jpg", PIXELS));
        assertTrue(ref.size() > 0, "the fixture finds something on bus.jpg at conf 0.25");
        assertClose(expected(ref), j.get("detections"));
        assertEquals("rtdetr_tiny", j.get("model").asText());
        assertEquals("bus.jpg", j.get("image").asText());
        assertEquals(ref.imageWidth(), j.get("width").asInt());
        assertEquals(ref.imageHeight(), j.get("height").asInt());
        assertEquals(untimed(ref.summary("bus.jpg", det.inputSize(), det.inputSize())), untimed(j.get("summary").asText()));
        for (String k : new String[] {"decode", "preprocess", "inference", "postprocess"}) {
            assertTrue(j.get("speed").get(k).asDouble() >= 0, k + " in " + j.get("speed"));
        }
        assertTrue(j.get("speed").get("inference").asDouble() > 0);
        System.out.println("detect: " + j.get("summary").asText() + " speed " + j.get("speed"));
    }

    @Test
    void detectParametersEqualInProcessOptions() throws Exception {
        RgbImage img = Images.decode(zidane, "zidane.jpg", PIXELS);
        // form fields, against a detector whose options say the same
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("conf", "0.3");
        fields.put("max_det", "4");
        try (Detector ref = Detector.open(DETECTOR, DetectorOptions.defaults().withConf(0.3f).withMaxDet(4))) {
            Http.Reply r = form("/v1/detect", "zidane.jpg", zidane, fields);
            assertEquals(200, r.status(), r.body());
            assertClose(expected(ref.detect(img)), r.json().get("detections"));
            assertClose(expected(det.detect(img, new DetectionPostprocess(0.3f, null, 4))), r.json().get("detections"));
            assertTrue(r.json().get("detections").size() <= 4);
        }
        // raw body, query parameters, classes by name and id
        Detections all = det.detect(img);
        assertTrue(all.size() > 0);
        int id = all.get(0).classId();
        String name = all.get(0).name();
        Set<Integer> keep = Set.of(id);
        try (Detector ref = Detector.open(DETECTOR, DetectorOptions.defaults().withConf(0.2f).withClasses(keep))) {
            Detections want = ref.detect(img);
            assertTrue(want.size() > 0);
            Http.Reply byName = Http.postBytes(base, "/v1/detect?conf=0.2&classes=" + java.net.URLEncoder.encode(name.toUpperCase(), StandardCharsets.UTF_8),
                    "image/jpeg", zidane);
            assertEquals(200, byName.status(), byName.body());
            assertClose(expected(want), byName.json().get("detections"));
            assertClose(expected(det.detect(img, new DetectionPostprocess(0.2f, keep, 300))), byName.json().get("detections"));
            assertEquals("image", byName.json().get("image").asText());
            Http.Reply byId = Http.postBytes(base, "/v1/detect?conf=0.2&classes=" + id, "image/png", zidane);   // the decoder reads the bytes, not the declared subtype
            assertClose(byName.json().get("detections"), byId.json().get("detections"));
        }
    }

    @Test
    void annotatedJpegEqualsInProcessAnnotator() throws Exception {
        HttpResponse<byte[]> r = Http.CLIENT.send(HttpRequest.newBuilder(base.resolve("/v1/detect?annotated=true"))
                .header("Content-Type", "image/jpeg").POST(HttpRequest.BodyPublishers.ofByteArray(bus)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertEquals("image/jpeg", r.headers().firstValue("Content-Type").orElse(""));
        RgbImage img = Images.decode(bus, "bus.jpg", PIXELS);
        ByteArrayOutputStream want = new ByteArrayOutputStream();
        ImageIO.write(new Annotator().draw(img, det.detect(img)), "jpeg", want);
        RgbImage back = Images.decode(r.body(), "annotated.jpg", PIXELS), ref = Images.decode(want.toByteArray(), "want.jpg", PIXELS);
        assertEquals(img.width(), back.width());
        assertEquals(img.height(), back.height());
        // the same drawing, JPEG-encoded the same way; a box edge may land one pixel apart when the model's last
        // float bits differ between runs, so compare pixels rather than bytes
        double diff = 0, plain = 0;
        for (int i = 0; i < ref.rgb().length; i++) {
            diff += Math.abs((ref.rgb()[i] & 255) - (back.rgb()[i] & 255));
            plain += Math.abs((img.rgb()[i] & 255) - (back.rgb()[i] & 255));
        }
        diff /= ref.rgb().length;
        plain /= ref.rgb().length;
        System.out.printf("annotated JPEG: mean |served - in-process| = %.4f, mean |served - unannotated| = %.3f%n", diff, plain);
        assertTrue(diff < 0.05, "the served annotated image is the in-process Annotator's: " + diff);
        assertTrue(plain > 10 * diff + 0.5, "and the drawing shows: " + plain);
    }

    @Test
    void classifyEqualsInProcess() throws Exception {
        Http.Reply r = form("/v1/classify", "bus.jpg", bus, Map.of("top", "3"));
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        Classifications ref = cls.classify(Images.decode(bus, "bus.jpg", PIXELS), 3);
        JsonNode got = j.get("classifications");
        assertEquals(3, got.size());
        for (int i = 0; i < 3; i++) {
            Classification c = ref.top().get(i);
            assertEquals(c.name(), got.get(i).get("name").asText());
            assertEquals(c.classId(), got.get(i).get("class").asInt());
            assertEquals(Math.round(c.probability() * 1e5) / 1e5, got.get(i).get("confidence").asDouble(), 0.0);
        }
        assertEquals(untimed(ref.summary("bus.jpg")), untimed(j.get("summary").asText()));
        assertEquals("vit", j.get("model").asText());
        JsonNode raw = Http.postBytes(base, "/v1/classify", "image/jpeg", bus).json().get("classifications");
        assertEquals(5, raw.size(), "top defaults to 5");
        for (int i = 0; i < 3; i++) assertEquals(got.get(i), raw.get(i), "a raw body answers as the form does");
    }

    @Test
    void badInputs() {
        byte[] text = "this is not an image at all".getBytes(StandardCharsets.UTF_8);
        BadInputTest.openAi(Http.postBytes(base, "/v1/detect", "image/jpeg", text), 400, "not a readable image");
        BadInputTest.openAi(form("/v1/classify", "notes.txt", text, Map.of()), 400, "not a readable image");
        BadInputTest.openAi(Http.postBytes(base, "/v1/detect", "image/jpeg", new byte[0]), 400, "empty");
        BadInputTest.openAi(Http.postBytes(base, "/v1/detect", "image/jpeg", Arrays.copyOf(bus, bus.length / 3)), 400, "truncated");
        BadInputTest.openAi(Http.postBytes(base, "/v1/detect", "application/json", "{\"image\": \"http://example.com/a.jpg\"}".getBytes()), 415, "multipart/form-data");
        BadInputTest.openAi(Http.postBytes(base, "/v1/classify", null, bus), 415, "missing");
        BadInputTest.openAi(form("/v1/detect", null, null, Map.of("conf", "0.5")), 400, "no 'image' field");
        BadInputTest.openAi(Http.postBytes(base, "/v1/detect", "multipart/form-data", bus), 400, "boundary");
        BadInputTest.openAi(Http.postBytes(base, "/v1/detect", "multipart/form-data; boundary=xyz",
                "--xyz\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\nabc".getBytes()), 400, "closing boundary");
        BadInputTest.openAi(form("/v1/detect", "bus.jpg", bus, Map.of("conf", "0")), 400, "'conf' must be greater than 0");
        BadInputTest.openAi(form("/v1/detect", "bus.jpg", bus, Map.of("conf", "high")), 400, "'conf' must be a number");
        BadInputTest.openAi(Http.postBytes(base, "/v1/detect?max_det=0", "image/jpeg", bus), 400, "'max_det' must be an integer from 1");
        BadInputTest.openAi(Http.postBytes(base, "/v1/detect?classes=unicorn", "image/jpeg", bus), 400, "no class 'unicorn'");
        BadInputTest.openAi(Http.postBytes(base, "/v1/detect?annotated=maybe", "image/jpeg", bus), 400, "'annotated' must be true or false");
        BadInputTest.openAi(Http.postBytes(base, "/v1/classify?top=0", "image/jpeg", bus), 400, "'top' must be an integer from 1 to 1000");
        BadInputTest.openAi(Http.postBytes(base, "/v1/classify?annotated=true", "image/jpeg", bus), 400, "only offered by /v1/detect");
        BadInputTest.openAi(Http.get(base, "/v1/detect"), 405, "not allowed");
        assertEquals(200, Http.postBytes(base, "/v1/detect", "image/jpeg", bus).status(), "still serving");
    }

    @Test
    void pixelLimitAndPayloadLimitAndMissingModel() throws Exception {
        try (HeedServer small = HeedServer.start(enc, VisionModels.none().withDetector(det, "rtdetr_tiny"),
                ServerConfig.defaults().withPort(0).withMaxImagePixels(100_000).withPayloadLimit(100_000))) {
            URI b = small.uri();
            byte[] tiny = smallJpeg();
            assertEquals(200, Http.postBytes(b, "/v1/detect", "image/jpeg", tiny).status());
            // a few KB that declare 4 megapixels: refused from the header, before decoding
            byte[] header = smallHeaderBigImage();
            BadInputTest.openAi(Http.postBytes(b, "/v1/detect", "image/jpeg", header), 413, "more than the limit of 100000");
            BadInputTest.openAi(Http.postBytes(b, "/v1/detect", "image/jpeg", bus), 413, "payload limit of 100000");
            BadInputTest.openAi(Http.postBytes(b, "/v1/classify", "image/jpeg", tiny), 404, "--classify-model");
        }
    }

    /** A 200x150 JPEG made here (30,000 pixels). */
    static byte[] smallJpeg() throws Exception {
        java.awt.image.BufferedImage bi = new java.awt.image.BufferedImage(200, 150, java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
        java.awt.Graphics2D g = bi.createGraphics();
        g.setColor(java.awt.Color.ORANGE);
        g.fillRect(20, 20, 120, 90);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(bi, "jpeg", out);
        return out.toByteArray();
    }

    /** A small PNG whose header declares 2000x2000 (4 MP) pixels: refused by the header, never decoded. */
    static byte[] smallHeaderBigImage() throws Exception {
        java.awt.image.BufferedImage bi = new java.awt.image.BufferedImage(2000, 2000, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(bi, "png", out);        // all black: deflates to a few KB
        assertTrue(out.size() < 100_000, "PNG of " + out.size() + " bytes");
        return out.toByteArray();
    }

    @Test
    void metricsCountImageRequests() throws Exception {
        Metrics before = Metrics.parse(Http.get(base, "/metrics").body());
        for (int i = 0; i < 3; i++) assertEquals(200, Http.postBytes(base, "/v1/detect", "image/jpeg", bus).status());
        assertEquals(200, Http.postBytes(base, "/v1/classify", "image/jpeg", bus).status());
        assertEquals(400, Http.postBytes(base, "/v1/detect", "image/jpeg", new byte[] {1, 2, 3}).status());
        Metrics after = Metrics.parse(Http.get(base, "/metrics").body());
        String ok = "heed_http_requests_seconds_count{method=\"POST\",route=\"/v1/detect\",status=\"200\"}";
        String bad = "heed_http_requests_seconds_count{method=\"POST\",route=\"/v1/detect\",status=\"400\"}";
        String cok = "heed_http_requests_seconds_count{method=\"POST\",route=\"/v1/classify\",status=\"200\"}";
        assertEquals(3, after.get(ok) - before.get(ok));
        assertEquals(1, after.get(bad) - before.get(bad));
        assertEquals(1, after.get(cok) - before.get(cok));
        assertEquals(3, after.get("heed_image_seconds_count{task=\"detect\"}") - before.get("heed_image_seconds_count{task=\"detect\"}"));
        assertEquals(1, after.get("heed_image_seconds_count{task=\"classify\"}") - before.get("heed_image_seconds_count{task=\"classify\"}"));
    }

    @Test
    void infoListsTheImageModels() {
        JsonNode info = Http.get(base, "/info").json();
        assertEquals("rtdetr_tiny", info.get("detect_model").get("name").asText());
        assertEquals(det.inputSize(), info.get("detect_model").get("input_size").asInt());
        assertEquals("vit", info.get("classify_model").get("name").asText());
        assertEquals(PIXELS, info.get("limits").get("max_image_pixels").asLong());
        assertEquals(enc.name(), info.get("embed_model").get("name").asText());
    }
}
