package dev.heed.kernel;

import dev.heed.exec.ExecutionContext;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM, fast version (Vector API): cache-blocked, register-blocked, after Goto &amp; van de Geijn,
 * "Anatomy of High-Performance Matrix Multiplication" (TOMS 2008) and the BLIS loop nest (Van Zee &amp; van de
 * Geijn, TOMS 2015).
 *
 * <p>Catalogue:
 * <ul>
 *   <li>micro-kernel {@link #kernel} / {@link #kernelAdd}: an {@code MR×NR = 8×(2·lanes)} tile of C held in 16
 *       vector registers (8×32 on AVX-512); per k step two vector loads of packed B, eight broadcasts of A,
 *       sixteen FMAs. A is read through two strides, so the same kernel takes a packed A panel
 *       ({@code [k][MR]}) or eight rows of a row-major A read in place.</li>
 *   <li>A: a non-transposed dense A is read in place (no packing; the {@code mc×KC} block stays in L2); a
 *       transposed A, a row tail and any other {@link ASource} are packed into {@code MR}-tall zero-padded
 *       panels.</li>
 *   <li>B: packed into {@code NR}-wide panels ({@code [k][NR]}, zero-padded) right before the column of kernels
 *       that uses it (one {@code KC×NR} micro-panel, 64 KB on AVX-512: L2-resident, which is enough since the
 *       kernel needs only ~8 bytes of B per cycle), from any {@link BSource} — a dense matrix (a transposed one
 *       gathered {@code L} rows per vector) or an implicit im2col of a convolution ({@link Conv2dVector}); read in
 *       place for a non-transposed dense B when M ≤ {@link #DIRECT_B_ROWS}; or read straight from a
 *       {@link PackedB} that the caller packed once (constant weights), so a call does no B packing at all.</li>
 *   <li>blocking: {@code KC} rows of the shared dimension per block ({@code mc×KC} A block ≤ 512 KB in L2),
 *       the same for every path and thread count; a full tile continues one FMA chain across the blocks (C
 *       stored and reloaded), an edge tile adds each block's partial sum. The tile grid depends on M, N, K
 *       only, so results are bitwise independent of the path (packed or not) and of the thread count.</li>
 *   <li>parallelism: calls of at least {@link #PARALLEL_FLOPS} are cut into {@code mb×nb} task blocks handed out
 *       dynamically; when M is small the cut goes through N so that every thread works and no B panel is
 *       packed twice. Scratch (one B micro-panel, an A tail panel or a transposed A block, one edge tile) is
 *       allocated per worker and call, sized to the call.</li>
 *   <li>epilogue: accumulate into C, bias (per column, or per row for convolutions) and the activation,
 *       applied to each tile while it is in L1.</li>
 * </ul>
 * Cost {@code 2·M·N·K} flops plus {@code K·N·⌈M/mb⌉} B packing copies (none with {@link PackedB}) and
 * {@code M·K·⌈N/nb⌉} A copies only for transposed A.
 */
final class GemmVector {
    private GemmVector() {}

    private static final VectorSpecies<Float> F = VectorShapes.F;
    private static final int L = F.length();
    /** Rows of the register tile. */
    static final int MR = 8;
    /** Columns of the register tile: two vectors. */
    static final int NR = 2 * L;
    /** Depth of a block of the shared dimension. */
    static final int KC = 512;
    /** Up to this many rows of C, a non-transposed dense B is read in place (each panel is reused too little to pay for packing). */
    static final int DIRECT_B_ROWS = 32;
    /**
     * Smallest call (flops) that is spread over the context's threads: handing work to a pooled thread costs
     * ~15-50 µs (a noop {@code parallelFor} measured on a busy 2-core machine), which a 6 MFLOP call (~60 µs on
     * one core) only just earns back; 8×384·384×384 runs faster on one thread.
     */
    static final long PARALLEL_FLOPS = 6_000_000L;
    /** Tasks per worker thread the grid aims at (dynamic hand-out balances them). */
    static final int TASKS_PER_WORKER = 4;
    /** Largest number of rows of A per task block (multiple of MR). */
    static final int MC = 256;
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
                    if (mr == MR) {
                        for (int p = 0; p < kc; p++, src += ld) System.arraycopy(a, src, dst, d + p * MR, MR);
                    } else {
                        for (int p = 0; p < kc; p++, src += ld) System.arraycopy(a, src, dst, d + p * MR, mr);
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
                // op(B)[p][j] = b[off + j·ld + p]: a full panel gathers L rows per vector, unless ld is a multiple
                // of 512 floats (2 KB), where the L rows share one or two L1 sets and the gathers thrash
                if (trans && nr == NR && ld % 512 != 0) {
                    int[] rows = new int[L];
                    for (int j = 0; j < L; j++) rows[j] = j * ld;
                    int src = off + (j0 + jb) * ld + p0, src2 = src + L * ld;
                    for (int p = 0; p < kc; p++) {
                        FloatVector.fromArray(F, b, src + p, rows, 0).intoArray(dst, d + p * NR);
                        FloatVector.fromArray(F, b, src2 + p, rows, 0).intoArray(dst, d + p * NR + L);
                    }
                } else if (trans) {
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

    /**
     * op(B)[K, N] packed once into the kernel's panel layout, for a B used by many calls (a constant weight).
     * K is cut into the blocks {@code [p0, p0+kc)} of {@link #KC}; block {@code p0} holds its {@code ⌈N/NR⌉}
     * panels {@code [kc][NR]} one after the other from {@code p0·panels·NR}, the last panel zero-padded.
     * Immutable after {@link #pack}; shared freely between threads.
     */
    record PackedB(float[] data, int k, int n, int panels) {
        static PackedB pack(BSource src, int k, int n) {
            int panels = (n + NR - 1) / NR;
            float[] data = new float[Math.multiplyExact(Math.multiplyExact(k, panels), NR)];
            float[] buf = new float[Math.min(KC, k) * NR];
            for (int p0 = 0; p0 < k; p0 += KC) {
                int kc = Math.min(KC, k - p0);
                for (int q = 0; q < panels; q++) {
                    int j0 = q * NR, cols = Math.min(NR, n - j0);
                    src.packB(p0, kc, j0, cols, buf);
                    System.arraycopy(buf, 0, data, p0 * panels * NR + q * kc * NR, kc * NR);
                }
            }
            return new PackedB(data, k, n, panels);
        }

        /** Start of panel {@code q} of the K block starting at {@code p0} (of depth {@code kc}). */
        int offset(int p0, int kc, int q) {
            return p0 * panels * NR + q * kc * NR;
        }

        /** Element {@code op(B)[p][j]} (for the reference path and tests). */
        float get(int p, int j) {
            int p0 = p / KC * KC, kc = Math.min(KC, k - p0);
            return data[offset(p0, kc, j / NR) + (p - p0) * NR + j % NR];
        }
    }

    /** Entry for the dense case, arguments validated by the facade, {@code k > 0}. */
    static void gemm(ExecutionContext ctx, boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate,
                     float[] bias, int biasOff, boolean biasPerRow, Activation act) {
        run(ctx, m, n, k, new DenseA(transA, a, aOff, lda), new DenseB(transB, b, bOff, ldb), null,
                c, cOff, ldc, accumulate, bias, biasOff, biasPerRow, act);
    }

    /** Entry for a pre-packed B, arguments validated by the facade, {@code k > 0}. */
    static void gemmPacked(ExecutionContext ctx, boolean transA, int m, float[] a, int aOff, int lda, PackedB b,
                           float[] c, int cOff, int ldc, boolean accumulate, float[] bias, Activation act) {
        run(ctx, m, b.n(), b.k(), new DenseA(transA, a, aOff, lda), null, b, c, cOff, ldc, accumulate,
                bias, 0, false, act);
    }

    /** {@link #run(ExecutionContext, int, int, int, ASource, BSource, PackedB, float[], int, int, boolean, float[], int, boolean, Activation)} from a {@link BSource}. */
    static void run(ExecutionContext ctx, int m, int n, int k, ASource a, BSource b,
                    float[] c, int cOff, int ldc, boolean accumulate,
                    float[] bias, int biasOff, boolean biasPerRow, Activation act) {
        run(ctx, m, n, k, a, b, null, c, cOff, ldc, accumulate, bias, biasOff, biasPerRow, act);
    }

    /** What one call computes; shared read-only by its workers. */
    private record Job(int m, int n, int k, ASource a, DenseA direct, BSource b, DenseB directB, PackedB packed,
                       float[] c, int cOff, int ldc, boolean accumulate,
                       float[] bias, int biasOff, boolean biasPerRow, Activation act) {}

    /**
     * The blocked driver: {@code C[M,N] = op(A)·op(B) (+C) (+bias)}, then {@code act}, with B from {@code b} or,
     * when {@code b == null}, from {@code packed}. {@code ctx == null} runs on the calling thread only.
     * Requires {@code m, n, k > 0}.
     */
    static void run(ExecutionContext ctx, int m, int n, int k, ASource a, BSource b, PackedB packed,
                    float[] c, int cOff, int ldc, boolean accumulate,
                    float[] bias, int biasOff, boolean biasPerRow, Activation act) {
        DenseA direct = a instanceof DenseA d && !d.trans() ? d : null;
        DenseB directB = m <= DIRECT_B_ROWS && b instanceof DenseB d && !d.trans() ? d : null;
        Job job = new Job(m, n, k, a, direct, b, directB, packed, c, cOff, ldc, accumulate, bias, biasOff, biasPerRow, act);
        int threads = ctx == null ? 1 : ctx.threads();
        int nPanels = (n + NR - 1) / NR;
        int mTiles = (m + MR - 1) / MR;
        long flops = 2L * m * n * k;
        int workers = threads > 1 && flops >= PARALLEL_FLOPS ? threads : 1;
        // Task grid. Rows: blocks of at most MC, balanced. Columns: blocks of at most NC; with several
        // workers and few row blocks, cut N further (not M) until there are TASKS_PER_WORKER tasks per worker:
        // each B panel is still packed once (A is read in place, so a column cut costs nothing), every core
        // gets work even for M = 8, and a worker that starts late (a busy machine) just takes fewer tasks.
        int mBlocks = ceilDiv(mTiles, ceilDiv(MC, MR));
        int nBlocks = Math.min(nPanels, ceilDiv(n, NC));
        int want = TASKS_PER_WORKER * workers;
        if (workers > 1 && mBlocks * nBlocks < want) {
            nBlocks = Math.min(nPanels, Math.max(nBlocks, ceilDiv(want, mBlocks)));
            if (mBlocks * nBlocks < want) mBlocks = Math.min(mTiles, ceilDiv(want, nBlocks));
        }
        int mb = ceilDiv(mTiles, mBlocks) * MR;
        mBlocks = ceilDiv(m, mb);
        int nb = ceilDiv(nPanels, nBlocks) * NR;
        nBlocks = ceilDiv(n, nb);
        int tasks = mBlocks * nBlocks;
        workers = Math.min(workers, tasks);
        int kcMax = Math.min(KC, k);
        int fmBlocks = mBlocks, fmb = mb, fnb = nb;
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            // per-worker scratch, sized to this call: packed A rows (only when A is not read in place),
            // one B micro-panel (only when B is not pre-packed), one edge tile
            float[] pa = new float[(direct == null ? fmb : MR) * kcMax];   // [rows/MR][kc][MR]
            float[] pb = packed == null ? new float[NR * kcMax] : null;     // [kc][NR]
            float[] tile = new float[MR * NR];                              // [MR, NR]
            int t;
            while ((t = next.getAndIncrement()) < tasks) {
                int mi = t % fmBlocks, ni = t / fmBlocks;   // consecutive tasks share a B block
                int i0 = mi * fmb, mc = Math.min(fmb, m - i0);
                int j0 = ni * fnb, nc = Math.min(fnb, n - j0);
                block(job, i0, mc, j0, nc, pa, pb, tile);
            }
        };
        if (workers <= 1) worker.run();
        else ctx.parallelFor(workers, 1, (s, e) -> worker.run());
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    /** One task block: rows {@code [i0, i0+mc)}, columns {@code [j0, j0+nc)} of C, all of K. */
    private static void block(Job job, int i0, int mc, int j0, int nc, float[] pa, float[] pb, float[] tile) {
        int k = job.k, ldc = job.ldc;
        float[] c = job.c;
        DenseA direct = job.direct;
        PackedB packed = job.packed;
        DenseB directB = job.directB;
        boolean epi = job.bias != null || job.act != Activation.NONE;
        int fullRows = direct == null ? 0 : mc / MR * MR;      // rows read in place; the rest is packed
        for (int p0 = 0; p0 < k; p0 += KC) {
            int kc = Math.min(KC, k - p0);
            boolean add = job.accumulate || p0 > 0;
            boolean last = p0 + kc == k;
            if (fullRows < mc) job.a.packA(i0 + fullRows, mc - fullRows, p0, kc, pa);
            for (int jb = 0; jb < nc; jb += NR) {
                int nr = Math.min(NR, nc - jb);
                float[] bArr;
                int bOff, bs = NR;
                if (packed != null) {
                    bArr = packed.data;
                    bOff = packed.offset(p0, kc, (j0 + jb) / NR);
                } else if (directB != null && nr == NR) {
                    bArr = directB.b;                       // few rows of A: B rows read in place, no packing
                    bOff = directB.off + p0 * directB.ld + j0 + jb;
                    bs = directB.ld;
                } else {
                    job.b.packB(p0, kc, j0 + jb, nr, pb);   // one micro-panel, packed right before use: stays in L1
                    bArr = pb;
                    bOff = 0;
                }
                for (int ib = 0; ib < mc; ib += MR) {
                    int mr = Math.min(MR, mc - ib);
                    float[] aArr;
                    int aOff, rs, ps;
                    if (ib < fullRows) {
                        aArr = direct.a;
                        aOff = direct.off + (i0 + ib) * direct.ld + p0;
                        rs = direct.ld;
                        ps = 1;
                    } else {
                        aArr = pa;
                        aOff = (ib - fullRows) / MR * kc * MR;
                        rs = 1;
                        ps = MR;
                    }
                    int cij = job.cOff + (i0 + ib) * ldc + j0 + jb;
                    if (mr == MR && nr == NR) {
                        if (add) kernelAdd(kc, aArr, aOff, rs, ps, bArr, bOff, bs, c, cij, ldc);
                        else kernel(kc, aArr, aOff, rs, ps, bArr, bOff, bs, c, cij, ldc);
                    } else {
                        kernel(kc, aArr, aOff, rs, ps, bArr, bOff, bs, tile, 0, NR);
                        for (int r = 0; r < mr; r++) {
                            int crow = cij + r * ldc;
                            for (int j = 0; j < nr; j++) c[crow + j] = add ? c[crow + j] + tile[r * NR + j] : tile[r * NR + j];
                        }
                    }
                    if (last && epi) {
                        epilogue(c, cij, ldc, mr, nr, job.bias, job.biasOff, job.biasPerRow, i0 + ib, j0 + jb, job.act);
                    }
                }
            }
        }
    }

    // The micro-kernel comes in two copies, set and add, with every store written out inline: C2 gives up
    // inlining beyond a node budget (NodeCountInliningCutoff), and a vector passed to a method that is not
    // inlined gets boxed, which made the kernel three times slower. Sixteen accumulators are locals (not an
    // array) so that they stay in vector registers. A[r][p] is at a[a0 + r·rs + p·ps]: rs = 1, ps = MR for a
    // packed panel, rs = lda, ps = 1 for rows read in place; the row offsets are loop invariants.

    /** {@code C[8, NR] = A[8][kc] · Bpanel[kc][NR]} (C overwritten). */
    static void kernel(int kc, float[] a, int a0, int rs, int ps, float[] pb, int pb0, int bs,
                   float[] c, int c0, int ldc) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        FloatVector c60 = FloatVector.zero(F), c61 = FloatVector.zero(F);
        FloatVector c70 = FloatVector.zero(F), c71 = FloatVector.zero(F);
        int r1 = rs, r2 = 2 * rs, r3 = 3 * rs, r4 = 4 * rs, r5 = 5 * rs, r6 = 6 * rs, r7 = 7 * rs;
        int ia = a0, ib = pb0;
        for (int p = 0; p < kc; p++, ia += ps, ib += bs) {
            FloatVector b0 = FloatVector.fromArray(F, pb, ib);
            FloatVector b1 = FloatVector.fromArray(F, pb, ib + L);
            FloatVector av = FloatVector.broadcast(F, a[ia]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(F, a[ia + r1]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(F, a[ia + r2]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(F, a[ia + r3]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(F, a[ia + r4]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(F, a[ia + r5]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(F, a[ia + r6]);
            c60 = av.fma(b0, c60); c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(F, a[ia + r7]);
            c70 = av.fma(b0, c70); c71 = av.fma(b1, c71);
        }
        c00.intoArray(c, c0); c01.intoArray(c, c0 + L);
        c10.intoArray(c, c0 + ldc); c11.intoArray(c, c0 + ldc + L);
        c20.intoArray(c, c0 + 2 * ldc); c21.intoArray(c, c0 + 2 * ldc + L);
        c30.intoArray(c, c0 + 3 * ldc); c31.intoArray(c, c0 + 3 * ldc + L);
        c40.intoArray(c, c0 + 4 * ldc); c41.intoArray(c, c0 + 4 * ldc + L);
        c50.intoArray(c, c0 + 5 * ldc); c51.intoArray(c, c0 + 5 * ldc + L);
        c60.intoArray(c, c0 + 6 * ldc); c61.intoArray(c, c0 + 6 * ldc + L);
        c70.intoArray(c, c0 + 7 * ldc); c71.intoArray(c, c0 + 7 * ldc + L);
    }

    /** {@code C[8, NR] += A[8][kc] · Bpanel[kc][NR]}. */
    static void kernelAdd(int kc, float[] a, int a0, int rs, int ps, float[] pb, int pb0, int bs,
                   float[] c, int c0, int ldc) {
        FloatVector c00 = FloatVector.fromArray(F, c, c0), c01 = FloatVector.fromArray(F, c, c0 + L);
        FloatVector c10 = FloatVector.fromArray(F, c, c0 + ldc), c11 = FloatVector.fromArray(F, c, c0 + ldc + L);
        FloatVector c20 = FloatVector.fromArray(F, c, c0 + 2 * ldc), c21 = FloatVector.fromArray(F, c, c0 + 2 * ldc + L);
        FloatVector c30 = FloatVector.fromArray(F, c, c0 + 3 * ldc), c31 = FloatVector.fromArray(F, c, c0 + 3 * ldc + L);
        FloatVector c40 = FloatVector.fromArray(F, c, c0 + 4 * ldc), c41 = FloatVector.fromArray(F, c, c0 + 4 * ldc + L);
        FloatVector c50 = FloatVector.fromArray(F, c, c0 + 5 * ldc), c51 = FloatVector.fromArray(F, c, c0 + 5 * ldc + L);
        FloatVector c60 = FloatVector.fromArray(F, c, c0 + 6 * ldc), c61 = FloatVector.fromArray(F, c, c0 + 6 * ldc + L);
        FloatVector c70 = FloatVector.fromArray(F, c, c0 + 7 * ldc), c71 = FloatVector.fromArray(F, c, c0 + 7 * ldc + L);
        int r1 = rs, r2 = 2 * rs, r3 = 3 * rs, r4 = 4 * rs, r5 = 5 * rs, r6 = 6 * rs, r7 = 7 * rs;
        int ia = a0, ib = pb0;
        for (int p = 0; p < kc; p++, ia += ps, ib += bs) {
            FloatVector b0 = FloatVector.fromArray(F, pb, ib);
            FloatVector b1 = FloatVector.fromArray(F, pb, ib + L);
            FloatVector av = FloatVector.broadcast(F, a[ia]);
            c00 = av.fma(b0, c00); c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(F, a[ia + r1]);
            c10 = av.fma(b0, c10); c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(F, a[ia + r2]);
            c20 = av.fma(b0, c20); c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(F, a[ia + r3]);
            c30 = av.fma(b0, c30); c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(F, a[ia + r4]);
            c40 = av.fma(b0, c40); c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(F, a[ia + r5]);
            c50 = av.fma(b0, c50); c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(F, a[ia + r6]);
            c60 = av.fma(b0, c60); c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(F, a[ia + r7]);
            c70 = av.fma(b0, c70); c71 = av.fma(b1, c71);
        }
        c00.intoArray(c, c0); c01.intoArray(c, c0 + L);
        c10.intoArray(c, c0 + ldc); c11.intoArray(c, c0 + ldc + L);
        c20.intoArray(c, c0 + 2 * ldc); c21.intoArray(c, c0 + 2 * ldc + L);
        c30.intoArray(c, c0 + 3 * ldc); c31.intoArray(c, c0 + 3 * ldc + L);
        c40.intoArray(c, c0 + 4 * ldc); c41.intoArray(c, c0 + 4 * ldc + L);
        c50.intoArray(c, c0 + 5 * ldc); c51.intoArray(c, c0 + 5 * ldc + L);
        c60.intoArray(c, c0 + 6 * ldc); c61.intoArray(c, c0 + 6 * ldc + L);
        c70.intoArray(c, c0 + 7 * ldc); c71.intoArray(c, c0 + 7 * ldc + L);
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
