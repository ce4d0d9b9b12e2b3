package dev.heed.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.vision.Annotator;
import dev.heed.vision.ClassNames;
import dev.heed.vision.Classification;
import dev.heed.vision.Classifications;
import dev.heed.vision.Classifier;
import dev.heed.vision.DetectionPostprocess;
import dev.heed.vision.Detections;
import dev.heed.vision.Detector;
import dev.heed.vision.Images;
import dev.heed.vision.RgbImage;
import dev.heed.vision.Timings;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import javax.imageio.ImageIO;

/**
 * {@code POST /v1/detect} and {@code POST /v1/classify}: an image as {@code multipart/form-data} (field {@code image},
 * other fields as parameters) or as a raw {@code image/*} body (parameters in the query string). Parameters:
 * {@code conf}, {@code classes} (ids or names, comma-separated), {@code max_det} for detection; {@code top} for
 * classification; {@code annotated=true} on detect answers the annotated JPEG instead of JSON. The answer holds
 * Ultralytics' {@code tojson()} list, the predictor's summary line and the stage timings (Ultralytics' {@code speed},
 * plus the decode time). Images are only ever read from the request, never fetched from a URL.
 *
 * <p>Refused: a body that is not an image (400, the decoder's reason), an image whose header declares more pixels
 * than {@code --max-image-pixels} (413, before decoding), any other content type (415), bad parameters (400). Decoding
 * and inference run on the runner threads under the server's admission limit.
 */
final class VisionRoutes {
    private final Detector detector;
    private final Classifier classifier;
    private final VisionModels models;
    private final EmbeddingBatcher pool;
    private final ServerMetrics metrics;
    private final long payloadLimit;
    private final long maxPixels;

    private final Disconnects disconnects;

    VisionRoutes(VisionModels models, EmbeddingBatcher pool, ServerMetrics metrics, ServerConfig config, Disconnects disconnects) {
        this.disconnects = disconnects;
        this.models = models;
        this.detector = models.detector();
        this.classifier = models.classifier();
        this.pool = pool;
        this.metrics = metrics;
        this.payloadLimit = config.payloadLimit();
        this.maxPixels = config.maxImagePixels();
    }

    /** The image and the parameters of one request. */
    record Upload(byte[] image, String name, Map<String, String> params) {
        String param(String key) { return params.get(key); }
    }

    /** POST /v1/detect. */
    void detect(Context ctx) {
        if (detector == null) throw notServed("detect", "--detect-model FILE.onnx");
        Upload up = upload(ctx);
        float conf = floatParam(up, "conf", 0.25f);
        if (!(conf > 0 && conf <= 1)) throw ApiException.badRequest("'conf' must be greater than 0 and at most 1, not " + up.param("conf"), "conf");
        int maxDet = intParam(up, "max_det", 300, 1, 100_000);
        Set<Integer> classes = up.param("classes") == null ? null : classes(up.param("classes"), detector.names());
        boolean annotated = boolParam(up, "annotated");
        DetectionPostprocess post = new DetectionPostprocess(conf, classes, maxDet);
        CompletableFuture<byte[]> answer = pool.submitTask(() -> {
            long t0 = System.nanoTime();
            RgbImage img = decode(up);
            double decodeMs = (System.nanoTime() - t0) / 1e6;
            Detections r = detector.detect(img, post);
            metrics.image("detect", System.nanoTime() - t0);
            if (annotated) return jpeg(img, r);
            return EmbeddingRoutes.json(g -> {
                g.writeStartObject();
                g.writeStringField("model", models.detectorName());
                imageFields(g, up.name(), img);
                g.writeFieldName("detections");
                g.writeTree(parse(r.toJson()));        // Ultralytics' tojson() list as heed-models writes it, compacted
                g.writeStringField("summary", r.summary(up.name(), detector.inputSize(), detector.inputSize()));
                speed(g, decodeMs, r.timings());
                g.writeEndObject();
            });
        });
        CompletableFuture<byte[]> ready = disconnects.watch(ctx, answer);
        ctx.future(() -> ready.thenApply(bytes -> {
            ctx.contentType(annotated ? "image/jpeg" : "application/json");
            ctx.result(bytes);
            return null;
        }));
    }

    /** POST /v1/classify. */
    void classify(Context ctx) {
        if (classifier == null) throw notServed("classify", "--classify-model FILE.onnx");
        Upload up = upload(ctx);
        int top = intParam(up, "top", 5, 1, 1000);
        if (boolParam(up, "annotated")) {
            throw ApiException.badRequest("'annotated' is only offered by /v1/detect; /v1/classify answers JSON", "annotated");
        }
        CompletableFuture<byte[]> answer = pool.submitTask(() -> {
            long t0 = System.nanoTime();
            RgbImage img = decode(up);
            double decodeMs = (System.nanoTime() - t0) / 1e6;
            Classifications r = classifier.classify(img, top);
            metrics.image("classify", System.nanoTime() - t0);
            return EmbeddingRoutes.json(g -> {
                g.writeStartObject();
                g.writeStringField("model", models.classifierName());
                imageFields(g, up.name(), img);
                // Ultralytics' tojson() for a classification: the top classes as {name, class, confidence}
                g.writeArrayFieldStart("classifications");
                for (Classification c : r.top()) {
                    g.writeStartObject();
                    g.writeStringField("name", c.name());
                    g.writeNumberField("class", c.classId());
                    g.writeNumberField("confidence", Math.round(c.probability() * 1e5) / 1e5);
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeStringField("summary", r.summary(up.name()));
                speed(g, decodeMs, r.timings());
                g.writeEndObject();
            });
        });
        CompletableFuture<byte[]> ready = disconnects.watch(ctx, answer);
        ctx.future(() -> ready.thenApply(bytes -> {
            ctx.contentType("application/json");
            ctx.result(bytes);
            return null;
        }));
    }

    private static ApiException notServed(String what, String option) {
        return new ApiException(404, "this server has no " + what + " model; start it with " + option, null);
    }

    /** The image bytes and parameters of a multipart form or of a raw image/* body with query parameters. */
    Upload upload(Context ctx) {
        String type = ctx.contentType();
        String t = type == null ? "" : type.toLowerCase(Locale.ROOT).trim();
        Map<String, String> params = new LinkedHashMap<>();
        for (var e : ctx.queryParamMap().entrySet()) if (!e.getValue().isEmpty()) params.put(e.getKey(), e.getValue().getFirst());
        if (t.startsWith("multipart/form-data")) {
            Multipart form = Multipart.parse(type, Bodies.bytes(ctx, payloadLimit));
            Multipart.Part image = null;
            for (Multipart.Part p : form.parts()) {
                if (p.name().equals("image")) {
                    if (image == null) image = p;
                } else {
                    params.put(p.name(), p.text().trim());
                }
            }
            if (image == null) {
                throw ApiException.badRequest("the form has no 'image' field; send the image file as the field 'image'", "image");
            }
            String name = image.filename() == null || image.filename().isBlank() ? "image" : baseName(image.filename());
            return new Upload(image.data(), name, params);
        }
        if (t.startsWith("image/")) {
            return new Upload(Bodies.bytes(ctx, payloadLimit), "image", params);
        }
        throw new ApiException(415, "Content-Type must be multipart/form-data (field 'image') or image/* (the raw image), not "
                + (type == null ? "missing" : "'" + type + "'"), null);
    }

    /** Decodes within the pixel limit; HeedException's code picks the status (limit: 413, not an image: 400). */
    private RgbImage decode(Upload up) {
        if (up.image().length == 0) throw ApiException.badRequest("the image is empty (0 bytes)", "image");
        try {
            return Images.decode(up.image(), up.name(), maxPixels);
        } catch (HeedException e) {
            if (e.code() == ErrorCode.MEMORY_LIMIT) throw new ApiException(413, e.getMessage() + " (--max-image-pixels)", "image");
            throw ApiException.badRequest(e.getMessage(), "image");
        }
    }

    private static String baseName(String filename) {
        String n = filename.replace('\\', '/');
        return n.substring(n.lastIndexOf('/') + 1);
    }

    private static void imageFields(JsonGenerator g, String name, RgbImage img) throws IOException {
        g.writeStringField("image", name);
        g.writeNumberField("width", img.width());
        g.writeNumberField("height", img.height());
    }

    /** Ultralytics' {@code speed} (ms per stage) plus the decode time. */
    private static void speed(JsonGenerator g, double decodeMs, Timings t) throws IOException {
        g.writeObjectFieldStart("speed");
        g.writeNumberField("decode", round3(decodeMs));
        g.writeNumberField("preprocess", round3(t.preprocessMs()));
        g.writeNumberField("inference", round3(t.inferenceMs()));
        g.writeNumberField("postprocess", round3(t.postprocessMs()));
        g.writeEndObject();
    }

    private static double round3(double v) { return Math.round(v * 1000) / 1000.0; }

    private static byte[] jpeg(RgbImage img, Detections r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try {
            if (!ImageIO.write(new Annotator().draw(img, r), "jpeg", out)) {
                throw new HeedException(ErrorCode.INTERNAL, "detect: no ImageIO writer for JPEG");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static float floatParam(Upload up, String key, float fallback) {
        String v = up.param(key);
        if (v == null) return fallback;
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("'" + key + "' must be a number, not '" + v + "'", key);
        }
    }

    private static int intParam(Upload up, String key, int fallback, int lo, int hi) {
        String v = up.param(key);
        if (v == null) return fallback;
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            n = Integer.MIN_VALUE;
        }
        if (n < lo || n > hi) throw ApiException.badRequest("'" + key + "' must be an integer from " + lo + " to " + hi + ", not '" + v + "'", key);
        return n;
    }

    private static boolean boolParam(Upload up, String key) {
        String v = up.param(key);
        if (v == null) return false;
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no", "" -> false;
            default -> throw ApiException.badRequest("'" + key + "' must be true or false, not '" + v + "'", key);
        };
    }

    /** Class ids from ids or names (case-insensitive), comma-separated; an unknown one lists what exists. */
    static Set<Integer> classes(String list, ClassNames names) {
        Set<Integer> ids = new LinkedHashSet<>();
        for (String raw : list.split(",")) {
            String s = raw.trim();
            if (s.isEmpty()) continue;
            Integer id = null;
            if (s.matches("\\d{1,9}")) {
                id = Integer.parseInt(s);
                if (!names.asMap().containsKey(id)) id = null;
            } else {
                for (Map.Entry<Integer, String> e : names.asMap().entrySet()) if (e.getValue().equalsIgnoreCase(s)) id = e.getKey();
            }
            if (id == null) {
                throw ApiException.badRequest("'classes': the model has no class '" + s + "'; its classes are ids "
                        + names.asMap().keySet().stream().min(Integer::compare).orElse(0) + " to "
                        + names.asMap().keySet().stream().max(Integer::compare).orElse(0) + " or names such as "
                        + names.asMap().values().stream().limit(5).toList(), "classes");
            }
            ids.add(id);
        }
        if (ids.isEmpty()) throw ApiException.badRequest("'classes' is empty; give class ids or names, e.g. classes=person,bus", "classes");
        return ids;
    }

    /** Parses JSON that heed-models wrote. */
    static JsonNode parse(String json) {
        try {
            return Bodies.JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
