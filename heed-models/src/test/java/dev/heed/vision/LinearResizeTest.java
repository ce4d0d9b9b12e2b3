package dev.heed.vision;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The fixed-point resizers against float64 twins of the same filters on random data and odd sizes (vector
 * tails, size 1, up and down). The bit-exact checks against OpenCV and Pillow themselves are in
 * PreprocessTest and ViTPreprocessTest; here the question is whether the arithmetic is the filter it claims.
 */
class LinearResizeTest {
    /** 11-bit weights and the >>4 / >>16 truncations of OpenCV's vertical pass cost at most this many levels. */
    static final double TOL_OPENCV = 1.0;
    /** Pillow rounds to uint8 between its two passes and uses 22-bit weights. */
    static final double TOL_PIL = 1.01;

    /** OpenCV INTER_LINEAR semantics in float64: half-pixel centres, clamped edges. */
    static double[] bilinear64(byte[] src, int sw, int sh, int dw, int dh) {
        double[] out = new double[dw * dh * 3];
        double sx = (double) sw / dw, sy = (double) sh / dh;
        for (int y = 0; y < dh; y++) {
            double fy = (y + 0.5) * sy - 0.5;
            int y0 = (int) Math.floor(fy);
            double wy = fy - y0;
            for (int x = 0; x < dw; x++) {
                double fx = (x + 0.5) * sx - 0.5;
                int x0 = (int) Math.floor(fx);
                double wx = fx - x0;
                if (x0 < 0) { x0 = 0; wx = 0; }
                if (x0 >= sw - 1) { x0 = sw - 1; wx = 0; }
                for (int c = 0; c < 3; c++) {
                    double top = px(src, sw, sh, x0, y0, c) * (1 - wx) + px(src, sw, sh, x0 + 1, y0, c) * wx;
                    double bot = px(src, sw, sh, x0, y0 + 1, c) * (1 - wx) + px(src, sw, sh, x0 + 1, y0 + 1, c) * wx;
                    out[(y * dw + x) * 3 + c] = top * (1 - wy) + bot * wy;
                }
            }
        }
        return out;
    }

    /** Pillow's antialiased triangle filter in float64, both passes without intermediate rounding. */
    static double[] triangle64(byte[] src, int sw, int sh, int dw, int dh) {
        double[][] wx = weights(sw, dw), wy = weights(sh, dh);
        double[] out = new double[dw * dh * 3];
        for (int y = 0; y < dh; y++) {
            for (int x = 0; x < dw; x++) {
                for (int c = 0; c < 3; c++) {
                    double s = 0;
                    for (int j = 0; j < sh; j++) {
                        if (wy[y][j] == 0) continue;
                        for (int i = 0; i < sw; i++) if (wx[x][i] != 0) s += wy[y][j] * wx[x][i] * (src[(j * sw + i) * 3 + c] & 0xff);
                    }
                    out[(y * dw + x) * 3 + c] = s;
                }
            }
        }
        return out;
    }

    private static double[][] weights(int in, int out) {
        double scale = (double) in / out, fs = Math.max(scale, 1.0);
        double[][] w = new double[out][in];
        for (int o = 0; o < out; o++) {
            double center = (o + 0.5) * scale, sum = 0;
            for (int i = 0; i < in; i++) {
                double t = Math.abs((i + 0.5 - center) / fs);
                w[o][i] = t < 1 ? 1 - t : 0;
                sum += w[o][i];
            }
            for (int i = 0; i < in; i++) w[o][i] /= sum;
        }
        return w;
    }

    private static int px(byte[] s, int w, int h, int x, int y, int c) {
        x = Math.clamp(x, 0, w - 1);
        y = Math.clamp(y, 0, h - 1);
        return s[(y * w + x) * 3 + c] & 0xff;
    }

    static double maxDiff(byte[] got, double[] want) {
        double m = 0;
        for (int i = 0; i < got.length; i++) m = Math.max(m, Math.abs((got[i] & 0xff) - want[i]));
        return m;
    }

    @Test
    void opencvAndPillowAgreeWithTheirFloat64Filters() {
        Random rnd = new Random(42);
        int[][] sizes = {{1, 1, 5, 3}, {7, 1, 3, 9}, {1, 9, 17, 2}, {37, 23, 100, 61}, {64, 48, 17, 13}, {33, 35, 33, 11},
                         {50, 50, 640 / 8, 640 / 8}, {90, 31, 29, 64}, {3, 3, 1, 1}, {16, 16, 32, 32}};
        double worstCv = 0, worstPil = 0;
        for (int[] s : sizes) {
            // smooth-ish random data (a random walk) so the filters are compared where they are meant to work
            byte[] src = new byte[s[0] * s[1] * 3];
            int v = 128;
            for (int i = 0; i < src.length; i++) { v = Math.clamp(v + rnd.nextInt(41) - 20, 0, 255); src[i] = (byte) v; }
            byte[] cv = LinearResize.opencv(src, s[0], s[1], 3, s[2], s[3]);
            byte[] pil = LinearResize.pil(src, s[0], s[1], 3, s[2], s[3]);
            double dcv = maxDiff(cv, bilinear64(src, s[0], s[1], s[2], s[3]));
            double dpil = maxDiff(pil, triangle64(src, s[0], s[1], s[2], s[3]));
            worstCv = Math.max(worstCv, dcv);
            worstPil = Math.max(worstPil, dpil);
            assertTrue(dcv <= TOL_OPENCV, java.util.Arrays.toString(s) + " opencv vs float64: " + dcv);
            assertTrue(dpil <= TOL_PIL, java.util.Arrays.toString(s) + " pillow vs float64: " + dpil);
        }
        System.out.printf("float64 twins: opencv max %.3f levels, pillow max %.3f levels%n", worstCv, worstPil);
    }

    @Test
    void flatImagesStayFlat() {
        for (int[] s : new int[][] {{5, 7, 640, 640}, {1000, 3, 7, 640}, {1280, 1280, 640, 640}}) {
            byte[] src = new byte[s[0] * s[1] * 3];
            java.util.Arrays.fill(src, (byte) 201);
            for (byte b : LinearResize.opencv(src, s[0], s[1], 3, s[2], s[3])) assertEquals(201, b & 0xff);
            for (byte b : LinearResize.pil(src, s[0], s[1], 3, s[2], s[3])) assertEquals(201, b & 0xff);
        }
    }
}
