package dev.heed.kernel;

import dev.heed.exec.ExecutionContext;

/**
 * A zero-padded, column-phase-split copy of the input planes of one image and group, the layout the direct
 * ({@link Conv2dDirect}) and the padded implicit-im2col ({@link Conv2dVector.PaddedB}) paths read: plane
 * {@code ci} holds the {@code rows} padded rows {@code pr = ih + padTop} that the windows reach, each split into
 * the {@code sw} phases of the column stride ({@link Conv2dPhases}, padded column {@code pc = iw + padLeft} at
 * phase {@code pc mod sw}, element {@code pc / sw}), every phase row {@code wq} floats: zeros wherever the window
 * meets padding. So the input of tap {@code (ci, ki, kj)} for output {@code (oh, ow)} is
 * {@code buf[tapOff[k] + pos(oh, ow)]} with {@code pos(oh, ow) = oh·sh·rowLen + ow}: consecutive output columns are
 * consecutive floats for any stride, dilation and padding, and no read needs a bounds test.
 *
 * @param wq       floats of one phase row: the output columns covered plus the largest tap shift {@code ⌊(kW-1)·dw/sw⌋}
 * @param rowLen   floats of one padded row, {@code sw·wq}
 * @param rows     padded rows per plane
 * @param planeLen floats per plane, {@code rows·rowLen}
 * @param rowStep  floats between consecutive output rows, {@code sh·rowLen}
 * @param tapOff   per tap {@code k = (ci·kH + ki)·kW + kj}: its offset from {@code pos}
 */
record Conv2dPadded(int wq, int rowLen, int rows, int planeLen, int rowStep, int[] tapOff) {

    /**
     * The layout for {@code channels} planes of the convolution {@code d, p}, phase rows covering output columns
     * {@code [0, cols)} ({@code cols ≥ OW}: more when a kernel reads whole vectors past OW).
     */
    static Conv2dPadded of(Conv2d.Dims d, Conv2d.Params p, int channels, int cols) {
        int kh = d.kh(), kw = d.kw(), sw = p.strideW(), dw = p.dilationW();
        int wq = cols + (kw - 1) * dw / sw;
        int rows = (d.oh() - 1) * p.strideH() + (kh - 1) * p.dilationH() + 1;
        int rowLen = Math.multiplyExact(sw, wq), planeLen = Math.multiplyExact(rows, rowLen);
        int[] tapOff = new int[channels * kh * kw];
        for (int ci = 0, k = 0; ci < channels; ci++) {
            for (int ki = 0; ki < kh; ki++) {
                for (int kj = 0; kj < kw; kj++, k++) {
                    int c = kj * dw;
                    tapOff[k] = ci * planeLen + ki * p.dilationH() * rowLen + (c % sw) * wq + c / sw;
                }
            }
        }
        return new Conv2dPadded(wq, rowLen, rows, planeLen, p.strideH() * rowLen, tapOff);
    }

    /** Floats of the copy of {@code channels} planes. */
    int length(int channels) {
        return Math.multiplyExact(channels, planeLen);
    }

    /** Offset of output {@code (oh, ow)} from a tap's offset. */
    int pos(int oh, int ow) {
        return oh * rowStep + ow;
    }

    /**
     * Writes the copy of planes {@code x[xOff + ci·H·W …]}, {@code ci < channels}, into {@code buf[bufOff …]} (any
     * previous contents: every float of it is written), in parallel over padded rows when {@code ctx} has threads.
     */
    void fill(ExecutionContext ctx, Conv2d.Dims d, Conv2d.Params p, float[] x, int xOff, int channels, float[] buf, int bufOff) {
        int h = d.h(), w = d.w(), pt = p.padTop(), pl = p.padLeft(), sw = p.strideW();
        ExecutionContext.RangeTask task = (s, e) -> {
            for (int r = s; r < e; r++) {
                int ci = r / rows, pr = r % rows, ih = pr - pt;
                int base = bufOff + ci * planeLen + pr * rowLen;
                java.util.Arrays.fill(buf, base, base + rowLen, 0f);
                if (ih >= 0 && ih < h) Conv2dPhases.splitRow(x, xOff + (ci * h + ih) * w, w, sw, pl, buf, base, wq);
            }
        };
        int all = channels * rows;
        if (ctx == null || (long) channels * planeLen < 1 << 16) task.run(0, all);
        else ctx.parallelFor(all, 16, task);
    }
}
