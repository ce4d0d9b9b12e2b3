package dev.heed.viz;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.vision.Classification;
import dev.heed.vision.RgbImage;
import dev.heed.vision.explain.ViTExplanation;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Renders a {@link ViTExplanation} as one PNG: the image the model saw, enlarged, with the rollout overlaid cell by
 * cell (one cell per patch, colour = rollout / max on the inferno scale, opacity rising with the value), a colour
 * bar with the rollout's range, the top-k classes, and below a row of the last layer's per-head CLS → patch maps
 * (each scaled to its own max). Headless.
 *
 * <pre>{@code
 * ImageExplanationPng.render(vit.explain(image, 5, RolloutOptions.defaults()), Path.of("bus.explain.png"));
 * }</pre>
 */
public final class ImageExplanationPng {
    /** The overlay panel's side in pixels and its top-left corner in the PNG. */
    static final int PANEL = 448, PANEL_X = 16, PANEL_Y = 48;
    /** Opacity of the weakest and of the strongest cell. */
    static final double ALPHA_MIN = 0.35, ALPHA_MAX = 0.8;

    private static final Color INK = new Color(0x22, 0x2a, 0x35);
    private static final Color MUTED = new Color(0x6b, 0x75, 0x82);

    private ImageExplanationPng() {}

    /**
     * Renders to {@code out} as PNG (parent directories created).
     *
     * @param e   the explanation
     * @param out the {@code .png} file
     * @throws HeedException {@link dev.heed.ErrorCode#IO} when the file cannot be written
     */
    public static void render(ViTExplanation e, Path out) {
        write(image(e), out, "ImageExplanationPng");
    }

    /**
     * Renders to an image: the heat map over the image, the top classes and the last layer's heads.
     *
     * @param e the explanation
     * @return the picture
     */
    public static BufferedImage image(ViTExplanation e) {
        int heads = e.heads(), tile = 96, gap = 8;
        int barX = PANEL_X + PANEL + 12, textX = barX + 80;
        int width = Math.max(textX + 300, PANEL_X + heads * (tile + gap) + 16);
        int headsY = PANEL_Y + PANEL + 40;
        int height = headsY + tile + 24;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(INK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString("Attention rollout: " + e.layers() + " layers \u00d7 " + e.heads() + " heads, " + e.gridH() + "\u00d7" + e.gridW()
                    + " patches", PANEL_X, 22);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.setColor(MUTED);
            g.drawString("class token's rolled-out attention to each patch; head fusion " + e.options().fusion().label()
                    + ", discard ratio " + e.options().discardRatio(), PANEL_X, 38);

            float max = max(e.rollout());
            overlay(img, e.view(), e.rollout(), e.gridH(), e.gridW(), max);

            // colour bar: max at the top, 0 at the bottom
            for (int y = 0; y < PANEL; y++) {
                int c = Heat.rgb(1.0 - y / (double) (PANEL - 1));
                for (int x = 0; x < 16; x++) img.setRGB(barX + x, PANEL_Y + y, c);
            }
            g.setColor(INK);
            g.drawString(String.format(Locale.ROOT, "%.4f", max), barX + 20, PANEL_Y + 10);
            g.drawString("0", barX + 20, PANEL_Y + PANEL);

            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.drawString("top " + e.top().size(), textX, PANEL_Y + 12);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            int y = PANEL_Y + 32;
            for (Classification c : e.top()) {
                g.drawString(String.format(Locale.ROOT, "%.3f  %s (%d)", c.probability(), cut(c.name(), 30), c.classId()), textX, y);
                y += 18;
            }

            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
            g.drawString("last layer, per head: CLS \u2192 patch (each scaled to its max)", PANEL_X, headsY - 10);
            float[][] cls = e.lastLayerCls();
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            for (int h = 0; h < heads; h++) {
                int x0 = PANEL_X + h * (tile + gap);
                float m = max(cls[h]);
                for (int py = 0; py < tile; py++) {
                    for (int px = 0; px < tile; px++) {
                        int cell = (py * e.gridH() / tile) * e.gridW() + px * e.gridW() / tile;
                        img.setRGB(x0 + px, headsY + py, Heat.rgb(m > 0 ? cls[h][cell] / m : 0));
                    }
                }
                g.setColor(Color.WHITE);
                g.drawString("h" + h, x0 + 4, headsY + 14);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** The view scaled to the panel with one blended heat cell per patch. */
    private static void overlay(BufferedImage img, RgbImage view, float[] heat, int gh, int gw, float max) {
        for (int py = 0; py < PANEL; py++) {
            int sy = py * view.height() / PANEL;
            int cy = py * gh / PANEL;
            for (int px = 0; px < PANEL; px++) {
                int sx = px * view.width() / PANEL;
                int i = (sy * view.width() + sx) * 3;
                int base = ((view.rgb()[i] & 255) << 16) | ((view.rgb()[i + 1] & 255) << 8) | (view.rgb()[i + 2] & 255);
                double t = max > 0 ? heat[cy * gw + px * gw / PANEL] / max : 0;
                img.setRGB(PANEL_X + px, PANEL_Y + py, Heat.blend(base, Heat.rgb(t), ALPHA_MIN + (ALPHA_MAX - ALPHA_MIN) * t));
            }
        }
    }

    static float max(float[] a) {
        float m = 0;
        for (float v : a) m = Math.max(m, v);
        return m;
    }

    private static String cut(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "\u2026";
    }

    static void write(BufferedImage img, Path out, String what) {
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            if (!ImageIO.write(img, "png", out.toFile())) throw new HeedException(ErrorCode.INTERNAL, what + ": no PNG writer in this JDK");
        } catch (IOException ex) {
            throw new HeedException(ErrorCode.IO, what + ": cannot write " + out + ": " + ex.getMessage(), ex);
        }
    }
}
