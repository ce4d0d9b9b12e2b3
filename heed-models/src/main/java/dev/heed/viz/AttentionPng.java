package dev.heed.viz;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Renders {@link AttentionMaps} as one PNG with Java2D: on the left a grid of small heat maps (rows = layers,
 * columns = heads), on the right one head enlarged with token labels on both axes (queries down the side,
 * keys along the top). Colour is {@code √p} on a white-to-navy scale, so that weak but structured attention
 * stays visible next to the strong [CLS]/[SEP] sinks.
 *
 * <p>Long inputs: maps larger than their box are max-pooled (a peak is never averaged away); labels are
 * drawn for every token up to {@value #ALL_LABELS_MAX} tokens, then for every k-th token. Works headless:
 * nothing here needs a display (the CLI sets {@code java.awt.headless}).
 *
 * <pre>{@code
 * AttentionPng.render(maps, 5, 0, Path.of("attention.png"));   // enlarge layer 5, head 0
 * }</pre>
 */
public final class AttentionPng {
    /** Up to this many tokens every token gets a label on the enlarged map. */
    static final int ALL_LABELS_MAX = 96;
    /** The enlarged map is at most this many pixels wide; larger inputs are max-pooled. */
    static final int FOCUS_MAX_PX = 720;
    /** Labels longer than this are cut with an ellipsis. */
    static final int LABEL_MAX_CHARS = 14;

    private static final int MARGIN = 18;
    private static final int GAP = 4;
    private static final Color INK = new Color(0x22, 0x2a, 0x35);
    private static final Color MUTED = new Color(0x6b, 0x75, 0x82);
    private static final Color ACCENT = new Color(0xd9, 0x3b, 0x2b);

    private AttentionPng() {}

    /**
     * Renders to {@code out} as PNG (parent directories are created), with no row highlighted.
     *
     * @param maps       the attention maps
     * @param focusLayer the layer of the enlarged map, in [0, layers)
     * @param focusHead  the head of the enlarged map, in [0, heads)
     * @param out        the {@code .png} file
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when the layer, head or row is out of range, {@link ErrorCode#IO} when the file cannot
     *                       be written
     */
    public static void render(AttentionMaps maps, int focusLayer, int focusHead, Path out) {
        render(maps, focusLayer, focusHead, -1, out);
    }

    /**
     * Renders to {@code out} (parent directories are created); the query row {@code focusRow} of the enlarged map
     * (the token being explained) is outlined and its label drawn in the accent colour; -1 highlights nothing.
     *
     * @param maps       the attention maps
     * @param focusLayer the layer of the enlarged map, in [0, layers)
     * @param focusHead  the head of the enlarged map, in [0, heads)
     * @param focusRow   the query row to highlight, in [0, length), or -1 for none
     * @param out        the {@code .png} file
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when the layer, head or row is out of range, {@link ErrorCode#IO} when the file cannot
     *                       be written
     */
    public static void render(AttentionMaps maps, int focusLayer, int focusHead, int focusRow, Path out) {
        BufferedImage img = image(maps, focusLayer, focusHead, focusRow);
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            try (OutputStream os = Files.newOutputStream(out)) {
                if (!ImageIO.write(img, "png", os)) {
                    throw new HeedException(ErrorCode.INTERNAL, "AttentionPng: no PNG writer in this JDK");
                }
            }
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "AttentionPng: cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    /**
     * Renders to an image (for callers that compose or encode it themselves), with no row highlighted.
     *
     * @param maps       the attention maps
     * @param focusLayer the layer of the enlarged map, in [0, layers)
     * @param focusHead  the head of the enlarged map, in [0, heads)
     * @return the picture: every head's thumbnail and the enlarged map
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when the layer, head or row is out of range
     */
    public static BufferedImage image(AttentionMaps maps, int focusLayer, int focusHead) {
        return image(maps, focusLayer, focusHead, -1);
    }

    /**
     * Renders to an image; {@code focusRow} (or -1) as in {@link #render(AttentionMaps, int, int, int, Path)}.
     *
     * @param maps       the attention maps
     * @param focusLayer the layer of the enlarged map, in [0, layers)
     * @param focusHead  the head of the enlarged map, in [0, heads)
     * @param focusRow   the query row to highlight, in [0, length), or -1 for none
     * @return the picture: every head's thumbnail and the enlarged map
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when the layer, head or row is out of range
     */
    public static BufferedImage image(AttentionMaps maps, int focusLayer, int focusHead, int focusRow) {
        if (focusRow < -1 || focusRow >= maps.length()) {
            throw HeedException.invalid("AttentionPng.render", "focus row " + focusRow + " is outside -1.." + (maps.length() - 1));
        }
        if (focusLayer < 0 || focusLayer >= maps.layers()) {
            throw HeedException.invalid("AttentionPng.render", "focus layer " + focusLayer + " is outside 0.." + (maps.layers() - 1));
        }
        if (focusHead < 0 || focusHead >= maps.heads()) {
            throw HeedException.invalid("AttentionPng.render", "focus head " + focusHead + " is outside 0.." + (maps.heads() - 1));
        }
        int layers = maps.layers(), heads = maps.heads(), n = maps.length();

        // ---- layout
        int thumb = Math.clamp(Math.min(760 / heads, 620 / layers), 20, 96);
        int focusPx = n <= FOCUS_MAX_PX ? n * Math.clamp(FOCUS_MAX_PX / n, 1, 30) : FOCUS_MAX_PX;
        if (focusPx < 240) focusPx = n * Math.max(1, 240 / n);   // never too small to read
        double cell = focusPx / (double) n;                       // pixels per token on the enlarged map
        int labelStep = n <= ALL_LABELS_MAX && cell >= 7 ? 1 : Math.max(1, (int) Math.ceil(11 / cell));
        float labelSize = (float) Math.clamp(cell * labelStep - 1, 8.0, 13.0);

        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 16);
        Font smallFont = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12).deriveFont(labelSize);
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D pg = probe.createGraphics();
        FontMetrics lm = pg.getFontMetrics(labelFont);
        int labelW = 0;
        for (int t = 0; t < n; t += labelStep) labelW = Math.max(labelW, lm.stringWidth(label(maps.tokens().get(t))));
        pg.dispose();
        labelW += 6;

        int titleH = 44;
        int gridLabelW = 30, gridLabelH = 18;
        int gridW = gridLabelW + heads * (thumb + GAP);
        int gridH = gridLabelH + layers * (thumb + GAP);
        int focusX = MARGIN + gridW + 2 * MARGIN + labelW;       // left edge of the enlarged map
        int focusY = MARGIN + titleH + 18 + labelW;               // top edge of the enlarged map
        int legendH = 50;
        int width = focusX + focusPx + MARGIN;
        int height = Math.max(MARGIN + titleH + gridH + legendH, focusY + focusPx + legendH) + MARGIN;

        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);

            // ---- title
            g.setColor(INK);
            g.setFont(titleFont);
            g.drawString("Attention: " + layers + " layers \u00d7 " + heads + " heads, " + n + " tokens", MARGIN, MARGIN + 16);
            g.setFont(smallFont);
            g.setColor(MUTED);
            g.drawString("rows = query token (from), columns = key token (to); colour = \u221ap", MARGIN, MARGIN + 34);

            // ---- grid of thumbnails
            int gx = MARGIN + gridLabelW, gy = MARGIN + titleH + gridLabelH;
            g.setFont(smallFont);
            FontMetrics sm = g.getFontMetrics();
            for (int h = 0; h < heads; h++) {
                String s = "H" + h;
                g.setColor(MUTED);
                g.drawString(s, gx + h * (thumb + GAP) + (thumb - sm.stringWidth(s)) / 2, gy - 5);
            }
            int nn = n * n;
            for (int l = 0; l < layers; l++) {
                float[] data = maps.layerData(l);
                int y = gy + l * (thumb + GAP);
                g.setColor(MUTED);
                g.drawString("L" + l, MARGIN, y + thumb / 2 + 4);
                for (int h = 0; h < heads; h++) {
                    int x = gx + h * (thumb + GAP);
                    drawMap(img, data, h * nn, n, x, y, thumb, thumb);
                    g.setColor(new Color(0xd5, 0xdb, 0xe3));
                    g.drawRect(x - 1, y - 1, thumb + 1, thumb + 1);
                }
            }
            // the enlarged head, outlined in the grid
            g.setColor(ACCENT);
            g.setStroke(new BasicStroke(2f));
            g.drawRect(gx + focusHead * (thumb + GAP) - 2, gy + focusLayer * (thumb + GAP) - 2, thumb + 3, thumb + 3);
            g.setStroke(new BasicStroke(1f));

            // ---- enlarged head
            g.setFont(titleFont.deriveFont(13f));
            g.setColor(INK);
            g.drawString("Layer " + focusLayer + ", head " + focusHead, focusX - labelW, MARGIN + titleH + 2);
            drawMap(img, maps.layerData(focusLayer), focusHead * nn, n, focusX, focusY, focusPx, focusPx);
            g.setColor(new Color(0xb8, 0xc2, 0xcc));
            g.drawRect(focusX - 1, focusY - 1, focusPx + 1, focusPx + 1);

            if (focusRow >= 0) {                                                       // the explained token's row
                int y0 = focusY + (int) Math.floor(focusRow * cell), y1 = focusY + (int) Math.ceil((focusRow + 1) * cell);
                g.setColor(ACCENT);
                g.setStroke(new BasicStroke(2f));
                g.drawRect(focusX - 2, y0 - 2, focusPx + 3, Math.max(1, y1 - y0) + 3);
                g.setStroke(new BasicStroke(1f));
            }

            g.setFont(labelFont);
            FontMetrics fm = g.getFontMetrics();
            g.setColor(INK);
            for (int t = 0; t < n; t++) {
                if (t % labelStep != 0 && t != focusRow) continue;                     // the focus row is always labelled
                String s = label(maps.tokens().get(t));
                int cy = focusY + (int) Math.round((t + 0.5) * cell);
                int base = cy + (fm.getAscent() - fm.getDescent()) / 2;
                g.setColor(t == focusRow ? ACCENT : INK);
                g.drawString(s, focusX - 4 - fm.stringWidth(s), base);                 // query labels, right-aligned
                g.setColor(INK);
                if (t % labelStep != 0) continue;
                AffineTransform saved = g.getTransform();                              // key labels, rotated
                int cx = focusX + (int) Math.round((t + 0.5) * cell);
                g.translate(cx + (fm.getAscent() - fm.getDescent()) / 2, focusY - 4);
                g.rotate(-Math.PI / 2);
                g.drawString(s, 0, 0);
                g.setTransform(saved);
            }
            if (labelStep > 1) {
                g.setFont(smallFont);
                g.setColor(MUTED);
                g.drawString("(one label per " + labelStep + " tokens)", focusX, focusY + focusPx + 14);
            }

            // ---- colour legend under the grid
            int ly = MARGIN + titleH + gridH + 14;
            int lw = Math.min(240, gridW - gridLabelW);
            for (int x = 0; x < lw; x++) {
                g.setColor(new Color(Colormap.rgbOfSqrt(x / (float) (lw - 1))));
                g.drawLine(gx + x, ly, gx + x, ly + 10);
            }
            g.setFont(smallFont);
            g.setColor(MUTED);
            for (double p : new double[] {0, 0.05, 0.25, 0.5, 1}) {
                int x = gx + (int) Math.round(Math.sqrt(p) * (lw - 1));
                g.drawLine(x, ly + 10, x, ly + 13);
                String s = p == 0 || p == 1 ? String.valueOf((int) p) : String.format(Locale.ROOT, "%.2f", p);
                g.drawString(s, x - sm.stringWidth(s) / 2, ly + 25);
            }
            g.drawString("p", gx + lw + 8, ly + 10);
        } finally {
            g.dispose();
        }
        return img;
    }

    /**
     * Draws one {@code [n, n]} map (at {@code data[off..]}) into the box {@code w × h} at {@code (x, y)}: each
     * pixel takes the maximum over the tokens it covers (nearest-neighbour when the map is smaller than the box).
     */
    static void drawMap(BufferedImage img, float[] data, int off, int n, int x, int y, int w, int h) {
        int[] rgb = new int[w * h];
        for (int py = 0; py < h; py++) {
            int r0 = (int) ((long) py * n / h), r1 = Math.max(r0 + 1, (int) ((long) (py + 1) * n / h));
            for (int px = 0; px < w; px++) {
                int c0 = (int) ((long) px * n / w), c1 = Math.max(c0 + 1, (int) ((long) (px + 1) * n / w));
                float m = 0;
                for (int r = r0; r < r1; r++) {
                    int base = off + r * n;
                    for (int c = c0; c < c1; c++) m = Math.max(m, data[base + c]);
                }
                rgb[py * w + px] = Colormap.rgb(m);
            }
        }
        img.setRGB(x, y, w, h, rgb, 0, w);
    }

    private static String label(String token) {
        String s = token.isEmpty() ? "\u2423" : token;
        return s.length() > LABEL_MAX_CHARS ? s.substring(0, LABEL_MAX_CHARS - 1) + "\u2026" : s;
    }
}
