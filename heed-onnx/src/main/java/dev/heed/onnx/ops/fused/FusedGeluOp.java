package dev.heed.onnx.ops.fused;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.kernel.Elementwise;
import dev.heed.kernel.UnaryOp;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ir.Node;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;

/**
 * Runs a node made by {@code GeluFusion}: {@code 0.5·x·(1 + erf(x/√2))} (attribute approximate = "none",
 * {@link UnaryOp#GELU}) or {@code 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))} ("tanh", {@link UnaryOp#GELU_TANH})
 * elementwise on float32 x: one pass of the unary kernel in place of the five- to nine-node exported form.
 */
public final class FusedGeluOp implements Op {
    private final String op;
    private final UnaryOp kernel;

    public FusedGeluOp(Node node) {
        this.op = "Gelu";   // run-time errors: the Session names the node
        String approx = node.attrString("approximate", "none");
        this.kernel = switch (approx) {
            case "none" -> UnaryOp.GELU;
            case "tanh" -> UnaryOp.GELU_TANH;
            default -> throw HeedException.unsupported(node.describe() + ": approximate '" + approx + "'", "none", "tanh");
        };
    }

    @Override
    public Tensor[] apply(ExecutionContext ctx, Tensor[] in) {
        Tensor x = in[0];
        if (x == null) throw HeedException.invalid(op, "input 'X' is required");
        if (x.dtype() != DType.FLOAT32) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": input 'X' " + x.dtype() + x.shape() + " must be float32");
        }
        return new Tensor[] {Elementwise.unary(ctx, kernel, x)};
    }
}
