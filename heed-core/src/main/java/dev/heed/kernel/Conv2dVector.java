package dev.heed.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import dev.heed.exec.ExecutionContext;

/**
 * 2-D convolution, fast version (Vector API). Catalogue:
 * <ul>
 *   <li>1×1, stride 1, no padding: per image and group, {@code y[Mg, H·W] = w[Mg, Cg] · x[Cg, H·W]} — one
 *       {@link GemmVector} call on the input as it lies, bias per row, activation fused.</li>
 *   <li>general (any kernel, stride, dilation, padding, groups): GEMM with K = {@code Cg·kH·kW} and
 *       N = {@code OH·OW}, whose B panels are gathered straight from x while packing ({@link Im2colB},
 *       "implicit im2col", as in cuDNN's implicit GEMM) — no im2col buffer, so memory stays O(panel).</li>
 *   <li>depthwise (one input and one output channel per group): direct loop per output row, vectorised
 *       over OW for stride 1 (scalar for other strides), bias and activation per row.</li>
 * </ul>
 * Cost {@code 2·N·M·OH·OW·Cg·kH·kW} flops; the im2col gather adds {@code Cg·kH·kW·OH·OW} reads per row block.
 */
final class Conv2dVector {
    private Conv2dVector() {}

    private static final VectorSpecies<Float> F = VectorShapes.F;
    private static final int L = F.length();

    static void conv(ExecutionContext ctx, Conv2d.Dims d, Conv2d.Params p, float[] x, float[] w, float[] bias,
                     float[] y, Activation act) {
        int cg = d.cg(), mg = d.mg(), ohw = d.oh() * d.ow(), hw = d.h() * d.w();
        if (cg == 1 && mg == 1) {
            depthwise(ctx, d, p, x, w, bias, y, act);
            return;
        }
        int kdim = cg * d.kh() * d.kw();
        boolean pointwise = d.kh() == 1 && d.kw() == 1 && p.strideH() == 1 && p.strideW() == 1
                && p.padTop() == 0 && p.padLeft() == 0 && p.padBottom() == 0 && p.padRight() == 0;
        for (int n = 0; n < d.n(); n++) {
            for (int g = 0; g < d.groups(); g++) {
                int yOff = (n * d.m() + g * mg) * ohw;
                int xOff = (n * d.c() + g * cg) * hw;
                GemmVector.DenseA a = new GemmVector.DenseA(false, w, g * mg * kdim, kdim);
                GemmVector.BSource b = pointwise ? new GemmVector.DenseB(false, x, xOff, hw) : new Im2colB(d, p, x, xOff);
                GemmVector.run(ctx, mg, ohw, kdim, a, b, y, yOff, ohw, false, bias, g * mg, true, act);
            }
        }
    }

    /**
     * The B operand {@code [Cg·kH·kW, OH·OW]} of a convolution as a GEMM, read from {@code x[Cg, H, W]} (one
     * image, one group, at {@code xOff}); row {@code (ci, kh, kw)}, column {@code (oh, ow)}, zero where the
     * window falls into the padding.
     */
    record Im2colB(Conv2d.Dims d, Conv2d.Params p, float[] x, int xOff) implements GemmVector.BSource {
        public void packB(int p0, int kc, int j0, int cols, float[] dst) {
            final int NR = GemmVector.NR;
            int kh = d.kh(), kw = d.kw(), ow = d.ow(), h = d.h(), wd = d.w();
            int sh = p.strideH(), sw = p.strideW(), dh = p.dilationH(), dw = p.dilationW();
            int pt = p.padTop(), pl = p.padLeft();
            int dBase = 0;
            for (int jb = 0; jb < cols; jb += NR, dBase += kc * NR) {
                int nr = Math.min(NR, cols - jb);
                // (ci, ki, kj) of row p0, advanced incrementally
                int ci = p0 / (kh * kw), rem = p0 % (kh * kw), ki = rem / kw, kj = rem % kw;
                for (int pp = 0; pp < kc; pp++) {
                    int o = dBase + pp * NR;
                    int plane = xOff + ci * h * wd;
                    int rowOff = ki * dh - pt, colOff = kj * dw - pl;
                    int j = j0 + jb, filled = 0;
                    while (filled < nr) {
                        int oh = j / ow, ow0 = j % ow;
                        int run = Math.min(nr - filled, ow - ow0);
                        int ih = oh * sh + rowOff;
                        if (ih < 0 || ih >= h) {
                            java.util.Arrays.fill(dst, o + filled, o + filled + run, 0f);
                        } else {
                            int src = plane + ih * wd;
                            if (sw == 1) {
                                // valid iw = ow + colOff in [0, wd)
                                int lo = Math.max(ow0, -colOff), hi = Math.min(ow0 + run, wd - colOff);
                                if (hi <= lo) {
                                    java.util.Arrays.fill(dst, o + filled, o + filled + run, 0f);
                                } else {
                                    int q = o + filled;
                                    if (lo > ow0) java.util.Arrays.fill(dst, q, q + lo - ow0, 0f);
                                    System.arraycopy(x, src + lo + colOff, dst, q + lo - ow0, hi - lo);
                                    if (hi < ow0 + run) java.util.Arrays.fill(dst, q + hi - ow0, q + run, 0f);
                                }
                            } else {
                                for (int t = 0; t < run; t++) {
                                    int iw = (ow0 + t) * sw + colOff;
                                    dst[o + filled + t] = iw >= 0 && iw < wd ? x[src + iw] : 0f;
                                }
                            }
                        }
                        filled += run;
                        j += run;
                    }
                    if (nr < NR) java.util.Arrays.fill(dst, o + nr, o + NR, 0f);
                    if (++kj == kw) {
                        kj = 0;
                        if (++ki == kh) {
                            ki = 0;
                            ci++;
                        }
                    }
                }
            }
        }
    }

    /** One input and one output channel per group: {@code y[n, c] = act(x[n, c] ⋆ w[c] + bias[c])}. */
    static void depthwise(ExecutionContext ctx, Conv2d.Dims d, Conv2d.Params p, float[] x, float[] w, float[] bias,
                          float[] y, Activation act) {
        int planes = d.n() * d.c();
        int kh = d.kh(), kw = d.kw(), oh = d.oh(), ow = d.ow(), h = d.h(), wd = d.w();
        int sh = p.strideH(), sw = p.strideW(), dh = p.dilationH(), dw = p.dilationW();
        int pt = p.padTop(), pl = p.padLeft();
        ExecutionContext.RangeTask task = (start, end) -> {
            for (int pi = start; pi < end; pi++) {
                int c = pi % d.c();
                int xPlane = pi * h * wd, yPlane = pi * oh * ow, wOff = c * kh * kw;
                float b = bias == null ? 0f : bias[c];
                for (int r = 0; r < oh; r++) {
                    int yRow = yPlane + r * ow;
                    for (int ki = 0; ki < kh; ki++) {
                        int ih = r * sh - pt + ki * dh;
                        if (ih < 0 || ih >= h) continue;
                        int xRow = xPlane + ih * wd;
                        for (int kj = 0; kj < kw; kj++) {
                            float wv = w[wOff + ki * kw + kj];
                            int colOff = kj * dw - pl;          // iw = o·sw + colOff
                            int lo = colOff >= 0 ? 0 : (-colOff + sw - 1) / sw;
                            int hi = Math.min(ow, wd - colOff <= 0 ? 0 : (wd - colOff - 1) / sw + 1);
                            if (hi <= lo) continue;
                            if (sw == 1) {
                                int o = lo;
                                FloatVector wvv = FloatVector.broadcast(F, wv);
                                for (; o + L <= hi; o += L) {
                                    FloatVector xv = FloatVector.fromArray(F, x, xRow + o + colOff);
                                    xv.fma(wvv, FloatVector.fromArray(F, y, yRow + o)).intoArray(y, yRow + o);
                                }
                                for (; o < hi; o++) y[yRow + o] += wv * x[xRow + o + colOff];
                            } else {
                                for (int o = lo; o < hi; o++) y[yRow + o] += wv * x[xRow + o * sw + colOff];
                            }
                        }
                    }
                    GemmVector.epilogueRun(y, yRow, ow, b, act);
                }
            }
        };
        if (ctx == null) task.run(0, planes);
        else ctx.parallelFor(planes, 1, task);
    }
}
