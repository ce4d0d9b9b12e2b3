package dev.heed.kernel;

import dev.heed.exec.ExecutionContext;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM, fast version (Vector API): packed, cache-blocked, register-blocked, after Goto &amp; van de Geijn,
 * "Anatomy of High-Performance Matrix Multiplication" (TOMS 2008) and the BLIS loop nest (Van Zee &amp; van de
 * Geijn, TOMS 2015).
 *
 * <p>Catalogue:
 * <ul>
 *   <li>micro-kernel {@link #kernel} / {@link #kernelAdd}: an {@code MR×NR = 6×(2·lanes)} tile of C held in 12 vector registers
 *       (6×32 on AVX-512); per k step two vector loads of packed B, six broadcasts of packed A, twelve FMAs.</li>
 *   <li>packing: op(B) into {@code NR}-wide panels ({@code [panel][k][NR]}), op(A) into {@code MR}-tall panels
 *       ({@code [panel][k][MR]}), zero-padded, so the kernel never sees a tail, a stride or a transpose.
 *       B may come from any {@link BSource} — a dense matrix or an implicit im2col of a convolution
 *       ({@link Conv2dVector}).</li>
 *   <li>blocking: {@code KC} rows of the shared dimension per packed block; the A block {@code MC×KC}
 *       (≤ 192 KB) is packed once per task and K block and stays in L2; each B micro-panel {@code KC×NR}
 *       (32 KB) is packed right before the column of kernels that uses it and stays in L1.</li>
 *   <li>parallelism: C is cut into {@code MC×NB} task blocks handed out dynamically; every worker packs its own
 *       blocks into its own scratch (allocated per call, never shared).</li>
 *   <li>epilogue: accumulate into C, bias (per column, or per row for convolutions) and the activation,
 *       applied to each tile while it is in L1.</li>
 * </ul>
 * Cost {@code 2·M·N·K} flops plus {@code O(M·K·⌈N/NB⌉ + K·N·⌈M/MC⌉)} packing copies.
 */
final class GemmVector {
    private GemmVector() {}

    private static final VectorSpecies<Float> F = VectorShapes.F;
    private static final int L = F.length();
    /** Rows of the register tile. */
    static final int MR = 6;
    /** Columns of the register tile: two vectors. */
    static final int NR = 2 * L;
    /** Depth of a packed block (shared dimension). */
    static final int KC = 256;
    /** Rows of op(A) per task block (multiple of MR). */
    static final int MC = 192;
    /** Largest column count per task block (multiple of NR). */
    static final int NC = 1024;

    /** Packs {@code MR}-tall panels of op(A). */
    interface ASource {
        /**
         * Writes rows {@code [i0, i0+rows)}, columns {@code [p0, p0+kc)} of op(A) as {@code ⌈rows/MR⌉} panels
         * {@code dst[off + panel·kc·MR + p·MR + r]}, zero-padding the last panel.
         */
        void packA(int i0, int rows, int p0, int kc, float[] dst);
    }

    /** Packs {@code NR}-wide panels of op(B). */
    interface BSource {
        /**
         * Writes rows {@code [p0, p0+kc)}, columns {@code [j0, j0+cols)} of op(B) as {@code ⌈cols/NR⌉} panels
         * {@code dst[panel·kc·NR + p·NR + j]}, zero-padding the last panel.
         */
        void packB(int p0, int kc, int j0, int cols, float[] dst);
    }

    /** A dense row-major matrix, optionally transposed, as the A operand. */
    record DenseA(boolean trans, float[] a, int off, int ld) implements ASource {
        public void packA(int i0, int rows, int p0, int kc, float[] dst) {
            int d = 0;
            for (int ib = 0; ib < rows; ib += MR, d += kc * MR) {
                int mr = Math.min(MR, rows - ib);
                if (mr < MR) java.util.Arrays.fill(dst, d, d + kc * MR, 0f);
                if (trans) {                       // op(A)[i][p] = a[off + p·ld + i]: MR contiguous per p
                    int src = off + p0 * ld + i0 + ib;
                    for (int p = 0; p < kc; p++, src += ld) {
                        int o = d + p * MR;
                        for (int r = 0; r < mr; r++) dst[o + r] = a[src + r];
                    }
                } else {                           // op(A)[i][p] = a[off + i·ld + p]: row r read contiguously
                    for (int r = 0; r < mr; r++) {
                        int src = off + (i0 + ib + r) * ld + p0;
                        for (int p = 0, o = d + r; p < kc; p++, o += MR) dst[o] = a[src + p];
                    }
                }
            }
        }
    }

    /** A dense row-major matrix, optionally transposed, as the B operand. */
    record DenseB(boolean trans, float[] b, int off, int ld) implements BSource {
        public void packB(int p0, int kc, int j0, int cols, float[] dst) {
            int d = 0;
            for (int jb = 0; jb < cols; jb += NR, d += kc * NR) {
                int nr = Math.min(NR, cols - jb);
                if (trans) {                       // op(B)[p][j] = b[off + j·ld + p]
                    if (nr < NR) java.util.Arrays.fill(dst, d, d + kc * NR, 0f);
                    for (int j = 0; j < nr; j++) {
                        int src = off + (j0 + jb + j) * ld + p0;
                        for (int p = 0, o = d + j; p < kc; p++, o += NR) dst[o] = b[src + p];
                    }
                } else {                           // op(B)[p][j] = b[off + p·ld + j]: NR contiguous per p
                    int src = off + p0 * ld + j0 + jb;
                    if (nr == NR) {
                        for (int p = 0; p < kc; p++, src += ld) {
                            FloatVector.fromArray(F, b, src).intoArray(dst, d + p * NR);
                            FloatVector.fromArray(F, b, src + L).intoArray(dst, d + p * NR + L);
                        }
                    } else {
                        for (int p = 0; p < kc; p++, src += ld) {
                            int o = d + p * NR;
                            System.arraycopy(b, src, dst, o, nr);
                            java.util.Arrays.fill(dst, o + nr, o + NR, 0f);
                        }
                    }
                }
            }
        }
    }

    /** Entry for the dense case, arguments validated by the facade, {@code k > 0}. */
    static void gemm(ExecutionContext ctx, boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate,
                     float[] bias, int biasOff, boolean biasPerRow, Activation act) {
        run(ctx, m, n, k, new DenseA(transA, a, aOff, lda), new DenseB(transB, b, bOff, ldb),
                c, cOff, ldc, accumulate, bias, biasOff, biasPerRow, act);
    }

    /**
     * The blocked driver: {@code C[M,N] = op(A)·op(B) (+C) (+bias)}, then {@code act}. {@code ctx == null} runs
     * on the calling thread only. Requires {@code m, n, k > 0}.
     */
    static void run(ExecutionContext ctx, int m, int n, int k, ASource a, BSource b,
                    float[] c, int cOff, int ldc, boolean accumulate,
                    float[] bias, int biasOff, boolean biasPerRow, Activation act) {
        int threads = ctx == null ? 1 : ctx.threads();
        int nPanels = (n + NR - 1) / NR;
        int mTiles = (m + MR - 1) / MR;
        // Task grid: column blocks of ≤ NC, a multiple of the thread count when there are enough panels;
        // row blocks of ≤ MC; then split rows further until every thread has at least two tasks.
        int nBlocks = Math.min(nPanels, ceilDiv(n, NC));
        if (threads > 1) nBlocks = Math.min(nPanels, ceilDiv(nBlocks, threads) * threads);
        int mBlocks = Math.min(mTiles, ceilDiv(m, MC));
        long flops = 2L * m * n * k;
        if (threads > 1 && flops > 4_000_000L) {
            while (mBlocks * nBlocks < 2 * threads && mBlocks < mTiles) mBlocks++;
        }
        int nb = ceilDiv(nPanels, nBlocks) * NR;
        nBlocks = ceilDiv(n, nb);
        int mb = ceilDiv(mTiles, mBlocks) * MR;
        mBlocks = ceilDiv(m, mb);
        int kcMax = Math.min(KC, k);
        int tasks = mBlocks * nBlocks;
        int workers = (threads > 1 && flops > 200_000L) ? Math.min(threads, tasks) : 1;
        int fmb = mBlocks, fmb2 = mb, fnb2 = nb;
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            float[] pa = new float[fmb2 * kcMax];          // [mb/MR][kc][MR]
            float[] pb = new float[NR * kcMax];            // [kc][NR]: one micro-panel
            float[] tile = new float[MR * NR];             // [MR, NR] edge tiles
            int t;
            while ((t = next.getAndIncrement()) < tasks) {
                int mi = t % fmb, ni = t / fmb;            // consecutive tasks share a B block
                int i0 = mi * fmb2, mc = Math.min(fmb2, m - i0);
                int j0 = ni * fnb2, nc = Math.min(fnb2, n - j0);
                block(m, n, k, a, b, c, cOff, ldc, accumulate, bias, biasOff, biasPerRow, act,
                        i0, mc, j0, nc, pa, pb, tile);
            }
        };
        if (workers <= 1) worker.run();
        else ctx.parallelFor(workers, 1, (s, e) -> worker.run());
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    /** One task block: rows {@code [i0, i0+mc)}, columns {@code [j0, j0+nc)} of C, all of K. */
    private static void block(int m, int n, int k, ASource a, BSource b, float[] c, int cOff, int ldc,
                              boolean accumulate, float[] bias, int biasOff, boolean biasPerRow, Activation act,
                              int i0, int mc, int j0, int nc, float[] pa, float[] pb, float[] tile) {
        for (int p0 = 0; p0 < k; p0 += KC) {
            int kc = Math.min(KC, k - p0);
            boolean add = accumulate || p0 > 0;
            boolean last = p0 + kc == k;
            a.packA(i0, mc, p0, kc, pa);
            for (int jb = 0; jb < nc; jb += NR) {
                int nr = Math.min(NR, nc - jb);
                b.packB(p0, kc, j0 + jb, nr, pb);       // one micro-panel, packed right before use: stays in L1
                int pbOff = 0;
                for (int ib = 0; ib < mc; ib += MR) {
                    int mr = Math.min(MR, mc - ib);
                    int paOff = (ib / MR) * kc * MR;
                    int cij = cOff + (i0 + ib) * ldc + j0 + jb;
                    if (mr == MR && nr == NR) {
                        if (add) kernelAdd(kc, pa, paOff, pb, pbOff, c, cij, ldc);
                        else kernel(kc, pa, paOff, pb, pbOff, c, cij, ldc);
                    } else {
                        kernel(kc, pa, paOff, pb, pbOff, tile, 0, NR);
                        for (int r = 0; r < mr; r++) {
                            int crow = cij + r * ldc;
                            for (int j = 0; j < nr; j++) c[crow + j] = add ? c[crow + j] + tile[r * NR + j] : tile[r * NR + j];
                        }
                    }
                    if (last && (bias != null || act != Activation.NONE)) {
                        epilogue(c, cij, ldc, mr, nr, bias, biasOff, biasPerRow, i0 + ib, j0 + jb, act);
                    }
                }
            }
        }
    }

    // The micro-kernel comes in two copies, set and add, with every store written out inline: C2 gives up
    // inlining beyond a node budget (NodeCountInliningCutoff), and a vector passed to a method that is not
    // inlined gets boxed, which made the kernel three times slower. Twelve accumulators are locals (not an
    // array) so that they stay in vector registers.

    /** {@code C[6, NR] = Apanel[kc][6] · Bpanel[kc][NR]} (C overwritten). */
    static void kernel(int kc, float[] pa, int pa0, float[] pb, int pb0, float[] c, int c0, int ldc) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        int ia = pa0, ib = pb0;
        for (int p = 0; p < kc; p++, ia += MR, ib += NR) {
            FloatVector b0 = FloatVector.fromArray(F, pb, ib);
            FloatVector b1 = FloatVector.fromArray(F, pb, ib + L);
            FloatVector av = FloatVector.broadcast(F, pa[ia]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(F, pa[ia + 1]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(F, pa[ia + 2]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(F, pa[ia + 3]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(F, pa[ia + 4]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(F, pa[ia + 5]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51);
        }
        c00.intoArray(c, c0); c01.intoArray(c, c0 + L);
        c10.intoArray(c, c0 + ldc); c11.intoArray(c, c0 + ldc + L);
        c20.intoArray(c, c0 + 2 * ldc); c21.intoArray(c, c0 + 2 * ldc + L);
        c30.intoArray(c, c0 + 3 * ldc); c31.intoArray(c, c0 + 3 * ldc + L);
        c40.intoArray(c, c0 + 4 * ldc); c41.intoArray(c, c0 + 4 * ldc + L);
        c50.intoArray(c, c0 + 5 * ldc); c51.intoArray(c, c0 + 5 * ldc + L);
    }

    /** {@code C[6, NR] += Apanel[kc][6] · Bpanel[kc][NR]}. */
    static void kernelAdd(int kc, float[] pa, int pa0, float[] pb, int pb0, float[] c, int c0, int ldc) {
        FloatVector c00 = FloatVector.fromArray(F, c, c0), c01 = FloatVector.fromArray(F, c, c0 + L);
        FloatVector c10 = FloatVector.fromArray(F, c, c0 + ldc), c11 = FloatVector.fromArray(F, c, c0 + ldc + L);
        FloatVector c20 = FloatVector.fromArray(F, c, c0 + 2 * ldc), c21 = FloatVector.fromArray(F, c, c0 + 2 * ldc + L);
        FloatVector c30 = FloatVector.fromArray(F, c, c0 + 3 * ldc), c31 = FloatVector.fromArray(F, c, c0 + 3 * ldc + L);
        FloatVector c40 = FloatVector.fromArray(F, c, c0 + 4 * ldc), c41 = FloatVector.fromArray(F, c, c0 + 4 * ldc + L);
        FloatVector c50 = FloatVector.fromArray(F, c, c0 + 5 * ldc), c51 = FloatVector.fromArray(F, c, c0 + 5 * ldc + L);
        int ia = pa0, ib = pb0;
        for (int p = 0; p < kc; p++, ia += MR, ib += NR) {
            FloatVector b0 = FloatVector.fromArray(F, pb, ib);
            FloatVector b1 = FloatVector.fromArray(F, pb, ib + L);
            FloatVector av = FloatVector.broadcast(F, pa[ia]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(F, pa[ia + 1]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(F, pa[ia + 2]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(F, pa[ia + 3]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(F, pa[ia + 4]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(F, pa[ia + 5]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51);
        }
        c00.intoArray(c, c0); c01.intoArray(c, c0 + L);
        c10.intoArray(c, c0 + ldc); c11.intoArray(c, c0 + ldc + L);
        c20.intoArray(c, c0 + 2 * ldc); c21.intoArray(c, c0 + 2 * ldc + L);
        c30.intoArray(c, c0 + 3 * ldc); c31.intoArray(c, c0 + 3 * ldc + L);
        c40.intoArray(c, c0 + 4 * ldc); c41.intoArray(c, c0 + 4 * ldc + L);
        c50.intoArray(c, c0 + 5 * ldc); c51.intoArray(c, c0 + 5 * ldc + L);
    }

    /** Bias and activation on the {@code rows×cols} tile of C at {@code c0} (global row {@code i}, column {@code j}). */
    static void epilogue(float[] c, int c0, int ldc, int rows, int cols, float[] bias, int biasOff,
                         boolean biasPerRow, int i, int j, Activation act) {
        for (int r = 0; r < rows; r++) {
            int off = c0 + r * ldc;
            float rowBias = bias != null && biasPerRow ? bias[biasOff + i + r] : 0f;
            int x = 0;
            for (; x < cols; x += L) {
                VectorMask<Float> mask = x + L <= cols ? F.maskAll(true) : F.indexInRange(x, cols);
                FloatVector v = FloatVector.fromArray(F, c, off + x, mask);
                if (bias != null) {
                    v = biasPerRow ? v.add(rowBias) : v.add(FloatVector.fromArray(F, bias, biasOff + j + x, mask));
                }
                activate(v, act).intoArray(c, off + x, mask);
            }
        }
    }

    /** Bias and activation over a contiguous run {@code c[off, off+len)} with one bias value (for convolutions). */
    static void epilogueRun(float[] c, int off, int len, float biasValue, Activation act) {
        int x = 0;
        for (; x + L <= len; x += L) {
            activate(FloatVector.fromArray(F, c, off + x).add(biasValue), act).intoArray(c, off + x);
        }
        if (x < len) {
            VectorMask<Float> mask = F.indexInRange(x, len);
            activate(FloatVector.fromArray(F, c, off + x, mask).add(biasValue), act).intoArray(c, off + x, mask);
        }
    }

    /** {@link Activation} lane-wise; same formulas as {@link Activation#apply(float)}. */
    static FloatVector activate(FloatVector v, Activation act) {
        return switch (act) {
            case NONE -> v;
            case RELU -> v.max(0f);
            case GELU_ERF -> v.mul(0.5f).mul(erf(v.mul(Activation.INV_SQRT_2)).add(1f));
            case GELU_TANH -> {
                FloatVector inner = v.mul(v).mul(v).mul(Activation.GELU_TANH_C).add(v).mul(Activation.SQRT_2_OVER_PI);
                yield v.mul(0.5f).mul(inner.lanewise(VectorOperators.TANH).add(1f));
            }
            case SILU -> v.div(v.neg().lanewise(VectorOperators.EXP).add(1f));
            case SIGMOID -> FloatVector.broadcast(F, 1f).div(v.neg().lanewise(VectorOperators.EXP).add(1f));
            case TANH -> v.lanewise(VectorOperators.TANH);
        };
    }

    /** erf lane-wise, A&amp;S 7.1.26 as in {@link Activation#erfFloat}. */
    static FloatVector erf(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector t = ax.mul(Activation.ERF_P).add(1f);
        t = FloatVector.broadcast(F, 1f).div(t);
        FloatVector poly = t.mul(Activation.ERF_A5).add(Activation.ERF_A4)
                .mul(t).add(Activation.ERF_A3)
                .mul(t).add(Activation.ERF_A2)
                .mul(t).add(Activation.ERF_A1)
                .mul(t);
        FloatVector e = ax.mul(ax).neg().lanewise(VectorOperators.EXP);
        FloatVector y = poly.mul(e).neg().add(1f);
        return y.blend(y.neg(), x.compare(VectorOperators.LT, 0f));
    }
}
