package dev.heed.onnx.ops.nn;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.Data;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/** Input and attribute helpers shared by the neural-network adapters. Messages name the op type; Session names the node. */
final class NnSupport {
    private NnSupport() {}

    static Tensor float32(Node node, Tensor t, String what) {
        if (t == null) throw HeedException.invalid(node.opType(), "input '" + what + "' is required");
        if (t.dtype() != DType.FLOAT32) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, node.opType() + ": input '" + what + "' " + Data.shapeOf(t)
                    + " must be float32 (Heed has no float16/double)");
        }
        return t;
    }

    static Tensor input(Tensor[] in, int i) {
        return i < in.length ? in[i] : null;
    }

    /** Refuses an output over the per-tensor memory limit before a kernel allocates it. */
    static void limit(ExecutionContext ctx, String op, int... dims) {
        dev.heed.exec.MemoryBudget.reserve(ctx, op + ": output", DType.FLOAT32, dims); // per tensor and the run's total
    }

    /** True when the node asks for output {@code output} (listed and not empty). */
    static boolean wants(Node node, int output) {
        return node.outputs().size() > output && !node.outputs().get(output).isEmpty();
    }

    static int[] intsAttr(Node node, String name, int len, int dflt) {
        long[] v = node.attrInts(name);
        int[] r = new int[len];
        if (v == null) {
            Arrays.fill(r, dflt);
            return r;
        }
        if (v.length != len) {
            throw HeedException.invalid(node.opType(), "attribute '" + name + "' " + Arrays.toString(v) + " must have "
                    + len + " values (one per spatial axis" + (len % 2 == 0 && name.equals("pads") ? ", begins then ends" : "") + ")");
        }
        for (int i = 0; i < len; i++) r[i] = Data.toInt(v[i], node.opType(), name);
        return r;
    }

    static int prod(int[] d, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) p *= d[i];
        return p;
    }
}
