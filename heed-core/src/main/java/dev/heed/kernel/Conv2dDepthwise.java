package dev.heed.kernel;

import dev.heed.exec.ExecutionContext;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Depthwise 2-D convolution, fast version (Vector API): one input and one output channel per group,
 * {@code y[n, c] = act(x[n, c] ⋆ w[c] + bias[c])}. Its oracle is {@link Conv2dReference}, like every path of
 * {@link Conv2d}.
 *
 * <p>Catalogue (current first):
 * <ul>
 *   <li><b>v3 (this)</b>: each plane is first copied into a zero-padded buffer, its columns split into the
 *       {@code sw} phases of the column stride ({@link Conv2dPhases}), every phase row wide enough for a full vector
 *       load at any output column. Then every output column is "interior": tap {@code (ki, kj)} of output column
 *       {@code o} is element {@code o + ⌊kj·dw/sw⌋} of phase {@code kj·dw mod sw} of padded row
 *       {@code r·sh + ki·dh}, a contiguous vector load for any stride and padding. Stride-1 planes (both strides 1)
 *       are computed on the flattened padded grid: consecutive vectors run across row ends (the few columns past OW
 *       are computed and dropped), so narrow planes (OW = 20, 40 in RT-DETR's later stages) still fill four
 *       independent accumulators; other strides go row by row, four vectors of outputs at a time. Bias and
 *       activation follow per output row ({@link GemmVector#epilogueRun}) while the row is in L1.</li>
 *   <li>v2: interior columns register-blocked in place, border columns whose taps reach into the padding scalar,
 *       column strides through gathers, bias and activation in a second pass over y.</li>
 * </ul>
 * Cost {@code 2·N·C·OH·OW·kH·kW} flops, plus one copy of each plane into the buffer (and, for stride 1, one copy of
 * the output plane out of it).
 *
 * <p>Measured on an Intel Xeon family 6 model 207, one thread, best of 4 s of calls, v2 and v3 in separate JVMs on
 * a machine shared with other builds (load average 9–13 on 2 cores): 3×3 128 ch. at 40² 3.4 → 10.4 GFLOP/s, 3×3/2
 * 128 ch. at 80² 1.6 → 5.0, 5×5 192 ch. at 20² 2.7 → 22.6.
 */
final class Conv2dDepthwise {
    private Conv2dDepthwise() {}

    private static final VectorSpecies<Float> F = VectorShapes.F;
    private static final int L = F.length();

    /** The geometry of one call: padded buffer sizes and the buffer offset of every tap. */
    private record Plan(int wq, int rowLen, int rows, int bufLen, int[] tapRow, int[] tapOff, boolean flat) {}

    static void conv(ExecutionContext ctx, Conv2d.Dims d, Conv2d.Params p, float[] x, float[] w, float[] bias,
                     float[] y, Activation act) {
        Plan plan = plan(d, p);
        int planes = d.n() * d.c();
        int bufLen = plan.bufLen;
        int outLen = plan.flat ? d.oh() * plan.wq + 4 * L : 0;
        ExecutionContext.RangeTask task = (start, end) -> {
            float[] buf = new float[bufLen];              // padding slots stay zero: every plane writes the same slots
            float[] out = plan.flat ? new float[outLen] : null;
            float[] wt = new float[d.kh() * d.kw()];
            for (int pi = start; pi < end; pi++) {
                int c = pi % d.c();
                System.arraycopy(w, c * wt.length, wt, 0, wt.length);
                fill(d, p, plan, x, pi * d.h() * d.w(), buf);
                float b = bias == null ? 0f : bias[c];
                if (plan.flat) flatPlane(d, plan, buf, wt, out, y, pi * d.oh() * d.ow(), b, act);
                else for (int r = 0; r < d.oh(); r++) row(d, p, plan, buf, wt, r, y, (pi * d.oh() + r) * d.ow(), b, act);
            }
        };
        if (ctx == null) task.run(0, planes);
        else ctx.parallelFor(planes, 1, task);
    }

    private static Plan plan(Conv2d.Dims d, Conv2d.Params p) {
        int kh = d.kh(), kw = d.kw(), sw = p.strideW(), dw = p.dilationW();
        boolean flat = p.strideH() == 1 && sw == 1;
        int shiftMax = (kw - 1) * dw / sw;
        // phase-row width: full vectors at every output column (row path), or exactly the padded width (flat path)
        int wq = flat ? d.ow() + shiftMax : (d.ow() + L - 1) / L * L + shiftMax;
        int rows = (d.oh() - 1) * p.strideH() + (kh - 1) * p.dilationH() + 1;
        int rowLen = sw * wq;
        int[] tapRow = new int[kh * kw], tapOff = new int[kh * kw];
        for (int ki = 0; ki < kh; ki++) {
            for (int kj = 0; kj < kw; kj++) {
                int c = kj * dw;
                tapRow[ki * kw + kj] = ki * p.dilationH();
                tapOff[ki * kw + kj] = ki * p.dilationH() * rowLen + (c % sw) * wq + c / sw;
            }
        }
        // the flat path's last block of four vectors may read up to 4·L - 1 + shiftMax floats past the grid
        int bufLen = Math.addExact(Math.multiplyExact(rows, rowLen), 4 * L + shiftMax);
        return new Plan(wq, rowLen, rows, bufLen, tapRow, tapOff, flat);
    }

    /** Copies plane {@code x[xPlane, H, W]} into the padded, phase-split buffer (padded row {@code ih + pt}). */
    private static void fill(Conv2d.Dims d, Conv2d.Params p, Plan plan, float[] x, int xPlane, float[] buf) {
        int pt = p.padTop();
        int lo = Math.max(0, pt), hi = Math.min(plan.rows, pt + d.h());
        for (int pr = lo; pr < hi; pr++) {
            Conv2dPhases.splitRow(x, xPlane + (pr - pt) * d.w(), d.w(), p.strideW(), p.padLeft(), buf, pr * plan.rowLen, plan.wq);
        }
    }

    /** True when padded row {@code pr} holds input (not padding). */
    private static boolean inside(int pr, int pt, int h) {
        return pr >= pt && pr < pt + h;
    }

    /**
     * One output row (any strides) from the buffer: four vectors of outputs at a time, then one at a time, the last
     * store masked; taps on padding rows skipped.
     */
    private static void row(Conv2d.Dims d, Conv2d.Params p, Plan plan, float[] buf, float[] wt, int r, float[] y,
                            int yRow, float b, Activation act) {
        int ow = d.ow(), taps = wt.length, base = r * p.strideH() * plan.rowLen, pr0 = r * p.strideH();
        int pt = p.padTop(), h = d.h();
        int o = 0;
        for (; o + 4 * L <= ow; o += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int t = 0; t < taps; t++) {
                if (!inside(pr0 + plan.tapRow[t], pt, h)) continue;
                FloatVector wv = FloatVector.broadcast(F, wt[t]);
                int s = base + plan.tapOff[t] + o;
                a0 = FloatVector.fromArray(F, buf, s).fma(wv, a0);
                a1 = FloatVector.fromArray(F, buf, s + L).fma(wv, a1);
                a2 = FloatVector.fromArray(F, buf, s + 2 * L).fma(wv, a2);
                a3 = FloatVector.fromArray(F, buf, s + 3 * L).fma(wv, a3);
            }
            a0.intoArray(y, yRow + o);
            a1.intoArray(y, yRow + o + L);
            a2.intoArray(y, yRow + o + 2 * L);
            a3.intoArray(y, yRow + o + 3 * L);
        }
        for (; o < ow; o += L) {
            FloatVector a0 = FloatVector.zero(F);
            for (int t = 0; t < taps; t++) {
                if (!inside(pr0 + plan.tapRow[t], pt, h)) continue;
                a0 = FloatVector.fromArray(F, buf, base + plan.tapOff[t] + o).fma(FloatVector.broadcast(F, wt[t]), a0);
            }
            if (o + L <= ow) a0.intoArray(y, yRow + o);
            else a0.intoArray(y, yRow + o, F.indexInRange(o, ow));
        }
        GemmVector.epilogueRun(y, yRow, ow, b, act);
    }

    /**
     * A stride-1 plane on the flattened padded grid: output {@code f = r·wq + o} is
     * {@code Σ_t wt[t]·buf[f + tapOff[t]]}; four vectors at a time over all of {@code [0, OH·wq)} (padding rows
     * included: their zeros add nothing) into {@code out}; then the {@code OW} real columns of every row copied
     * to y, bias and activation applied there.
     */
    private static void flatPlane(Conv2d.Dims d, Plan plan, float[] buf, float[] wt, float[] out, float[] y, int yPlane,
                                  float b, Activation act) {
        int total = d.oh() * plan.wq, taps = wt.length;
        int[] tapOff = plan.tapOff;
        for (int f = 0; f < total; f += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int t = 0; t < taps; t++) {
                FloatVector wv = FloatVector.broadcast(F, wt[t]);
                int s = f + tapOff[t];
                a0 = FloatVector.fromArray(F, buf, s).fma(wv, a0);
                a1 = FloatVector.fromArray(F, buf, s + L).fma(wv, a1);
                a2 = FloatVector.fromArray(F, buf, s + 2 * L).fma(wv, a2);
                a3 = FloatVector.fromArray(F, buf, s + 3 * L).fma(wv, a3);
            }
            a0.intoArray(out, f);
            a1.intoArray(out, f + L);
            a2.intoArray(out, f + 2 * L);
            a3.intoArray(out, f + 3 * L);
        }
        for (int r = 0, ow = d.ow(); r < d.oh(); r++) {
            System.arraycopy(out, r * plan.wq, y, yPlane + r * ow, ow);
            GemmVector.epilogueRun(y, yPlane + r * ow, ow, b, act);
        }
    }
}
