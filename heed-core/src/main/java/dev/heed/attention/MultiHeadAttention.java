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
     * A layer from its weights; E and Ev are derived from the weight shapes and the head counts.
     *
     * @param wq         query projection {@code [Dq, Hq·E]}
     * @param bq         query bias {@code [Hq·E]}, or null
     * @param wk         key projection {@code [Dkv, Hkv·E]}
     * @param bk         key bias {@code [Hkv·E]}, or null
     * @param wv         value projection {@code [Dkv, Hkv·Ev]}
     * @param bv         value bias {@code [Hkv·Ev]}, or null
     * @param wo         output projection {@code [Hq·Ev, Dout]}
     * @param bo         output bias {@code [Dout]}, or null
     * @param numHeads   query heads Hq, a positive multiple of {@code numKvHeads}
     * @param numKvHeads key/value heads Hkv, ≥ 1
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for bad head counts,
     *                       {@link dev.heed.ErrorCode#SHAPE_MISMATCH} when the weight shapes do not fit together
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

    /** {@return the number of query heads Hq} */
    public int numHeads() { return numHeads; }

    /** {@return the number of key/value heads Hkv (Hq for plain multi-head attention)} */
    public int numKvHeads() { return numKvHeads; }

    /** {@return the query/key head size E} */
    public int headDim() { return headDim; }

    /**
     * Self-attention: queries, keys and values all come from {@code x}.
     *
     * @param ctx  the threads to run on
     * @param x    the input {@code [B, L, D]}
     * @param spec masks, causal alignment, implementation and capture
     * @return the output {@code [B, L, Dout]} and, when captured, the weights {@code [B, Hq, L, L]}
     * @throws HeedException {@link dev.heed.ErrorCode#SHAPE_MISMATCH} when {@code x} does not fit the weights
     */
    public AttentionResult forward(ExecutionContext ctx, Tensor x, AttentionSpec spec) {
        return forward(ctx, x, x, spec);
    }

    /**
     * Cross-attention: queries from {@code xq}, keys and values from {@code xkv}.
     *
     * @param ctx  the threads to run on
     * @param xq   the query input {@code [B, L, Dq]}
     * @param xkv  the key/value input {@code [B, S, Dkv]}
     * @param spec masks, causal alignment, implementation and capture
     * @return the output {@code [B, L, Dout]} and, when captured, the weights {@code [B, Hq, L, S]}
     * @throws HeedException {@link dev.heed.ErrorCode#SHAPE_MISMATCH} when the inputs are not rank 3, their batches differ or they do not
     *                       fit the weights
     */
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
