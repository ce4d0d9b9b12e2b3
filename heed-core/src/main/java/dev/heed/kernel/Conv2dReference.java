package dev.heed.kernel;

/**
 * 2-D convolution, float64 reference twin: the oracle of {@link Conv2dVector} and the fallback without the
 * Vector API.
 *
 * <p>Catalogue: one version, the direct seven-deep loop over {@code [N, M, OH, OW] × [C/groups, kH, kW]} with
 * a float64 accumulator per output; cost {@code 2·N·M·OH·OW·(C/groups)·kH·kW} flops, no blocking.
 */
final class Conv2dReference {
    private Conv2dReference() {}

    /** {@code y[N, M, OH, OW]} from {@code x[N, C, H, W]}, {@code w[M, C/g, kH, kW]}, {@code bias[M]} (or null). */
    static void conv(Conv2d.Dims d, Conv2d.Params p, float[] x, float[] w, float[] bias, float[] y, Activation act) {
        sweep(d, p, x, w, bias, (i, sum, abs) -> y[i] = (float) act.applyDouble(sum));
    }

    /** Per output, {@code Σ|x·w| + |bias|}: the scale the error of that output is measured against. */
    static double[] absScale(Conv2d.Dims d, Conv2d.Params p, float[] x, float[] w, float[] bias) {
        double[] s = new double[d.n() * d.m() * d.oh() * d.ow()];
        sweep(d, p, x, w, bias, (i, sum, abs) -> s[i] = abs);
        return s;
    }

    private interface Sink {
        void put(int index, double sum, double absSum);
    }

    private static void sweep(Conv2d.Dims d, Conv2d.Params p, float[] x, float[] w, float[] bias, Sink sink) {
        int cg = d.cg(), mg = d.mg();
        for (int n = 0; n < d.n(); n++) {
            for (int m = 0; m < d.m(); m++) {
                int g = m / mg;
                for (int oh = 0; oh < d.oh(); oh++) {
                    for (int ow = 0; ow < d.ow(); ow++) {
                        double s = 0, a = 0;
                        for (int ci = 0; ci < cg; ci++) {
                            int c = g * cg + ci;
                            for (int kh = 0; kh < d.kh(); kh++) {
                                int ih = oh * p.strideH() - p.padTop() + kh * p.dilationH();
                                if (ih < 0 || ih >= d.h()) continue;
                                for (int kw = 0; kw < d.kw(); kw++) {
                                    int iw = ow * p.strideW() - p.padLeft() + kw * p.dilationW();
                                    if (iw < 0 || iw >= d.w()) continue;
                                    double v = (double) x[((n * d.c() + c) * d.h() + ih) * d.w() + iw]
                                            * w[((m * cg + ci) * d.kh() + kh) * d.kw() + kw];
                                    s += v;
                                    a += Math.abs(v);
                                }
                            }
                        }
                        if (bias != null) {
                            s += bias[m];
                            a += Math.abs(bias[m]);
                        }
                        sink.put(((n * d.m() + m) * d.oh() + oh) * d.ow() + ow, s, a);
                    }
                }
            }
        }
    }
}
