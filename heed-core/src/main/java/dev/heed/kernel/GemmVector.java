package dev.heed.kernel;

import dev.heed.exec.ExecutionContext;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM, fast version (Vector API): packed, cache-blocked, register-blocked, after Goto &amp; van de Geijn,
 * "Anatomy of High-Performance Matrix Multiplication" (TOMS 2008) and the BLIS loop nest (Van Zee &amp; van de
 * Geijn, TOMS 2015), with the blocking chosen per machine ({@link GemmBlocking}, from {@link MachineProbe}).
 *
 * <p>Catalogue (current version first):
 * <ul>
 *   <li><b>v3 (this)</b>: v2's micro-kernels in the BLIS loop order for a broadcast A: per task block and K
 *       block, the block's B panels ({@code kc × nc}, half of L2) are packed once (or taken from a
 *       {@link PackedB}), then each A micro-panel ({@code kc × mr}, 3/8 of L1d: kc = 384 on a 48 KiB L1d) stays in
 *       L1 while the micro-kernel sweeps the B panels from L2. C is then read and written one row tile at a time
 *       along its rows (sequential lines, which the hardware prefetchers follow; v2 walked down a 32-column strip,
 *       12 rows of 128 bytes at a time, ldc apart), a deeper kc loads and stores C fewer times (once for K = 384,
 *       MiniLM's hidden size), and bias and activation run on each row tile right after its last K block, while
 *       it is in L1/L2 (v2 ran them over the whole task block afterwards, from L3 when the block exceeded L2).
 *       Measured on the Xeon below, one thread, v2 and v3 timed call by call in turn in one JVM (thread CPU time,
 *       load average 10-11 on 2 cores: absolute figures low, ratios comparable; v3 with kc = 384, nc = 640,
 *       mc = 1020), packed B, GFLOP/s best/median:
 *       bias+GELU epilogue: 768×384·384×1536 62/61 → 74/71, 4096×384·384×1536 85/64 → 117/76, 128×384·384×1536
 *       67/62 → 71/64, 768×384·384×384 73/70 → 78/71; no epilogue: 1024³ 107/104 → 122/116, 4096×384·384×1536
 *       112/109 → 133/127, 768×384·384×1536 113/110 → 130/123, 768×1536·1536×384 118/111 → 121/112.</li>
 *   <li>v2, micro-kernels {@link #micro12} / {@link #micro6}: an {@code MR×NR} tile of C,
 *       {@code NR} = two vectors, {@code MR} = 12 with 32 vector registers (AVX-512: 12×32 floats, 24
 *       accumulators) or 6 with 16 (AVX2: 6×16, 12 accumulators). Per k step two vector loads of B, MR
 *       broadcasts of A, 2·MR FMAs. A is always packed ({@code [kc][MR]} panels), so every A index is
 *       {@code a0 + p·MR + r} with a constant scale: C2 hoists the range checks out of the loop and the body is
 *       loads, broadcasts and FMAs only. op(A) is packed once per call (in parallel over K blocks and
 *       panels when the call is spread over threads) into a buffer borrowed from the context, so every task
 *       block, on any thread, reads the same panels.</li>
 *   <li>v1 (until this version; tuned on AMD Zen 4): 8×32 tile, 16 accumulators, A read in place through two
 *       run-time strides ({@code a[a0 + r·rs + p·ps]}), KC = 512 fixed. Fine on Zen 4 (one 512-bit FMA per
 *       cycle: 85–92 % of its peak); on a Xeon with two FMA ports the run-time strides keep a range check and
 *       an address computation per broadcast in the loop, which compete with the FMAs for issue slots.</li>
 * </ul>
 * Measured on an Intel Xeon family 6 model 207 (Emerald/Sapphire Rapids class, 2 × 512-bit FMA ports, L1d
 * 48 KiB, L2 2 MiB), KVM, shared with other builds (load average 2–5 on 2 cores; best of many short runs,
 * thread CPU time): pure-FMA peak 166–179 GFLOP/s per core; micro-kernel alone on L1-resident panels (kc=192):
 * v1's 8×32 with run-time strides 142–155, 8×32 with a packed A (constant stride) 159–174, 12×32 packed
 * 159–175, 14×32 packed 163–175, 6×64 packed 148–173, 12×32 with A read in place at constant p-stride
 * (row offsets as invariants) 143–151: the constant stride of a packed A is what counts; 12×32 leaves
 * registers free. A variable B stride costs nothing measurable (12×32: 154–175), so a small-M call still
 * reads a non-transposed B in place. 12×32 in a block-like loop (11 A panels × 48 B panels, B in L2): kc = 96
 * 164, kc = 192 167–174, kc = 384 156 (the B micro-panel no longer fits L1d beside the A panel) — hence kc from
 * L1d. Packing op(A) transposed into panels: scalar 0.55 ns per element, {@code mr} gathers per {@code L}
 * columns 0.35 ns.
 * Whole GEMM, one thread, v1 and v2 back to back in one JVM (load average 24 on 2 cores, so memory-bound parts
 * read low; best of 6–60 calls): 1024³ v1 90–109 / v2 91–107 (packed B: 80–104 / 103–110); 128×384·384×1536
 * 108–117 / 118–124 (packed 101–103 / 111–113); 128×1536·1536×384 111–117 / 113–114 (packed 105–108 /
 * 107–108); 128×384·384×384 122–125 / 123–128 (packed 118–132 / 126–131) GFLOP/s, against an FMA peak of
 * 156–172 measured in the same runs. The micro-kernel itself is at 95–100 % of the peak; what is left is
 * outside it (B streamed from L3 for the MiniLM weights, C tiles reloaded per K block at 1024³, A packing),
 * and on this shared machine the L3 and memory are contended by the other builds. kc sweep (12×32, packed B,
 * same conditions): 128 is 3–8 % slower than 192; 192, 256 and 384 are within noise of each other.
 *
 * <ul>
 *   <li>B: packed into {@code NR}-wide panels ({@code [kc][NR]}, zero-padded), a task block's {@code kc × nc}
 *       at a time (half of L2 by the choice of nc), from any
 *       {@link BSource} — a dense matrix (a transposed one gathered {@code L} rows per vector) or an implicit
 *       im2col of a convolution ({@link Conv2dVector}); read in place for a non-transposed dense B when
 *       M ≤ {@link #DIRECT_B_ROWS}; or read straight from a {@link PackedB} that the caller packed once
 *       (constant weights), so a call does no B packing at all.</li>
 *   <li>results: every element of C is one FMA chain over K in order (C stored and reloaded between K blocks,
 *       an edge tile continued through a small buffer), so results are bitwise independent of the blocking,
 *       the tile size, the path (packed or not, B in place or not) and the thread count.</li>
 *   <li>parallelism: calls of at least {@link #PARALLEL_FLOPS} are cut into {@code mb×nb} task blocks handed out
 *       dynamically; when M is small the cut goes through N so that every thread works and no B panel is
 *       packed twice. Per-worker scratch: one task's B block (borrowed from the context) and one edge tile.</li>
 *   <li>epilogue: accumulate into C, bias (per column, or per row for convolutions) and the activation,
 *       applied to each row tile of a task block right after its last K block.</li>
 * </ul>
 * Cost {@code 2·M·N·K} flops plus {@code M·K} A packing copies and {@code K·N·⌈M/mb⌉} B packing copies (none
 * with {@link PackedB}).
 */
final class GemmVector {
    private GemmVector() {}

    private static final VectorSpecies<Float> F = VectorShapes.F;
    private static final int L = F.length();
    /** Columns of the register tile: two vectors. */
    static final int NR = 2 * L;
    /** This machine's blocking, chosen once at class initialisation. */
    static final GemmBlocking MACHINE = GemmBlocking.choose(L, MachineProbe.machine());
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
    /** Smallest A (elements) packed by several threads. */
    static final int PARALLEL_PACK = 1 << 16;

    /** Packs {@code mr}-tall panels of op(A). */
    interface ASource {
        /**
         * Writes rows {@code [i0, i0+rows)}, columns {@code [p0, p0+kc)} of op(A) as {@code ⌈rows/mr⌉} panels
         * {@code dst[off + panel·kc·mr + p·mr + r]}, zero-padding the last panel.
         */
        void packA(int i0, int rows, int p0, int kc, int mr, float[] dst, int off);
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
        public void packA(int i0, int rows, int p0, int kc, int mr, float[] dst, int off) {
            int d = off;
            int[] gather = null;                   // full panel, not transposed: lane e of a run of mr vectors
            for (int ib = 0; ib < rows; ib += mr, d += kc * mr) {
                int h = Math.min(mr, rows - ib);
                if (h < mr) Arrays.fill(dst, d, d + kc * mr, 0f);
                if (trans) {                       // op(A)[i][p] = a[off + p·ld + i]: h contiguous per p
                    int src = this.off + p0 * ld + i0 + ib;
                    for (int p = 0; p < kc; p++, src += ld) System.arraycopy(a, src, dst, d + p * mr, h);
                } else if (h == mr && kc >= L) {
                    // L columns of mr rows are mr·L consecutive floats of the panel: mr gathers, mr vector stores
                    // (measured 0.35 ns per element against 0.55 for the scalar transpose, Xeon family 6 model 207)
                    if (gather == null) {
                        gather = new int[mr * L];
                        for (int e = 0; e < mr * L; e++) gather[e] = (e % mr) * ld + e / mr;
                    }
                    int base = this.off + (i0 + ib) * ld + p0;
                    int p = 0;
                    for (; p + L <= kc; p += L) {
                        int o = d + p * mr;
                        for (int v = 0; v < mr; v++) FloatVector.fromArray(F, a, base + p, gather, v * L).intoArray(dst, o + v * L);
                    }
                    for (; p < kc; p++) {
                        for (int r = 0; r < mr; r++) dst[d + p * mr + r] = a[base + r * ld + p];
                    }
                } else {                           // op(A)[i][p] = a[off + i·ld + p]: row r read contiguously
                    for (int r = 0; r < h; r++) {
                        int src = this.off + (i0 + ib + r) * ld + p0;
                        for (int p = 0, o = d + r; p < kc; p++, o += mr) dst[o] = a[src + p];
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
                    if (nr < NR) Arrays.fill(dst, d, d + kc * NR, 0f);
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
                            Arrays.fill(dst, o + nr, o + NR, 0f);
                        }
                    }
                }
            }
        }
    }

    /**
     * op(B)[K, N] packed once into the kernel's panel layout, for a B used by many calls (a constant weight).
     * K is cut into blocks {@code [p0, p0+kc)} of depth {@code kc} (this machine's {@link GemmBlocking#kc()} when
     * packed); block {@code p0} holds its {@code ⌈N/NR⌉} panels {@code [kc][NR]} one after the other from
     * {@code p0·panels·NR}, the last panel zero-padded. Immutable after {@link #pack}; shared freely between threads.
     */
    record PackedB(float[] data, int k, int n, int panels, int kc) {
        static PackedB pack(BSource src, int k, int n) {
            return pack(src, k, n, MACHINE.kc());
        }

        static PackedB pack(BSource src, int k, int n, int kcBlock) {
            int panels = (n + NR - 1) / NR;
            float[] data = new float[Math.multiplyExact(Math.multiplyExact(k, panels), NR)];
            float[] buf = new float[Math.min(kcBlock, k) * NR];
            for (int p0 = 0; p0 < k; p0 += kcBlock) {
                int kc = Math.min(kcBlock, k - p0);
                for (int q = 0; q < panels; q++) {
                    int j0 = q * NR, cols = Math.min(NR, n - j0);
                    src.packB(p0, kc, j0, cols, buf);
                    System.arraycopy(buf, 0, data, p0 * panels * NR + q * kc * NR, kc * NR);
                }
            }
            return new PackedB(data, k, n, panels, kcBlock);
        }

        /** Start of panel {@code q} of the K block starting at {@code p0} (of depth {@code kc}). */
        int offset(int p0, int kc, int q) {
            return p0 * panels * NR + q * kc * NR;
        }

        /** Element {@code op(B)[p][j]} (for the reference path and tests). */
        float get(int p, int j) {
            int p0 = p / kc * kc, depth = Math.min(kc, k - p0);
            return data[offset(p0, depth, j / NR) + (p - p0) * NR + j % NR];
        }
    }

    /** Entry for the dense case, arguments validated by the facade, {@code k > 0}. */
    static void gemm(ExecutionContext ctx, boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate,
                     float[] bias, int biasOff, boolean biasPerRow, Activation act) {
        run(ctx, MACHINE, m, n, k, new DenseA(transA, a, aOff, lda), new DenseB(transB, b, bOff, ldb), null,
                c, cOff, ldc, accumulate, bias, biasOff, biasPerRow, act);
    }

    /** Entry for a pre-packed B, arguments validated by the facade, {@code k > 0}. */
    static void gemmPacked(ExecutionContext ctx, boolean transA, int m, float[] a, int aOff, int lda, PackedB b,
                           float[] c, int cOff, int ldc, boolean accumulate, float[] bias, Activation act) {
        run(ctx, MACHINE, m, b.n(), b.k(), new DenseA(transA, a, aOff, lda), null, b, c, cOff, ldc, accumulate,
                bias, 0, false, act);
    }

    /** The blocked driver with this machine's blocking and B from a {@link BSource}. */
    static void run(ExecutionContext ctx, int m, int n, int k, ASource a, BSource b,
                    float[] c, int cOff, int ldc, boolean accumulate,
                    float[] bias, int biasOff, boolean biasPerRow, Activation act) {
        run(ctx, MACHINE, m, n, k, a, b, null, c, cOff, ldc, accumulate, null, bias, biasOff, biasPerRow, act);
    }

    /**
     * The blocked driver with this machine's blocking, B from a {@link BSource} and a per-column factor in the
     * epilogue: {@code C = act((A·B) * scale[j] + bias[j])}, each tile as soon as its last K block is done, the
     * multiply and the add rounded separately (as a {@code Mul} node then an {@code Add} node). For the quantised
     * linear layer ({@link IntGemmFloat#product}); {@code scale} holds N values, {@code bias} N values or null; a null
     * {@code scale} (with no bias and {@link Activation#NONE}) gives the plain product.
     */
    static void runScaled(ExecutionContext ctx, int m, int n, int k, ASource a, BSource b, float[] c, int cOff, int ldc,
                          float[] scale, float[] bias, Activation act) {
        run(ctx, MACHINE, m, n, k, a, b, null, c, cOff, ldc, false, scale, bias, 0, false, act);
    }

    /** What one call computes; shared read-only by its workers. {@code pa} holds op(A) packed. */
    private record Job(int mr, int kcBlock, int m, int n, int k, float[] pa, int mPad, BSource b, DenseB directB,
                       PackedB packed, float[] c, int cOff, int ldc, boolean accumulate, float[] scale,
                       float[] bias, int biasOff, boolean biasPerRow, Activation act) {}

    /**
     * The blocked driver: {@code C[M,N] = op(A)·op(B) (+C) (+bias)}, then {@code act}, with B from {@code b} or,
     * when {@code b == null}, from {@code packed}, blocked by {@code bl} (K blocks of {@code packed.kc()} when B
     * is pre-packed). {@code ctx == null} runs on the calling thread only. Requires {@code m, n, k > 0}.
     */
    static void run(ExecutionContext ctx, GemmBlocking bl, int m, int n, int k, ASource a, BSource b, PackedB packed,
                    float[] c, int cOff, int ldc, boolean accumulate,
                    float[] bias, int biasOff, boolean biasPerRow, Activation act) {
        run(ctx, bl, m, n, k, a, b, packed, c, cOff, ldc, accumulate, null, bias, biasOff, biasPerRow, act);
    }

    /** {@link #run(ExecutionContext, GemmBlocking, int, int, int, ASource, BSource, PackedB, float[], int, int, boolean, float[], int, boolean, Activation)} with per-column factors {@code scale} (N values, or null) applied before the bias. */
    private static void run(ExecutionContext ctx, GemmBlocking bl, int m, int n, int k, ASource a, BSource b, PackedB packed,
                            float[] c, int cOff, int ldc, boolean accumulate, float[] scale,
                            float[] bias, int biasOff, boolean biasPerRow, Activation act) {
        int mr = bl.mr(), kcBlock = packed != null ? packed.kc() : bl.kc();
        DenseB directB = packed == null && m <= DIRECT_B_ROWS && b instanceof DenseB d && !d.trans() ? d : null;
        int threads = ctx == null ? 1 : ctx.threads();
        int nPanels = (n + NR - 1) / NR;
        int mTiles = (m + mr - 1) / mr, mPad = mTiles * mr;
        long flops = 2L * m * n * k;
        int workers = threads > 1 && flops >= PARALLEL_FLOPS ? threads : 1;
        // Task grid. Rows: blocks of at most mc, balanced. Columns: blocks of at most nc; with several
        // workers and few row blocks, cut N further (not M) until there are TASKS_PER_WORKER tasks per worker:
        // each B panel is still packed once (A is packed once per call, so a column cut costs nothing), every
        // core gets work even for M = 8, and a worker that starts late (a busy machine) just takes fewer tasks.
        int mBlocks = ceilDiv(mTiles, bl.mc() / mr);
        int nBlocks = Math.min(nPanels, ceilDiv(n, bl.nc()));
        int want = TASKS_PER_WORKER * workers;
        if (workers > 1 && mBlocks * nBlocks < want) {
            nBlocks = Math.min(nPanels, Math.max(nBlocks, ceilDiv(want, mBlocks)));
            if (mBlocks * nBlocks < want) mBlocks = Math.min(mTiles, ceilDiv(want, nBlocks));
        }
        int mb = ceilDiv(mTiles, mBlocks) * mr;
        mBlocks = ceilDiv(m, mb);
        int nb = ceilDiv(nPanels, nBlocks) * NR;
        nBlocks = ceilDiv(n, nb);
        int tasks = mBlocks * nBlocks;
        workers = Math.min(workers, tasks);

        int paLen = Math.multiplyExact(mPad, k);
        float[] pa = ctx != null ? ctx.borrowFloats(paLen) : new float[paLen];     // [K blocks][mTiles][kc][mr]
        try {
            packA(ctx, workers > 1 && paLen >= PARALLEL_PACK, a, m, k, mr, kcBlock, mPad, pa);
            Job job = new Job(mr, kcBlock, m, n, k, pa, mPad, b, directB, packed, c, cOff, ldc, accumulate, scale,
                    bias, biasOff, biasPerRow, act);
            int kcMax = Math.min(kcBlock, k);
            int fmBlocks = mBlocks, fmb = mb, fnb = nb;
            AtomicInteger next = new AtomicInteger();
            Runnable worker = () -> {
                // per-worker scratch, sized to this call: the task's B block (only when B is neither pre-packed nor
                // read in place; one edge micro-panel when read in place), one edge tile
                int pbLen = packed != null ? 0 : directB != null ? NR * kcMax : fnb * kcMax;
                float[] pb = pbLen == 0 ? null : ctx != null ? ctx.borrowFloats(pbLen) : new float[pbLen];  // [nb/NR][kc][NR]
                float[] tile = new float[mr * NR];                              // [mr, NR]
                try {
                    int t;
                    while ((t = next.getAndIncrement()) < tasks) {
                        int mi = t % fmBlocks, ni = t / fmBlocks;   // consecutive tasks share a B block
                        int i0 = mi * fmb, mc = Math.min(fmb, m - i0);
                        int j0 = ni * fnb, nc = Math.min(fnb, n - j0);
                        block(job, i0, mc, j0, nc, pb, tile);
                    }
                } finally {
                    if (ctx != null && pb != null) ctx.giveBack(pb);
                }
            };
            if (workers <= 1) worker.run();
            else ctx.parallelFor(workers, 1, (s, e) -> worker.run());
        } finally {
            if (ctx != null) ctx.giveBack(pa);
        }
    }

    /** Packs all of op(A) {@code [m, k]} into {@code pa}: K block {@code p0} at {@code p0·mPad}, then panels {@code [kc][mr]}. */
    private static void packA(ExecutionContext ctx, boolean parallel, ASource a, int m, int k, int mr, int kcBlock,
                              int mPad, float[] pa) {
        int kBlocks = ceilDiv(k, kcBlock);
        int panelsPerUnit = Math.max(1, 256 / mr);             // ~256 rows per unit of work
        int units = ceilDiv(mPad / mr, panelsPerUnit);
        ExecutionContext.RangeTask task = (s, e) -> {
            for (int u = s; u < e; u++) {
                int kb = u / units, pu = u % units;
                int p0 = kb * kcBlock, kc = Math.min(kcBlock, k - p0);
                int i0 = pu * panelsPerUnit * mr, rows = Math.min(panelsPerUnit * mr, m - i0);
                a.packA(i0, rows, p0, kc, mr, pa, p0 * mPad + i0 * kc);
            }
        };
        if (parallel) ctx.parallelFor(kBlocks * units, 1, task);
        else task.run(0, kBlocks * units);
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    /**
     * One task block: rows {@code [i0, i0+mc)} ({@code i0} a multiple of mr), columns {@code [j0, j0+nc)} of C,
     * all of K. Per K block: the block's B panels ({@code kc × nc}, half of L2 by the choice of nc) are packed
     * once (unless pre-packed or read in place); then for each A micro-panel ({@code kc × mr}, in L1 by the choice
     * of kc) the micro-kernel sweeps the B panels, so C is read and written one row tile at a time, along its
     * rows (sequential lines: the hardware prefetchers follow). After the last K block each row tile gets its
     * bias and activation at once, while it is still in L1/L2.
     */
    private static void block(Job job, int i0, int mc, int j0, int nc, float[] pb, float[] tile) {
        int k = job.k, ldc = job.ldc, mr = job.mr, mPad = job.mPad;
        float[] c = job.c, pa = job.pa;
        PackedB packed = job.packed;
        DenseB directB = job.directB;
        for (int p0 = 0; p0 < k; p0 += job.kcBlock) {
            int kc = Math.min(job.kcBlock, k - p0);
            boolean add = job.accumulate || p0 > 0;
            int aBlock = p0 * mPad + i0 * kc;
            float[] bArr;
            int bBase, bs, panelStride;
            int fullCols = nc / NR * NR;
            // B of this K block: panel q (NR columns from j0 + q·NR) at bBase + q·panelStride, rows bs apart
            if (packed != null) {
                bArr = packed.data;
                bBase = packed.offset(p0, kc, j0 / NR);
                bs = NR;
                panelStride = kc * NR;
            } else if (directB != null) {
                bArr = directB.b;
                bBase = directB.off + p0 * directB.ld + j0;
                bs = directB.ld;
                panelStride = NR;
                if (fullCols < nc) job.b.packB(p0, kc, j0 + fullCols, nc - fullCols, pb);   // the edge panel
            } else {
                job.b.packB(p0, kc, j0, nc, pb);
                bArr = pb;
                bBase = 0;
                bs = NR;
                panelStride = kc * NR;
            }
            for (int ib = 0; ib < mc; ib += mr) {
                int rows = Math.min(mr, mc - ib);
                int aOff = aBlock + ib * kc;
                int cRow = job.cOff + (i0 + ib) * ldc + j0;
                for (int jb = 0; jb < nc; jb += NR) {
                    int nr = Math.min(NR, nc - jb);
                    float[] bA = bArr;
                    int bOff = bBase + jb / NR * panelStride, bsj = bs;
                    if (directB != null && nr < NR) {      // read in place, but the edge panel was packed
                        bA = pb;
                        bOff = 0;
                        bsj = NR;
                    }
                    int cij = cRow + jb;
                    if (rows == mr && nr == NR) {
                        micro(mr, kc, pa, aOff, bA, bOff, bsj, c, cij, ldc, add);
                    } else {
                        // edge tile: continue each element's chain through the tile buffer, so that an element
                        // is computed the same way whether or not it lies in an edge tile
                        if (add) {
                            for (int r = 0; r < rows; r++) System.arraycopy(c, cij + r * ldc, tile, r * NR, nr);
                        }
                        micro(mr, kc, pa, aOff, bA, bOff, bsj, tile, 0, NR, add);
                        for (int r = 0; r < rows; r++) System.arraycopy(tile, r * NR, c, cij + r * ldc, nr);
                    }
                }
                if (p0 + kc == k && job.scale != null) {
                    IntGemmFloat.epilogueTile(c, cRow, ldc, rows, nc, job.scale, job.bias, j0, job.act);
                } else if (p0 + kc == k && (job.bias != null || job.act != Activation.NONE)) {
                    epilogue(c, cRow, ldc, rows, nc, job.bias, job.biasOff, job.biasPerRow, i0 + ib, j0, job.act);
                }
            }
        }
    }

    /** The micro-kernel for tiles {@code mr} rows tall. */
    static void micro(int mr, int kc, float[] a, int a0, float[] b, int b0, int bs, float[] c, int c0, int ldc,
                      boolean add) {
        if (mr == 12) micro12(kc, a, a0, b, b0, bs, c, c0, ldc, add);
        else micro6(kc, a, a0, b, b0, bs, c, c0, ldc, add);
    }

    // One method per tile height, every accumulator a local and every store written out: C2 keeps the
    // accumulators in vector registers only when nothing escapes (a vector passed to a method that is not
    // inlined, or kept in an array, is boxed: three times slower). A[r][p] is at a[a0 + p·mr + r] (packed
    // panel, constant scale: C2 hoists the range checks); B[p][j] at b[b0 + p·bs + j].

    /** {@code C[12, NR] (+)= Apanel[kc][12] · B[kc][NR]}: B rows {@code bs} floats apart; C loaded first when {@code add}. */
    static void micro12(int kc, float[] a, int a0, float[] b, int b0, int bs, float[] c, int c0, int ldc, boolean add) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = add ? FloatVector.fromArray(F, c, c0) : z, c01 = add ? FloatVector.fromArray(F, c, c0 + L) : z;
        FloatVector c10 = add ? FloatVector.fromArray(F, c, c0 + ldc) : z, c11 = add ? FloatVector.fromArray(F, c, c0 + ldc + L) : z;
        FloatVector c20 = add ? FloatVector.fromArray(F, c, c0 + 2 * ldc) : z, c21 = add ? FloatVector.fromArray(F, c, c0 + 2 * ldc + L) : z;
        FloatVector c30 = add ? FloatVector.fromArray(F, c, c0 + 3 * ldc) : z, c31 = add ? FloatVector.fromArray(F, c, c0 + 3 * ldc + L) : z;
        FloatVector c40 = add ? FloatVector.fromArray(F, c, c0 + 4 * ldc) : z, c41 = add ? FloatVector.fromArray(F, c, c0 + 4 * ldc + L) : z;
        FloatVector c50 = add ? FloatVector.fromArray(F, c, c0 + 5 * ldc) : z, c51 = add ? FloatVector.fromArray(F, c, c0 + 5 * ldc + L) : z;
        FloatVector c60 = add ? FloatVector.fromArray(F, c, c0 + 6 * ldc) : z, c61 = add ? FloatVector.fromArray(F, c, c0 + 6 * ldc + L) : z;
        FloatVector c70 = add ? FloatVector.fromArray(F, c, c0 + 7 * ldc) : z, c71 = add ? FloatVector.fromArray(F, c, c0 + 7 * ldc + L) : z;
        FloatVector c80 = add ? FloatVector.fromArray(F, c, c0 + 8 * ldc) : z, c81 = add ? FloatVector.fromArray(F, c, c0 + 8 * ldc + L) : z;
        FloatVector c90 = add ? FloatVector.fromArray(F, c, c0 + 9 * ldc) : z, c91 = add ? FloatVector.fromArray(F, c, c0 + 9 * ldc + L) : z;
        FloatVector ca0 = add ? FloatVector.fromArray(F, c, c0 + 10 * ldc) : z, ca1 = add ? FloatVector.fromArray(F, c, c0 + 10 * ldc + L) : z;
        FloatVector cb0 = add ? FloatVector.fromArray(F, c, c0 + 11 * ldc) : z, cb1 = add ? FloatVector.fromArray(F, c, c0 + 11 * ldc + L) : z;
        for (int p = 0; p < kc; p++) {
            int ia = a0 + p * 12, ib = b0 + p * bs;
            FloatVector b0v = FloatVector.fromArray(F, b, ib), b1v = FloatVector.fromArray(F, b, ib + L);
            FloatVector av = FloatVector.broadcast(F, a[ia]); c00 = av.fma(b0v, c00); c01 = av.fma(b1v, c01);
            av = FloatVector.broadcast(F, a[ia + 1]); c10 = av.fma(b0v, c10); c11 = av.fma(b1v, c11);
            av = FloatVector.broadcast(F, a[ia + 2]); c20 = av.fma(b0v, c20); c21 = av.fma(b1v, c21);
            av = FloatVector.broadcast(F, a[ia + 3]); c30 = av.fma(b0v, c30); c31 = av.fma(b1v, c31);
            av = FloatVector.broadcast(F, a[ia + 4]); c40 = av.fma(b0v, c40); c41 = av.fma(b1v, c41);
            av = FloatVector.broadcast(F, a[ia + 5]); c50 = av.fma(b0v, c50); c51 = av.fma(b1v, c51);
            av = FloatVector.broadcast(F, a[ia + 6]); c60 = av.fma(b0v, c60); c61 = av.fma(b1v, c61);
            av = FloatVector.broadcast(F, a[ia + 7]); c70 = av.fma(b0v, c70); c71 = av.fma(b1v, c71);
            av = FloatVector.broadcast(F, a[ia + 8]); c80 = av.fma(b0v, c80); c81 = av.fma(b1v, c81);
            av = FloatVector.broadcast(F, a[ia + 9]); c90 = av.fma(b0v, c90); c91 = av.fma(b1v, c91);
            av = FloatVector.broadcast(F, a[ia + 10]); ca0 = av.fma(b0v, ca0); ca1 = av.fma(b1v, ca1);
            av = FloatVector.broadcast(F, a[ia + 11]); cb0 = av.fma(b0v, cb0); cb1 = av.fma(b1v, cb1);
        }
        c00.intoArray(c, c0); c01.intoArray(c, c0 + L);
        c10.intoArray(c, c0 + ldc); c11.intoArray(c, c0 + ldc + L);
        c20.intoArray(c, c0 + 2 * ldc); c21.intoArray(c, c0 + 2 * ldc + L);
        c30.intoArray(c, c0 + 3 * ldc); c31.intoArray(c, c0 + 3 * ldc + L);
        c40.intoArray(c, c0 + 4 * ldc); c41.intoArray(c, c0 + 4 * ldc + L);
        c50.intoArray(c, c0 + 5 * ldc); c51.intoArray(c, c0 + 5 * ldc + L);
        c60.intoArray(c, c0 + 6 * ldc); c61.intoArray(c, c0 + 6 * ldc + L);
        c70.intoArray(c, c0 + 7 * ldc); c71.intoArray(c, c0 + 7 * ldc + L);
        c80.intoArray(c, c0 + 8 * ldc); c81.intoArray(c, c0 + 8 * ldc + L);
        c90.intoArray(c, c0 + 9 * ldc); c91.intoArray(c, c0 + 9 * ldc + L);
        ca0.intoArray(c, c0 + 10 * ldc); ca1.intoArray(c, c0 + 10 * ldc + L);
        cb0.intoArray(c, c0 + 11 * ldc); cb1.intoArray(c, c0 + 11 * ldc + L);
    }

    /** {@code C[6, NR] (+)= Apanel[kc][6] · B[kc][NR]}: B rows {@code bs} floats apart; C loaded first when {@code add}. */
    static void micro6(int kc, float[] a, int a0, float[] b, int b0, int bs, float[] c, int c0, int ldc, boolean add) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = add ? FloatVector.fromArray(F, c, c0) : z, c01 = add ? FloatVector.fromArray(F, c, c0 + L) : z;
        FloatVector c10 = add ? FloatVector.fromArray(F, c, c0 + ldc) : z, c11 = add ? FloatVector.fromArray(F, c, c0 + ldc + L) : z;
        FloatVector c20 = add ? FloatVector.fromArray(F, c, c0 + 2 * ldc) : z, c21 = add ? FloatVector.fromArray(F, c, c0 + 2 * ldc + L) : z;
        FloatVector c30 = add ? FloatVector.fromArray(F, c, c0 + 3 * ldc) : z, c31 = add ? FloatVector.fromArray(F, c, c0 + 3 * ldc + L) : z;
        FloatVector c40 = add ? FloatVector.fromArray(F, c, c0 + 4 * ldc) : z, c41 = add ? FloatVector.fromArray(F, c, c0 + 4 * ldc + L) : z;
        FloatVector c50 = add ? FloatVector.fromArray(F, c, c0 + 5 * ldc) : z, c51 = add ? FloatVector.fromArray(F, c, c0 + 5 * ldc + L) : z;
        for (int p = 0; p < kc; p++) {
            int ia = a0 + p * 6, ib = b0 + p * bs;
            FloatVector b0v = FloatVector.fromArray(F, b, ib), b1v = FloatVector.fromArray(F, b, ib + L);
            FloatVector av = FloatVector.broadcast(F, a[ia]); c00 = av.fma(b0v, c00); c01 = av.fma(b1v, c01);
            av = FloatVector.broadcast(F, a[ia + 1]); c10 = av.fma(b0v, c10); c11 = av.fma(b1v, c11);
            av = FloatVector.broadcast(F, a[ia + 2]); c20 = av.fma(b0v, c20); c21 = av.fma(b1v, c21);
            av = FloatVector.broadcast(F, a[ia + 3]); c30 = av.fma(b0v, c30); c31 = av.fma(b1v, c31);
            av = FloatVector.broadcast(F, a[ia + 4]); c40 = av.fma(b0v, c40); c41 = av.fma(b1v, c41);
            av = FloatVector.broadcast(F, a[ia + 5]); c50 = av.fma(b0v, c50); c51 = av.fma(b1v, c51);
        }
        c00.intoArray(c, c0); c01.intoArray(c, c0 + L);
        c10.intoArray(c, c0 + ldc); c11.intoArray(c, c0 + ldc + L);
        c20.intoArray(c, c0 + 2 * ldc); c21.intoArray(c, c0 + 2 * ldc + L);
        c30.intoArray(c, c0 + 3 * ldc); c31.intoArray(c, c0 + 3 * ldc + L);
        c40.intoArray(c, c0 + 4 * ldc); c41.intoArray(c, c0 + 4 * ldc + L);
        c50.intoArray(c, c0 + 5 * ldc); c51.intoArray(c, c0 + 5 * ldc + L);
    }


    /**
     * Bias and activation on the {@code rows×cols} tile of C at {@code c0} (global row {@code i}, column {@code j}):
     * per row, the bias in one pass, then the activation through the elementwise kernels' own loop for it
     * ({@link ElementwiseVector#unary}: one small loop per function, which C2 compiles far better than a switch
     * inside the loop).
     */
    static void epilogue(float[] c, int c0, int ldc, int rows, int cols, float[] bias, int biasOff,
                         boolean biasPerRow, int i, int j, Activation act) {
        UnaryOp op = act.unaryOp();
        for (int r = 0; r < rows; r++) {
            int off = c0 + r * ldc;
            if (bias != null) {
                if (biasPerRow) addScalar(c, off, cols, bias[biasOff + i + r]);
                else addRow(c, off, bias, biasOff + j, cols);
            }
            if (op != null) ElementwiseVector.unary(op, c, off, c, off, cols);
        }
    }

    private static void addScalar(float[] c, int off, int len, float v) {
        for (int x = 0; x < len; x += L) {
            VectorMask<Float> m = F.indexInRange(x, len);
            FloatVector.fromArray(F, c, off + x, m).add(v).intoArray(c, off + x, m);
        }
    }

    private static void addRow(float[] c, int off, float[] bias, int bOff, int len) {
        for (int x = 0; x < len; x += L) {
            VectorMask<Float> m = F.indexInRange(x, len);
            FloatVector.fromArray(F, c, off + x, m).add(FloatVector.fromArray(F, bias, bOff + x, m)).intoArray(c, off + x, m);
        }
    }

    /** Bias and activation over a contiguous run {@code c[off, off+len)} with one bias value (for convolutions). */
    static void epilogueRun(float[] c, int off, int len, float biasValue, Activation act) {
        addScalar(c, off, len, biasValue);
        UnaryOp op = act.unaryOp();
        if (op != null) ElementwiseVector.unary(op, c, off, c, off, len);
    }
}
