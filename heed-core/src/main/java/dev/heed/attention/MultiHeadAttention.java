package dev.heed.attention;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.Tensor;

/**
 * Multi-head attention with input and output projections (Vaswani et al. 2017, §3.2.2), self- or
 * cross-attention, grouped-query heads. Weights are stored {@code [in, out]} (ONNX MatMul order:
 * {@code y = x · W + b}; transpose PyTorch {@code nn.Linear} weights). Immutable; safe to share.
 *
 * <pre>{@code
 * // D = 384, 12 heads of 32
 * MultiHeadAttention mha = new MultiHeadAttention(wq, bq, wk, bk, wv, bv, wo, bo, 12, 12);
 * AttentionResult r = mha.forward(ctx, x, AttentionSpec.defaults().withMask(padding)); // x [B, L, 384]
 * Tensor y = r.output();                                                              // [B, L, 384]
 * }</pre>
 */
public final class MultiHeadAttention {
    private final Tensor wq, bq, wk, bk, wv, bv, wo, bo; // [Dq, Hq·E], [Dkv, Hkv·E], [Dkv, Hkv·Ev], [Hq·Ev, Dout]
    private final int numHeads, numKvHeads, headDim, valueDim;

    /**
     * @param wq query projection {@code [Dq, Hq·E]}; {@code bq} {@code [Hq·E]} or null
     * @param wk key projection {@code [Dkv, Hkv·E]}; {@code bk} or null
     * @param wv value projection {@code [Dkv, Hkv·Ev]}; {@code bv} or null
     * @param wo output projection {@code [Hq·Ev, Dout]}; {@code bo} or null
     */
    public MultiHeadAttention(Tensor wq, Tensor bq, Tensor wk, Tensor bk, Tensor wv, Tensor bv, Tensor wo, Tensor bo,
                              int numHeads, int numKvHeads) {
        String op = "multi-head attention";
        if (numHeads < 1 || numKvHeads < 1 || numHeads % numKvHeads != 0) {
            throw HeedException.invalid(op, "numHeads=" + numHeads + " must be a positive multiple of numKvHeads=" + numKvHeads);
        }
        for (Tensor w : new Tensor[] {wq, wk, wv, wo}) {
            if (w == null || w.rank() != 2) throw HeedException.shape(op, "weights must be rank-2 [in, out], got " + (w == null ? "null" : w.shape()));
        }
        if (wq.dim(1) % numHeads != 0) throw HeedException.shape(op, "wq" + wq.shape() + ": out=" + wq.dim(1) + " is not a multiple of numHeads=" + numHeads);
        int e = wq.dim(1) / numHeads;
        if (wk.dim(1) != numKvHeads * e) throw HeedException.shape(op, "wk" + wk.shape() + ": out must be numKvHeads·E=" + numKvHeads * e);
        if (wv.dim(1) % numKvHeads != 0) throw HeedException.shape(op, "wv" + wv.shape() + ": out is not a multiple of numKvHeads=" + numKvHeads);
        if (wk.dim(0) != wv.dim(0)) throw HeedException.shape(op, "wk" + wk.shape() + ", wv" + wv.shape() + ": in sizes differ");
        int ev = wv.dim(1) / numKvHeads;
        if (wo.dim(0) != numHeads * ev) throw HeedException.shape(op, "wo" + wo.shape() + ": in must be numHeads·Ev=" + numHeads * ev);
        this.wq = wq; this.bq = bq; this.wk = wk; this.bk = bk; this.wv = wv; this.bv = bv; this.wo = wo; this.bo = bo;
        this.numHeads = numHeads;
        this.numKvHeads = numKvHeads;
        this.headDim = e;
        this.valueDim = ev;
    }

    public int numHeads() { return numHeads; }

    public int numKvHeads() { return numKvHeads; }

    public int headDim() { return headDim; }

    /** Self-attention: x {@code [B, L, D]} → output {@code [B, L, Dout]} (+ weights {@code [B, Hq, L, L]} if captured). */
    public AttentionResult forward(ExecutionContext ctx, Tensor x, AttentionSpec spec) {
        return forward(ctx, x, x, spec);
    }

    /** Cross-attention: xq {@code [B, L, Dq]} queries xkv {@code [B, S, Dkv]} → {@code [B, L, Dout]}. */
    public AttentionResult forward(ExecutionContext ctx, Tensor xq, Tensor xkv, AttentionSpec spec) {
        if (xq.rank() != 3 || xkv.rank() != 3 || xq.dim(0) != xkv.dim(0)) {
            throw HeedException.shape("multi-head attention", "xq" + xq.shape() + ", xkv" + xkv.shape() + ": expected [B, L, D] and [B, S, D']");
        }
        int b = xq.dim(0), l = xq.dim(1), s = xkv.dim(1);
        Tensor q = splitHeads(Projection.linear(ctx, xq.reshape(b * l, xq.dim(2)), wq, bq), b, l, numHeads, headDim);
        Tensor k = splitHeads(Projection.linear(ctx, xkv.reshape(b * s, xkv.dim(2)), wk, bk), b, s, numKvHeads, headDim);
        Tensor v = splitHeads(Projection.linear(ctx, xkv.reshape(b * s, xkv.dim(2)), wv, bv), b, s, numKvHeads, valueDim);
        AttentionResult r = Attention.compute(ctx, q, k, v, spec);
        Tensor merged = r.output().permute(0, 2, 1, 3).contiguous().reshape(b * l, numHeads * valueDim); // [B·L, Hq·Ev]
        Tensor y = Projection.linear(ctx, merged, wo, bo).reshape(b, l, wo.dim(1));
        return new AttentionResult(y, r.weights());
    }

    /** [B·L, H·E] → view [B, H, L, E]. */
    private static Tensor splitHeads(Tensor t, int b, int l, int h, int e) {
        return t.reshape(b, l, h, e).permute(0, 2, 1, 3);
    }
}
