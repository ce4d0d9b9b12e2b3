package dev.heed.attention;

import dev.heed.exec.ExecutionContext;
import dev.heed.kernel.MachineProbe;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/*
 * Exact (materialised-scores) softmax attention — catalogue.
 *   v1: the textbook two-pass form, Vaswani et al., "Attention Is All You Need" (2017), eq. 1:
 *       for a block of query rows, all scores [Bq, S] are computed (one small GEMM against the transposed
 *       keys), masked, soft-maxed row by row (max, exp, sum, divide), written out as weights when captured,
 *       then multiplied by V. The keys were transposed into one tile [E, Sp] per head and a block held up to 64
 *       rows within a fixed budget of 4 MiB of scores.
 *   v2 (this file): the same arithmetic, blocked for the caches the machine reports (MachineProbe):
 *       - Q·Kᵀ and P·V run key tile by key tile: keys are transposed into tiles [E, Bc] and the value rows of a
 *         tile [Bc, Ev] are contiguous, with Bc chosen so that a tile fills at most a third of L1d (64 keys at
 *         E = 64 on a 48 KiB L1d). Each tile is then loaded once per block and reused by all its 4-row register
 *         groups from L1, instead of the whole [E, S] keys and [S, Ev] values streaming through L1 once per 4 rows
 *         (at S = 2048 that is 1 MiB per 4 query rows, and the keys' 8 KiB row stride maps every column block of
 *         the old [E, Sp] layout onto the same few L1 sets).
 *       - Bq (≤ 64 rows) is chosen so that the block's scores [Bq, Sp] take at most a quarter of L2, which leaves
 *         room for the head's keys and values; v1's fixed 4 MiB kept 64 rows up to S = 16,384 (4 MiB of scores)
 *         whatever the L2.
 *       Every score is still one FMA chain over E from zero, and every output element one FMA chain over the keys
 *       in order (the running sums are stored between tiles and reloaded), so the results are bitwise those of
 *       v1 (tested: explicit one-tile blocking against the default one).
 *       The motivation (heed bench attention, 12 heads × 64, L = 2048, 2 threads, Intel Xeon with 2 MiB L2): v1's
 *       dense rows ran at 97–112 GFLOP/s, below its causal rows (85–125), which touch half the keys per block.
 *       Measured on that Xeon while other builds ran (load 9–13 on 2 cores), v1's blocking (one tile, 64 rows) and
 *       v2's interleaved in one JVM, 1 thread, CPU time per call, medians of 9 rounds: dense 47.1 → 48.8 GFLOP/s,
 *       causal 44.6 → 46.9. On the quiet machine (BENCHMARKS.md, attention tables; 2 threads, medians of three
 *       JVMs): dense L = 2048 at 179 GFLOP/s (v1: 101–112), causal 162.
 *   Cost: 2·L·S·(E + Ev) flops per head (keys past the causal band of a block are skipped); memory
 *       [Bq, S] scores per worker plus the keys transposed once (the size of K, padded to whole tiles); with
 *       capture the full [B, Hq, L, S] weights. Quadratic in S per block: use FLASH for long sequences.
 *   Parallel over B × Hq × query blocks, dynamic scheduling.
 */
final class ExactAttention {
    private ExactAttention() {}

    /** Query rows per block at most: 16 register groups of 4 rows reuse each key and value tile from L1. */
    static final int MAX_QUERY_BLOCK = 64;
    /** Keys per tile at most (reached only with tiny heads: E = 8 on a 48 KiB L1d). */
    static final int MAX_KEY_TILE = 512;

    private static final class Scratch {
        final float[] qs, o, sc;

        Scratch(int bq, int e, int ev, int sp) {
            qs = new float[bq * e];  // [Bq, E]
            o = new float[bq * ev];  // [Bq, Ev]
            sc = new float[bq * sp]; // [Bq, S] scores, then probabilities
        }
    }

    static AttentionResult compute(ExecutionContext ctx, AttentionProblem p, TileKernels kern, boolean capture) {
        MachineProbe.Caches caches = MachineProbe.machine().caches();
        return compute(ctx, p, kern, capture, keyTile(p.e, p.ev, p.s, caches.l1d(), kern.queryLanes()),
                queryBlock(p.s, caches.l2()));
    }

    /**
     * Keys per tile: a multiple of {@code unit} (the widest column block of the score kernel, {@link
     * TileKernels#queryLanes()}: 4 vectors; always a multiple of 16) such that a key tile [E, Bc] and a value tile
     * [Bc, Ev] each take at most a third of L1d (the block's queries [Bq, E] and a stream of score rows share it);
     * at least one unit, at most {@link #MAX_KEY_TILE} and never wider than the padded keys.
     */
    static int keyTile(int e, int ev, int s, long l1dBytes, int unit) {
        long perKey = 4L * Math.max(1, Math.max(e, ev));
        long fit = (l1dBytes / 3) / perKey / unit * unit;
        int bc = (int) Math.max(unit, Math.min(MAX_KEY_TILE, fit));
        return Math.max(16, Math.min(bc, AttentionProblem.pad16(s)));
    }

    /**
     * Query rows per block: a multiple of 4 (the register groups) such that the scores [Bq, Sp] take at most a
     * quarter of L2; at least 4, at most {@link #MAX_QUERY_BLOCK}.
     */
    static int queryBlock(int s, long l2Bytes) {
        long rowBytes = 4L * AttentionProblem.pad16(Math.max(1, s));
        long fit = (l2Bytes / 4) / rowBytes & ~3L;
        return (int) Math.max(4, Math.min(MAX_QUERY_BLOCK, fit));
    }

    /**
     * With explicit blocking, for tests and measurements: {@code bc} keys per tile (rounded up to a multiple of 16),
     * {@code bq} query rows per block. The results do not depend on either.
     */
    static AttentionResult compute(ExecutionContext ctx, AttentionProblem p, TileKernels kern, boolean capture,
                                   int bc, int bq) {
        float[] out = p.newOutput();
        float[] weights = capture ? p.newWeights("exact attention") : null;
        if (p.l > 0 && p.s > 0 && p.batch > 0 && p.hq > 0) {
            int sp = AttentionProblem.pad16(p.s), tile = AttentionProblem.pad16(Math.max(1, bc));
            int rows = Math.max(1, Math.min(bq, p.l));
            float[] kt = p.transposedKeys(ctx, tile); // [B, Hkv, T, E, Bc]
            try {
                p.forEachQueryBlock(ctx, rows, () -> new Scratch(rows, p.e, p.ev, sp),
                        (w, b, h, i0, n) -> block(p, kern, kt, tile, sp, b, h, i0, n, w, out, weights));
            } finally {
                ctx.giveBack(kt);
            }
        }
        return new AttentionResult(p.outputTensor(out),
                capture ? Tensor.of(weights, p.batch, p.hq, p.l, p.s) : null);
    }

    private static void block(AttentionProblem p, TileKernels kern, float[] kt, int bc, int sp, int b, int h, int i0,
                              int rows, Scratch w, float[] out, float[] weights) {
        int e = p.e, ev = p.ev;
        float[] qs = w.qs, o = w.o, sc = w.sc;
        int ob = p.outBase(b, h) + i0 * ev;
        int jHi = p.hi(i0 + rows - 1);
        if (jHi < p.lo(i0)) { // no row of the block sees a key
            Arrays.fill(out, ob, ob + rows * ev, 0f);
            return;
        }
        int n = jHi + 1, cols = AttentionProblem.pad16(n); // keys [0, n) cover every visible key of the block
        p.loadScaledQueries(b, h, i0, rows, qs);
        // scores [rows, cols] tile by tile: each key tile [E, Bc] stays in L1 for all the block's rows
        for (int j0 = 0, t = 0; j0 < cols; j0 += bc, t++) {
            kern.scores(qs, 0, e, rows, e, kt, p.keyTileBase(b, h, t, bc), bc, Math.min(bc, cols - j0), sc, j0, sp);
        }
        long wb = p.weightsBase(b, h);
        for (int r = 0; r < rows; r++) {
            int i = i0 + r, so = r * sp;
            if (!p.fullyVisible(i, 0, n)) p.maskScores(sc, so, b, h, i, 0, n);
            float max = kern.max(sc, so, n);
            if (max == Float.NEGATIVE_INFINITY) {
                Arrays.fill(sc, so, so + n, 0f); // fully masked row -> zeros
            } else {
                float sum = kern.expSum(sc, so, n, max);
                kern.scale(sc, so, n, 1f / sum);
            }
            if (weights != null) System.arraycopy(sc, so, weights, (int) (wb + (long) i * p.s), n);
        }
        // P·V over the same key tiles: the value rows [Bc, Ev] stay in L1, the output rows are reloaded per tile
        Arrays.fill(o, 0, rows * ev, 0f);
        int vb = p.vBase(b, h);
        for (int j0 = 0; j0 < n; j0 += bc) {
            kern.accumulate(sc, j0, sp, rows, Math.min(bc, n - j0), p.v, vb + j0 * ev, ev, ev, o, 0, ev);
        }
        System.arraycopy(o, 0, out, ob, rows * ev);
    }
}
