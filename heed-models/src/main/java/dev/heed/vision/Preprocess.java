package dev.heed.vision;

import dev.heed.HeedException;
import dev.heed.tensor.Tensor;

/**
 * RT-DETR input preparation exactly as the Ultralytics RT-DETR predictor does it: stretch the image to a
 * square (no letterbox padding) with OpenCV's {@code cv2.resize(..., INTER_LINEAR)} — reproduced bit for bit
 * on uint8 — then RGB, divide by 255, NCHW float32. No mean/std.
 *
 * <pre>{@code
 * RgbImage img = Images.read(Path.of("bus.jpg"));
 * Tensor images = Preprocess.stretchToSquare(img, 640);   // [1, 3, 640, 640], values in [0, 1]
 * }</pre>
 */
public final class Preprocess {
    private Preprocess() {}

    /** The RT-DETR export's input size. */
    public static final int RTDETR_SIZE = 640;

    /**
     * OpenCV INTER_LINEAR stretch to a square, RGB, /255.
     *
     * @param image the image, any size
     * @param size  the square side, ≥ 1
     * @return {@code [1, 3, size, size]} float32 in [0, 1]
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code size < 1}
     */
    public static Tensor stretchToSquare(RgbImage image, int size) {
        return toNchw(resizeLinear(image, size, size));
    }

    /**
     * OpenCV {@code cv2.resize(img, (width, height), interpolation=INTER_LINEAR)} on 8-bit RGB, bit-exact.
     *
     * @param image  the image
     * @param width  the new width, ≥ 1
     * @param height the new height, ≥ 1
     * @return the resized image
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for a size below 1x1
     */
    public static RgbImage resizeLinear(RgbImage image, int width, int height) {
        if (width < 1 || height < 1) {
            throw HeedException.invalid("resizeLinear", "target size " + width + "x" + height + " must be at least 1x1");
        }
        return new RgbImage(width, height, LinearResize.opencv(image.rgb(), image.width(), image.height(), 3, width, height));
    }

    /**
     * The image as a model input, without resizing.
     *
     * @param image the image
     * @return {@code [1, 3, H, W]} float32 = pixel / 255, channels R, G, B
     */
    public static Tensor toNchw(RgbImage image) {
        int w = image.width(), h = image.height(), plane = w * h;
        byte[] rgb = image.rgb();
        float[] lut = new float[256];                                 // v / 255f exactly as a division rounds
        for (int v = 0; v < 256; v++) lut[v] = v / 255f;
        float[] out = new float[3 * plane];                           // [1, 3, H, W]
        for (int i = 0; i < plane; i++) {
            out[i] = lut[rgb[3 * i] & 0xff];
            out[plane + i] = lut[rgb[3 * i + 1] & 0xff];
            out[2 * plane + i] = lut[rgb[3 * i + 2] & 0xff];
        }
        return Tensor.of(out, 1, 3, h, w);
    }
}
