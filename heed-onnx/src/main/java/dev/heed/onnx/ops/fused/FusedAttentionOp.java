package dev.heed.onnx.ops.fused;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.attention.Attention;
import dev.heed.attention.AttentionImpl;
import dev.heed.attention.AttentionResult;
import dev.heed.attention.AttentionSpec;
import dev.heed.exec.ExecutionContext;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ir.Node;
import dev.heed.tensor.DType;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/**
 * Runs a node made by the optimiser's attention fusion: {@code softmax(scale · q·kᵀ + mask) · v} on Heed's attention
 * kernels, for q [..., L, E], kᵀ [..., E, S], v [..., S, Ev] and an optional additive mask broadcastable to
 * [..., L, S]. The leading axes (MatMul-broadcast) are flattened into [B, H] for the kernel and restored after.
 * Attributes {@code scale} and {@code softmax} (the replaced Softmax node, which names the probabilities); with
 * {@code mask_fill} and {@code mask_attend_when} the mask is a Where's boolean condition, turned into the additive
 * mask {@code c == attendWhen ? 0 : fill}.
 * Output 0 is the result [..., L, Ev]; {@link #apply(ExecutionContext, Tensor[], boolean)} with capture on also
 * returns the probabilities [..., L, S] as output 1 (computed by a kernel that can hand them out).
 *
 * <pre>{@code
 * FusedAttentionOp op = new FusedAttentionOp(node, AttentionImpl.AUTO);
 * Tensor[] r = op.apply(ctx, new Tensor[] {q, kT, v, null}, true);   // r[0] result, r[1] probabilities
 * }</pre>
 */
public final class FusedAttentionOp implements Op {
    private final String softmax;
    private final double scale;
    private final AttentionImpl implementation;
    private final boolean whereMask;     // the mask is Where's boolean condition, not an additive mask
    private final float maskFill;        // a Where mask's fill for masked-out scores
    private final boolean attendWhen;    // a Where mask's condition value that keeps the score

    public FusedAttentionOp(Node node, AttentionImpl implementation) {
        this.softmax = node.attrString("softmax", node.name());
        this.scale = node.attrFloat("scale", 1f);
        this.implementation = implementation;
        this.whereMask = node.hasAttr("mask_fill");
        this.maskFill = node.attrFloat("mask_fill", Float.NEGATIVE_INFINITY);
        this.attendWhen = Boolean.parseBoolean(node.attrString("mask_attend_when", "true"));
    }

    /** The name of the Softmax node this attention replaced: the key of its captured probabilities. */
    public String softmaxName() {
        return softmax;
    }

    /** Runs without capturing probabilities (output 1 is null). */
    @Override
    public Tensor[] apply(ExecutionContext ctx, Tensor[] in) {
        return apply(ctx, in, false);
    }

    /** Runs; with {@code capture} output 1 holds the probabilities [..., L, S]. */
    public Tensor[] apply(ExecutionContext ctx, Tensor[] in, boolean capture) {
        Tensor q = in[0], kt = in[1], v = in[2], mask = in.length > 3 ? in[3] : null;
        if (whereMask && mask != null) mask = additive(mask);
        if (q.rank() < 2 || kt.rank() < 2 || v.rank() < 2) {
            throw HeedException.shape("attention", "q" + q.shape() + ", kT" + kt.shape() + ", v" + v.shape() + ": each needs rank >= 2");
        }
        // MatMul broadcasting of the leading axes: bring all three to the same leading shape.
        int lead = Math.max(q.rank(), Math.max(kt.rank(), v.rank())) - 2;
        int[] qLead = leading(q, lead), kLead = leading(kt, lead), vLead = leading(v, lead);
        Shape leadShape = Shape.broadcast("attention", Shape.broadcast("attention", Shape.of(qLead), Shape.of(kLead)), Shape.of(vLead));
        int[] ld = leadShape.dims();
        int l = q.dim(-2), e = q.dim(-1), s = kt.dim(-1), ev = v.dim(-1);
        if (kt.dim(-2) != e || v.dim(-2) != s) {
            throw HeedException.shape("attention", "q" + q.shape() + " · kT" + kt.shape() + " · v" + v.shape()
                    + ": need q.dim(-1) = kT.dim(-2) and kT.dim(-1) = v.dim(-2)");
        }
        // Flatten the leading axes into [B, H]: B = 1 unless there are two or more (then B = first, H = rest).
        int b = ld.length >= 2 ? ld[0] : 1;
        int h = (int) (leadShape.numel() / Math.max(1, b));
        Tensor q4 = toRank4(expandLead(q, ld), b, h);
        Tensor k4 = toRank4(expandLead(kt, ld), b, h).transpose(2, 3);   // [B, H, S, E] view
        Tensor v4 = toRank4(expandLead(v, ld), b, h);
        AttentionSpec spec = AttentionSpec.defaults().withScale(scale).withImplementation(implementation).withCaptureWeights(capture);
        if (mask != null) {
            Tensor m = mask;
            while (m.rank() < ld.length + 2) m = m.unsqueeze(0);
            if (m.rank() > ld.length + 2) {
                throw HeedException.shape("attention", "mask" + mask.shape() + " has more axes than the scores [" + leadShape + ", " + l + ", " + s + "]");
            }
            if (ld.length > 2) {
                int[] full = new int[ld.length + 2];
                System.arraycopy(ld, 0, full, 0, ld.length);
                full[ld.length] = l;
                full[ld.length + 1] = s;
                m = m.expand(full);
            }
            // With at most two leading axes the mask keeps its size-1 axes: the kernels broadcast them.
            spec = spec.withMask(toRank4(m, b, h));
        }
        AttentionResult r = Attention.compute(ctx, q4, k4, v4, spec);
        int[] outDims = Arrays.copyOf(ld, ld.length + 2);
        outDims[ld.length] = l;
        outDims[ld.length + 1] = ev;
        Tensor out = r.output().reshape(outDims);
        Tensor probs = null;
        if (capture && r.hasWeights()) {
            int[] pd = Arrays.copyOf(ld, ld.length + 2);
            pd[ld.length] = l;
            pd[ld.length + 1] = s;
            probs = r.weights().reshape(pd);
        }
        return new Tensor[] {out, probs};
    }

    /**
     * A Where mask's condition c as the additive mask {@code c == attendWhen ? 0 : fill}, same shape: adding the
     * (≤ -1e30 or -inf) fill to a score gives the fill, which is what Where puts there. Cost: one pass over c (a
     * padding mask is [B, 1, 1, S]).
     */
    private Tensor additive(Tensor c) {
        if (c.dtype() != DType.BOOL) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, "attention: Where condition " + c.dtype() + c.shape()
                    + " must be bool");
        }
        float[] m = c.toFloatArray();                 // 1 for true, 0 for false
        for (int i = 0; i < m.length; i++) m[i] = (m[i] != 0) == attendWhen ? 0f : maskFill;
        return Tensor.of(m, c.shape().dims());
    }

    /** [..., X, Y] with at most two leading axes → a rank-4 view (unsqueezing on the left); more → reshaped to [b, h, X, Y]. */
    private static Tensor toRank4(Tensor t, int b, int h) {
        if (t.rank() > 4) return t.reshape(b, h, t.dim(-2), t.dim(-1));
        while (t.rank() < 4) t = t.unsqueeze(0);
        return t;
    }

    private static int[] leading(Tensor t, int lead) {
        int[] d = new int[lead];
        Arrays.fill(d, 1);
        int have = t.rank() - 2;
        for (int i = 0; i < have; i++) d[lead - have + i] = t.dim(i);
        return d;
    }

    private static Tensor expandLead(Tensor t, int[] ld) {
        int[] full = Arrays.copyOf(ld, ld.length + 2);
        full[ld.length] = t.dim(-2);
        full[ld.length + 1] = t.dim(-1);
        return t.expand(full);
    }
}
