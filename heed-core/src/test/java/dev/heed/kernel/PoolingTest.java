package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Pooling against a direct 2-D float64 loop (exact for max, 1e-6 relative for average), plus hand cases. */
class PoolingTest {
    static final double AVG_TOLERANCE = 1e-6;
    final ExecutionContext ctx = ExecutionContext.singleThreaded();

    /** Direct 2-D reference: every output position scans its window. */
    static float[] reference2d(float[] x, int n, int c, int h, int w, Pooling.Window win, boolean max, boolean includePad, int oh, int ow) {
        float[] y = new float[n * c * oh * ow];
        for (int p = 0; p < n * c; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    int cnt = 0;
                    int hs = i * win.strides()[0] - win.pads()[0], ws = j * win.strides()[1] - win.pads()[1];
                    int he = Math.min(hs + (win.kernel()[0] - 1) * win.dilations()[0] + 1, h + win.pads()[2]);
                    int we = Math.min(ws + (win.kernel()[1] - 1) * win.dilations()[1] + 1, w + win.pads()[3]);
                    int padCnt = ((he - hs + win.dilations()[0] - 1) / win.dilations()[0]) * ((we - ws + win.dilations()[1] - 1) / win.dilations()[1]);
                    for (int a = 0; a < win.kernel()[0]; a++)
                        for (int b = 0; b < win.kernel()[1]; b++) {
                            int yy = hs + a * win.dilations()[0], xx = ws + b * win.dilations()[1];
                            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                            double v = x[(p * h + yy) * w + xx];
                            acc = max ? Math.max(acc, v) : acc + v;
                            cnt++;
                        }
                    y[(p * oh + i) * ow + j] = (float) (max ? acc : acc / (includePad ? padCnt : cnt));
                }
        return y;
    }

    @Test
    void matchesDirectLoopOnRandomWindows() {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 60; trial++) {
            int n = 1 + rnd.nextInt(2), c = 1 + rnd.nextInt(3), h = 3 + rnd.nextInt(9), w = 3 + rnd.nextInt(9);
            int kh = 1 + rnd.nextInt(3), kw = 1 + rnd.nextInt(3);
            int[] pads = {rnd.nextInt(kh), rnd.nextInt(kw), rnd.nextInt(kh), rnd.nextInt(kw)};
            Pooling.Window win = new Pooling.Window(new int[] {kh, kw}, new int[] {1 + rnd.nextInt(2), 1 + rnd.nextInt(3)}, pads,
                    new int[] {1 + rnd.nextInt(2), 1}, rnd.nextBoolean());
            float[] x = new float[n * c * h * w];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            Tensor t = Tensor.of(x, n, c, h, w);
            int[] out;
            try {
                out = Pooling.outputSpatial("test", new int[] {h, w}, win);
            } catch (HeedException e) {
                continue; // window longer than the padded input: legal to refuse
            }
            Tensor mx = Pooling.maxPool(ctx, t, win);
            assertArrayEquals(reference2d(x, n, c, h, w, win, true, false, out[0], out[1]), mx.toFloatArray(), "max " + trial);
            for (boolean inc : new boolean[] {false, true}) {
                float[] ref = reference2d(x, n, c, h, w, win, false, inc, out[0], out[1]);
                float[] got = Pooling.averagePool(ctx, t, win, inc).toFloatArray();
                for (int i = 0; i < ref.length; i++) {
                    assertEquals(ref[i], got[i], AVG_TOLERANCE * Math.max(1, Math.abs(ref[i])), "avg trial " + trial + " at " + i);
                }
            }
        }
    }

    /** The 2-D row-wise path against its N-D twin and the float64 loop: bigger planes, 2 threads, both dilations, NaN. */
    @Test
    void fast2dMatchesNdTwinAndDirectLoop() {
        try (ExecutionContext two = ExecutionContext.create(dev.heed.exec.ExecutionOptions.defaults().withThreads(2))) {
            compareFast2d(two);
        }
    }

    private void compareFast2d(ExecutionContext two) {
        Random rnd = new Random(17);
        for (int trial = 0; trial < 40; trial++) {
            int n = 1 + rnd.nextInt(2), c = 1 + rnd.nextInt(5), h = 5 + rnd.nextInt(40), w = 5 + rnd.nextInt(70);
            int kh = 1 + rnd.nextInt(4), kw = 1 + rnd.nextInt(4);
            int[] pads = {rnd.nextInt(kh), rnd.nextInt(kw), rnd.nextInt(kh), rnd.nextInt(kw)};
            Pooling.Window win = new Pooling.Window(new int[] {kh, kw}, new int[] {1 + rnd.nextInt(3), 1 + rnd.nextInt(3)}, pads,
                    new int[] {1 + rnd.nextInt(2), 1 + rnd.nextInt(2)}, rnd.nextBoolean());
            float[] x = new float[n * c * h * w];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            if (trial % 4 == 0) x[rnd.nextInt(x.length)] = Float.NaN;
            Tensor t = Tensor.of(x, n, c, h, w);
            int[] out;
            try {
                out = Pooling.outputSpatial("test", new int[] {h, w}, win);
            } catch (HeedException e) {
                continue;
            }
            float[] nd = Pooling.poolNd(ctx, t, win, true, false).toFloatArray();
            assertArrayEquals(nd, Pooling.maxPool(two, t, win).toFloatArray(), "max vs N-D twin, trial " + trial);
            if (trial % 4 != 0) {
                assertArrayEquals(reference2d(x, n, c, h, w, win, true, false, out[0], out[1]), nd, "max vs float64, trial " + trial);
            }
            for (boolean inc : new boolean[] {false, true}) {
                float[] ref = Pooling.poolNd(ctx, t, win, false, inc).toFloatArray();
                float[] got = Pooling.averagePool(two, t, win, inc).toFloatArray();
                assertArrayEquals(ref, got, "avg (includePad " + inc + ") vs N-D twin, trial " + trial);
            }
        }
    }

    @Test
    void handCasesAndGlobals() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        assertArrayEquals(new float[] {5, 6, 8, 9}, Pooling.maxPool(ctx, x, Pooling.Window.of(2, 2)).toFloatArray());
        assertArrayEquals(new float[] {3, 4, 6, 7}, Pooling.averagePool(ctx, x, Pooling.Window.of(2, 2), false).toFloatArray());
        Pooling.Window ceil = new Pooling.Window(new int[] {2, 2}, new int[] {2, 2}, new int[4], new int[] {1, 1}, true);
        assertArrayEquals(new float[] {5, 6, 8, 9}, Pooling.maxPool(ctx, x, ceil).toFloatArray());
        assertArrayEquals(new float[] {5}, Pooling.globalAveragePool(ctx, x).toFloatArray());
        assertArrayEquals(new float[] {9}, Pooling.globalMaxPool(ctx, x).toFloatArray());
        assertEquals(dev.heed.tensor.Shape.of(1, 1, 1, 1), Pooling.globalAveragePool(ctx, x).shape());
        // 1-D and 3-D spatial ranks.
        Tensor x1 = Tensor.of(new float[] {1, 3, 2, 5}, 1, 1, 4);
        assertArrayEquals(new float[] {3, 3, 5}, Pooling.maxPool(ctx, x1, Pooling.Window.of(2)).toFloatArray());
        Tensor x3 = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 1, 2, 2, 2);
        assertArrayEquals(new float[] {4.5f}, Pooling.averagePool(ctx, x3, Pooling.Window.of(2, 2, 2), false).toFloatArray());
    }

    @Test
    void errorsNameShapes() {
        HeedException e = assertThrows(HeedException.class, () -> Pooling.maxPool(ctx, Tensor.of(new float[4], 1, 1, 2, 2), Pooling.Window.of(3, 3)));
        assertTrue(e.getMessage().contains("MaxPool"), e.getMessage());
        HeedException r = assertThrows(HeedException.class, () -> Pooling.maxPool(ctx, Tensor.of(new float[4], 1, 4), Pooling.Window.of(2)));
        assertTrue(r.getMessage().contains("[1, 4]"), r.getMessage());
    }
}
