package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** ConvTranspose (scatter form) against an independent gather-form 2-D float64 loop; tolerance 1e-5 relative to Σ|x·w|. */
class ConvTransposeTest {
    static final double TOLERANCE = 1e-5;

    /** Gather form: y[o] = Σ x[i]·w[k] over i·stride - pad + k·dil == o. */
    static double[] gather2d(float[] x, float[] w, float[] bias, int n, int c, int h, int wd, int mg, int g, int kh, int kw,
                             ConvTranspose.Params p, int oh, int ow, double[] scale) {
        int m = mg * g, cg = c / g;
        double[] y = new double[n * m * oh * ow];
        for (int b = 0; b < n; b++)
            for (int co = 0; co < m; co++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double acc = bias == null ? 0 : bias[co], mag = Math.abs(acc);
                        int grp = co / mg;
                        for (int ci = grp * cg; ci < (grp + 1) * cg; ci++)
                            for (int a = 0; a < kh; a++)
                                for (int d = 0; d < kw; d++) {
                                    int ty = oy + p.pads()[0] - a * p.dilations()[0], tx = ox + p.pads()[1] - d * p.dilations()[1];
                                    if (ty % p.strides()[0] != 0 || tx % p.strides()[1] != 0) continue;
                                    int iy = ty / p.strides()[0], ix = tx / p.strides()[1];
                                    if (ty < 0 || tx < 0 || iy >= h || ix >= wd) continue;
                                    double v = (double) x[((b * c + ci) * h + iy) * wd + ix] * w[((ci * mg + co % mg) * kh + a) * kw + d];
                                    acc += v;
                                    mag += Math.abs(v);
                                }
                        int idx = ((b * m + co) * oh + oy) * ow + ox;
                        y[idx] = acc;
                        scale[idx] = mag;
                    }
        return y;
    }

    @Test
    void matchesGatherFormOnRandomShapes() {
        Random rnd = new Random(11);
        try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2))) {
            for (int trial = 0; trial < 40; trial++) {
                int g = 1 + rnd.nextInt(2), cg = 1 + rnd.nextInt(3), mg = 1 + rnd.nextInt(3), n = 1 + rnd.nextInt(2);
                int c = g * cg, h = 1 + rnd.nextInt(6), wd = 1 + rnd.nextInt(6), kh = 1 + rnd.nextInt(3), kw = 1 + rnd.nextInt(3);
                int sh = 1 + rnd.nextInt(3), sw = 1 + rnd.nextInt(2);
                ConvTranspose.Params p = new ConvTranspose.Params(new int[] {sh, sw},
                        new int[] {rnd.nextInt(kh), rnd.nextInt(kw), rnd.nextInt(kh), rnd.nextInt(kw)},
                        new int[] {1 + rnd.nextInt(2), 1 + rnd.nextInt(2)}, new int[] {rnd.nextInt(sh), rnd.nextInt(sw)}, g);
                float[] x = new float[n * c * h * wd], w = new float[c * mg * kh * kw], bias = rnd.nextBoolean() ? new float[mg * g] : null;
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
                if (bias != null) for (int i = 0; i < bias.length; i++) bias[i] = (float) rnd.nextGaussian();
                int[] out;
                try {
                    out = ConvTranspose.outputSpatial(new int[] {h, wd}, new int[] {kh, kw}, p);
                } catch (HeedException e) {
                    continue;
                }
                Tensor y = ConvTranspose.convTranspose(ctx, Tensor.of(x, n, c, h, wd), Tensor.of(w, c, mg, kh, kw),
                        bias == null ? null : Tensor.of(bias, mg * g), p);
                assertArrayEquals(new int[] {n, mg * g, out[0], out[1]}, y.shape().dims());
                double[] scale = new double[y.shape().numelInt()];
                double[] ref = gather2d(x, w, bias, n, c, h, wd, mg, g, kh, kw, p, out[0], out[1], scale);
                float[] got = y.toFloatArray();
                for (int i = 0; i < ref.length; i++) {
                    assertEquals(ref[i], got[i], TOLERANCE * Math.max(1, scale[i]), "trial " + trial + " element " + i);
                }
            }
        }
    }

    @Test
    void oneDimensionalHandCase() {
        // x = [1, 2], w = [1, 1, 1], stride 2 → [1, 1, 1+2, 2, 2]
        Tensor y = ConvTranspose.convTranspose(ExecutionContext.singleThreaded(), Tensor.of(new float[] {1, 2}, 1, 1, 2),
                Tensor.of(new float[] {1, 1, 1}, 1, 1, 3), null,
                new ConvTranspose.Params(new int[] {2}, new int[2], new int[] {1}, new int[1], 1));
        assertArrayEquals(new float[] {1, 1, 3, 2, 2}, y.toFloatArray());
    }

    @Test
    void rejectsMismatchedChannels() {
        HeedException e = assertThrows(HeedException.class, () -> ConvTranspose.convTranspose(ExecutionContext.singleThreaded(),
                Tensor.of(new float[8], 1, 2, 2, 2), Tensor.of(new float[27], 3, 1, 3, 3), null,
                new ConvTranspose.Params(new int[] {1, 1}, new int[4], new int[] {1, 1}, new int[2], 1)));
        assertTrue(e.getMessage().contains("[3, 1, 3, 3]"), e.getMessage());
    }
}
