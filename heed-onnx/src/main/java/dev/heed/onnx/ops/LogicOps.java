package dev.heed.onnx.ops;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.ir.Node;
import dev.heed.tensor.DType;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Tensor;

/**
 * Selection and boolean logic, NumPy broadcasting.
 * Versions, signatures and per-version notes are in the registrations below (generated into
 * {@code docs/supported-ops.md}).
 * Cost: O(output).
 */
final class LogicOps {
    private LogicOps() {}

    private interface LongPredicate2 { boolean test(long a, long b); }

    static void register(OpRegistry.Builder b) {
        b.register("", "Where", new int[] {9, 16}, "condition, X, Y -> output", LogicOps::where);
        b.shapePreserving("", "Not");
        b.register("", "Not", 1, "X -> Y", (node, v) -> (ctx, in) -> {
            requireBool(node, in[0]);
            long[] a = in[0].toLongArray();
            byte[] o = new byte[a.length];
            for (int i = 0; i < a.length; i++) o[i] = (byte) (a[i] == 0 ? 1 : 0);
            return new Tensor[] {Tensor.ofBools(o, in[0].shape().dims())};
        });
        b.register("", "And", 7, "A, B -> C", (node, v) -> (ctx, in) -> bool2(node, in, (x, y) -> x != 0 && y != 0));
        b.register("", "Or", 7, "A, B -> C", (node, v) -> (ctx, in) -> bool2(node, in, (x, y) -> x != 0 || y != 0));
        b.register("", "Xor", 7, "A, B -> C", (node, v) -> (ctx, in) -> bool2(node, in, (x, y) -> (x != 0) != (y != 0)));
        b.register("", "Equal", new int[] {7, 11, 13, 19}, "A, B -> C", (node, v) -> (ctx, in) -> {
            Data.sameDType(node.opType(), in[0], in[1]);
            Shape s = Data.broadcast(node.opType(), in[0], in[1]);
            int[] d = s.dims();
            byte[] o = new byte[s.numelInt()];
            if (in[0].dtype() == DType.FLOAT32) {
                float[] a = in[0].expand(d).toFloatArray(), c = in[1].expand(d).toFloatArray();
                for (int i = 0; i < o.length; i++) o[i] = (byte) (a[i] == c[i] ? 1 : 0);
            } else {
                long[] a = in[0].expand(d).toLongArray(), c = in[1].expand(d).toLongArray();
                for (int i = 0; i < o.length; i++) o[i] = (byte) (a[i] == c[i] ? 1 : 0);
            }
            return new Tensor[] {Tensor.ofBools(o, d)};
        });
        b.notes("", "Where", "cond bool, X, Y broadcast to one shape");
        b.notes("", "Not", "bool");
        b.notes("", "And", "bool, broadcast");
        b.notes("", "Or", "bool, broadcast");
        b.notes("", "Xor", "bool, broadcast");
        b.notes("", "Equal", "float32 compared as floats, integers and bool exactly");
    }

    private static void requireBool(Node node, Tensor t) {
        if (t.dtype() != DType.BOOL) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, node.opType() + ": input " + Data.shapeOf(t) + " must be bool");
        }
    }

    private static Tensor[] bool2(Node node, Tensor[] in, LongPredicate2 f) {
        requireBool(node, in[0]);
        requireBool(node, in[1]);
        Shape s = Data.broadcast(node.opType(), in[0], in[1]);
        int[] d = s.dims();
        long[] a = in[0].expand(d).toLongArray(), c = in[1].expand(d).toLongArray();
        byte[] o = new byte[a.length];
        for (int i = 0; i < o.length; i++) o[i] = (byte) (f.test(a[i], c[i]) ? 1 : 0);
        return new Tensor[] {Tensor.ofBools(o, d)};
    }

    private static Op where(Node node, int opset) {
        String op = node.opType();
        return (ctx, in) -> {
            requireBool(node, in[0]);
            Data.sameDType(op, in[1], in[2]);
            Shape s = Data.broadcast(op, in[0], in[1], in[2]);
            int[] d = s.dims();
            long[] c = in[0].expand(d).toLongArray();
            Tensor x = in[1].expand(d), y = in[2].expand(d);
            Data.Walker wx = new Data.Walker(x), wy = new Data.Walker(y);
            Tensor out = Data.alloc(ctx, op, x.dtype(), d);
            for (int i = 0; i < c.length; i++) {
                long px = wx.next(), py = wy.next();
                if (c[i] != 0) Data.copy(x, px, out, i, 1);
                else Data.copy(y, py, out, i, 1);
            }
            return new Tensor[] {out};
        };
    }
}
