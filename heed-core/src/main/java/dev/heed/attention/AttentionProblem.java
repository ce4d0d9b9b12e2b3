package dev.heed.attention;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * One attention call resolved: shapes checked, inputs as contiguous float arrays, the mask as an additive
 * float array with broadcast strides, and the visibility rules (causal alignment, window) as key ranges.
 * Shared by every implementation so that they agree on the contract by construction.
 */
final class AttentionProblem {
    final int batch, hq, hkv, group, l, s, e, ev;
    final float scale;
    final boolean causal;
    final int window;   // 0 = none
    final int shift;    // diagonal of query i is key i + shift
    final AttentionSpec spec;

    final float[] q; final int qOff;   // [B, Hq, L, E]
    final float[] k; final int kOff;   // [B, Hkv, S, E]
    final float[] v; final int vOff;   // [B, Hkv, S, Ev]

    /** The caller's output tensor [B, Hq, L, Ev] (contiguous float32, checked), or null: a new one per call. */
    final Tensor into; final int outOff;

    /** Additive mask (0 or a bias, -inf hides), contiguous along S; null when there is no mask. */
    final float[] mask;
    final int maskB, maskH, maskL; // strides of [B, Hq, L] in mask (0 where broadcast)

    AttentionProblem(String op, Tensor qt, Tensor kt, Tensor vt, AttentionSpec spec) {
        this(op, qt, kt, vt, spec, null);
    }

    /** With {@code into} non-null, the output is written into it (see {@link Attention#computeInto}). */
    AttentionProblem(String op, Tensor qt, Tensor kt, Tensor vt, AttentionSpec spec, Tensor into) {
        this.spec = spec;
        if (qt.rank() != 4 || kt.rank() != 4 || vt.rank() != 4) {
            throw HeedException.shape(op, "q" + qt.shape() + ", k" + kt.shape() + ", v" + vt.shape()
                    + ": expected rank 4 [B, H, L, E]");
        }
        for (Tensor t : new Tensor[] {qt, kt, vt}) {
            if (t.dtype() != DType.FLOAT32) throw HeedException.unsupported(op + ": q/k/v dtype " + t.dtype(), DType.FLOAT32);
        }
        batch = qt.dim(0); hq = qt.dim(1); l = qt.dim(2); e = qt.dim(3);
        hkv = kt.dim(1); s = kt.dim(2); ev = vt.dim(3);
        String shapes = "q" + qt.shape() + ", k" + kt.shape() + ", v" + vt.shape();
        if (kt.dim(0) != batch || vt.dim(0) != batch) throw HeedException.shape(op, shapes + ": batch sizes differ");
        if (kt.dim(3) != e) throw HeedException.shape(op, shapes + ": q.dim(3)=" + e + " != k.dim(3)=" + kt.dim(3));
        if (vt.dim(1) != hkv || vt.dim(2) != s) throw HeedException.shape(op, shapes + ": k and v must agree on [B, Hkv, S]");
        if (hkv == 0 ? hq != 0 : hq % hkv != 0) {
            throw HeedException.shape(op, shapes + ": query heads Hq=" + hq + " must be a multiple of key/value heads Hkv=" + hkv);
        }
        group = hkv == 0 ? 1 : hq / hkv;
        scale = (float) spec.effectiveScale(e);
        causal = spec.causal() != CausalAlignment.NONE;
        window = spec.window();
        shift = spec.causal() == CausalAlignment.TOP_LEFT ? 0 : s - l;

        Tensor qc = qt.contiguous(), kc = kt.contiguous(), vc = vt.contiguous();
        q = qc.floatArrayOrNull(); qOff = (int) qc.offset();
        k = kc.floatArrayOrNull(); kOff = (int) kc.offset();
        v = vc.floatArrayOrNull(); vOff = (int) vc.offset();

        if (into != null) {
            int[] want = {batch, hq, l, ev};
            if (into.dtype() != DType.FLOAT32) throw HeedException.unsupported(op + ": out dtype " + into.dtype(), DType.FLOAT32);
            if (into.rank() != 4 || into.dim(0) != batch || into.dim(1) != hq || into.dim(2) != l || into.dim(3) != ev) {
                throw HeedException.shape(op, "out" + into.shape() + " must be [B, Hq, L, Ev]=" + Arrays.toString(want)
                        + " for " + shapes);
            }
            float[] oa = into.floatArrayOrNull();
            if (oa == null) throw HeedException.invalid(op, "out" + into.shape() + " must be a contiguous float32 heap tensor (see Tensor.zeros)");
            if (oa == q || oa == k || oa == v) throw HeedException.invalid(op, "out must not share its storage with q, k or v");
        }
        this.into = into;
        this.outOff = into == null ? 0 : (int) into.offset();

        Tensor m = spec.mask();
        if (m == null) {
            mask = null; maskB = maskH = maskL = 0;
        } else {
            if (m.rank() > 4) throw HeedException.shape(op, "mask" + m.shape() + " has rank " + m.rank() + " > 4");
            int[] target = {batch, hq, l, s};
            int[] md = new int[4];
            int pad = 4 - m.rank();
            for (int i = 0; i < 4; i++) {
                md[i] = i < pad ? 1 : m.dim(i - pad);
                if (md[i] != 1 && md[i] != target[i]) {
                    throw HeedException.shape(op, "mask" + m.shape() + " is not broadcastable to [B, Hq, L, S]="
                            + Arrays.toString(target) + ": axis " + i + " has size " + md[i]);
                }
            }
            // Axes broadcast by a view (stride 0, e.g. an expanded key padding mask) are read once, not materialised.
            int[] mst = m.strides();
            for (int i = 0; i < m.rank(); i++) {
                if (mst[i] == 0 && m.dim(i) > 1) {
                    m = m.slice(i, 0, 1);
                    md[i + pad] = 1;
                }
            }
            float[] raw = m.toFloatArray(); // row-major over md (bool -> 0/1)
            boolean bool = m.dtype() == DType.BOOL;
            int rows = md[0] * md[1] * md[2];
            mask = new float[dev.heed.exec.MemoryBudget.elements(null, "attention: mask rows [B, H, L, S]", DType.FLOAT32, md[0], md[1], md[2], s)];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < s; j++) {
                    float x = raw[r * md[3] + (md[3] == 1 ? 0 : j)];
                    mask[r * s + j] = bool ? (x != 0 ? 0f : Float.NEGATIVE_INFINITY) : x;
                }
            }
            maskL = md[2] == 1 ? 0 : s;
            maskH = md[1] == 1 ? 0 : md[2] * s;
            maskB = md[0] == 1 ? 0 : md[1] * md[2] * s;
        }
    }

    /** First key visible to query {@code i} (window), before the mask. */
    int lo(int i) {
        return window > 0 ? Math.max(0, i + shift - window + 1) : 0;
    }

    /** Last key visible to query {@code i} (causal), inclusive; below {@link #lo} when none is visible. */
    int hi(int i) {
        return causal ? Math.min(s - 1, i + shift) : s - 1;
    }

    /** Offset of the mask row of (b, h, i) in {@link #mask}. */
    int maskRow(int b, int h, int i) {
        return b * maskB + h * maskH + i * maskL;
    }

    /** True when the mask does not vary along the query axis (a key padding mask). */
    boolean maskIndependentOfQuery() {
        return mask == null || maskL == 0;
    }

    int qBase(int b, int h) { return qOff + ((b * hq + h) * l) * e; }
    int kBase(int b, int h) { return kOff + ((b * hkv + h / group) * s) * e; }
    int vBase(int b, int h) { return vOff + ((b * hkv + h / group) * s) * ev; }
    int outBase(int b, int h) { return outOff + ((b * hq + h) * l) * ev; }
    long weightsBase(int b, int h) { return ((long) (b * hq + h) * l) * s; }

    /** Multiply-adds of the softmax path, ×2 for flops (dense count, ignoring masks). */
    double flops() {
        return 2.0 * batch * hq * (double) l * s * (e + ev);
    }

    /** The output array: the caller's ({@link #into}, contents undefined until written) or a new zeroed one. */
    float[] newOutput() {
        if (into == null) return new float[dev.heed.exec.MemoryBudget.elements(null, "attention: output [B, Hq, L, Ev]", DType.FLOAT32, batch, hq, l, ev)];
        float[] a = into.floatArrayOrNull();
        if (s == 0) Arrays.fill(a, outOff, outOff + batch * hq * l * ev, 0f); // no keys: every row is fully masked
        return a;
    }

    /** The output tensor over {@link #newOutput}'s array. */
    Tensor outputTensor(float[] out) {
        return into != null ? into : Tensor.of(out, batch, hq, l, ev);
    }

    /** Allocates the weights array, refusing what Java arrays cannot hold. */
    float[] newWeights(String op) {
        return new float[dev.heed.exec.MemoryBudget.elements(null, op + ": captured weights [B, Hq, L, S]", DType.FLOAT32, batch, hq, l, s)];
    }

    // ------------------------------------------------------------------ helpers shared by the kernels

    /** Rounds up to a multiple of 16 floats (the widest vector), so that key tiles need no column tails. */
    static int pad16(int n) {
        return (n + 15) & ~15;
    }

    /**
     * Keys transposed into tiles of {@code bc} keys: for each (b, kv head, tile t) a block {@code [E, bc]}
     * (zero-padded past S), so a tile's scores are a small GEMM without reductions (the exact kernel; flash reads the
     * keys in place).
     * Layout {@code [B, Hkv, T, E, bc]} with {@code T = ceil(S / bc)}. The array is borrowed from the context's
     * scratch (it is as large as K, and a fresh one per call costs a few percent of a call at L = 2048): hand it
     * back with {@link ExecutionContext#giveBack} when the call is done.
     */
    float[] transposedKeys(ExecutionContext ctx, int bc) {
        int tiles = (s + bc - 1) / bc;
        long n = (long) batch * hkv * tiles * e * bc;
        if (n > Integer.MAX_VALUE - 16) {
            throw new HeedException(ErrorCode.MEMORY_LIMIT, "attention: transposed keys [B, Hkv, S, E]=["
                    + batch + ", " + hkv + ", " + s + ", " + e + "] do not fit one Java array");
        }
        float[] kt = ctx.borrowFloats((int) n); // contents undefined: every element is written below
        int units = batch * hkv * tiles;
        ctx.parallelFor(units, 8, (start, end) -> {
            for (int u = start; u < end; u++) {
                int bh = u / tiles, t = u % tiles;
                int j0 = t * bc, w = Math.min(bc, s - j0), base = u * e * bc;
                transposeTile(k, kOff + (bh * s + j0) * e, e, w, kt, base, bc);
                if (w < bc) {
                    for (int x = 0; x < e; x++) Arrays.fill(kt, base + x * bc + w, base + (x + 1) * bc, 0f); // padding keys
                }
            }
        });
        return kt;
    }

    /** One query block {@code [i0, i0 + rows)} of head (b, h), run with a worker's own scratch {@code w}. */
    @FunctionalInterface
    interface QueryBlockTask<W> {
        void run(W w, int b, int h, int i0, int rows);
    }

    /**
     * Runs {@code task} over every (batch, query head, block of {@code bq} query rows), in that order, dynamically
     * scheduled over the context's threads (causal blocks are uneven); each worker gets one scratch from
     * {@code newScratch} for all its blocks.
     */
    <W> void forEachQueryBlock(ExecutionContext ctx, int bq, Supplier<W> newScratch, QueryBlockTask<W> task) {
        int qBlocks = (l + bq - 1) / bq;
        ConcurrentLinkedQueue<W> pool = new ConcurrentLinkedQueue<>();
        ctx.parallelForDynamic(batch * hq * qBlocks, 1, (start, end) -> {
            W w = pool.poll();
            if (w == null) w = newScratch.get();
            for (int it = start; it < end; it++) {
                int bh = it / qBlocks, qb = it % qBlocks;
                task.run(w, bh / hq, bh % hq, qb * bq, Math.min(bq, l - qb * bq));
            }
            pool.offer(w);
        });
    }

    /** Keys per block of {@link #transposeTile}: 16 key rows are read while 16-float runs of each column are written. */
    static final int TRANSPOSE_BLOCK = 16;

    /**
     * {@code dst[dp + x·ld + j] = src[sp + j·e + x]} for keys {@code j < w} and features {@code x < e}: w rows
     * [w, E] written as columns [E, w] (row stride {@code ld}), in blocks of {@link #TRANSPOSE_BLOCK} keys: a block
     * reads its 16 rows (16·E floats, in L1) column by column and writes each column as one 16-float run, instead
     * of the naive order's E scattered single-float writes per key.
     */
    static void transposeTile(float[] src, int sp, int e, int w, float[] dst, int dp, int ld) {
        final int bk = TRANSPOSE_BLOCK;
        for (int j0 = 0; j0 < w; j0 += bk) {
            int bj = Math.min(bk, w - j0);
            for (int x = 0; x < e; x++) {
                int o = dp + x * ld + j0;
                for (int j = 0, q = sp + j0 * e + x; j < bj; j++, q += e) dst[o + j] = src[q];
            }
        }
    }

    /** Offset of tile {@code t} of query head {@code h} in {@link #transposedKeys}. */
    int keyTileBase(int b, int h, int t, int bc) {
        int tiles = (s + bc - 1) / bc;
        return (((b * hkv + h / group) * tiles) + t) * e * bc;
    }

    /** Copies query rows {@code [i0, i0 + rows)} of (b, h), multiplied by the scale, into {@code dst [rows, E]}. */
    void loadScaledQueries(int b, int h, int i0, int rows, float[] dst) {
        int src = qBase(b, h) + i0 * e;
        for (int x = 0, n = rows * e; x < n; x++) dst[x] = q[src + x] * scale;
    }

    /**
     * Applies visibility (causal, window) and the mask to the scores {@code s[so .. so + w)} of query {@code i}
     * against keys {@code [j0, j0 + w)}.
     */
    void maskScores(float[] sc, int so, int b, int h, int i, int j0, int w) {
        int lo = lo(i) - j0, hi = hi(i) - j0; // visible: lo <= j <= hi, tile-relative
        if (lo > 0) Arrays.fill(sc, so, so + Math.min(lo, w), Float.NEGATIVE_INFINITY);
        if (hi < w - 1) Arrays.fill(sc, so + Math.max(0, hi + 1), so + w, Float.NEGATIVE_INFINITY);
        if (mask != null) {
            int mr = maskRow(b, h, i) + j0;
            int a = Math.max(0, lo), z = Math.min(w - 1, hi);
            for (int j = a; j <= z; j++) sc[so + j] += mask[mr + j];
        }
    }

    /** True when {@link #maskScores} would change nothing for query i on keys [j0, j0 + w). */
    boolean fullyVisible(int i, int j0, int w) {
        return mask == null && lo(i) <= j0 && hi(i) >= j0 + w - 1;
    }
}
