package dev.heed.onnx.ops.nn;

import static dev.heed.onnx.ops.nn.NnSupport.float32;
import static dev.heed.onnx.ops.nn.NnSupport.input;
import static dev.heed.onnx.ops.nn.NnSupport.limit;

import dev.heed.HeedException;
import dev.heed.kernel.Activation;
import dev.heed.kernel.Gemm;
import dev.heed.kernel.MatrixOperand;
import dev.heed.kernel.PackedMatrix;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.Data;
import dev.heed.onnx.ops.HeapCache;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;

/**
 * ONNX MatMul and Gemm on {@link Gemm}. Cost 2·M·N·K flops. Memory-mapped constant weights are copied to the heap
 * once per node ({@link HeapCache}); a mapped 2-D B is instead packed once per node into the GEMM's panel layout
 * ({@link PackedCache}), so no run packs it again (results bitwise equal to the unpacked GEMM).
 */
final class MatMulOps {
    private MatMulOps() {}

    static void register(OpRegistry.Builder b) {
        b.register("", "MatMul", new int[] {1, 9, 13}, "A, B -> Y", MatMulOps::matMul);
        b.notes("", "MatMul", "numpy.matmul: batch axes broadcast, 1-D operands promoted and the added axis dropped; "
                + "one GEMM over all batches when B is shared; a constant 2-D B is packed once");
        b.register("", "Gemm", new int[] {7, 9}, "A, B, C -> Y | alpha:float beta:float transA:int transB:int", MatMulOps::gemm);
        b.register("", "Gemm", new int[] {11, 13}, "A, B, C? -> Y | alpha:float beta:float transA:int transB:int", MatMulOps::gemm);
        b.notes("", "Gemm", "alpha·op(A)·op(B) + beta·C, C broadcast to [M, N]; a row-vector C rides the GEMM bias "
                + "epilogue; transposed views are read in place");
    }

    private static Op matMul(Node node, int opset) {
        HeapCache ca = new HeapCache(), cb = new HeapCache();
        PackedCache pb = new PackedCache(false);
        return (ctx, in) -> {
            Tensor rawB = float32(node, in[1], "B");
            PackedMatrix packed = pb.of(rawB);      // a constant [K, N] weight: packed once per node
            Tensor a = ca.of(float32(node, in[0], "A")), b = packed != null ? rawB : cb.of(rawB);
            int[] outDims = Gemm.matmulShape("MatMul", "A", "B", a, b);
            limit(ctx, "MatMul", outDims);
            return new Tensor[] {packed != null ? Gemm.matmul(ctx, a, packed) : Gemm.matmul(ctx, a, b)};
        };
    }

    private static Op gemm(Node node, int opset) {
        String op = node.opType();
        boolean transA = node.attrInt("transA", 0) != 0, transB = node.attrInt("transB", 0) != 0;
        float alpha = node.attrFloat("alpha", 1f), beta = node.attrFloat("beta", 1f);
        HeapCache ca = new HeapCache(), cb = new HeapCache(), cc = new HeapCache();
        PackedCache pb = new PackedCache(transB);
        return (ctx, in) -> {
            Tensor rawB = float32(node, in[1], "B");
            Tensor a = ca.of(float32(node, in[0], "A"));
            PackedMatrix packed = a.rank() == 2 ? pb.of(rawB) : null;   // a constant weight: packed once per node
            Tensor b = packed != null ? rawB : cb.of(rawB);
            Tensor c = input(in, 2) == null ? null : cc.of(float32(node, in[2], "C"));
            if (opset < 11 && c == null) throw HeedException.invalid(op, "input 'C' is required before opset 11");
            String shapes = "A" + a.shape() + (transA ? "ᵀ" : "") + " · B" + b.shape() + (transB ? "ᵀ" : "")
                    + (c == null ? "" : " + C" + c.shape());
            if (a.rank() != 2 || b.rank() != 2) throw HeedException.shape(op, shapes + ": A and B must be 2-D");
            int m = transA ? a.dim(1) : a.dim(0), k = transA ? a.dim(0) : a.dim(1);
            int kb = transB ? b.dim(1) : b.dim(0), n = transB ? b.dim(0) : b.dim(1);
            if (k != kb) throw HeedException.shape(op, shapes + ": inner dimensions differ, op(A) is [" + m + ", " + k
                    + "] and op(B) is [" + kb + ", " + n + "]");
            Tensor cb2 = null;
            if (c != null && beta != 0f) {
                try {
                    if (c.rank() > 2) throw HeedException.shape(op, "rank");
                    cb2 = c.expand(m, n);     // unidirectional: C broadcasts to [M, N]
                } catch (HeedException e) {
                    throw HeedException.shape(op, shapes + ": C must broadcast to [M, N] = [" + m + ", " + n + "]");
                }
            }
            Tensor y = Data.alloc(ctx, op, DType.FLOAT32, new int[] {m, n});
            float[] yd = y.floatArrayOrNull();
            MatrixOperand ma = MatrixOperand.of(a, transA);
            // A C that is constant down the rows (shape [N], [1, N], [1], scalar) is the GEMM's bias epilogue.
            boolean rowBias = cb2 != null && (m == 1 || cb2.strides()[0] == 0);
            float[] bias = null;
            boolean accumulate = false;
            if (cb2 != null && alpha == 1f) {
                if (rowBias) {
                    bias = cb2.select(0, 0).toFloatArray();
                    if (beta != 1f) for (int j = 0; j < n; j++) bias[j] *= beta;
                } else {
                    Data.copyAll(cb2, y);
                    if (beta != 1f) for (int i = 0; i < yd.length; i++) yd[i] *= beta;
                    accumulate = true;
                }
            }
            if (packed != null && m > 0) {
                Gemm.gemm(ctx, ma, m, packed, yd, 0, Math.max(1, n), accumulate, bias, Activation.NONE);
            } else if (packed == null) {
                Gemm.gemm(ctx, ma, MatrixOperand.of(b, transB), m, n, k, yd, 0, Math.max(1, n), accumulate, bias, Activation.NONE);
            }
            if (alpha != 1f) {
                float[] cv = cb2 == null ? null : cb2.toFloatArray();
                for (int i = 0; i < yd.length; i++) yd[i] = alpha * yd[i] + (cv == null ? 0f : beta * cv[i]);
            }
            return new Tensor[] {y};
        };
    }
}
