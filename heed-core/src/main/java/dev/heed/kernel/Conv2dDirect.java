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
 * the raw sums leave through a small tile buffer, then bias and activation are applied while copying into y (v1
 * applied them in the kernel through a helper taking vectors: C2 did not inline it and boxed every vector, 6×
 * slower). The input block of one output row and NV
 * vectors ({@code K·NV·L} floats) stays in L1 while every channel block uses it, which bounds K
 * ({@link #applies}: half of L1d, from {@link MachineProbe}).
 *
 * <p>Catalogue: v1 (this): {@code 8×3} tiles with 32 vector registers (24 accumulators, 11 loads per 24 FMAs), {@code
 * 4×2} with 16 (8 accumulators). Cost {@code 2·N·M·OH·OW·C·kH·kW} flops (rounded up to whole tiles) plus one copy
 * of the input. Its oracle is {@link Conv2dReference}.
 *
 * <p>Measured on an Intel Xeon family 6 model 207 (2 × 512-bit FMA ports), one thread, best of 4 s of calls,
 * against the GEMM path it replaces, on a machine shared with other builds (load average 9–13 on 2 cores, so
 * only short calls and large differences mean anything): 3 → 32 3×3/2 at 160² 38–39 against 25–28 GFLOP/s,
 * 16 → 32 2×2 (pad right/bottom) at 80² 60–62 against 55–58, 32 → 16 2×2 at 80² 44 against 38.
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
        float[] tile = new float[MR * NV * L];              // [MR][NV·L] raw sums of one tile
        for (int j = 0; j < ow; j += NV * L) {
            for (int m0 = 0; m0 < m; m0 += MR) {
                int yOff = yImage + m0 * plane + r * ow + j;
                if (MR == 8) tile8x3(k, wp, m0 * k, buf, base + j, off, tile);
                else tile4x2(k, wp, m0 * k, buf, base + j, off, tile);
                epilogue(tile, y, yOff, plane, m - m0, ow - j, bias, m0, act);
            }
        }
    }

    /** {@code tile[i·3L + t] = Σ_k wp[w0 + k·8 + i]·buf[b0 + off[k] + t]} for {@code i < 8}, {@code t < 3L}. */
    static void tile8x3(int k, float[] wp, int w0, float[] buf, int b0, int[] off, float[] tile) {
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
        int T = 3 * L;                                  // tile row length in the buffer
        c00.intoArray(tile, 0); c01.intoArray(tile, L); c02.intoArray(tile, 2 * L);
        c10.intoArray(tile, T); c11.intoArray(tile, T + L); c12.intoArray(tile, T + 2 * L);
        c20.intoArray(tile, 2 * T); c21.intoArray(tile, 2 * T + L); c22.intoArray(tile, 2 * T + 2 * L);
        c30.intoArray(tile, 3 * T); c31.intoArray(tile, 3 * T + L); c32.intoArray(tile, 3 * T + 2 * L);
        c40.intoArray(tile, 4 * T); c41.intoArray(tile, 4 * T + L); c42.intoArray(tile, 4 * T + 2 * L);
        c50.intoArray(tile, 5 * T); c51.intoArray(tile, 5 * T + L); c52.intoArray(tile, 5 * T + 2 * L);
        c60.intoArray(tile, 6 * T); c61.intoArray(tile, 6 * T + L); c62.intoArray(tile, 6 * T + 2 * L);
        c70.intoArray(tile, 7 * T); c71.intoArray(tile, 7 * T + L); c72.intoArray(tile, 7 * T + 2 * L);
    }

    /** The 16-register version of {@link #tile8x3}: 4 channels × 2 vectors. */
    static void tile4x2(int k, float[] wp, int w0, float[] buf, int b0, int[] off, float[] tile) {
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
        int T = 2 * L;
        c00.intoArray(tile, 0); c01.intoArray(tile, L);
        c10.intoArray(tile, T); c11.intoArray(tile, T + L);
        c20.intoArray(tile, 2 * T); c21.intoArray(tile, 2 * T + L);
        c30.intoArray(tile, 3 * T); c31.intoArray(tile, 3 * T + L);
    }

    /**
     * {@code y[y0 + i·ld + t] = act(tile[i·NV·L + t] + bias[m0 + i])} for {@code i < min(MR, rows)},
     * {@code t < min(NV·L, cols)}: the tile's epilogue, from arrays only (a vector handed to a method C2 does not
     * inline is boxed, so the accumulators leave the kernel through {@code tile}).
     */
    private static void epilogue(float[] tile, float[] y, int y0, int ld, int rows, int cols, float[] bias, int m0,
                                 Activation act) {
        int n = Math.min(cols, NV * L);
        for (int i = 0, r = Math.min(rows, MR); i < r; i++) {
            float b = bias == null ? 0f : bias[m0 + i];
            System.arraycopy(tile, i * NV * L, y, y0 + i * ld, n);
            GemmVector.epilogueRun(y, y0 + i * ld, n, b, act);
        }
    }
}
