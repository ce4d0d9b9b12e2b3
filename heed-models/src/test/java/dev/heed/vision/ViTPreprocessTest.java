package dev.heed.vision;

import dev.heed.HeedException;
import dev.heed.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.heed.vision.VisionTestData.*;
import static org.junit.jupiter.api.Assertions.*;

/** torchvision Resize(256) + CenterCrop(224) on PIL images (Pillow 9.4 references), then ToTensor + Normalize. */
class ViTPreprocessTest {
    /** Normalize is float32 arithmetic; a float64 oracle differs by rounding only. */
    static final double TOL_NORMALIZE = 1e-5;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"synth_1000x333.png, vit_synth_1000x333.npy", "synth_37x23.png, vit_synth_37x23.npy"})
    void losslessInputsMatchPillowBitExactly(String file, String ref) {
        RgbImage got = ViTPreprocess.imagenet().resizeAndCrop(Images.read(resource(file)));
        assertWithin(referenceImage(ref), got, 0, "vit " + file);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"bus.jpg, vit_bus.npy", "zidane.jpg, vit_zidane.npy"})
    void realJpegsMatchTorchvisionWithinOneLevel(String file, String ref) {
        RgbImage got = ViTPreprocess.imagenet().resizeAndCrop(Images.read(sharedImage(file)));
        assertWithin(referenceImage(ref), got, 1, "vit " + file);
    }

    @Test
    void normalizeIsImagenetMeanStd() {
        RgbImage crop = referenceImage("vit_bus.npy");
        ViTPreprocess p = ViTPreprocess.imagenet();
        Tensor t = p.normalize(crop);
        assertArrayEquals(new int[] {1, 3, 224, 224}, t.shape().dims());
        float[] a = t.toFloatArray();
        double[] mean = {0.485, 0.456, 0.406}, std = {0.229, 0.224, 0.225};
        double max = 0;
        int plane = 224 * 224;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                double e = ((crop.rgb()[3 * i + c] & 0xff) / 255.0 - mean[c]) / std[c];
                max = Math.max(max, Math.abs(a[c * plane + i] - e));
            }
        }
        System.out.printf("normalize: max |float32 - float64| = %.3g%n", max);
        assertTrue(max < TOL_NORMALIZE);
    }

    @Test
    void outputSizesFollowTorchvision() {
        ViTPreprocess p = ViTPreprocess.imagenet();
        // tall, wide, square, and smaller than the crop (upscaled by Resize first)
        for (int[] wh : new int[][] {{300, 700}, {701, 299}, {256, 256}, {10, 7}, {1, 1}}) {
            byte[] b = new byte[wh[0] * wh[1] * 3];
            java.util.Arrays.fill(b, (byte) 77);
            RgbImage out = p.resizeAndCrop(new RgbImage(wh[0], wh[1], b));
            assertEquals(224, out.width());
            assertEquals(224, out.height());
            for (byte v : out.rgb()) assertEquals(77, v & 0xff, "a flat image stays flat");
        }
    }

    @Test
    void centerCropPadsSmallImagesWithZeros() {
        byte[] b = new byte[2 * 2 * 3];
        java.util.Arrays.fill(b, (byte) 9);
        RgbImage c = ViTPreprocess.centerCrop(new RgbImage(2, 2, b), 5);
        assertEquals(5, c.width());
        assertEquals(0, c.get(0, 0, 0));
        assertEquals(9, c.get(1, 1, 0));   // padding left = (5 - 2) / 2 = 1
        assertEquals(9, c.get(2, 2, 0));
        assertEquals(0, c.get(3, 3, 0));
    }

    @Test
    void rejectsBadConfig() {
        assertThrows(HeedException.class, () -> new ViTPreprocess(0, 224, ViTPreprocess.IMAGENET_MEAN, ViTPreprocess.IMAGENET_STD));
        assertThrows(HeedException.class, () -> new ViTPreprocess(256, 224, new float[2], ViTPreprocess.IMAGENET_STD));
        assertThrows(HeedException.class, () -> new ViTPreprocess(256, 224, ViTPreprocess.IMAGENET_MEAN, new float[] {1, 0, 1}));
    }
}
