package dev.heed.onnx.ops.fused;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.kernel.Norms;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.HeapCache;
import dev.heed.onnx.ir.Node;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;

/**
 * Runs a node made by {@code LayerNormFusion}: {@code (x - mean) / √(var + ε) · γ + β} over the last axis of
 * x [.., E] with {@link Norms#layerNorm} (biased variance, as the decomposed graph computes it). Inputs
 * {@code [x, γ or absent, β or absent]}, γ and β of rank ≤ 1; attribute {@code epsilon}. Cost: three passes
 * over each row. Memory-mapped γ/β are copied to the heap once and reused.
 */
public final class FusedLayerNormOp implements Op {
    private final String op;
    private final float eps;
    private final HeapCache gammaCache = new HeapCache(), betaCache = new HeapCache();

    public FusedLayerNormOp(Node node) {
        this.op = "LayerNorm";   // run-time errors: the Session names the node
        this.eps = node.attrFloat("epsilon", 1e-5f);
        if (!(eps >= 0)) throw HeedException.invalid(node.describe(), "epsilon " + eps + " must be >= 0");
    }

    @Override
    public Tensor[] apply(ExecutionContext ctx, Tensor[] in) {
        Tensor x = in[0];
        if (x == null) throw HeedException.invalid(op, "input 'X' is required");
        if (x.dtype() != DType.FLOAT32) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": input 'X' " + x.dtype() + x.shape() + " must be float32");
        }
        if (x.rank() == 0) throw HeedException.shape(op, "X" + x.shape() + " needs rank >= 1 (normalised over its last axis)");
        Tensor gamma = in.length > 1 ? gammaCache.of(in[1]) : null;
        Tensor beta = in.length > 2 ? betaCache.of(in[2]) : null;
        for (Tensor p : new Tensor[] {gamma, beta}) {
            if (p != null && p.numel() != 1 && p.numel() != x.dim(-1)) {
                throw HeedException.shape(op, (p == gamma ? "γ" : "β") + p.shape() + " does not match the last axis of X"
                        + x.shape() + " (size " + x.dim(-1) + ")");
            }
        }
        return new Tensor[] {Norms.layerNorm(ctx, x, gamma, beta, -1, eps)};
    }
}
