package dev.heed.onnx.ops;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.kernel.Elementwise;
import dev.heed.kernel.UnaryOp;
import dev.heed.onnx.ir.Node;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;

/**
 * Runs a node made by {@code GeluFusion}: {@code 0.5·x·(1 + erf(x/√2))} elementwise on float32 x, one pass with
 * the unary GELU kernel ({@link UnaryOp#GELU}) in place of the five-node exported form.
 */
public final class FusedGeluOp implements Op {
    private final String op;

    public FusedGeluOp(Node node) {
        this.op = node.describe();
    }

    @Override
    public Tensor[] apply(ExecutionContext ctx, Tensor[] in) {
        Tensor x = in[0];
        if (x == null) throw HeedException.invalid(op, "input 'X' is required");
        if (x.dtype() != DType.FLOAT32) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": input 'X' " + x.dtype() + x.shape() + " must be float32");
        }
        return new Tensor[] {Elementwise.unary(ctx, UnaryOp.GELU, x)};
    }
}
