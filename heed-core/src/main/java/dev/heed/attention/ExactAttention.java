package dev.heed.attention;

import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/*
 * Exact (materialised-scores) softmax attention — catalogue.
 *   v1 (this file): the textbook two-pass form, Vaswani et al., "Attention Is All You Need" (2017), eq. 1:
 *       for a block of query rows, all scores [Bq, S] are computed (one small GEMM against the transposed
 *       keys), masked, soft-maxed row by row (max, exp, sum, divide), written out as weights when captured,
 *       then multiplied by V.
 *   Cost: 2·L·S·(E + Ev) flops per head (keys past the causal band of a block are skipped); memory
 *       [Bq, S] scores per worker plus the keys transposed once (same size as K); with capture the full
 *       [B, Hq, L, S] weights. Quadratic in S per block: use FLASH for long sequences.
 *   Parallel over B × Hq × query blocks, dynamic scheduling.
 */
final class ExactAttention {
    private ExactAttention() {}

    /** Score floats per worker the block size aims at (4 MiB). */
    static final int SCORE_BUDGET = 1 << 20;

    private static final class Scratch {
        final float[] qs, o, sc;

        Scratch(int bq, int e, int ev, int sp) {
            qs = new float[bq * e];  // [Bq, E]
            o = new float[bq * ev];  // [Bq, Ev]
            sc = new float[bq * sp]; // [Bq, S] scores, then probabilities
        }
    }

    static AttentionResult compute(ExecutionContext ctx, AttentionProblem p, TileKernels kern, boolean capture) {
        float[] out = p.newOutput();
        float[] weights = capture ? p.newWeights("exact attention") : null;
        if (p.l > 0 && p.s > 0 && p.batch > 0 && p.hq > 0) {
            int sp = AttentionProblem.pad16(p.s);
            int bq = Math.min(p.l, Math.max(4, Math.min(64, (SCORE_BUDGET / sp) & ~3)));
            float[] kt = p.transposedKeys(ctx, sp); // one tile holding all keys: [B, Hkv, E, Sp]
            try {
                p.forEachQueryBlock(ctx, bq, () -> new Scratch(bq, p.e, p.ev, sp),
                        (w, b, h, i0, rows) -> block(p, kern, kt, sp, b, h, i0, rows, w, out, weights));
            } finally {
                ctx.giveBack(kt);
            }
        }
        return new AttentionResult(p.outputTensor(out),
                capture ? Tensor.of(weights, p.batch, p.hq, p.l, p.s) : null);
    }

    private static void block(AttentionProblem p, TileKernels kern, float[] kt, int sp, int b, int h, int i0, int rows,
                              Scratch w, float[] out, float[] weights) {
        int e = p.e, ev = p.ev;
        float[] qs = w.qs, o = w.o, sc = w.sc;
        int ob = p.outBase(b, h) + i0 * ev;
        int jHi = p.hi(i0 + rows - 1);
        if (jHi < p.lo(i0)) { // no row of the block sees a key
            Arrays.fill(out, ob, ob + rows * ev, 0f);
            return;
        }
        int n = jHi + 1; // keys [0, n) cover every visible key of the block
        p.loadScaledQueries(b, h, i0, rows, qs);
        kern.scores(qs, 0, e, rows, e, kt, p.keyTileBase(b, h, 0, sp), sp, AttentionProblem.pad16(n), sc, 0, sp);
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
        Arrays.fill(o, 0, rows * ev, 0f);
        kern.accumulate(sc, 0, sp, rows, n, p.v, p.vBase(b, h), ev, ev, o, 0, ev);
        System.arraycopy(o, 0, out, ob, rows * ev);
    }
}
