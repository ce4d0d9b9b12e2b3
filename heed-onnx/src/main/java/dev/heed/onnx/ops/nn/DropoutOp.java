package dev.heed.onnx.ops.nn;

import static dev.heed.onnx.ops.nn.NnSupport.input;
import static dev.heed.onnx.ops.nn.NnSupport.wants;

import dev.heed.HeedException;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.Data;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/** ONNX Dropout for inference: the identity, with a mask of all true (of the input's type before opset 10). */
final class DropoutOp {
    private DropoutOp() {}

    static void register(OpRegistry.Builder b) {
        b.register("", "Dropout", new int[] {7, 10}, "data -> output, mask? | ratio:float", DropoutOp::dropout);
        b.register("", "Dropout", new int[] {12, 13}, "data, ratio?, training_mode? -> output, mask? | seed:int", DropoutOp::dropout);
        b.notes("", "Dropout", "inference identity, mask all true (v7 of type T, v10 bool); training with ratio > 0 is refused");
    }

    private static Op dropout(Node node, int opset) {
        String op = node.opType();
        float ratioAttr = node.attrFloat("ratio", 0.5f);
        boolean mask = wants(node, 1);
        return (ctx, in) -> {
            Tensor x = in[0];
            if (opset >= 12) {
                Tensor tm = input(in, 2);
                boolean training = tm != null && tm.numel() > 0 && tm.toLongArray()[0] != 0;
                Tensor r = input(in, 1);
                float ratio = r == null ? 0.5f : r.toFloatArray()[0];
                if (training && ratio != 0f) {
                    throw HeedException.unsupported(op + ": training_mode=true with ratio " + ratio
                            + " (random dropout); Heed runs inference", "training_mode=false", "ratio=0");
                }
            } else if (ratioAttr < 0f || ratioAttr >= 1f) {
                throw HeedException.invalid(op, "ratio " + ratioAttr + " must be in [0, 1)");
            }
            if (!mask) return new Tensor[] {x};
            Tensor m;
            if (opset < 10) {   // Dropout-7: the mask has the input's type
                m = Data.alloc(ctx, op, x.dtype(), x.shape().dims());
                Tensor one = Tensor.scalar(1f).to(x.dtype());
                for (long i = 0; i < m.numel(); i++) Data.copy(one, 0, m, i, 1);
            } else {
                byte[] ones = new byte[(int) x.numel()];
                Arrays.fill(ones, (byte) 1);
                m = Tensor.ofBools(ones, x.shape().dims());
            }
            return new Tensor[] {x, m};
        };
    }
}
