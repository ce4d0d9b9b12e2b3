package dev.heed.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import dev.heed.exec.ExecutionContext;

/**
 * 2-D convolution, fast version (Vector API). Catalogue:
 * <ul>
 *   <li>1×1, stride 1, no padding: per image and group, {@code y[Mg, H·W] = w[Mg, Cg] · x[Cg, H·W]} — one
 *       {@link GemmVector} call on the input as it lies, bias per row, activation fused.</li>
 *   <li>few input channels (one group, K = {@code C·kH·kW} small enough for L1, a kernel larger than 1×1: the
 *       detector stem): direct, {@link Conv2dDirect}.</li>
 *   <li>general (any kernel, stride, dilation, padding, groups): GEMM with K = {@code Cg·kH·kW} and
 *       N = {@code OH·OW}, whose B panels are copied from the input while packing ("implicit im2col", as in
 *       cuDNN's implicit GEMM; no K×N im2col buffer). Two sources: {@link Im2colB} reads x as it lies, for stride 1
 *       when OW is a multiple of the panel width (every interior panel one contiguous run: two vector copies per K
 *       row, edges clipped at the padding); {@link PaddedB} (v3) reads a zero-padded, column-phase-split copy of x
 *       ({@link Conv2dPadded}, one pass over x) for column strides &gt; 1 and for rows that panels straddle: a
 *       panel within one output row is two vector loads per K row, one across rows two gathers through a
 *       per-panel offset map, never a bounds test. v2 gathered strided runs straight from x and copied multi-run
 *       panels run by run ({@code System.arraycopy} of 8–24 floats per run and K row; estimated at about a third
 *       of the FMA time at OW = 40). Measured (one thread, best of 4 s, load average 9–13 on 2 cores, so rough):
 *       3×3 48 → 48 and 64 → 64 at 40² 101 against 77–84 GFLOP/s, 3×3/2 128 → 128 at 40² 63–97 against 49–77;
 *       a 64 → 32 3×3/2 at 48² read 16–32 against 37 (not resolved on the busy machine). The register tile is the machine's, or 6 rows tall when that pads M much less
 *       ({@link #tileFor}: the stem's 16-channel convs).</li>
 *   <li>depthwise (one input and one output channel per group): {@link Conv2dDepthwise}.</li>
 * </ul>
 * Cost {@code 2·N·M·OH·OW·Cg·kH·kW} flops; packing adds {@code Cg·kH·kW·OH·OW} copies per row block, the padded copy
 * one pass over x.
 *
 * <p>Measured (v2) on an Intel Xeon family 6 model 207 (2 × 512-bit FMA ports), one thread, v1 (main) and v2
 * back to back in one JVM, best of 25 calls, thread CPU time, load average ~24 on 2 cores (figures read low):
 * GEMM-based shapes follow the GEMM micro-kernel (12×32 here): 3×3 64→64 at 160² 81–92 → 93–100 GFLOP/s, 3×3
 * 128→128 at 80² 57–100 → 63–95, the same stride 2 64–71 → 66–74, 1×1 256→256 at 40² 113 → 112–116.
 */
final class Conv2dVector {
    private Conv2dVector() {}

    private static final VectorSpecies<Float> F = VectorShapes.F;
    private static final int L = F.length();

    static void conv(ExecutionContext ctx, Conv2d.Dims d, Conv2d.Params p, float[] x, float[] w, float[] bias,
                     float[] y, Activation act) {
        int cg = d.cg(), mg = d.mg(), ohw = d.oh() * d.ow(), hw = d.h() * d.w();
        if (cg == 1 && mg == 1) {
            Conv2dDepthwise.conv(ctx, d, p, x, w, bias, y, act);
            return;
        }
        if (Conv2dDirect.applies(d, p)) {
            Conv2dDirect.conv(ctx, d, p, x, w, bias, y, act);
            return;
        }
        int kdim = cg * d.kh() * d.kw();
        boolean pointwise = d.kh() == 1 && d.kw() == 1 && p.strideH() == 1 && p.strideW() == 1
                && p.padTop() == 0 && p.padLeft() == 0 && p.padBottom() == 0 && p.padRight() == 0;
        boolean padded = !pointwise && usePadded(d, p);
        Conv2dPadded geo = padded ? Conv2dPadded.of(d, p, cg, d.ow()) : null;
        float[] buf = null;
        if (padded) {
            dev.heed.exec.MemoryBudget.reserve(ctx, "conv2d: padded input", dev.heed.tensor.DType.FLOAT32, cg, geo.planeLen());
            buf = ctx != null ? ctx.borrowFloats(geo.length(cg)) : new float[geo.length(cg)];
        }
        GemmBlocking bl = tileFor(mg);
        try {
            for (int n = 0; n < d.n(); n++) {
                for (int g = 0; g < d.groups(); g++) {
                    int yOff = (n * d.m() + g * mg) * ohw;
                    int xOff = (n * d.c() + g * cg) * hw;
                    GemmVector.DenseA a = new GemmVector.DenseA(false, w, g * mg * kdim, kdim);
                    GemmVector.BSource b;
                    if (pointwise) {
                        b = new GemmVector.DenseB(false, x, xOff, hw);
                    } else if (padded) {
                        geo.fill(ctx, d, p, x, xOff, cg, buf, 0);
                        b = new PaddedB(geo, d.ow(), buf);
                    } else {
                        b = new Im2colB(d, p, x, xOff);
                    }
                    GemmVector.run(ctx, bl, mg, ohw, kdim, a, b, null, y, yOff, ohw, false, bias, g * mg, true, act);
                }
            }
        } finally {
            if (ctx != null && buf != null) ctx.giveBack(buf);
        }
    }

    /**
     * True when the implicit im2col reads the padded copy ({@link PaddedB}): a column stride &gt; 1, or output rows
     * that B panels straddle (OW not a multiple of the panel width). Stride-1 rows of whole panels read x as it lies.
     */
    static boolean usePadded(Conv2d.Dims d, Conv2d.Params p) {
        return p.strideW() > 1 || d.ow() % GemmVector.NR != 0;
    }

    /**
     * Padded rows of the register tile within which a 6-row tile counts as no worse than the machine's 12-row one
     * (a 6-row tile does half the FMAs per B load).
     */
    static final double SHORT_TILE_SHARE = 0.9;

    /**
     * The GEMM blocking for {@code m} output channels: the machine's ({@link GemmVector#MACHINE}), with 6-row register
     * tiles instead of 12 when that pads M much less (M = 16: 18 rows instead of 24; M = 40: 42 instead of 48).
     */
    static GemmBlocking tileFor(int m) {
        GemmBlocking b = GemmVector.MACHINE;
        if (b.mr() != 12) return b;
        int pad12 = (m + 11) / 12 * 12, pad6 = (m + 5) / 6 * 6;
        return pad6 < SHORT_TILE_SHARE * pad12 ? new GemmBlocking(6, b.nr(), b.kc(), b.mc() / 6 * 6, b.nc()) : b;
    }

    /**
     * The B operand {@code [Cg·kH·kW, OH·OW]} read from the padded copy {@code buf} ({@link Conv2dPadded}): element
     * {@code (k, j)} is {@code buf[tapOff[k] + pos(j / OW, j % OW)]}. A panel inside one output row is two vector
     * loads per K row; a panel across rows (or the ragged last one) two gathers through its offset map, zero past
     * the last column.
     */
    record PaddedB(Conv2dPadded geo, int ow, float[] buf) implements GemmVector.BSource {
        public void packB(int p0, int kc, int j0, int cols, float[] dst) {
            final int NR = GemmVector.NR;
            int[] tapOff = geo.tapOff();
            int[] map = null;
            int dBase = 0;
            for (int jb = 0; jb < cols; jb += NR, dBase += kc * NR) {
                int nr = Math.min(NR, cols - jb);
                int j = j0 + jb, oh = j / ow, ow0 = j % ow;
                int base = geo.pos(oh, ow0);
                if (nr == NR && ow0 + NR <= ow) {
                    for (int pp = 0, o = dBase; pp < kc; pp++, o += NR) {
                        int s = base + tapOff[p0 + pp];
                        FloatVector.fromArray(F, buf, s).intoArray(dst, o);
                        FloatVector.fromArray(F, buf, s + L).intoArray(dst, o + L);
                    }
                    continue;
                }
                if (map == null) map = new int[NR];
                for (int t = 0; t < NR; t++) {
                    int jt = j + Math.min(t, nr - 1);      // columns past the last repeat it; zeroed below
                    map[t] = geo.pos(jt / ow, jt % ow) - base;
                }
                for (int pp = 0, o = dBase; pp < kc; pp++, o += NR) {
                    int s = base + tapOff[p0 + pp];
                    FloatVector.fromArray(F, buf, s, map, 0).intoArray(dst, o);
                    FloatVector.fromArray(F, buf, s, map, L).intoArray(dst, o + L);
                    if (nr < NR) java.util.Arrays.fill(dst, o + nr, o + NR, 0f);
                }
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

}
