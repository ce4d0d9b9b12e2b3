package dev.heed.onnx.ops.nn;

import static dev.heed.onnx.ops.nn.NnSupport.float32;
import static dev.heed.onnx.ops.nn.NnSupport.prod;

import dev.heed.HeedException;
import dev.heed.kernel.Hardmax;
import dev.heed.kernel.Softmax;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.Data;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.tensor.Tensor;

/** ONNX Softmax, LogSoftmax and Hardmax on {@link Softmax} and {@link Hardmax}, in the opset 1/11 (coerced to 2-D) and 13 forms. */
final class SoftmaxOps {
    private SoftmaxOps() {}

    private enum Kind { SOFTMAX, LOG_SOFTMAX, HARDMAX }

    static void register(OpRegistry.Builder b) {
        String note = "v1 · v11 coerce to 2-D at axis (default 1) · v13 one axis (default -1)";
        b.register("", "Softmax", new int[] {1, 11, 13}, "input -> output | axis:int", (n, v) -> softmax(n, v, Kind.SOFTMAX));
        b.register("", "LogSoftmax", new int[] {1, 11, 13}, "input -> output | axis:int", (n, v) -> softmax(n, v, Kind.LOG_SOFTMAX));
        b.register("", "Hardmax", new int[] {1, 11, 13}, "input -> output | axis:int", (n, v) -> softmax(n, v, Kind.HARDMAX));
        for (String op : new String[] {"Softmax", "LogSoftmax", "Hardmax"}) b.notes("", op, note);
        b.shapePreserving("", "Softmax", "LogSoftmax");
    }

    private static Op softmax(Node node, int opset, Kind kind) {
        String op = node.opType();
        boolean coerce = opset < 13;
        long axis = node.attrInt("axis", coerce ? 1 : -1);
        return (ctx, in) -> {
            Tensor x = float32(node, in[0], "input");
            int[] d = x.shape().dims();
            if (x.rank() == 0) throw HeedException.shape(op, "input" + x.shape() + " must have rank >= 1");
            int ax;
            Tensor rows;
            if (coerce) {
                // opset 1/11: x is viewed as [prod(d[:axis]), prod(d[axis:])] and normalised along the second axis
                long a = axis < 0 ? axis + d.length : axis;
                if (a < 0 || a >= d.length) throw HeedException.invalid(op, "axis " + axis + " is out of range for rank " + d.length);
                rows = x.reshape(prod(d, 0, (int) a), prod(d, (int) a, d.length));
                ax = 1;
            } else {
                ax = Data.axis(axis, d.length, op);
                rows = x;
            }
            Tensor y = switch (kind) {
                case SOFTMAX -> Softmax.softmax(ctx, rows, ax);
                case LOG_SOFTMAX -> Softmax.logSoftmax(ctx, rows, ax);
                case HARDMAX -> Hardmax.hardmax(rows, ax);
            };
            return new Tensor[] {y.reshape(d)};
        };
    }
}
