package dev.heed.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import dev.heed.exec.ExecutionContext;

/**
 * 2-D convolution, fast version (Vector API). Catalogue:
 * <ul>
 *   <li>1×1, stride 1, no padding: per image and group, {@code y[Mg, H·W] = w[Mg, Cg] · x[Cg, H·W]} — one
 *       {@link GemmVector} call on the input as it lies, bias per row, activation fused.</li>
 *   <li>general (any kernel, stride, dilation, padding, groups): GEMM with K = {@code Cg·kH·kW} and
 *       N = {@code OH·OW}, whose B panels are gathered straight from x while packing ({@link Im2colB},
 *       "implicit im2col", as in cuDNN's implicit GEMM) — no im2col buffer, so memory stays O(panel). A panel's
 *       columns are cut into runs along output rows once per panel; interior runs are two vector copies (stride 1,
 *       inline for the common one-run panel) or two gathers (other strides); edges clip at the padding.</li>
 *   <li>depthwise (one input and one output channel per group): direct loop per output row
 *       ({@link #depthwiseRow}); interior columns register-blocked (four vectors of outputs hold all kH·kW taps,
 *       one store), column stride > 1 through gathers; bias and activation per row. v1 accumulated into y tap by
 *       tap (a load and a store of y per FMA) and ran strided rows scalar.</li>
 * </ul>
 * Cost {@code 2·N·M·OH·OW·Cg·kH·kW} flops; the im2col gather adds {@code Cg·kH·kW·OH·OW} reads per row block.
 *
 * <p>Measured on an Intel Xeon family 6 model 207 (2 × 512-bit FMA ports), one thread, v1 (main) and this version
 * back to back in one JVM, best of 25 calls, thread CPU time, load average ~24 on 2 cores (figures read low):
 * GEMM-based shapes follow the GEMM micro-kernel (12×32 here): 3×3 64→64 at 160² 81–92 → 93–100 GFLOP/s, 3×3
 * 128→128 at 80² 57–100 → 63–95, the same stride 2 64–71 → 66–74, 1×1 256→256 at 40² 113 → 112–116; the
 * im2col gather of B (one pass over K·N per row block) is the part left outside the micro-kernel. Depthwise 3×3
 * 128 ch. at 80²: 4.8–8.0 → 7.9–12.9 GFLOP/s (1.55–1.66×), stride 2: 1.4–2.0 → 1.6–2.8 (1.2–1.5×).
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
            // A panel's NR columns (oh, ow) split into runs along output rows; found once per panel, not per row.
            int[] runs = new int[3 * NR];                  // per run: first output row, first output column, length
            int[] map = new int[NR];                       // gather offsets t·sw of a strided run
            for (int t = 0; t < NR; t++) map[t] = t * sw;
            int dBase = 0;
            for (int jb = 0; jb < cols; jb += NR, dBase += kc * NR) {
                int nr = Math.min(NR, cols - jb);
                int j = j0 + jb, oh = j / ow, ow0 = j % ow, count = 0;
                for (int filled = 0; filled < nr; count++, oh++, ow0 = 0) {
                    int run = Math.min(nr - filled, ow - ow0);
                    runs[3 * count] = oh;
                    runs[3 * count + 1] = ow0;
                    runs[3 * count + 2] = run;
                    filled += run;
                }
                // (ci, ki, kj) of row p0, advanced incrementally
                int ci = p0 / (kh * kw), rem = p0 % (kh * kw), ki = rem / kw, kj = rem % kw;
                if (count == 1 && nr == NR && sw == 1) {
                    // the common case: one full-width run per row, read contiguously (inline, no run loop)
                    int ih0 = runs[0] * sh - pt, iw00 = runs[1] - pl;
                    for (int pp = 0, o = dBase; pp < kc; pp++, o += NR) {
                        int ih = ih0 + ki * dh, iw0 = iw00 + kj * dw;
                        if (ih >= 0 && ih < h && iw0 >= 0 && iw0 + NR <= wd) {
                            int s0 = xOff + (ci * h + ih) * wd + iw0;
                            FloatVector.fromArray(F, x, s0).intoArray(dst, o);
                            FloatVector.fromArray(F, x, s0 + L).intoArray(dst, o + L);
                        } else if (ih < 0 || ih >= h) {
                            java.util.Arrays.fill(dst, o, o + NR, 0f);
                        } else {
                            copyRun(x, dst, o, xOff + ci * h * wd, ih, iw0, NR, 1, h, wd, map);
                        }
                        if (++kj == kw) {
                            kj = 0;
                            if (++ki == kh) {
                                ki = 0;
                                ci++;
                            }
                        }
                    }
                    continue;
                }
                for (int pp = 0; pp < kc; pp++) {
                    int o = dBase + pp * NR, q = o;
                    int plane = xOff + ci * h * wd;
                    int rowOff = ki * dh - pt, colOff = kj * dw - pl;
                    for (int r = 0; r < count; r++) {
                        int run = runs[3 * r + 2];
                        copyRun(x, dst, q, plane, runs[3 * r] * sh + rowOff, runs[3 * r + 1] * sw + colOff, run, sw, h, wd, map);
                        q += run;
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

        /**
         * {@code dst[q + t] = x[plane + ih·W + iw0 + t·sw]} for {@code t < run}, zero where the row or column lies in
         * the padding. Interior full-width runs are two vector copies (stride 1) or two gathers (other strides).
         */
        private static void copyRun(float[] x, float[] dst, int q, int plane, int ih, int iw0, int run, int sw,
                                    int h, int wd, int[] map) {
            if (ih < 0 || ih >= h) {
                java.util.Arrays.fill(dst, q, q + run, 0f);
                return;
            }
            int src = plane + ih * wd;
            if (iw0 >= 0 && iw0 + (run - 1) * sw < wd) {
                int s0 = src + iw0;
                if (run == GemmVector.NR) {
                    if (sw == 1) {
                        FloatVector.fromArray(F, x, s0).intoArray(dst, q);
                        FloatVector.fromArray(F, x, s0 + L).intoArray(dst, q + L);
                    } else {
                        FloatVector.fromArray(F, x, s0, map, 0).intoArray(dst, q);
                        FloatVector.fromArray(F, x, s0, map, L).intoArray(dst, q + L);
                    }
                } else if (sw == 1) {
                    System.arraycopy(x, s0, dst, q, run);
                } else {
                    for (int t = 0; t < run; t++) dst[q + t] = x[s0 + t * sw];
                }
                return;
            }
            // columns t with 0 <= iw0 + t·sw < W: [lo, hi)
            int lo = iw0 >= 0 ? 0 : (-iw0 + sw - 1) / sw;
            int hi = iw0 >= wd ? 0 : Math.min(run, (wd - 1 - iw0) / sw + 1);
            if (hi <= lo) {
                java.util.Arrays.fill(dst, q, q + run, 0f);
                return;
            }
            if (lo > 0) java.util.Arrays.fill(dst, q, q + lo, 0f);
            if (sw == 1) System.arraycopy(x, src + iw0 + lo, dst, q + lo, hi - lo);
            else for (int t = lo; t < hi; t++) dst[q + t] = x[src + iw0 + t * sw];
            if (hi < run) java.util.Arrays.fill(dst, q + hi, q + run, 0f);
        }
    }

    /** One input and one output channel per group: {@code y[n, c] = act(x[n, c] ⋆ w[c] + bias[c])}. */
    static void depthwise(ExecutionContext ctx, Conv2d.Dims d, Conv2d.Params p, float[] x, float[] w, float[] bias,
                          float[] y, Activation act) {
        int planes = d.n() * d.c();
        int kh = d.kh(), kw = d.kw(), oh = d.oh(), ow = d.ow(), h = d.h(), wd = d.w();
        int[] map = new int[L];                             // gather offsets t·sw for column stride sw > 1
        for (int t = 0; t < L; t++) map[t] = t * p.strideW();
        ExecutionContext.RangeTask task = (start, end) -> {
            for (int pi = start; pi < end; pi++) {
                int c = pi % d.c();
                int xPlane = pi * h * wd, yPlane = pi * oh * ow, wOff = c * kh * kw;
                float b = bias == null ? 0f : bias[c];
                for (int r = 0; r < oh; r++) {
                    int yRow = yPlane + r * ow;
                    depthwiseRow(x, xPlane, w, wOff, y, yRow, r, d, p, map);
                    GemmVector.epilogueRun(y, yRow, ow, b, act);
                }
            }
        };
        if (ctx == null) task.run(0, planes);
        else ctx.parallelFor(planes, 1, task);
    }

    /**
     * One output row of a depthwise convolution, written (not accumulated) as raw sums:
     * {@code y[yRow + o] = Σ_{ki, kj} w[wOff + ki·kW + kj] · x[xPlane + ih·W + o·sw + kj·dw - pl]} over the taps
     * inside the image. Interior columns (every tap inside) are register-blocked: four vectors of outputs
     * accumulate all {@code kH·kW} taps in registers and are stored once — one load (a gather through {@code map}
     * when {@code sw > 1}) and one FMA per tap and vector, where v1 loaded and stored y for every tap and ran
     * strided rows scalar; the rest of the interior one vector at a time (the last one masked for sw = 1); the
     * border columns whose taps reach into the padding (and, for sw > 1, the last partial vector) one by one.
     */
    static void depthwiseRow(float[] x, int xPlane, float[] w, int wOff, float[] y, int yRow, int r,
                             Conv2d.Dims d, Conv2d.Params p, int[] map) {
        int kh = d.kh(), kw = d.kw(), ow = d.ow(), h = d.h(), wd = d.w();
        int sh = p.strideH(), sw = p.strideW(), dh = p.dilationH(), dw = p.dilationW(), pt = p.padTop(), pl = p.padLeft();
        int kiLo = 0, kiHi = kh;                            // taps whose input row lies inside the image
        while (kiLo < kh && r * sh - pt + kiLo * dh < 0) kiLo++;
        while (kiHi > kiLo && r * sh - pt + (kiHi - 1) * dh >= h) kiHi--;
        // interior columns [lo, hi): 0 <= o·sw - pl and (o·sw - pl) + (kW-1)·dw <= W - 1
        int lo = Math.min(ow, (Math.max(0, pl) + sw - 1) / sw);
        int last = wd - 1 + pl - (kw - 1) * dw;
        int hi = last < 0 ? lo : Math.max(lo, Math.min(ow, last / sw + 1));
        int o = lo, step = L * sw;
        for (; o + 4 * L <= hi; o += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int ki = kiLo; ki < kiHi; ki++) {
                int xr = xPlane + (r * sh - pt + ki * dh) * wd + o * sw - pl;
                for (int kj = 0; kj < kw; kj++) {
                    FloatVector wv = FloatVector.broadcast(F, w[wOff + ki * kw + kj]);
                    int s0 = xr + kj * dw;
                    if (sw == 1) {
                        a0 = FloatVector.fromArray(F, x, s0).fma(wv, a0);
                        a1 = FloatVector.fromArray(F, x, s0 + L).fma(wv, a1);
                        a2 = FloatVector.fromArray(F, x, s0 + 2 * L).fma(wv, a2);
                        a3 = FloatVector.fromArray(F, x, s0 + 3 * L).fma(wv, a3);
                    } else {
                        a0 = FloatVector.fromArray(F, x, s0, map, 0).fma(wv, a0);
                        a1 = FloatVector.fromArray(F, x, s0 + step, map, 0).fma(wv, a1);
                        a2 = FloatVector.fromArray(F, x, s0 + 2 * step, map, 0).fma(wv, a2);
                        a3 = FloatVector.fromArray(F, x, s0 + 3 * step, map, 0).fma(wv, a3);
                    }
                }
            }
            a0.intoArray(y, yRow + o);
            a1.intoArray(y, yRow + o + L);
            a2.intoArray(y, yRow + o + 2 * L);
            a3.intoArray(y, yRow + o + 3 * L);
        }
        // one vector at a time; with sw = 1 the last one masked (a masked gather still range-checks its unset
        // lanes in JDK 25, so with sw > 1 the last partial vector is left to the scalar loop below)
        for (; sw == 1 ? o < hi : o + L <= hi; o += L) {
            VectorMask<Float> mask = o + L <= hi ? F.maskAll(true) : F.indexInRange(o, hi);
            FloatVector a0 = FloatVector.zero(F);
            for (int ki = kiLo; ki < kiHi; ki++) {
                int xr = xPlane + (r * sh - pt + ki * dh) * wd + o * sw - pl;
                for (int kj = 0; kj < kw; kj++) {
                    FloatVector xv = sw == 1 ? FloatVector.fromArray(F, x, xr + kj * dw, mask)
                            : FloatVector.fromArray(F, x, xr + kj * dw, map, 0, mask);
                    a0 = xv.fma(FloatVector.broadcast(F, w[wOff + ki * kw + kj]), a0);
                }
            }
            a0.intoArray(y, yRow + o, mask);
        }
        o = Math.min(o, hi);                                // the first column not written yet (or hi)
        for (int c = 0; c < ow; c++) {
            if (c == lo) c = o;                             // [lo, o) done above
            if (c >= ow) break;
            float sum = 0f;
            for (int ki = kiLo; ki < kiHi; ki++) {
                int xr = xPlane + (r * sh - pt + ki * dh) * wd;
                for (int kj = 0; kj < kw; kj++) {
                    int iw = c * sw + kj * dw - pl;
                    if (iw >= 0 && iw < wd) sum = Math.fma(w[wOff + ki * kw + kj], x[xr + iw], sum);
                }
            }
            y[yRow + c] = sum;
        }
    }
}
