package dev.heed.onnx.ops;

import dev.heed.HeedException;
import dev.heed.onnx.ir.Node;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/**
 * Shape-only ops: views that copy nothing (or one contiguous copy when a reshape needs it).
 * Versions, signatures and per-version notes are in the registrations below (generated into
 * {@code docs/supported-ops.md}).
 */
final class ShapeOps {
    private ShapeOps() {}

    static void register(OpRegistry.Builder b) {
        b.register("", "Shape", new int[] {1, 13, 15, 19}, "data -> shape | start:int end:int", ShapeOps::shape);
        b.register("", "Size", new int[] {1, 13, 19}, "data -> size", (n, v) -> (ctx, in) -> new Tensor[] {Data.int64Scalar(in[0].numel())});
        b.register("", "Reshape", new int[] {5, 13, 14, 19}, "data, shape -> reshaped | allowzero:int", ShapeOps::reshape);
        b.register("", "Flatten", new int[] {1, 9, 11, 13}, "input -> output | axis:int", ShapeOps::flatten);
        b.register("", "Squeeze", new int[] {1, 11}, "data -> squeezed | axes:ints", ShapeOps::squeeze);
        b.register("", "Squeeze", 13, "data, axes? -> squeezed", ShapeOps::squeeze);
        b.register("", "Unsqueeze", new int[] {1, 11}, "data -> expanded | axes:ints", ShapeOps::unsqueeze);
        b.register("", "Unsqueeze", 13, "data, axes -> expanded", ShapeOps::unsqueeze);
        b.register("", "Transpose", new int[] {1, 13}, "data -> transposed | perm:ints", ShapeOps::transpose);
        b.register("", "Expand", new int[] {8, 13}, "input, shape -> output", (node, v) -> (ctx, in) -> {
            long[] target = Data.indexValues(in[1], "Expand", "shape");
            int[] t = new int[target.length];
            for (int i = 0; i < t.length; i++) t[i] = Data.toInt(target[i], "Expand", "dimension");
            Shape out = Shape.broadcast(node.opType(), in[0].shape(), Shape.of(t));
            dev.heed.exec.MemoryBudget.reserve(ctx, node.opType() + ": output", in[0].dtype(), out.dims()); // consumers see every element
            return new Tensor[] {in[0].expand(out.dims())};
        });
        b.notes("", "Shape", "v15 start/end attributes (clamped, negative from the end)");
        b.notes("", "Size", "int64 scalar");
        b.notes("", "Reshape", "0 = copy input dim · v14 allowzero=1 keeps 0 literal");
        b.notes("", "Flatten", "v1 axis ≥ 0 · v11 negative axis; output [prod(d[:axis]), prod(d[axis:])]");
        b.notes("", "Squeeze", "v1/v11 axes attribute · v13 axes input; no axes = every size-1 axis");
        b.notes("", "Unsqueeze", "v1/v11 axes attribute · v13 axes input; axes index the output");
        b.notes("", "Transpose", "perm (default: reversed axes)");
        b.notes("", "Expand", "bidirectional broadcast (a view with stride 0)");
    }

    private static Op shape(Node node, int opset) {
        long start = node.attrInt("start", 0);
        Long end = node.hasAttr("end") ? node.attrInt("end", 0) : null;
        return (ctx, in) -> {
            int[] d = in[0].shape().dims();
            int r = d.length;
            long s = start < 0 ? Math.max(0, start + r) : Math.min(start, r);
            long e = end == null ? r : end < 0 ? Math.max(0, end + r) : Math.min(end, r);
            long[] out = new long[(int) Math.max(0, e - s)];
            for (int i = 0; i < out.length; i++) out[i] = d[(int) s + i];
            return new Tensor[] {Data.int64Vector(out)};
        };
    }

    private static Op reshape(Node node, int opset) {
        boolean allowZero = node.attrInt("allowzero", 0) != 0;
        String op = node.opType();
        return (ctx, in) -> {
            long[] spec = Data.indexValues(in[1], op, "shape");
            int[] d = new int[spec.length];
            for (int i = 0; i < d.length; i++) {
                if (spec[i] == 0 && !allowZero) {
                    if (i >= in[0].rank()) {
                        throw HeedException.shape(op, "shape " + Arrays.toString(spec) + " copies dimension " + i
                                + " (0) but the input " + in[0].shape() + " has rank " + in[0].rank());
                    }
                    d[i] = in[0].dim(i);
                } else {
                    d[i] = spec[i] == -1 ? -1 : Data.toInt(spec[i], op, "dimension");
                }
            }
            try {
                return new Tensor[] {in[0].reshape(d)};
            } catch (HeedException e) {
                throw HeedException.shape(op, e.getMessage() + " (shape input " + Arrays.toString(spec) + ")");
            }
        };
    }

    private static Op flatten(Node node, int opset) {
        long axis = node.attrInt("axis", 1);
        return (ctx, in) -> {
            int r = in[0].rank();
            long a = axis < 0 ? axis + r : axis;
            if (a < 0 || a > r) throw HeedException.invalid(node.opType(), "axis " + axis + " out of range for rank " + r);
            long outer = 1, inner = 1;
            for (int i = 0; i < r; i++) {
                if (i < a) outer *= in[0].dim(i);
                else inner *= in[0].dim(i);
            }
            return new Tensor[] {in[0].reshape(Data.toInt(outer, "Flatten", "size"), Data.toInt(inner, "Flatten", "size"))};
        };
    }

    private static long[] axesOf(Node node, int opset, Tensor[] in) {
        if (opset >= 13) return in.length > 1 && in[1] != null ? Data.indexValues(in[1], node.opType(), "axes") : null;
        return node.attrInts("axes");
    }

    private static Op squeeze(Node node, int opset) {
        String op = node.opType();
        return (ctx, in) -> {
            long[] axes = axesOf(node, opset, in);
            int[] d = in[0].shape().dims();
            boolean[] drop = new boolean[d.length];
            if (axes == null) {
                for (int i = 0; i < d.length; i++) drop[i] = d[i] == 1;
            } else {
                for (long a : axes) {
                    int ax = Data.axis(a, d.length, op);
                    if (d[ax] != 1) throw HeedException.shape(op, "cannot squeeze axis " + a + " of " + in[0].shape() + ": size " + d[ax] + " != 1");
                    drop[ax] = true;
                }
            }
            int[] out = new int[d.length];
            int k = 0;
            for (int i = 0; i < d.length; i++) if (!drop[i]) out[k++] = d[i];
            return new Tensor[] {in[0].reshape(Arrays.copyOf(out, k))};
        };
    }

    private static Op unsqueeze(Node node, int opset) {
        String op = node.opType();
        return (ctx, in) -> {
            long[] axes = axesOf(node, opset, in);
            if (axes == null) throw HeedException.invalid(op, "axes are required");
            int[] d = in[0].shape().dims();
            int r = d.length + axes.length;
            boolean[] ins = new boolean[r];
            for (long a : axes) {
                int ax = Data.axis(a, r, op);
                if (ins[ax]) throw HeedException.invalid(op, "axis " + a + " repeats in " + Arrays.toString(axes));
                ins[ax] = true;
            }
            int[] out = new int[r];
            for (int i = 0, j = 0; i < r; i++) out[i] = ins[i] ? 1 : d[j++];
            return new Tensor[] {in[0].reshape(out)};
        };
    }

    private static Op transpose(Node node, int opset) {
        long[] perm = node.attrInts("perm");
        return (ctx, in) -> {
            int r = in[0].rank();
            int[] p = new int[r];
            if (perm == null) {
                for (int i = 0; i < r; i++) p[i] = r - 1 - i;
            } else {
                if (perm.length != r) {
                    throw HeedException.shape(node.opType(), "perm " + Arrays.toString(perm) + " does not match rank of " + in[0].shape());
                }
                for (int i = 0; i < r; i++) p[i] = Data.axis(perm[i], r, node.opType());
            }
            return new Tensor[] {in[0].permute(p)};
        };
    }
}
