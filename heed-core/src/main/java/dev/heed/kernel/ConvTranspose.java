package dev.heed.kernel;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/**
 * Transposed convolution (ONNX ConvTranspose) over any number of spatial axes: x [N, C, D1…Dk],
 * w [C, M/groups, K1…Kk], bias [M] → y [N, M, O1…Ok].
 *
 * <p>Catalogue: one direct scatter implementation in double accumulators, parallel over N × output channels
 * (each task owns its output plane, so no two threads write the same element). Cost
 * O(N · C · M/groups · ΠD · ΠK). It is its own float64 reference; tests compare it with a gather-form loop and the ONNX
 * conformance data. Models Heed targets use it rarely (segmentation heads), so no GEMM path yet.
 *
 * <p>Output length per axis: {@code stride·(in - 1) + outputPadding + dilation·(K - 1) + 1 - padBegin - padEnd}.
 */
public final class ConvTranspose {
    private ConvTranspose() {}

    /**
     * Hyper-parameters of a transposed convolution over k spatial axes (arrays are not copied; do not change them).
     *
     * @param strides        per spatial axis
     * @param pads           begins of every axis, then ends
     * @param dilations      per axis
     * @param outputPadding  extra length added at the end of each axis
     * @param groups         channel groups
     */
    public record Params(int[] strides, int[] pads, int[] dilations, int[] outputPadding, int groups) {}

    /**
     * Output spatial lengths for the given input lengths and kernel (the formula in the class comment).
     *
     * @param in     input length per spatial axis
     * @param kernel kernel length per spatial axis
     * @param p      strides, pads, dilations, output padding
     * @return output length per spatial axis
     * @throws HeedException {@code SHAPE_MISMATCH} when an axis would have a negative length
     */
    public static int[] outputSpatial(int[] in, int[] kernel, Params p) {
        int k = in.length;
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = p.strides()[i] * (in[i] - 1) + p.outputPadding()[i] + p.dilations()[i] * (kernel[i] - 1) + 1
                    - p.pads()[i] - p.pads()[k + i];
            if (out[i] < 0) throw HeedException.shape("ConvTranspose", "spatial axis " + i + " would have negative length " + out[i]);
        }
        return out;
    }

    /**
     * Transposed convolution {@code x [N, C, D1…Dk] → y [N, M, O1…Ok]} (see the class comment).
     *
     * @param ctx  the threads to run on
     * @param x    input {@code [N, C, D1…Dk]}, float32, k ≥ 1
     * @param w    weights {@code [C, M/groups, K1…Kk]}, float32
     * @param bias {@code [M]} or null
     * @param p    strides, pads, dilations, output padding, groups (one entry per spatial axis, two pads)
     * @return {@code y [N, M, O1…Ok]}, a new contiguous tensor
     * @throws HeedException {@code SHAPE_MISMATCH} when the shapes or parameter lengths do not fit, {@code DTYPE_MISMATCH} unless float32
     */
    public static Tensor convTranspose(ExecutionContext ctx, Tensor x, Tensor w, Tensor bias, Params p) {
        int k = x.rank() - 2;
        if (k < 1 || w.rank() != k + 2 || p.strides().length != k || p.dilations().length != k || p.pads().length != 2 * k
                || p.outputPadding().length != k || p.groups() < 1 || x.dim(1) != w.dim(0) || x.dim(1) % p.groups() != 0) {
            throw HeedException.shape("ConvTranspose", "x" + x.shape() + ", w" + w.shape() + ", groups " + p.groups()
                    + ": expected x [N, C, spatial...], w [C, M/groups, kernel...] with C divisible by groups and one stride,"
                    + " dilation and output padding per spatial axis, two pads per axis");
        }
        if (x.dtype() != DType.FLOAT32 || w.dtype() != DType.FLOAT32) {
            throw new HeedException(dev.heed.ErrorCode.DTYPE_MISMATCH, "ConvTranspose: x is " + x.dtype() + ", w is " + w.dtype() + "; both must be float32");
        }
        int n = x.dim(0), c = x.dim(1), g = p.groups(), cg = c / g, mg = w.dim(1), m = mg * g;
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != m)) {
            throw HeedException.shape("ConvTranspose", "bias" + bias.shape() + " must be [" + m + "]");
        }
        int[] in = Arrays.copyOfRange(x.shape().dims(), 2, 2 + k);
        int[] kernel = Arrays.copyOfRange(w.shape().dims(), 2, 2 + k);
        int[] out = outputSpatial(in, kernel, p);
        int inPlane = 1, outPlane = 1, kPlane = 1;
        for (int i = 0; i < k; i++) { inPlane *= in[i]; outPlane *= out[i]; kPlane *= kernel[i]; }
        float[] xs = x.contiguous().toFloatArray(), ws = w.contiguous().toFloatArray();
        float[] bs = bias == null ? null : bias.toFloatArray();
        float[] ys = new float[n * m * outPlane];
        int[] outStride = new int[k];
        for (int i = k - 1, s = 1; i >= 0; i--) { outStride[i] = s; s *= out[i]; }
        final int fInPlane = inPlane, fOutPlane = outPlane, fKPlane = kPlane;
        ctx.parallelFor(n * m, 1, (s, e) -> {
            double[] acc = new double[fOutPlane];
            int[] pos = new int[k], kk = new int[k];
            for (int task = s; task < e; task++) {
                int b = task / m, co = task % m, grp = co / mg, col = co % mg;
                Arrays.fill(acc, bs == null ? 0 : bs[co]);
                for (int ci = grp * cg; ci < (grp + 1) * cg; ci++) {
                    int xBase = (b * c + ci) * fInPlane, wBase = (ci * mg + col) * fKPlane;
                    Arrays.fill(pos, 0);
                    for (int q = 0; q < fInPlane; q++) {
                        double xv = xs[xBase + q];
                        if (xv != 0) {
                            Arrays.fill(kk, 0);
                            for (int t = 0; t < fKPlane; t++) {
                                int off = 0;
                                boolean inside = true;
                                for (int i = 0; i < k; i++) {
                                    int o = pos[i] * p.strides()[i] - p.pads()[i] + kk[i] * p.dilations()[i];
                                    if (o < 0 || o >= out[i]) { inside = false; break; }
                                    off += o * outStride[i];
                                }
                                if (inside) acc[off] += xv * ws[wBase + t];
                                for (int i = k - 1; i >= 0; i--) { if (++kk[i] < kernel[i]) break; kk[i] = 0; }
                            }
                        }
                        for (int i = k - 1; i >= 0; i--) { if (++pos[i] < in[i]) break; pos[i] = 0; }
                    }
                }
                int yBase = (b * m + co) * fOutPlane;
                for (int q = 0; q < fOutPlane; q++) ys[yBase + q] = (float) acc[q];
            }
        });
        int[] dims = new int[k + 2];
        dims[0] = n;
        dims[1] = m;
        System.arraycopy(out, 0, dims, 2, k);
        return Tensor.of(ys, dims);
    }
}
