package dev.heed.kernel;

import dev.heed.exec.ExecutionContext;

/**
 * The 2-D fast path of {@link Pooling} (x [N, C, H, W], the case every vision model has): one output row at a time,
 * the window walked as row-wide passes (for each valid kernel row and column, one pass over the output columns whose
 * tap lands inside the input), so the inner loop is a unit-stride max or add that the JIT vectorises when the
 * stride is 1. Padding is never materialised; the valid range of output columns per tap is computed once.
 *
 * <p>Same semantics as {@link Pooling}'s N-D loop, which is its reference twin (PoolingTest compares them on random
 * windows: strides, pads, dilations, ceil mode): max propagates NaN ({@link Math#max}), an all-padding window gives
 * −∞; average sums in float64 in the same kernel-row-major order and divides by the count of valid taps or, with
 * {@code countIncludePad}, by the window size clipped to the padded extent.
 */
final class Pooling2d {
    private Pooling2d() {}

    /**
     * @param xs   input storage, planes of h × w from {@code xo}
     * @param ys   output storage, planes of oh × ow from 0
     */
    static void pool(ExecutionContext ctx, float[] xs, int xo, float[] ys, int planes, int h, int w, int oh, int ow,
                     Pooling.Window win, boolean max, boolean countIncludePad) {
        int kh = win.kernel()[0], kw = win.kernel()[1];
        int sh = win.strides()[0], sw = win.strides()[1];
        int ph = win.pads()[0], pw = win.pads()[1], peh = win.pads()[2], pew = win.pads()[3];
        int dh = win.dilations()[0], dw = win.dilations()[1];
        // per kernel column: output columns [lo, hi) whose tap lands in [0, w)
        int[] colLo = new int[kw], colHi = new int[kw];
        for (int kx = 0; kx < kw; kx++) {
            int shift = kx * dw - pw;                       // input column = ox·sw + shift
            colLo[kx] = Math.min(ow, Math.max(0, Math.ceilDiv(-shift, sw)));
            colHi[kx] = Math.max(colLo[kx], Math.min(ow, Math.floorDiv(w - 1 - shift, sw) + 1));
        }
        double[] colDiv = new double[ow];                  // divisor factor per output column (average only)
        for (int ox = 0; ox < ow; ox++) {
            colDiv[ox] = countIncludePad ? padded(ox, sw, pw, kw, dw, w, pew) : valid(ox, sw, pw, kw, dw, w);
        }
        ctx.parallelFor(planes * oh, Math.max(1, 4096 / Math.max(1, ow)), (s, e) -> {
            float[] mrow = max ? new float[ow] : null;
            double[] arow = max ? null : new double[ow];
            for (int r = s; r < e; r++) {
                int p = r / oh, oy = r % oh;
                int base = xo + p * h * w;
                if (max) java.util.Arrays.fill(mrow, Float.NEGATIVE_INFINITY);
                else java.util.Arrays.fill(arow, 0);
                for (int ky = 0; ky < kh; ky++) {
                    int iy = oy * sh - ph + ky * dh;
                    if (iy < 0 || iy >= h) continue;
                    int row = base + iy * w;
                    for (int kx = 0; kx < kw; kx++) {
                        int lo = colLo[kx], hi = colHi[kx];
                        int at = row + lo * sw + kx * dw - pw;
                        if (max) {
                            if (sw == 1) for (int ox = lo; ox < hi; ox++) mrow[ox] = Math.max(mrow[ox], xs[at + ox - lo]);
                            else for (int ox = lo; ox < hi; ox++, at += sw) mrow[ox] = Math.max(mrow[ox], xs[at]);
                        } else {
                            for (int ox = lo; ox < hi; ox++, at += sw) arow[ox] += xs[at];
                        }
                    }
                }
                int yo = r * ow;
                if (max) {
                    System.arraycopy(mrow, 0, ys, yo, ow);
                } else {
                    double rowDiv = countIncludePad ? padded(oy, sh, ph, kh, dh, h, peh) : valid(oy, sh, ph, kh, dh, h);
                    for (int ox = 0; ox < ow; ox++) ys[yo + ox] = (float) (arow[ox] / Math.max(1.0, rowDiv * colDiv[ox]));
                }
            }
        });
    }

    /** Taps of output o along one axis that land inside [0, n). */
    private static int valid(int o, int s, int pb, int k, int d, int n) {
        int c = 0;
        for (int t = 0; t < k; t++) {
            int pos = o * s - pb + t * d;
            if (pos >= 0 && pos < n) c++;
        }
        return c;
    }

    /** Taps of output o along one axis inside the padded extent [−pb, n + pe). */
    private static int padded(int o, int s, int pb, int k, int d, int n, int pe) {
        int start = o * s - pb;
        int end = Math.min(start + (k - 1) * d + 1, n + pe);
        return (end - start + d - 1) / d;
    }
}
