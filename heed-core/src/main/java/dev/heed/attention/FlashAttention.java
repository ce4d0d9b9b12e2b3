package dev.heed.attention;

import dev.heed.exec.ExecutionContext;
import dev.heed.kernel.MachineProbe;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/*
 * Flash attention on the CPU — catalogue.
 *   v1: exact softmax attention tiled over keys with an online softmax (running row max m and
 *       running sum l; when m grows the partial output and l are rescaled by exp(m_old - m_new)), after
 *       Dao et al., "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness" (2022),
 *       Algorithm 1, with the loop order of FlashAttention-2 (queries outside, keys inside, one final
 *       division by l).
 *   Cost: 2·L·S·(E + Ev) flops per head (less with causal / window: key tiles outside the visible band are
 *       skipped), extra memory O((L + S)·E) per worker (v1–v3: a query block [Bq, E], its output [Bq, Ev], one
 *       score strip [4, Bc] and the keys transposed once into tiles [E, Bc]; v4: see below). Never L×S.
 *   Tiles: Bc keys such that a key tile [E, Bc] and a value tile [Bc, Ev] fill about half of L2; Bq query
 *       rows per task (the K/V tile is reused Bq times from L2), processed in register blocks of 4 rows.
 *   Parallel over B × Hq × query blocks with dynamic scheduling (causal rows are uneven).
 *   Weights capture: after a block's output is final, its scores are recomputed tile by tile and
 *       normalised with the saved row max and sum: p = 2^(s - m) / l (s, m in log2 units, see v2).
 *   v2: the softmax in base 2. Queries are pre-multiplied by scale·log2 e (one rounding, as
 *       before with the scale alone) and mask values by log2 e, so scores come out in log2 units and
 *       p = 2^(s - m): the exponential needs no multiply by log2 e and no Cody–Waite step (TileKernelsVector.exp2:
 *       round-to-integer by the 1.5·2^23 trick, degree-6 minimax polynomial for 2^f, |f| ≤ 1/2, 2^n added
 *       into the exponent bits; ≤ 1 ulp of 1.0 relative error on [-126, 0], exactly 0 at or below -127 and
 *       for -inf; tested in TileKernelsExp2Test). The row max of a strip is fused into the score kernel
 *       (a fused scores + max kernel in v2–v3, 4 extra max registers) when the tile has no zero-padded key columns, so the
 *       separate max pass over the strip is gone. Measured (heed bench attention, 12 heads × 64, L = S,
 *       medians of 3 runs alternating v1 / v2 on the shared, loaded 2-core AMD EPYC Zen 4, AVX-512): 1 thread
 *       L = 2048 68 → 86 GFLOP/s, L = 4096 76 → 93 GFLOP/s (+22–26%); in a quiet moment, same JVM,
 *       interleaved: 1 thread L = 2048 79 → 93, 2 threads 149 → 175 GFLOP/s (1.9× one thread).
 *       What is left (1 thread, L = 2048): Q·Kᵀ runs at ~100 and P·V at ~110 GFLOP/s in isolation against a
 *       measured FMA peak of ~114 GFLOP/s (one 512-bit FMA per cycle); 2^x takes ~10% of the time, the key
 *       transpose, allocation and bookkeeping ~5–7%. Tried and dropped: 2^x fused into P·V (software
 *       pipelined so that the exponentials overlap the FMAs) — C2 exceeds its inlining node budget and boxes
 *       the vectors (5× slower), and the variant that stays inlined was ~5% slower than two passes; an 8 × 2
 *       register block for Q·Kᵀ (slower than 4 × 4); key tiles 64 … 512, a chunk-major key layout, padded key
 *       rows and query blocks 64 / 256 (all within noise).
 *   v3: the transposed keys are borrowed from the ExecutionContext's scratch instead of allocated
 *       per call (−3% at L = 2048, 2 threads: no 1×K array to zero, page in and collect), and query blocks hold
 *       256 rows (shrunk only to keep 8 tasks per thread), so each key/value tile brought into L2 serves 64 row
 *       groups: at L = 16,384, where a head's keys and values (8 MiB) leave the caches, 64-row blocks were up to
 *       8% slower on 2 threads (noisy: 0–8% over four pairs of runs); at L ≤ 4096, 64 … 512 rows are within
 *       noise. The first tile of a row skips the rescale of its (still zero) output. Where the time goes now (1 thread, L = 2048, timers around the
 *       kernels): Q·Kᵀ 42%, P·V 42%, 2^x 10%, key transpose 2%, the rest 1–2%; in place Q·Kᵀ runs at ~102 and
 *       P·V at ~112 GFLOP/s, 95 GFLOP/s overall, 2 threads ×1.97. Tried and dropped in v3: 2^x fused into the
 *       Q·Kᵀ epilogue with a lazily raised reference max (the max moves only when a 64-key block exceeds it by
 *       more than 8 in log2 units) — the exponentials do not overlap the next block's FMAs, and with four
 *       inlined 2^x per loop C2 hits NodeCountInliningCutoff and boxes vectors (25% slower); 2^x over 4 rows at
 *       once or 1 vector per step (slower); a degree-5 polynomial for 2^f (one FMA less per vector, 1.7e-7
 *       instead of 8e-8 relative error, no measurable gain); loads that pull the next key/value tile into cache
 *       while the current one is used (the kernels speed up ~3%, the loads cost as much); Q·Kᵀ unrolled 2× over
 *       E (within noise). The row max fused into Q·Kᵀ costs ~3% of Q·Kᵀ; without it, Q·Kᵀ reaches ~110.
 *       Against ONNX Runtime's MultiHeadAttention (AttentionBench, 2 threads): 0.89–0.92× at L = 16,384 and
 *       65,536, at parity (0.98–1.03× over three runs) at L = 2048 and 4096.
 *   v4 (this file): query lanes. A group of G = 64 queries (4 vectors) is held transposed, qt [E, G], and
 *       the scores come out transposed too, st [Bc, G] = K_tile · qt: key j's scores against the 64 queries are
 *       one row. Every softmax statistic is then a lane-wise vector: the running max, the rescale factor 2^(m_old -
 *       m_new), the running sum; there are no horizontal reductions and no per-row scalar bookkeeping left, and
 *       the output rows are rescaled while P·V loads them. Keys are broadcast from their natural [S, E] layout,
 *       so the key transpose (and its S·E scratch) is gone; on diagonal tiles the causal / window band hides a
 *       prefix and a suffix of each key row's lanes (two fills: lo and hi grow with the query), a key padding
 *       mask is one broadcast add. Q·Kᵀ: 4 keys × 4 query vectors
 *       (qt stays in L1); P·V: 4 query rows × 4 output vectors, as before. Measured in a single-thread harness
 *       (12 heads × 64, L = 2048, same JVM, v3 vs v4 interleaved): v3 87–93, v4 93–96 GFLOP/s; key tiles of 512
 *       beat 64–256 by 3–5%. Lesson recorded on the way: accumulators started from a static final FloatVector
 *       (instead of FloatVector.zero) made C2 lose the vectors' exact type and box them (10× slower).
 *       Costs: the same flops; extra memory per worker O(Bq·(E + Ev) + Bc·G), nothing of size S·E.
 *       In place (1 thread, L = 2048, timers around the kernels): Q·Kᵀ ~107 and P·V ~112 GFLOP/s, 2^x 8%, the
 *       lane-wise max step 0.6%, the rest 1%: ~98 GFLOP/s overall (v3: ~95). AttentionBench, 2 threads, 3
 *       alternating rounds: flash / ORT MultiHeadAttention 0.94× at L = 2048 and 4096, 0.85× at 16,384 (v3: 0.99–1.03×
 *       at 2048 / 4096, 0.89× at 16,384).
 *       Tried and dropped in v4: the rescale factors 2^(m_old - m_new) as a third vector 2^x beside the two of
 *       the probability pass, in one kernel or two (C2 hit NodeCountInliningCutoff and boxed the vectors, 1.3–2×
 *       slower: the lane loop in onlineMax with its rare Math.exp costs 0.6%); the probability pass one 16-lane
 *       column at a time (5% slower than two); 2^x fused into Q·Kᵀ after every 4 keys against the running max,
 *       kept unless a tile's max passed it by 2^8 (the helper was not inlined and the whole call got 3–15%
 *       slower); a 6 keys × 4 vectors Q·Kᵀ block (24 accumulators: 102 instead of 107 GFLOP/s, and 65 in one JIT
 *       run); key tiles of 128 / 256 / 1024 (3–10% slower than 512).
 */
final class FlashAttention {
    private FlashAttention() {}

    /** Query rows per task at most (see {@link #queryBlock}). */
    static final int QUERY_BLOCK = 256;
    /** Query rows per task at least, when {@link #queryBlock} shrinks blocks to keep every thread busy. */
    static final int MIN_QUERY_BLOCK = 64;

    /** L2 size per core as {@link MachineProbe} reads it (its default when the operating system does not say). */
    static int l2Bytes() {
        return (int) Math.min(Integer.MAX_VALUE, MachineProbe.machine().caches().l2());
    }

    /**
     * Keys per tile: a key tile [Bc, E], a value tile [Bc, Ev] and the score strip [Bc, G] take about half of L2;
     * a multiple of 16 in [16, 512], at most S.
     */
    static int keyTile(int e, int ev, int s, int l2, int lanes) {
        int bc = (l2 / 2) / (4 * Math.max(1, e + ev + lanes));
        bc = Math.max(16, Math.min(512, bc & ~15));
        return Math.max(1, Math.min(bc, s));
    }

    /** A group of up to G query rows: its queries transposed and its running softmax state. */
    private static final class Group {
        final float[] qt;       // [E, G] queries × scale · log2 e, transposed; lanes past `rows` are 0
        final float[] o;        // [G, Ev] unnormalised output
        final float[] m, l;     // [G] running max (log2 units), running sum
        final int[] lo, hi;     // [G] visible key band of each lane, non-decreasing (padding lanes see nothing)
        int i0, rows;

        Group(int lanes, int e, int ev) {
            qt = new float[e * lanes];
            o = new float[lanes * ev];
            m = new float[lanes];
            l = new float[lanes];
            lo = new int[lanes];
            hi = new int[lanes];
        }
    }

    /** Per-worker scratch, pooled per call (never shared between concurrent tasks). */
    private static final class Scratch {
        final Group[] groups;
        final float[] st;                        // [Bc, G] score / probability strip
        final float[] colMax, mSafe, alpha;      // [G] a tile's lane maxima, the maxima 2^x subtracts, rescale factors

        Scratch(int bq, int lanes, int e, int ev, int bc) {
            groups = new Group[(bq + lanes - 1) / lanes];
            for (int g = 0; g < groups.length; g++) groups[g] = new Group(lanes, e, ev);
            st = new float[bc * lanes];
            colMax = new float[lanes];
            mSafe = new float[lanes];
            alpha = new float[lanes];
        }
    }

    static AttentionResult compute(ExecutionContext ctx, AttentionProblem p, TileKernels kern, boolean capture) {
        return compute(ctx, p, kern, capture, keyTile(p.e, p.ev, p.s, l2Bytes(), kern.queryLanes()),
                queryBlock(p.batch * p.hq, p.l, ctx.threads()));
    }

    /**
     * Query rows per task: {@link #QUERY_BLOCK}, so that each key/value tile brought into L2 serves 4 groups of
     * 64 queries (at L = 16,384 a head's keys and values, 8 MiB, no longer stay in cache, and 64-row blocks were
     * 8% slower on 2 threads); halved, down to {@link #MIN_QUERY_BLOCK}, while that would leave fewer than 8 tasks
     * per thread (short sequences, few heads).
     */
    static int queryBlock(int batchHeads, int l, int threads) {
        int bq = QUERY_BLOCK;
        while (bq > MIN_QUERY_BLOCK && (long) batchHeads * ((l + bq - 1) / bq) < 8L * threads) bq /= 2;
        return Math.max(1, Math.min(bq, l));
    }

    /** With explicit tile sizes (any {@code bc} ≥ 1), for tests that need many tiles on small inputs. */
    static AttentionResult compute(ExecutionContext ctx, AttentionProblem p, TileKernels kern, boolean capture,
                                   int bc, int queryBlock) {
        float[] out = p.newOutput();
        float[] weights = capture ? p.newWeights("flash attention") : null;
        if (p.l > 0 && p.s > 0 && p.batch > 0 && p.hq > 0) {
            int bq = Math.min(queryBlock, p.l), lanes = kern.queryLanes();
            p.forEachQueryBlock(ctx, bq, () -> new Scratch(bq, lanes, p.e, p.ev, bc),
                    (w, b, h, i0, rows) -> block(p, kern, bc, b, h, i0, rows, w, out, weights));
        }
        return new AttentionResult(p.outputTensor(out),
                capture ? Tensor.of(weights, p.batch, p.hq, p.l, p.s) : null);
    }

    /** One query block [i0, i0 + rows) of head (b, h), in groups of G queries. */
    private static void block(AttentionProblem p, TileKernels kern, int bc, int b, int h, int i0, int rows,
                              Scratch w, float[] out, float[] weights) {
        int ev = p.ev, lanes = kern.queryLanes();
        int nGroups = (rows + lanes - 1) / lanes;
        for (int g = 0; g < nGroups; g++) {
            Group gr = w.groups[g];
            gr.i0 = i0 + g * lanes;
            gr.rows = Math.min(lanes, i0 + rows - gr.i0);
            loadGroup(p, b, h, gr, lanes);
        }
        int jLo = p.lo(i0), jHi = p.hi(i0 + rows - 1); // band of keys any row of the block sees
        int kb = p.kBase(b, h), vb = p.vBase(b, h);
        if (jHi >= jLo) {
            for (int t = jLo / bc, tEnd = jHi / bc; t <= tEnd; t++) {
                int j0 = t * bc, wd = Math.min(bc, p.s - j0);
                for (int g = 0; g < nGroups; g++) {
                    Group gr = w.groups[g];
                    if (!tileScores(p, kern, b, h, gr, kb, j0, wd, w)) continue;
                    onlineMax(w.colMax, gr.m, w.mSafe, w.alpha, lanes);
                    kern.exp2T(w.st, wd, w.mSafe, w.alpha, gr.l);
                    kern.accumulateT(w.st, gr.rows, wd, p.v, vb + j0 * ev, ev, ev, w.alpha, gr.o, ev);
                }
            }
        }
        for (int g = 0; g < nGroups; g++) {
            Group gr = w.groups[g];
            int ob = p.outBase(b, h) + gr.i0 * ev;
            for (int r = 0; r < gr.rows; r++) {
                float inv = gr.l[r] > 0 ? 1f / gr.l[r] : 0f; // fully masked row -> zeros
                for (int c = 0; c < ev; c++) out[ob + r * ev + c] = gr.o[r * ev + c] * inv;
            }
            if (weights != null && jHi >= jLo) captureWeights(p, kern, bc, b, h, gr, w, weights, jLo, jHi);
        }
    }

    /**
     * One online-softmax step of the running maxima, lane by lane: {@code mNew = max(m, colMax)}; {@code mSafe}
     * is mNew, or 0 where nothing is visible yet (so that 2^(-inf - mSafe) = 0, never NaN); {@code alpha =
     * 2^(m - mNew)} rescales the lane's sum and output (0 at the first visible keys, 1 when the max stays, which
     * is most lanes after the first tiles: a scalar loop with a rare exponential, instead of a third vector 2^x in
     * the compilation unit, see {@link TileKernelsVector#exp2T}).
     */
    static void onlineMax(float[] colMax, float[] m, float[] mSafe, float[] alpha, int lanes) {
        for (int i = 0; i < lanes; i++) {
            float mo = m[i], mn = Math.max(mo, colMax[i]);
            mSafe[i] = mn == Float.NEGATIVE_INFINITY ? 0f : mn;
            alpha[i] = mn == mo ? 1f : mo == Float.NEGATIVE_INFINITY ? 0f : exp2(mo - mn);
            m[i] = mn;
        }
    }

    /** Loads a group's transposed, log2-scaled queries, clears its state and records each lane's key band. */
    private static void loadGroup(AttentionProblem p, int b, int h, Group gr, int lanes) {
        int e = p.e;
        float f = (float) (p.scale * LOG2E);
        if (gr.rows < lanes) Arrays.fill(gr.qt, 0f);
        int src = p.qBase(b, h) + gr.i0 * e;
        for (int r = 0; r < gr.rows; r++) {
            for (int x = 0; x < e; x++) gr.qt[x * lanes + r] = p.q[src + r * e + x] * f;
        }
        Arrays.fill(gr.o, 0f);
        Arrays.fill(gr.m, Float.NEGATIVE_INFINITY);
        Arrays.fill(gr.l, 0f);
        for (int r = 0; r < lanes; r++) {
            // padding lanes: hidden from every key, which keeps lo and hi non-decreasing (see hideOutsideBand)
            gr.lo[r] = r < gr.rows ? p.lo(gr.i0 + r) : Integer.MAX_VALUE;
            gr.hi[r] = r < gr.rows ? p.hi(gr.i0 + r) : Integer.MAX_VALUE;
        }
    }

    /**
     * Scores of a group against keys [j0, j0 + wd) into {@code w.st} (log2 units, masked) with their lane-wise
     * maxima in {@code w.colMax}; false when no row of the group sees any of these keys.
     */
    private static boolean tileScores(AttentionProblem p, TileKernels kern, int b, int h, Group gr, int kb, int j0,
                                      int wd, Scratch w) {
        int first = gr.i0, last = gr.i0 + gr.rows - 1;
        // causal early stop / window start (lo and hi grow with the query index)
        if (p.hi(last) < j0 || p.lo(first) >= j0 + wd) return false;
        kern.scoresT(gr.qt, p.e, p.k, kb + j0 * p.e, p.e, wd, w.st, w.colMax);
        int hiMin = p.hi(first), loMax = p.lo(last);
        boolean banded = loMax > j0 || hiMin < j0 + wd - 1;
        if (p.mask == null && !banded) return true;
        if (p.mask != null) addMaskLog2(p, kern, b, h, gr, j0, wd, w.st);
        if (banded) {
            // only key rows some lane cannot see: before the last row's window start, after the first row's diagonal
            int a = Math.min(wd, Math.max(0, loMax - j0)), z = Math.max(a, Math.min(wd, hiMin - j0 + 1));
            int lanes = kern.queryLanes();
            hideOutsideBand(w.st, lanes, 0, a, j0, gr.lo, gr.hi);
            hideOutsideBand(w.st, lanes, z, wd, j0, gr.lo, gr.hi);
        }
        kern.colMaxT(w.st, wd, w.colMax);
        return true;
    }

    /**
     * Visibility band: {@code st[j·G + i] = -inf} where key {@code j0 + j} lies outside {@code [lo[i], hi[i]]},
     * for key rows j in {@code [jFrom, jTo)} of a strip st [keys, G]. lo and hi must be non-decreasing in i (they
     * are: causal diagonals and window starts move right with the query), so in every key row the hidden lanes are
     * a prefix (the diagonal not reached yet) and a suffix (the window already past it), found by two pointers
     * that only move forward, and hidden with two contiguous fills.
     */
    static void hideOutsideBand(float[] st, int lanes, int jFrom, int jTo, int j0, int[] lo, int[] hi) {
        int pre = 0, suf = 0; // lanes [0, pre) have hi < key; lanes [suf, G) have lo > key
        for (int j = jFrom; j < jTo; j++) {
            int key = j0 + j;
            while (pre < lanes && hi[pre] < key) pre++;
            while (suf < lanes && lo[suf] <= key) suf++;
            int row = j * lanes;
            if (pre > 0) Arrays.fill(st, row, row + pre, Float.NEGATIVE_INFINITY);
            if (suf < lanes) Arrays.fill(st, row + Math.max(suf, pre), row + lanes, Float.NEGATIVE_INFINITY);
        }
    }

    /** Adds the mask, times log2 e, to a group's scores [wd, G]: one row for all queries when it does not vary by query. */
    private static void addMaskLog2(AttentionProblem p, TileKernels kern, int b, int h, Group gr, int j0, int wd,
                                    float[] st) {
        float f = (float) LOG2E;
        if (p.maskIndependentOfQuery()) {
            kern.addKeyBiasT(st, wd, p.mask, p.maskRow(b, h, gr.i0) + j0, f);
            return;
        }
        int lanes = kern.queryLanes();
        for (int r = 0; r < gr.rows; r++) {
            int mr = p.maskRow(b, h, gr.i0 + r) + j0;
            for (int j = 0; j < wd; j++) st[j * lanes + r] += p.mask[mr + j] * f;
        }
    }

    /** log2 e: scores are kept in log2 units so that the softmax needs 2^x (no multiply by log2 e per score). */
    static final double LOG2E = 1.4426950408889634;
    private static final double LN2 = 0.6931471805599453;

    /** 2^x in double precision, rounded to float (0 for -inf). */
    static float exp2(float x) {
        return (float) Math.exp(x * LN2);
    }

    /** Recomputes a group's scores and writes p = 2^(s - m) / l into weights [B, Hq, L, S]. */
    private static void captureWeights(AttentionProblem p, TileKernels kern, int bc, int b, int h, Group gr, Scratch w,
                                       float[] weights, int jLo, int jHi) {
        int lanes = kern.queryLanes();
        long wb = p.weightsBase(b, h);
        float[] st = w.st, mSafe = w.mSafe, one = w.alpha, sums = w.colMax;
        for (int r = 0; r < lanes; r++) mSafe[r] = gr.m[r] == Float.NEGATIVE_INFINITY ? 0f : gr.m[r];
        Arrays.fill(one, 1f);
        int kb = p.kBase(b, h);
        for (int t = jLo / bc, tEnd = jHi / bc; t <= tEnd; t++) {
            int j0 = t * bc, wd = Math.min(bc, p.s - j0);
            if (!tileScores(p, kern, b, h, gr, kb, j0, wd, w)) continue;
            kern.exp2T(st, wd, mSafe, one, sums); // (sums unused)
            for (int r = 0; r < gr.rows; r++) {
                if (gr.l[r] == 0f) continue; // fully masked: stays 0
                float inv = 1f / gr.l[r];
                int dst = (int) (wb + (long) (gr.i0 + r) * p.s + j0);
                for (int j = 0; j < wd; j++) weights[dst + j] = st[j * lanes + r] * inv;
            }
        }
    }
}
