package dev.heed.attention;

import dev.heed.exec.ExecutionContext;
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
 *       skipped), extra memory O((L + S)·E) per worker: a query block [Bq, E], its output [Bq, Ev], one
 *       score strip [4, Bc] and the keys transposed once into tiles [E, Bc] (same size as K). Never L×S.
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
 *       (TileKernels.scoresMax, 4 extra max registers) when the tile has no zero-padded key columns, so the
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
 *   v3 (this file): the transposed keys are borrowed from the ExecutionContext's scratch instead of allocated
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
 */
final class FlashAttention {
    private FlashAttention() {}

    /** Assumed L2 size when the platform does not say (bytes). */
    static final int DEFAULT_L2_BYTES = 1 << 20;
    /** Query rows per task at most (see {@link #queryBlock}). */
    static final int QUERY_BLOCK = 256;
    /** Query rows per task at least, when {@link #queryBlock} shrinks blocks to keep every thread busy. */
    static final int MIN_QUERY_BLOCK = 32;

    /** L2 size per core, read once from Linux sysfs when present; {@link #DEFAULT_L2_BYTES} otherwise. */
    static int l2Bytes() {
        return L2.BYTES;
    }

    private static final class L2 {
        static final int BYTES = detect();

        private static int detect() {
            try {
                for (int idx = 0; idx < 8; idx++) {
                    java.nio.file.Path dir = java.nio.file.Path.of("/sys/devices/system/cpu/cpu0/cache/index" + idx);
                    if (!java.nio.file.Files.isDirectory(dir)) break;
                    String level = java.nio.file.Files.readString(dir.resolve("level")).trim();
                    if (!level.equals("2")) continue;
                    String size = java.nio.file.Files.readString(dir.resolve("size")).trim().toUpperCase();
                    int mult = size.endsWith("K") ? 1024 : size.endsWith("M") ? 1 << 20 : 1;
                    String digits = size.replaceAll("[^0-9]", "");
                    return Integer.parseInt(digits) * mult;
                }
            } catch (Exception | Error ignored) {
                // unreadable: keep the default
            }
            return DEFAULT_L2_BYTES;
        }
    }

    /** Keys per tile: a key tile and a value tile take about half of L2; a multiple of 16 in [16, 512]. */
    static int keyTile(int e, int ev, int s, int l2) {
        int bc = (l2 / 2) / (4 * Math.max(1, e + ev));
        bc = Math.max(16, Math.min(512, bc & ~15));
        return Math.min(bc, AttentionProblem.pad16(Math.max(1, s)));
    }

    /** Per-worker scratch, pooled per call (never shared between concurrent tasks). */
    private static final class Scratch {
        final float[] qs, o, m, l, sc, mx;

        Scratch(int bq, int e, int ev, int bc) {
            qs = new float[bq * e];   // [Bq, E] scaled queries
            o = new float[bq * ev];   // [Bq, Ev] unnormalised output
            m = new float[bq];        // [Bq] running max
            l = new float[bq];        // [Bq] running sum
            sc = new float[4 * bc];   // [4, Bc] score strip
            mx = new float[4];        // [4] the strip's row maxima
        }
    }

    static AttentionResult compute(ExecutionContext ctx, AttentionProblem p, TileKernels kern, boolean capture) {
        return compute(ctx, p, kern, capture, keyTile(p.e, p.ev, p.s, l2Bytes()),
                queryBlock(p.batch * p.hq, p.l, ctx.threads()));
    }

    /**
     * Query rows per task: {@link #QUERY_BLOCK}, so that each key/value tile brought into L2 serves 64 register
     * groups of 4 rows (at L = 16,384 a head's keys and values, 8 MiB, no longer stay in cache, and 64-row
     * blocks were 8% slower on 2 threads); halved, down to {@link #MIN_QUERY_BLOCK}, while that would leave
     * fewer than 8 tasks per thread (short sequences, few heads).
     */
    static int queryBlock(int batchHeads, int l, int threads) {
        int bq = QUERY_BLOCK;
        while (bq > MIN_QUERY_BLOCK && (long) batchHeads * ((l + bq - 1) / bq) < 8L * threads) bq /= 2;
        return Math.max(1, Math.min(bq, l));
    }

    /** With explicit tile sizes ({@code bc} a multiple of 16), for tests that need many tiles on small inputs. */
    static AttentionResult compute(ExecutionContext ctx, AttentionProblem p, TileKernels kern, boolean capture,
                                   int bc, int queryBlock) {
        float[] out = p.newOutput();
        float[] weights = capture ? p.newWeights("flash attention") : null;
        if (p.l > 0 && p.s > 0 && p.batch > 0 && p.hq > 0) {
            int bq = Math.min(queryBlock, p.l);
            float[] kt = p.transposedKeys(ctx, bc);
            try {
                p.forEachQueryBlock(ctx, bq, () -> new Scratch(bq, p.e, p.ev, bc),
                        (w, b, h, i0, rows) -> block(p, kern, kt, bc, b, h, i0, rows, w, out, weights));
            } finally {
                ctx.giveBack(kt);
            }
        }
        return new AttentionResult(p.outputTensor(out),
                capture ? Tensor.of(weights, p.batch, p.hq, p.l, p.s) : null);
    }

    /** One query block [i0, i0 + rows) of head (b, h). */
    private static void block(AttentionProblem p, TileKernels kern, float[] kt, int bc, int b, int h, int i0, int rows,
                              Scratch w, float[] out, float[] weights) {
        int e = p.e, ev = p.ev;
        float[] qs = w.qs, o = w.o, m = w.m, l = w.l, sc = w.sc, mx = w.mx;
        loadQueriesLog2(p, b, h, i0, rows, qs);
        Arrays.fill(o, 0, rows * ev, 0f);
        Arrays.fill(m, 0, rows, Float.NEGATIVE_INFINITY);
        Arrays.fill(l, 0, rows, 0f);
        int jLo = p.lo(i0), jHi = p.hi(i0 + rows - 1); // band of keys any row of the block sees
        int vb = p.vBase(b, h);
        if (jHi >= jLo) {
            for (int t = jLo / bc, tEnd = jHi / bc; t <= tEnd; t++) {
                int j0 = t * bc, wd = Math.min(bc, p.s - j0), wp = AttentionProblem.pad16(wd);
                int ktb = p.keyTileBase(b, h, t, bc);
                for (int g = 0; g < rows; g += 4) {
                    int gr = Math.min(4, rows - g);
                    // causal early stop / window start: skip a row group that sees nothing of this tile
                    if (p.hi(i0 + g + gr - 1) < j0 || p.lo(i0 + g) >= j0 + wd) continue;
                    boolean fusedMax = wd == wp; // no zero-padded key columns: the fused row maxima are exact
                    if (fusedMax) kern.scoresMax(qs, g * e, e, gr, e, kt, ktb, bc, wp, sc, 0, bc, mx, 0);
                    else kern.scores(qs, g * e, e, gr, e, kt, ktb, bc, wp, sc, 0, bc);
                    for (int r = 0; r < gr; r++) {
                        int i = i0 + g + r, so = r * bc, row = g + r;
                        float tileMax;
                        if (!p.fullyVisible(i, j0, wd)) {
                            maskScoresLog2(p, sc, so, b, h, i, j0, wd);
                            tileMax = kern.max(sc, so, wd);
                        } else {
                            tileMax = fusedMax ? mx[r] : kern.max(sc, so, wd);
                        }
                        float mOld = m[row];
                        float mNew = Math.max(mOld, tileMax);
                        if (mNew == Float.NEGATIVE_INFINITY) { // nothing visible yet: contributes nothing
                            Arrays.fill(sc, so, so + wd, 0f);
                            continue;
                        }
                        float sum = kern.exp2Sum(sc, so, wd, mNew);
                        if (mOld == Float.NEGATIVE_INFINITY) { // first visible keys: o and l are still 0
                            l[row] = sum;
                            m[row] = mNew;
                        } else if (mNew != mOld) {
                            float alpha = exp2(mOld - mNew);
                            l[row] = l[row] * alpha + sum;
                            kern.scale(o, row * ev, ev, alpha);
                            m[row] = mNew;
                        } else {
                            l[row] += sum;
                        }
                    }
                    kern.accumulate(sc, 0, bc, gr, wd, p.v, vb + j0 * ev, ev, ev, o, g * ev, ev);
                }
            }
        }
        int ob = p.outBase(b, h) + i0 * ev;
        for (int r = 0; r < rows; r++) {
            float inv = l[r] > 0 ? 1f / l[r] : 0f; // fully masked row -> zeros
            for (int c = 0; c < ev; c++) out[ob + r * ev + c] = o[r * ev + c] * inv;
        }
        if (weights != null && jHi >= jLo) captureWeights(p, kern, kt, bc, b, h, i0, rows, w, weights, jLo, jHi);
    }

    /** log2 e: scores are kept in log2 units so that the softmax needs 2^x (no multiply by log2 e per score). */
    static final double LOG2E = 1.4426950408889634;
    private static final double LN2 = 0.6931471805599453;

    /** 2^x in double precision, rounded to float (0 for -inf). */
    static float exp2(float x) {
        return (float) Math.exp(x * LN2);
    }

    /**
     * Copies query rows {@code [i0, i0 + rows)} of (b, h) into {@code dst [rows, E]}, multiplied by
     * scale · log2 e (one rounding, like the plain scale), so that q·k comes out in log2 units.
     */
    static void loadQueriesLog2(AttentionProblem p, int b, int h, int i0, int rows, float[] dst) {
        float f = (float) (p.scale * LOG2E);
        int src = p.qBase(b, h) + i0 * p.e;
        for (int x = 0, n = rows * p.e; x < n; x++) dst[x] = p.q[src + x] * f;
    }

    /**
     * {@link AttentionProblem#maskScores} for scores in log2 units: hidden keys become -inf (unit free) and the
     * additive mask is added times log2 e.
     */
    static void maskScoresLog2(AttentionProblem p, float[] sc, int so, int b, int h, int i, int j0, int w) {
        if (p.mask == null) {
            p.maskScores(sc, so, b, h, i, j0, w);
            return;
        }
        int lo = p.lo(i) - j0, hi = p.hi(i) - j0; // visible: lo <= j <= hi, tile-relative
        if (lo > 0) Arrays.fill(sc, so, so + Math.min(lo, w), Float.NEGATIVE_INFINITY);
        if (hi < w - 1) Arrays.fill(sc, so + Math.max(0, hi + 1), so + w, Float.NEGATIVE_INFINITY);
        float f = (float) LOG2E;
        int mr = p.maskRow(b, h, i) + j0;
        for (int j = Math.max(0, lo), z = Math.min(w - 1, hi); j <= z; j++) sc[so + j] += p.mask[mr + j] * f;
    }

    /** Recomputes the block's scores and writes p = exp(s - m) / l into weights [B, Hq, L, S]. */
    private static void captureWeights(AttentionProblem p, TileKernels kern, float[] kt, int bc, int b, int h, int i0,
                                       int rows, Scratch w, float[] weights, int jLo, int jHi) {
        float[] qs = w.qs, m = w.m, l = w.l, sc = w.sc;
        long wb = p.weightsBase(b, h);
        for (int t = jLo / bc, tEnd = jHi / bc; t <= tEnd; t++) {
            int j0 = t * bc, wd = Math.min(bc, p.s - j0), wp = AttentionProblem.pad16(wd);
            int ktb = p.keyTileBase(b, h, t, bc);
            for (int g = 0; g < rows; g += 4) {
                int gr = Math.min(4, rows - g);
                if (p.hi(i0 + g + gr - 1) < j0 || p.lo(i0 + g) >= j0 + wd) continue;
                kern.scores(qs, g * p.e, p.e, gr, p.e, kt, ktb, bc, wp, sc, 0, bc);
                for (int r = 0; r < gr; r++) {
                    int i = i0 + g + r, so = r * bc, row = g + r;
                    if (l[row] == 0f) continue; // fully masked: stays 0
                    if (!p.fullyVisible(i, j0, wd)) maskScoresLog2(p, sc, so, b, h, i, j0, wd);
                    kern.exp2Sum(sc, so, wd, m[row]);
                    kern.scale(sc, so, wd, 1f / l[row]);
                    System.arraycopy(sc, so, weights, (int) (wb + (long) i * p.s + j0), wd);
                }
            }
        }
    }
}
