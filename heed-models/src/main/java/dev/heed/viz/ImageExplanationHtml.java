package dev.heed.viz;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.vision.Classification;
import dev.heed.vision.Detection;
import dev.heed.vision.RgbImage;
import dev.heed.vision.explain.DetrExplanation;
import dev.heed.vision.explain.SamplingPoint;
import dev.heed.vision.explain.ViTExplanation;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * One self-contained HTML page (no network, a Content-Security-Policy that forbids every load) for an image
 * explanation: for a {@link ViTExplanation} hover a patch to see where it attends in a chosen layer and head (or the
 * CLS rollout when the pointer leaves the image); for a {@link DetrExplanation} click a detection's box to see its
 * sampling points, filtered by head and level. The image is embedded as a PNG data URI, the attention as base64
 * float32. Interactions are mirrored on {@code <body data-*>} attributes so a headless browser can check them;
 * {@code #hover=ROW,COL} / {@code #click=X,Y} in the URL dispatch those events on load.
 *
 * <pre>{@code
 * ImageExplanationHtml.write(vit.explain(image, 5, RolloutOptions.defaults()), "bus.jpg", Path.of("bus.html"));
 * }</pre>
 */
public final class ImageExplanationHtml {
    private static final String RESOURCES = "/dev/heed/viz/";
    /** Larger images are scaled down before embedding (coordinates stay in original pixels). */
    static final int EMBED_MAX_SIDE = 900;

    private ImageExplanationHtml() {}

    /**
     * The ViT page: the image the model saw, the rollout heat map, every layer's attention and the top classes.
     *
     * @param e     the explanation
     * @param title the page heading, e.g. the image's name
     * @return the self-contained HTML page
     */
    public static String render(ViTExplanation e, String title) {
        StringBuilder sb = new StringBuilder("{\"kind\":\"vit\",\"title\":");
        AttentionHtml.jsonString(sb, title);
        sb.append(",\"image\":\"").append(png(e.view().toBufferedImage())).append('"');
        sb.append(",\"gridH\":").append(e.gridH()).append(",\"gridW\":").append(e.gridW());
        sb.append(",\"tokens\":").append(e.tokens()).append(",\"heads\":").append(e.heads()).append(",\"layers\":").append(e.layers());
        sb.append(",\"fusion\":\"").append(e.options().fusion().label()).append("\",\"discard\":").append(e.options().discardRatio());
        sb.append(",\"rollout\":[");
        for (int i = 0; i < e.rollout().length; i++) sb.append(i == 0 ? "" : ",").append(e.rollout()[i]);
        sb.append("],\"attention\":[");
        for (int l = 0; l < e.layers(); l++) sb.append(l == 0 ? "\"" : ",\"").append(base64(e.attention().get(l))).append('"');
        sb.append("],\"top\":[");
        List<Classification> top = e.top();
        for (int i = 0; i < top.size(); i++) {
            sb.append(i == 0 ? "{" : ",{").append("\"p\":").append(top.get(i).probability()).append(",\"id\":").append(top.get(i).classId()).append(",\"name\":");
            AttentionHtml.jsonString(sb, top.get(i).name());
            sb.append('}');
        }
        sb.append("]}");
        return page(title, sb.toString());
    }

    /**
     * The RT-DETR page: the image, every detection with its sampling points, and the encoder heat map.
     *
     * @param e     the explanation
     * @param title the page heading, e.g. the image's name
     * @return the self-contained HTML page
     */
    public static String render(DetrExplanation e, String title) {
        StringBuilder sb = new StringBuilder("{\"kind\":\"detr\",\"title\":");
        AttentionHtml.jsonString(sb, title);
        sb.append(",\"image\":\"").append(png(scaled(e.image()))).append('"');
        sb.append(",\"width\":").append(e.image().width()).append(",\"height\":").append(e.image().height());
        sb.append(",\"heads\":").append(e.heads()).append(",\"levels\":").append(e.levels()).append(",\"pointsPerLevel\":").append(e.pointsPerLevel());
        sb.append(",\"encoderSide\":").append(e.encoderSide()).append(",\"encoderHeat\":[");
        for (int i = 0; i < e.encoderHeat().length; i++) sb.append(i == 0 ? "" : ",").append(e.encoderHeat()[i]);
        sb.append("],\"detections\":[");
        for (int i = 0; i < e.detections().size(); i++) {
            Detection d = e.detections().get(i);
            sb.append(i == 0 ? "{" : ",{").append("\"query\":").append(e.queries()[i]).append(",\"confidence\":").append(d.confidence()).append(",\"name\":");
            AttentionHtml.jsonString(sb, d.name());
            sb.append(",\"box\":[").append(d.x1()).append(',').append(d.y1()).append(',').append(d.x2()).append(',').append(d.y2()).append("],\"points\":[");
            List<SamplingPoint> pts = e.points().get(i);
            for (int k = 0; k < pts.size(); k++) {
                SamplingPoint p = pts.get(k);
                sb.append(k == 0 ? "{" : ",{").append("\"x\":").append(p.x()).append(",\"y\":").append(p.y()).append(",\"weight\":").append(p.weight())
                        .append(",\"level\":").append(p.level()).append(",\"head\":").append(p.head()).append('}');
            }
            sb.append("]}");
        }
        sb.append("]}");
        return page(title, sb.toString());
    }

    /**
     * Writes the ViT page to {@code out} as UTF-8 (parent directories created).
     *
     * @param e     the explanation
     * @param title the page heading
     * @param out   the {@code .html} file
     * @throws HeedException {@link dev.heed.ErrorCode#IO} when the file cannot be written
     */
    public static void write(ViTExplanation e, String title, Path out) {
        write(render(e, title), out);
    }

    /**
     * Writes the RT-DETR page to {@code out} as UTF-8 (parent directories created).
     *
     * @param e     the explanation
     * @param title the page heading
     * @param out   the {@code .html} file
     * @throws HeedException {@link dev.heed.ErrorCode#IO} when the file cannot be written
     */
    public static void write(DetrExplanation e, String title, Path out) {
        write(render(e, title), out);
    }

    private static String page(String title, String json) {
        StringBuilder palette = new StringBuilder("[");
        for (int i = 0; i < DetectionExplanationPng.PALETTE.length; i++) {
            palette.append(i == 0 ? "\"" : ",\"").append(String.format("#%06x", DetectionExplanationPng.PALETTE[i])).append('"');
        }
        String script = resource("image-explanation.js").replace("{{HEAT}}", Heat.js()).replace("{{PALETTE}}", palette.append(']').toString());
        return resource("image-explanation.html").replace("{{SCRIPT}}", script).replace("{{TITLE}}", AttentionHtml.escapeHtml(title))
                .replace("{{DATA}}", json);                      // last: the data is never scanned for placeholders
    }

    private static void write(String html, Path out) {
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.writeString(out, html, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "ImageExplanationHtml: cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    private static BufferedImage scaled(RgbImage image) {
        BufferedImage src = image.toBufferedImage();
        double s = Math.min(1.0, EMBED_MAX_SIDE / (double) Math.max(image.width(), image.height()));
        if (s == 1.0) return src;
        int w = Math.max(1, (int) Math.round(image.width() * s)), h = Math.max(1, (int) Math.round(image.height() * s));
        BufferedImage dst = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = dst.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, w, h, null);
        g.dispose();
        return dst;
    }

    private static String png(BufferedImage img) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            if (!ImageIO.write(img, "png", bytes)) throw new HeedException(ErrorCode.INTERNAL, "ImageExplanationHtml: no PNG writer in this JDK");
            return Base64.getEncoder().encodeToString(bytes.toByteArray());
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "ImageExplanationHtml: cannot encode the image: " + e.getMessage(), e);
        }
    }

    /** float32 little-endian (what a JavaScript Float32Array reads on every current platform), base64. */
    private static String base64(float[] a) {
        ByteBuffer b = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(a);
        return Base64.getEncoder().encodeToString(b.array());
    }

    private static String resource(String name) {
        try (InputStream in = ImageExplanationHtml.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) throw new HeedException(ErrorCode.INTERNAL, "ImageExplanationHtml: resource " + RESOURCES + name + " is missing from the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "ImageExplanationHtml: cannot read resource " + name + ": " + e.getMessage(), e);
        }
    }
}
