package dev.heed.vision;

import dev.heed.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.heed.vision.VisionTestData.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * RT-DETR pre-processing against OpenCV 4.6 (cv2.imread + cv2.resize INTER_LINEAR, references written by
 * vision_make_references.py). Lossless inputs must match bit for bit; JPEG inputs go through a different
 * decoder (ImageIO vs libjpeg-turbo) and must stay within 1/255 per value.
 */
class PreprocessTest {
    /** Tolerance for the acceptance criterion: 1/255 per value after /255. */
    static final int TOL_JPEG = 1;

    @ParameterizedTest(name = "{0} -> {1}x{2}")
    @CsvSource({
        "synth_37x23.png, 100, 61",
        "synth_1000x333.png, 160, 160",
        "synth_1000x333.png, 333, 101",
        "synth_gray_101x77.png, 160, 160",
        "synth_rgba_50x40.png, 160, 160",
        "synth_1x1.png, 16, 16",
        "synth_1280x1280.png, 640, 640",
    })
    void losslessInputsMatchOpenCvBitExactly(String file, int w, int h) {
        RgbImage img = Images.read(resource(file));
        RgbImage got = Preprocess.resizeLinear(img, w, h);
        String ref = "cv_" + file.replace(".png", "") + "_" + w + "x" + h + ".npy";
        assertWithin(referenceImage(ref), got, 0, file + " -> " + w + "x" + h);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"bus.jpg, cv_bus_640x640.npy", "zidane.jpg, cv_zidane_640x640.npy"})
    void realJpegsMatchOpenCvWithinOneLevel(String file, String ref) {
        RgbImage img = Images.read(sharedImage(file));
        Tensor t = Preprocess.stretchToSquare(img, 640);
        assertArrayEquals(new int[] {1, 3, 640, 640}, t.shape().dims());
        RgbImage expected = referenceImage(ref);
        float[] a = t.toFloatArray();
        double maxErr = 0;
        int plane = 640 * 640;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                double e = (expected.rgb()[3 * i + c] & 0xff) / 255.0;
                maxErr = Math.max(maxErr, Math.abs(a[c * plane + i] - e));
            }
        }
        System.out.printf("%s stretch 640: max |heed - opencv| = %.6f (= %.2f/255)%n", file, maxErr, maxErr * 255);
        assertTrue(maxErr <= TOL_JPEG / 255.0 + 1e-6, file + ": max error " + maxErr * 255 + "/255");
    }

    @Test
    void exifOrientedJpegMatchesOpenCv() {
        RgbImage img = Images.read(resource("synth_exif6_120x80.jpg"));
        assertEquals(80, img.width(), "orientation 6 turns 120x80 into 80x120");
        assertEquals(120, img.height());
        assertWithin(referenceImage("cvdec_synth_exif6_120x80.npy"), img, TOL_JPEG, "exif6 decode");
        assertWithin(referenceImage("cv_synth_exif6_120x80_160x160.npy"), Preprocess.resizeLinear(img, 160, 160), TOL_JPEG, "exif6 -> 160");
    }

    @Test
    void toNchwIsPlanarRgbOver255() {
        byte[] rgb = {(byte) 255, 0, 10, 1, 2, (byte) 128};
        Tensor t = Preprocess.toNchw(new RgbImage(2, 1, rgb));
        assertArrayEquals(new int[] {1, 3, 1, 2}, t.shape().dims());
        assertArrayEquals(new float[] {1f, 1 / 255f, 0f, 2 / 255f, 10 / 255f, 128 / 255f}, t.toFloatArray());
    }

    @Test
    void sameSizeIsACopy() {
        RgbImage img = Images.read(resource("synth_37x23.png"));
        RgbImage same = Preprocess.resizeLinear(img, 37, 23);
        assertArrayEquals(img.rgb(), same.rgb());
        assertNotSame(img.rgb(), same.rgb());
    }
}
