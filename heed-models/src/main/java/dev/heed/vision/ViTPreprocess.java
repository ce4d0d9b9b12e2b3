package dev.heed.vision;

import dev.heed.HeedException;
import dev.heed.tensor.Tensor;

/**
 * ViT / ImageNet classification input preparation, as torchvision's
 * {@code Compose([Resize(256), CenterCrop(224), ToTensor(), Normalize(mean, std)])} does it on a PIL image:
 * the shorter side is resized to {@code resize} with Pillow's antialiased BILINEAR filter (the longer side is
 * {@code int(resize * long / short)}), a centred {@code crop x crop} window is cut (offsets
 * {@code round((size - crop) / 2)}, half to even as Python rounds), then {@code (v / 255 - mean) / std}
 * per channel in float32.
 *
 * <pre>{@code
 * Tensor pixelValues = ViTPreprocess.imagenet().apply(Images.read(Path.of("cat.jpg")));  // [1, 3, 224, 224]
 * }</pre>
 */
public final class ViTPreprocess {
    /** ImageNet channel means and standard deviations (R, G, B) used by torchvision's classification models. */
    static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    private final int resize;
    private final int crop;
    private final float[] mean;
    private final float[] std;

    /**
     * A pipeline with the given shorter-side size, crop size and per-channel (R, G, B) mean and std.
     *
     * @param resize the shorter side after resizing, pixels, ≥ 1
     * @param crop   the side of the centred square crop, pixels, ≥ 1
     * @param mean   3 means (R, G, B) on the 0..1 scale; copied
     * @param std    3 standard deviations, each > 0; copied
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for a size below 1, not 3 values, or a std ≤ 0
     */
    public ViTPreprocess(int resize, int crop, float[] mean, float[] std) {
        if (resize < 1 || crop < 1) throw HeedException.invalid("ViTPreprocess", "resize=" + resize + " and crop=" + crop + " must be >= 1");
        if (mean.length != 3 || std.length != 3) {
            throw HeedException.invalid("ViTPreprocess", "mean and std need 3 values (R, G, B), got " + mean.length + " and " + std.length);
        }
        for (float s : std) if (!(s > 0)) throw HeedException.invalid("ViTPreprocess", "std values must be > 0, got " + s);
        this.resize = resize;
        this.crop = crop;
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** {@return torchvision's Resize(256), CenterCrop(224), ImageNet mean/std} */
    public static ViTPreprocess imagenet() {
        return new ViTPreprocess(256, 224, IMAGENET_MEAN, IMAGENET_STD);
    }

    /**
     * Resize, crop and normalise.
     *
     * @param image the image, any size
     * @return {@code [1, 3, crop, crop]} float32, normalised
     */
    public Tensor apply(RgbImage image) {
        return normalize(resizeAndCrop(image));
    }

    /**
     * Resize and crop only.
     *
     * @param image the image, any size
     * @return the uint8 image after Resize and CenterCrop (what ToTensor sees)
     */
    public RgbImage resizeAndCrop(RgbImage image) {
        int w = image.width(), h = image.height();
        int nw, nh;
        if (w <= h) {
            nw = resize;
            nh = (int) ((double) resize * h / w);
        } else {
            nh = resize;
            nw = (int) ((double) resize * w / h);
        }
        byte[] resized = LinearResize.pil(image.rgb(), w, h, 3, nw, nh);
        return centerCrop(new RgbImage(nw, nh, resized), crop);
    }

    /** torchvision CenterCrop: zero-pads first when the image is smaller than the crop. */
    static RgbImage centerCrop(RgbImage img, int crop) {
        int w = img.width(), h = img.height();
        if (w < crop || h < crop) {                                 // torchvision pads symmetrically with zeros
            int padL = (crop - Math.min(w, crop)) / 2, padT = (crop - Math.min(h, crop)) / 2;
            int pw = Math.max(w, crop), ph = Math.max(h, crop);
            byte[] p = new byte[pw * ph * 3];
            for (int y = 0; y < h; y++) System.arraycopy(img.rgb(), y * w * 3, p, ((y + padT) * pw + padL) * 3, w * 3);
            img = new RgbImage(pw, ph, p);
            w = pw;
            h = ph;
        }
        int top = (int) Math.rint((h - crop) / 2.0), left = (int) Math.rint((w - crop) / 2.0);
        byte[] out = new byte[crop * crop * 3];
        for (int y = 0; y < crop; y++) System.arraycopy(img.rgb(), ((y + top) * w + left) * 3, out, y * crop * 3, crop * 3);
        return new RgbImage(crop, crop, out);
    }

    /**
     * ToTensor + Normalize, float32 arithmetic as PyTorch does.
     *
     * @param img the image, already resized and cropped
     * @return {@code [1, 3, H, W]} = (v / 255 - mean[c]) / std[c]
     */
    public Tensor normalize(RgbImage img) {
        int plane = img.width() * img.height();
        byte[] rgb = img.rgb();
        float[] out = new float[3 * plane];                           // [1, 3, H, W]
        for (int c = 0; c < 3; c++) {
            float m = mean[c], s = std[c];
            for (int i = 0; i < plane; i++) out[c * plane + i] = ((rgb[3 * i + c] & 0xff) / 255f - m) / s;
        }
        return Tensor.of(out, 1, 3, img.height(), img.width());
    }

    /** {@return the shorter side after resizing, in pixels} */
    public int resize() { return resize; }

    /** {@return the side of the centred square crop, in pixels (the model's input side)} */
    public int crop() { return crop; }

    /** {@return the per-channel (R, G, B) means (a copy)} */
    public float[] mean() { return mean.clone(); }

    /** {@return the per-channel (R, G, B) standard deviations (a copy)} */
    public float[] std() { return std.clone(); }
}
