package dev.heed.viz;

import dev.heed.vision.Detection;
import dev.heed.vision.explain.DetrExplanation;
import dev.heed.vision.explain.SamplingPoint;
import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link DetrExplanation} as one PNG: the image (scaled to at most {@value #MAX_SIDE} px), each detection's
 * box and the sampling points of the last decoder layer's deformable attention, one colour per detection; a point's
 * disc grows and becomes more opaque with its weight (relative to that detection's strongest point), the strongest
 * drawn last. A legend lists detection, query row and points; below it, when the model has an AIFI-style encoder
 * layer, the attention each top-level feature position receives (inferno scale from min to max). Headless.
 *
 * <pre>{@code
 * DetectionExplanationPng.render(detector.explain(image), Path.of("bus.explain.png"));
 * }</pre>
 */
public final class DetectionExplanationPng {
    static final int MAX_SIDE = 960;
    /** Distinct colours, one per detection (Tableau 10). */
    static final int[] PALETTE = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f, 0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac};
    private static final int LEGEND_W = 330;

    private DetectionExplanationPng() {}

    /**
     * Renders to {@code out} as PNG (parent directories created).
     *
     * @param e   the explanation
     * @param out the {@code .png} file
     * @throws dev.heed.HeedException {@link dev.heed.ErrorCode#IO} when the file cannot be written
     */
    public static void render(DetrExplanation e, Path out) {
        ImageExplanationPng.write(image(e), out, "DetectionExplanationPng");
    }

    /**
     * The colour of one detection (Tableau 10, cycling).
     *
     * @param i the detection's index
     * @return its colour, also used by the HTML viewer's legend
     */
    public static Color colorOf(int i) {
        return new Color(PALETTE[Math.floorMod(i, PALETTE.length)]);
    }

    /** The scale from image pixels to PNG pixels. */
    static double scale(DetrExplanation e) {
        return Math.min(1.0, MAX_SIDE / (double) Math.max(e.image().width(), e.image().height()));
    }

    /**
     * Renders to an image: the picture on the left, the legend on the right.
     *
     * @param e the explanation
     * @return the picture, at most {@value #MAX_SIDE} pixels on the image's longer side plus the legend
     */
    public static BufferedImage image(DetrExplanation e) {
        double s = scale(e);
        int w = (int) Math.round(e.image().width() * s), h = (int) Math.round(e.image().height() * s);
        int rows = e.detections().size();
        int encSide = e.encoderSide(), encPx = 200;
        int encY = 60 + rows * 16 + 24;                               // the encoder panel below the legend
        int height = Math.max(h, encSide > 0 ? encY + encPx + 10 : 60 + rows * 16);
        BufferedImage img = new BufferedImage(w + LEGEND_W, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.drawImage(e.image().toBufferedImage(), 0, 0, w, h, null);
            g.setColor(new Color(0, 0, 0, 70));                          // dim the photo so the points read
            g.fillRect(0, 0, w, h);
            for (int i = 0; i < rows; i++) {
                Color c = colorOf(i);
                Detection d = e.detections().get(i);
                g.setComposite(AlphaComposite.SrcOver);
                g.setColor(c);
                g.setStroke(new BasicStroke(2f));
                g.drawRect((int) Math.round(d.x1() * s), (int) Math.round(d.y1() * s), (int) Math.round((d.x2() - d.x1()) * s),
                        (int) Math.round((d.y2() - d.y1()) * s));
                List<SamplingPoint> pts = new ArrayList<>(e.points().get(i));
                float max = 0;
                for (SamplingPoint p : pts) max = Math.max(max, p.weight());
                pts.sort(Comparator.comparingDouble(SamplingPoint::weight));   // strongest on top
                for (SamplingPoint p : pts) {
                    double t = max > 0 ? p.weight() / max : 0;
                    double r = 2 + 7 * Math.sqrt(t);
                    g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, (float) (0.3 + 0.7 * t)));
                    g.fill(new Ellipse2D.Double(p.x() * s - r, p.y() * s - r, 2 * r, 2 * r));
                }
            }
            g.setComposite(AlphaComposite.SrcOver);
            g.setColor(new Color(0x22, 0x2a, 0x35));
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.drawString("Deformable attention (last decoder layer)", w + 10, 20);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.drawString(e.heads() + " heads \u00d7 " + e.levels() + " levels \u00d7 " + e.pointsPerLevel() + " points; disc = weight", w + 10, 36);
            for (int i = 0; i < rows; i++) {
                Detection d = e.detections().get(i);
                g.setColor(colorOf(i));
                g.fillRect(w + 10, 48 + i * 16, 10, 10);
                g.setColor(new Color(0x22, 0x2a, 0x35));
                g.drawString(String.format(Locale.ROOT, "%s %.2f  (query %d)", d.name(), d.confidence(), e.queries()[i]), w + 26, 57 + i * 16);
            }
            if (encSide > 0) {
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
                g.drawString("AIFI encoder: attention received " + encSide + "\u00d7" + encSide, w + 10, encY - 6);
                float max = ImageExplanationPng.max(e.encoderHeat()), min = max;
                for (float v : e.encoderHeat()) min = Math.min(min, v);
                for (int py = 0; py < encPx; py++) {
                    for (int px = 0; px < encPx; px++) {
                        float v = e.encoderHeat()[(py * encSide / encPx) * encSide + px * encSide / encPx];
                        img.setRGB(w + 10 + px, encY + py, Heat.rgb(max > min ? (v - min) / (max - min) : 0));
                    }
                }
            }
        } finally {
            g.dispose();
        }
        return img;
    }
}
