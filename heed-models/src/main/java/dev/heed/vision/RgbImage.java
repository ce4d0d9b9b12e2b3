package dev.heed.vision;

import dev.heed.HeedException;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * An 8-bit RGB image, packed row-major, channels last: {@code rgb[(y * width + x) * 3 + c]}, c = 0 R, 1 G, 2 B.
 * The array is owned by the image; treat it as read-only. This is what {@link Images#read} returns (orientation
 * already applied) and what the pre-processors consume.
 *
 * <pre>{@code
 * RgbImage img = Images.read(Path.of("bus.jpg"));
 * int red = img.get(10, 20, 0);
 * }</pre>
 *
 * @param width  pixels per row, at least 1
 * @param height rows, at least 1
 * @param rgb    [height, width, 3] uint8
 */
public record RgbImage(int width, int height, byte[] rgb) {

    /**
     * Checks the size against the array.
     *
     * @param width  ≥ 1
     * @param height ≥ 1
     * @param rgb    exactly {@code width · height · 3} bytes; not copied
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for a size below 1x1, {@link dev.heed.ErrorCode#SHAPE_MISMATCH} when the
     *                       array length does not match
     */
    public RgbImage {
        if (width < 1 || height < 1) throw HeedException.invalid("RgbImage", "size " + width + "x" + height + " must be at least 1x1");
        if ((long) width * height * 3 != rgb.length) {
            throw HeedException.shape("RgbImage", "[" + height + ", " + width + ", 3] needs " + (long) width * height * 3
                    + " bytes but the array has " + rgb.length);
        }
    }

    /**
     * One channel of one pixel.
     *
     * @param x column, in [0, width)
     * @param y row, in [0, height)
     * @param c channel: 0 R, 1 G, 2 B
     * @return the value, 0..255
     */
    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }

    /** {@return a copy as a {@link BufferedImage#TYPE_3BYTE_BGR} image (for drawing and writing)} */
    public BufferedImage toBufferedImage() {
        BufferedImage bi = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) bi.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        return bi;
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
