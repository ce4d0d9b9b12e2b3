package dev.heed.kernel;

import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.Tensor;

/**
 * The patchifying path of {@link Conv2d}: non-overlapping windows (stride = kernel, no padding, no dilation, one
 * group, kernel larger than 1×1), as in a ViT patch embedding. Every input element lies in at most one window,
 * so the explicit im2col matrix {@code patches [N·OH·OW, C·kH·kW]} is no larger than x; then one GEMM
 * {@code y' [N·OH·OW, M] = patches · wᵀ + bias} (bias and activation in the GEMM epilogue) and a transpose into
 * {@code y [N, M, OH, OW]}. Faster than the implicit-im2col path for large K and few output positions.
 * Its oracle is {@link Conv2dReference}, like every other path.
 */
final class Conv2dPatch {
    private Conv2dPatch() {}

    /** True when {@code p} and the kernel of {@code d} describe non-overlapping, unpadded windows. */
    static boolean applies(Conv2d.Dims d, Conv2d.Params p) {
        return p.groups() == 1 && p.dilationH() == 1 && p.dilationW() == 1 && p.strideH() == d.kh() && p.strideW() == d.kw()
                && p.padTop() == 0 && p.padLeft() == 0 && p.padBottom() == 0 && p.padRight() == 0 && d.kh() * d.kw() > 1;
    }

    /** x [N, C, H, W] dense from 0, w [M, C, kH, kW] dense from 0, bias [M] or null → y [N, M, OH, OW]. */
    static Tensor conv(ExecutionContext ctx, Conv2d.Dims d, float[] xd, float[] wd, float[] bias, Activation act) {
        int n = d.n(), c = d.c(), h = d.h(), wi = d.w(), m = d.m(), kh = d.kh(), kw = d.kw();
        int oh = d.oh(), ow = d.ow(), pos = oh * ow, kdim = c * kh * kw;
        dev.heed.exec.MemoryBudget.reserve(ctx, "conv2d: im2col patches", dev.heed.tensor.DType.FLOAT32, n, oh, ow, c, kh, kw);
        float[] patches = new float[n * pos * kdim];   // [N·OH·OW, C·kH·kW], row (n, oy, ox), column (c, ky, kx)
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ky = 0; ky < kh; ky++) {
                        int src = ((b * c + ch) * h + oy * kh + ky) * wi;
                        int dst = ((b * oh + oy) * ow) * kdim + (ch * kh + ky) * kw;
                        for (int ox = 0; ox < ow; ox++) System.arraycopy(xd, src + ox * kw, patches, dst + ox * kdim, kw);
                    }
                }
            }
        }
        float[] yt = new float[n * pos * m];           // [N·OH·OW, M]
        Gemm.gemm(ctx, MatrixOperand.dense(patches, 0, kdim, false), MatrixOperand.dense(wd, 0, kdim, true),
                n * pos, m, kdim, yt, 0, Math.max(1, m), false, bias, act);
        float[] y = new float[yt.length];               // [N, M, OH·OW]
        for (int b = 0; b < n; b++) {
            for (int q = 0; q < pos; q++) {
                int row = (b * pos + q) * m;
                for (int co = 0; co < m; co++) y[(b * m + co) * pos + q] = yt[row + co];
            }
        }
        return Tensor.of(y, n, m, oh, ow);
    }
}
