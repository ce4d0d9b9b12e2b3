package dev.heed.onnx.ops.fused;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.kernel.Activation;
import dev.heed.kernel.Gemm;
import dev.heed.kernel.PackedMatrix;
import dev.heed.onnx.ops.Data;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.TensorMemo;
import dev.heed.onnx.ir.Node;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * Runs a node made by {@code BiasActivationFusion}: {@code act(x [.., K] · W [K, N] + b [N]) -> [.., N]} as one
 * {@link Gemm#gemm} over all leading rows (M = numel(x) / K), the bias and activation applied in the GEMM's
 * epilogue. Inputs {@code [x, W, b]}; attributes {@code activation} (an {@link Activation} name) and
 * {@code matmul} (the replaced MatMul, named in errors). Cost 2·M·N·K flops; no extra pass over the output.
 * W (a constant: the fusion only takes non-overridable initializers and folded values) is packed once, on first
 * use, into the GEMM's panel layout ({@link Gemm#pack(Tensor)}) and reused by every later run; x is read in place
 * when contiguous.
 * A bias of shape [1, …, 1, N] with more axes than the product gives the result those leading size-1 axes, as
 * the Add it replaces would.
 */
public final class FusedMatMulOp implements Op {
    private final String op;
    private final Activation act;
    private final TensorMemo<PackedMatrix> weight = new TensorMemo<>();   // W packed for the GEMM, per constant
    private final TensorMemo<float[]> bias = new TensorMemo<>();          // the bias values from index 0, per constant

    public FusedMatMulOp(Node node) {
        String mm = node.attrString("matmul", node.name());
        this.op = "MatMul '" + mm + "' + bias";   // run-time errors: the Session names the fused node
        String a = node.attrString("activation", "NONE");
        try {
            this.act = Activation.valueOf(a.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw HeedException.unsupported(node.describe() + ": activation '" + a + "'",
                    (Object[]) Arrays.stream(Activation.values()).map(Enum::name).toArray(String[]::new));
        }
    }

    /** The fused epilogue activation. */
    public Activation activation() {
        return act;
    }

    @Override
    public Tensor[] apply(ExecutionContext ctx, Tensor[] in) {
        Tensor x = float32(in[0], "A"), w = float32(in[1], "B"), b = float32(in[2], "bias");
        if (x.rank() == 0 || w.rank() != 2) throw HeedException.shape(op, shapes(x, w, b) + ": A needs rank >= 1 and B rank 2");
        int k = w.dim(0), n = w.dim(1);
        if (x.dim(-1) != k) throw HeedException.shape(op, shapes(x, w, b) + ": A.dim(-1)=" + x.dim(-1) + " != B.dim(-2)=" + k);
        if (b.rank() == 0 || b.numel() != n || b.dim(-1) != n) {
            throw HeedException.shape(op, shapes(x, w, b) + ": bias must hold N=" + n + " values along its last axis");
        }
        int lead = x.rank() - 1;
        int[] outDims = new int[Math.max(lead + 1, b.rank())];
        Arrays.fill(outDims, 1);
        int m = 1;
        for (int i = 0; i < lead; i++) {
            outDims[outDims.length - 1 - lead + i] = x.dim(i);
            m = Math.multiplyExact(m, x.dim(i));
        }
        outDims[outDims.length - 1] = n;
        Tensor y = Data.alloc(ctx, op, DType.FLOAT32, outDims);
        if (m == 0 || n == 0) return new Tensor[] {y};
        Tensor xc = x.floatArrayOrNull() != null ? x : x.contiguous();
        Gemm.gemm(ctx, false, m, xc.floatArrayOrNull(), (int) xc.offset(), Math.max(1, k), weight.get(w, Gemm::pack),
                y.floatArrayOrNull(), 0, Math.max(1, n), false, bias.get(b, Tensor::toFloatArray), act);
        return new Tensor[] {y};
    }

    private static String shapes(Tensor x, Tensor w, Tensor b) {
        return "A" + x.shape() + " · B" + w.shape() + " + bias" + b.shape();
    }

    private Tensor float32(Tensor t, String what) {
        if (t == null) throw HeedException.invalid(op, "input '" + what + "' is required");
        if (t.dtype() != DType.FLOAT32) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": input '" + what + "' " + t.dtype() + t.shape()
                    + " must be float32");
        }
        return t;
    }
}
