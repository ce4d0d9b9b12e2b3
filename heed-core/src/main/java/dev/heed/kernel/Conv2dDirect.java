package dev.heed.kernel;

import dev.heed.exec.ExecutionContext;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct convolution for few input channels (Vector API): the stem of a detector (3 → 32 channels, 3×3 stride 2 at
 * 640²; the 2×2 convs of HGNetv2's stem), where K = {@code C·kH·kW} is small (27, 64, 128) and a GEMM spends as
 * much time packing its B operand as multiplying it. No im2col: each image is copied once into a zero-padded
 * buffer whose columns are split into the phases of the column stride ({@link Conv2dPadded}), so the input row a
 * tap {@code (ci, ki, kj)} reads for output columns {@code [j, j+n)} is a contiguous run at a fixed offset
 * {@code off[k]} from the output row's base, for any stride, dilation and padding. The register tile is
 * {@code MR} output channels × {@code NV} vectors of output columns of one output row, accumulated over all K taps:
 * per tap NV vector loads, MR broadcasts of the packed weights ({@code [M/MR][K][MR]}, zero-padded) and MR·NV FMAs;
 * bias and activation are applied in registers before the one store. The input block of one output row and NV
 * vectors ({@code K·NV·L} floats) stays in L1 while every channel block uses it, which bounds K
 * ({@link #applies}: half of L1d, from {@link MachineProbe}).
 *
 * <p>Catalogue: v1 (this): {@code 8×3} tiles with 32 vector registers (24 accumulators, 11 loads per 24 FMAs), {@code
 * 4×2} with 16 (8 accumulators). Cost {@code 2·N·M·OH·OW·C·kH·kW} flops (rounded up to whole tiles) plus one copy
 * of the input. Its oracle is {@link Conv2dReference}.
 */
final class Conv2dDirect {
    private Conv2dDirect() {}

    private static final VectorSpecies<Float> F = VectorShapes.F;
    private static final int L = F.length();
    /** Output channels (rows) and vectors of output columns of the register tile, from the register count. */
    static final int MR = MachineProbe.machine().vectorRegisters() >= 32 ? 8 : 4, NV = MR == 8 ? 3 : 2;
    /** Largest K whose input block ({@code K·NV·L} floats) takes at most half of L1d. */
    static final int MAX_K = (int) Math.max(16, MachineProbe.machine().caches().l1d() / 2 / (4L * NV * L));

    /** True for a convolution this kernel takes: one group, a kernel larger than 1×1, K ≤ {@link #MAX_K}, OW ≥ L. */
    static boolean applies(Conv2d.Dims d, Conv2d.Params p) {
        long k = (long) d.c() * d.kh() * d.kw();
        return d.groups() == 1 && d.kh() * d.kw() > 1 && k <= MAX_K && d.ow() >= L;
    }

    static void conv(ExecutionContext ctx, Conv2d.Dims d, Conv2d.Params p, float[] x, float[] w, float[] bias,
                     float[] y, Activation act) {
        int nb = NV * L;
        // phase rows wide enough that every tile's NV full vectors are in bounds
        Conv2dPadded geo = Conv2dPadded.of(d, p, d.c(), (d.ow() + nb - 1) / nb * nb);
        int c = d.c(), oh = d.oh(), ow = d.ow(), m = d.m(), k = geo.tapOff().length;
        int mBlocks = (m + MR - 1) / MR;
        float[] wp = new float[mBlocks * k * MR];            // [M/MR][K][MR], zero-padded rows
        for (int co = 0; co < m; co++) {
            for (int t = 0; t < k; t++) wp[(co / MR * k + t) * MR + co % MR] = w[co * k + t];
        }
        dev.heed.exec.MemoryBudget.reserve(ctx, "conv2d: padded input", dev.heed.tensor.DType.FLOAT32, c, geo.planeLen());
        int bufLen = geo.length(c);
        float[] buf = ctx != null ? ctx.borrowFloats(bufLen) : new float[bufLen];
        try {
            for (int n = 0; n < d.n(); n++) {
                int yImage = n * m * oh * ow;
                geo.fill(ctx, d, p, x, n * c * d.h() * d.w(), c, buf, 0);
                ExecutionContext.RangeTask rowsTask = (s, e) -> {
                    for (int r = s; r < e; r++) outputRow(d, geo, wp, buf, r, y, yImage, bias, act);
                };
                if (ctx == null) rowsTask.run(0, oh);
                else ctx.parallelForDynamic(oh, Math.max(1, oh / (8 * ctx.threads())), rowsTask);
            }
        } finally {
            if (ctx != null) ctx.giveBack(buf);
        }
    }

    /** Output row {@code r} of every channel: tiles of {@code MR} channels × {@code NV} vectors, channel blocks innermost. */
    private static void outputRow(Conv2d.Dims d, Conv2dPadded geo, float[] wp, float[] buf, int r, float[] y,
                                  int yImage, float[] bias, Activation act) {
        int ow = d.ow(), m = d.m(), k = geo.tapOff().length, plane = d.oh() * ow;
        int base = geo.pos(r, 0);
        int[] off = geo.tapOff();
        for (int j = 0; j < ow; j += NV * L) {
            for (int m0 = 0; m0 < m; m0 += MR) {
                int yOff = yImage + m0 * plane + r * ow + j;
                if (MR == 8) tile8x3(k, wp, m0 * k, buf, base + j, off, y, yOff, plane, m - m0, ow - j, bias, m0, act);
                else tile4x2(k, wp, m0 * k, buf, base + j, off, y, yOff, plane, m - m0, ow - j, bias, m0, act);
            }
        }
    }

    /**
     * {@code y[m0 + i][j + t] = act(Σ_k wp[w0 + k·8 + i]·buf[b0 + off[k] + t] + bias)} for {@code i < min(8, rows)},
     * {@code t < min(3L, cols)}; rows {@code ld} floats apart.
     */
    static void tile8x3(int k, float[] wp, int w0, float[] buf, int b0, int[] off, float[] y, int y0, int ld,
                        int rows, int cols, float[] bias, int m0, Activation act) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z, c02 = z, c10 = z, c11 = z, c12 = z, c20 = z, c21 = z, c22 = z, c30 = z, c31 = z, c32 = z;
        FloatVector c40 = z, c41 = z, c42 = z, c50 = z, c51 = z, c52 = z, c60 = z, c61 = z, c62 = z, c70 = z, c71 = z, c72 = z;
        for (int t = 0; t < k; t++) {
            int s = b0 + off[t], ia = w0 + t * 8;
            FloatVector b0v = FloatVector.fromArray(F, buf, s), b1v = FloatVector.fromArray(F, buf, s + L);
            FloatVector b2v = FloatVector.fromArray(F, buf, s + 2 * L);
            FloatVector a = FloatVector.broadcast(F, wp[ia]); c00 = a.fma(b0v, c00); c01 = a.fma(b1v, c01); c02 = a.fma(b2v, c02);
            a = FloatVector.broadcast(F, wp[ia + 1]); c10 = a.fma(b0v, c10); c11 = a.fma(b1v, c11); c12 = a.fma(b2v, c12);
            a = FloatVector.broadcast(F, wp[ia + 2]); c20 = a.fma(b0v, c20); c21 = a.fma(b1v, c21); c22 = a.fma(b2v, c22);
            a = FloatVector.broadcast(F, wp[ia + 3]); c30 = a.fma(b0v, c30); c31 = a.fma(b1v, c31); c32 = a.fma(b2v, c32);
            a = FloatVector.broadcast(F, wp[ia + 4]); c40 = a.fma(b0v, c40); c41 = a.fma(b1v, c41); c42 = a.fma(b2v, c42);
            a = FloatVector.broadcast(F, wp[ia + 5]); c50 = a.fma(b0v, c50); c51 = a.fma(b1v, c51); c52 = a.fma(b2v, c52);
            a = FloatVector.broadcast(F, wp[ia + 6]); c60 = a.fma(b0v, c60); c61 = a.fma(b1v, c61); c62 = a.fma(b2v, c62);
            a = FloatVector.broadcast(F, wp[ia + 7]); c70 = a.fma(b0v, c70); c71 = a.fma(b1v, c71); c72 = a.fma(b2v, c72);
        }
        row3(c00, c01, c02, y, y0, cols, bias, m0, act);
        if (rows > 1) row3(c10, c11, c12, y, y0 + ld, cols, bias, m0 + 1, act);
        if (rows > 2) row3(c20, c21, c22, y, y0 + 2 * ld, cols, bias, m0 + 2, act);
        if (rows > 3) row3(c30, c31, c32, y, y0 + 3 * ld, cols, bias, m0 + 3, act);
        if (rows > 4) row3(c40, c41, c42, y, y0 + 4 * ld, cols, bias, m0 + 4, act);
        if (rows > 5) row3(c50, c51, c52, y, y0 + 5 * ld, cols, bias, m0 + 5, act);
        if (rows > 6) row3(c60, c61, c62, y, y0 + 6 * ld, cols, bias, m0 + 6, act);
        if (rows > 7) row3(c70, c71, c72, y, y0 + 7 * ld, cols, bias, m0 + 7, act);
    }

    /** The 16-register version of {@link #tile8x3}: 4 channels × 2 vectors. */
    static void tile4x2(int k, float[] wp, int w0, float[] buf, int b0, int[] off, float[] y, int y0, int ld,
                        int rows, int cols, float[] bias, int m0, Activation act) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        for (int t = 0; t < k; t++) {
            int s = b0 + off[t], ia = w0 + t * 4;
            FloatVector b0v = FloatVector.fromArray(F, buf, s), b1v = FloatVector.fromArray(F, buf, s + L);
            FloatVector a = FloatVector.broadcast(F, wp[ia]); c00 = a.fma(b0v, c00); c01 = a.fma(b1v, c01);
            a = FloatVector.broadcast(F, wp[ia + 1]); c10 = a.fma(b0v, c10); c11 = a.fma(b1v, c11);
            a = FloatVector.broadcast(F, wp[ia + 2]); c20 = a.fma(b0v, c20); c21 = a.fma(b1v, c21);
            a = FloatVector.broadcast(F, wp[ia + 3]); c30 = a.fma(b0v, c30); c31 = a.fma(b1v, c31);
        }
        row2(c00, c01, y, y0, cols, bias, m0, act);
        if (rows > 1) row2(c10, c11, y, y0 + ld, cols, bias, m0 + 1, act);
        if (rows > 2) row2(c20, c21, y, y0 + 2 * ld, cols, bias, m0 + 2, act);
        if (rows > 3) row2(c30, c31, y, y0 + 3 * ld, cols, bias, m0 + 3, act);
    }

    private static void row3(FloatVector v0, FloatVector v1, FloatVector v2, float[] y, int y0, int cols, float[] bias,
                             int m, Activation act) {
        float b = bias == null ? 0f : bias[m];
        put(v0, y, y0, cols, b, act);
        put(v1, y, y0 + L, cols - L, b, act);
        put(v2, y, y0 + 2 * L, cols - 2 * L, b, act);
    }

    private static void row2(FloatVector v0, FloatVector v1, float[] y, int y0, int cols, float[] bias, int m,
                             Activation act) {
        float b = bias == null ? 0f : bias[m];
        put(v0, y, y0, cols, b, act);
        put(v1, y, y0 + L, cols - L, b, act);
    }

    /** Stores {@code act(v + b)} into {@code y[off, off + min(L, valid))}. */
    private static void put(FloatVector v, float[] y, int off, int valid, float b, Activation act) {
        if (valid <= 0) return;
        FloatVector r = GemmVector.activate(v.add(b), act);
        if (valid >= L) r.intoArray(y, off);
        else r.intoArray(y, off, F.indexInRange(0, valid));
    }
}
