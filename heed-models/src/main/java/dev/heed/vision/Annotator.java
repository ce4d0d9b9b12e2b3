package dev.heed.vision;

import dev.heed.ErrorCode;
import dev.heed.HeedException;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Draws detections the way Ultralytics' {@code results[0].plot()} looks: a box per detection in a colour per
 * class (Ultralytics' 20-colour palette, cycled by class id), and a filled tag with {@code "name 0.87"} above the
 * box (inside it when there is no room above). Line width scales with the image as Ultralytics does
 * ({@code max(round((w + h) / 2 * 0.003), 2)}). Headless Java2D, no native code.
 *
 * <pre>{@code
 * BufferedImage out = new Annotator().draw(img, detections);
 * Annotator.write(out, Path.of("bus_annotated.jpg"));
 * }</pre>
 */
public final class Annotator {
    private static final int[] PALETTE = {
        0xFF3838, 0xFF9D97, 0xFF701F, 0xFFB21D, 0xCFD231, 0x48F90A, 0x92CC17, 0x3DDB86, 0x1A9334, 0x00D4BB,
        0x2C99A8, 0x00C2FF, 0x344593, 0x6473FF, 0x0018EC, 0x8438FF, 0x520085, 0xCB38FF, 0xFF95C8, 0xFF37C7};

    private final boolean showConfidence;

    /** An annotator whose labels show the class name and the confidence. */
    public Annotator() {
        this(true);
    }

    /**
     * An annotator whose labels show the class name, with or without the confidence.
     *
     * @param showConfidence whether labels show the confidence
     */
    public Annotator(boolean showConfidence) {
        this.showConfidence = showConfidence;
    }

    /**
     * The colour of a class (Ultralytics' 20-colour palette, cycling).
     *
     * @param classId the class id
     * @return the colour
     */
    public static Color colorOf(int classId) {
        return new Color(PALETTE[Math.floorMod(classId, PALETTE.length)]);
    }

    /**
     * A new image: {@code image} with every detection drawn on it.
     *
     * @param image      the original image (not changed)
     * @param detections boxes in the image's pixels
     * @return the annotated copy
     */
    public BufferedImage draw(RgbImage image, Detections detections) {
        BufferedImage bi = image.toBufferedImage();
        int w = bi.getWidth(), h = bi.getHeight();
        int lw = Math.max((int) Math.round((w + h) / 2.0 * 0.003), 2);
        Graphics2D g = bi.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(10, lw * 6)));
            FontMetrics fm = g.getFontMetrics();
            g.setStroke(new BasicStroke(lw));
            for (Detection d : detections) {
                Color c = colorOf(d.classId());
                int x1 = Math.round(d.x1()), y1 = Math.round(d.y1()), x2 = Math.round(d.x2()), y2 = Math.round(d.y2());
                g.setColor(c);
                g.drawRect(x1, y1, Math.max(0, x2 - x1), Math.max(0, y2 - y1));
                String label = showConfidence ? String.format(Locale.ROOT, "%s %.2f", d.name(), d.confidence()) : d.name();
                int tw = fm.stringWidth(label) + 2 * lw, th = fm.getAscent() + fm.getDescent() + lw;
                boolean outside = y1 - th >= 0;
                int ty = outside ? y1 - th : y1;
                int tx = Math.min(Math.max(0, x1), Math.max(0, w - tw));
                g.fillRect(tx, ty, tw, th);
                g.setColor(textColor(c));
                g.drawString(label, tx + lw, ty + fm.getAscent() + lw / 2);
            }
        } finally {
            g.dispose();
        }
        return bi;
    }

    /** White text on dark tags, black on light ones (by luminance). */
    private static Color textColor(Color bg) {
        double lum = 0.299 * bg.getRed() + 0.587 * bg.getGreen() + 0.114 * bg.getBlue();
        return lum > 150 ? Color.BLACK : Color.WHITE;
    }

    /**
     * Writes PNG or JPEG, chosen by the file extension ({@code .png}, {@code .jpg}, {@code .jpeg}), creating parent
     * directories.
     *
     * @param image the image
     * @param file  where to write
     * @throws HeedException {@link dev.heed.ErrorCode#UNSUPPORTED} for another extension, {@link dev.heed.ErrorCode#IO} when the file cannot be written
     */
    public static void write(BufferedImage image, Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String fmt = n.endsWith(".png") ? "png" : (n.endsWith(".jpg") || n.endsWith(".jpeg")) ? "jpeg" : null;
        if (fmt == null) throw HeedException.unsupported("annotated image format of " + file, ".png", ".jpg", ".jpeg");
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            if (!ImageIO.write(image, fmt, file.toFile())) {
                throw new HeedException(ErrorCode.IO, "annotator: no ImageIO writer for " + fmt);
            }
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "annotator: cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
