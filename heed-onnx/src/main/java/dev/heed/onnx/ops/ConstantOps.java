package dev.heed.onnx.ops;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.ir.ElemType;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ir.TensorData;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;

/**
 * Value sources and conversions.
 * Versions, signatures and per-version notes are in the registrations below (generated into
 * {@code docs/supported-ops.md}).
 * Cost: O(output) copies; Constant costs nothing per run (parsed once at load).
 */
final class ConstantOps {
    private ConstantOps() {}

    static void register(OpRegistry.Builder b) {
        b.register("", "Constant", new int[] {1, 9, 11, 12, 13, 19}, "-> output | value:tensor value_float:float value_floats:floats value_int:int value_ints:ints value_string:string value_strings:strings sparse_value:sparse_tensor", ConstantOps::constant);
        b.register("", "ConstantOfShape", new int[] {9, 20}, "input -> output | value:tensor", ConstantOps::constantOfShape);
        b.register("", "Range", 11, "start, limit, delta -> output", (node, opset) -> (ctx, in) -> new Tensor[] {range(ctx, node, in)});
        b.register("", "Cast", new int[] {6, 9, 13, 19}, "input -> output | to:int saturate:int", ConstantOps::cast);
        b.register("", "Identity", new int[] {1, 13, 14, 16}, "input -> output", (node, opset) -> (ctx, in) -> new Tensor[] {in[0]});
        b.shapePreserving("", "Identity", "Cast");
        b.notes("", "Constant", "v11 sparse_value refused; v12 value_float(s) / value_int(s) (value_string(s) refused: no string tensors)");
        b.notes("", "ConstantOfShape", "value holds one element (default float 0); shape input int64");
        b.notes("", "Range", "start, limit, delta scalars: n = max(ceil((limit - start) / delta), 0)");
        b.notes("", "Cast", "to = ONNX type number (the v1 string form is not registered); targets float, int64, int32, bool, uint8 (float→int truncates toward zero)");
        b.notes("", "Identity", "tensor form only");
    }

    private static Op constant(Node node, int opset) {
        Tensor value = constantValue(node);
        return (ctx, in) -> new Tensor[] {value};
    }

    /** The tensor a Constant node holds, from whichever attribute form it uses. */
    static Tensor constantValue(Node node) {
        if (node.attributes().size() != 1) {
            throw HeedException.invalid(node.opType(), "needs exactly one value attribute, has " + node.attributes().keySet());
        }
        String which = node.attributes().keySet().iterator().next();
        return switch (which) {
            case "value" -> node.attrTensor("value").toTensor();
            case "value_float" -> Tensor.scalar(node.attrFloat("value_float", 0));
            case "value_floats" -> { float[] f = node.attrFloats("value_floats"); yield Tensor.of(f, f.length); }
            case "value_int" -> Tensor.ofLongs(new long[] {node.attrInt("value_int", 0)});
            case "value_ints" -> { long[] v = node.attrInts("value_ints"); yield Tensor.ofLongs(v, v.length); }
            case "sparse_value", "value_string", "value_strings" -> throw HeedException.unsupported(
                    node.opType() + ": attribute " + which + " (Heed has no sparse or string tensors)",
                    "value", "value_float", "value_floats", "value_int", "value_ints");
            default -> throw HeedException.unsupported(node.opType() + ": unknown attribute " + which,
                    "value", "value_float", "value_floats", "value_int", "value_ints");
        };
    }

    private static Op constantOfShape(Node node, int opset) {
        TensorData v = node.attrTensor("value");
        Tensor fill = v == null ? Tensor.scalar(0f) : v.toTensor();
        if (fill.numel() != 1) throw HeedException.invalid(node.opType(), "value must hold one element, has shape " + fill.shape());
        Tensor one = Data.dense(fill).reshape(1);
        return (ctx, in) -> {
            long[] shape = Data.indexValues(in[0], "ConstantOfShape", "input");
            int[] dims = new int[shape.length];
            for (int i = 0; i < dims.length; i++) dims[i] = Data.toInt(shape[i], "ConstantOfShape", "dimension");
            Tensor out = Data.alloc(ctx, "ConstantOfShape", one.dtype(), dims);
            long n = out.numel();
            for (long i = 0; i < n; i++) Data.copy(one, 0, out, i, 1);
            return new Tensor[] {out};
        };
    }

    private static Tensor range(dev.heed.exec.ExecutionContext ctx, Node node, Tensor[] in) {
        String op = node.opType();
        for (Tensor t : in) {
            if (t == null || t.numel() != 1) throw HeedException.invalid(op, "start, limit and delta must be scalars");
            Data.sameDType(op, in[0], t);
        }
        DType dt = in[0].dtype();
        if (dt == DType.FLOAT32) {
            float start = in[0].toFloatArray()[0], limit = in[1].toFloatArray()[0], delta = in[2].toFloatArray()[0];
            if (delta == 0) throw HeedException.invalid(op, "delta must not be 0");
            long n = Math.max((long) Math.ceil(((double) limit - start) / delta), 0);
            dev.heed.exec.MemoryBudget.reserve(ctx, op + ": output", dt, Data.toInt(n, op, "length"));
            float[] out = new float[Data.toInt(n, op, "length")];
            for (int i = 0; i < out.length; i++) out[i] = (float) (start + (double) i * delta);
            return Tensor.of(out, out.length);
        }
        if (dt != DType.INT64 && dt != DType.INT32) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": dtype " + dt + " not supported; expected float32, int64 or int32");
        }
        long start = in[0].toLongArray()[0], limit = in[1].toLongArray()[0], delta = in[2].toLongArray()[0];
        if (delta == 0) throw HeedException.invalid(op, "delta must not be 0");
        long span;
        try {
            span = Math.subtractExact(limit, start);
        } catch (ArithmeticException e) {
            throw HeedException.invalid(op, "limit - start overflows 64 bits (start " + start + ", limit " + limit + ")");
        }
        long n = Math.max(Math.ceilDiv(span, delta), 0);
        int len = Data.toInt(n, op, "length");
        dev.heed.exec.MemoryBudget.reserve(ctx, op + ": output", dt, len);
        if (dt == DType.INT64) {
            long[] out = new long[len];
            for (int i = 0; i < len; i++) out[i] = start + i * delta;
            return Tensor.ofLongs(out, len);
        }
        int[] out = new int[len];
        for (int i = 0; i < len; i++) out[i] = (int) (start + i * delta);
        return Tensor.ofInts(out, len);
    }

    private static Op cast(Node node, int opset) {
        long to = node.attrInt("to", -1);
        ElemType et = ElemType.fromCode((int) to);
        DType target = et == null ? null : et.heedType();
        if (target == null) {
            throw HeedException.unsupported(node.opType() + ": cast to " + (et == null ? "type #" + to : et.toString())
                    + " (Heed has no such dtype)", "float", "int64", "int32", "bool", "uint8");
        }
        return (ctx, in) -> new Tensor[] {in[0].dtype() == target ? in[0] : in[0].to(target)};
    }
}
