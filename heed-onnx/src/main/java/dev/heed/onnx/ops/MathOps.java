package dev.heed.onnx.ops;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.kernel.BinaryOp;
import dev.heed.kernel.CompareOp;
import dev.heed.kernel.Elementwise;
import dev.heed.kernel.UnaryOp;
import dev.heed.onnx.ir.Node;
import dev.heed.tensor.DType;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Tensor;
import java.util.EnumSet;
import java.util.Set;

/**
 * Elementwise math on Heed's {@link Elementwise} kernels, NumPy broadcasting throughout.
 * Versions, signatures and per-version notes are in the registrations below (generated into
 * {@code docs/supported-ops.md}).
 * Cost: O(output) per kernel pass; variadic ops take n − 1 passes, Clip on integers and IsInf two, IsNaN two.
 */
final class MathOps {
    private MathOps() {}

    private static final Set<DType> F32 = EnumSet.of(DType.FLOAT32);
    private static final Set<DType> SIGNED = EnumSet.of(DType.FLOAT32, DType.INT64, DType.INT32);
    private static final Set<DType> NUMERIC = EnumSet.of(DType.FLOAT32, DType.INT64, DType.INT32, DType.UINT8);
    private static final Set<DType> INTEGER = EnumSet.of(DType.INT64, DType.INT32, DType.UINT8);

    static void register(OpRegistry.Builder b) {
        int[] arith = {7, 13, 14};
        b.register("", "Add", arith, "A, B -> C", (n, v) -> binary(n, BinaryOp.ADD, NUMERIC));
        b.register("", "Sub", arith, "A, B -> C", (n, v) -> binary(n, BinaryOp.SUB, NUMERIC));
        b.register("", "Mul", arith, "A, B -> C", (n, v) -> binary(n, BinaryOp.MUL, NUMERIC));
        b.register("", "Div", arith, "A, B -> C", (n, v) -> binary(n, BinaryOp.DIV, NUMERIC));
        b.register("", "Pow", new int[] {7, 12, 13, 15}, "X, Y -> Z", MathOps::pow);

        int[] v6 = {6, 13};
        b.register("", "Sqrt", v6, "X -> Y", (n, v) -> unary(n, UnaryOp.SQRT, F32));
        b.register("", "Exp", v6, "X -> Y", (n, v) -> unary(n, UnaryOp.EXP, F32));
        b.register("", "Log", v6, "X -> Y", (n, v) -> unary(n, UnaryOp.LOG, F32));
        b.register("", "Tanh", v6, "X -> Y", (n, v) -> unary(n, UnaryOp.TANH, F32));
        b.register("", "Sigmoid", v6, "X -> Y", (n, v) -> unary(n, UnaryOp.SIGMOID, F32));
        b.register("", "Reciprocal", v6, "X -> Y", (n, v) -> unary(n, UnaryOp.RECIPROCAL, F32));
        b.register("", "Floor", v6, "X -> Y", (n, v) -> unary(n, UnaryOp.FLOOR, F32));
        b.register("", "Ceil", v6, "X -> Y", (n, v) -> unary(n, UnaryOp.CEIL, F32));
        b.register("", "Neg", v6, "X -> Y", (n, v) -> unary(n, UnaryOp.NEG, SIGNED));
        b.register("", "Abs", v6, "X -> Y", (n, v) -> unary(n, UnaryOp.ABS, SIGNED));
        b.register("", "Erf", new int[] {9, 13}, "input -> output", (n, v) -> unary(n, UnaryOp.ERF, F32));
        b.register("", "Sign", new int[] {9, 13}, "input -> output", (n, v) -> unary(n, UnaryOp.SIGN, SIGNED));
        b.register("", "Round", 11, "X -> Y", (n, v) -> unary(n, UnaryOp.ROUND, F32));
        b.register("", "Sin", 7, "input -> output", (n, v) -> unary(n, UnaryOp.SIN, F32));
        b.register("", "Cos", 7, "input -> output", (n, v) -> unary(n, UnaryOp.COS, F32));
        b.register("", "Relu", new int[] {6, 13, 14}, "X -> Y", MathOps::relu);
        b.register("", "LeakyRelu", new int[] {6, 16}, "X -> Y | alpha:float",
                (n, v) -> unary(n, UnaryOp.leakyRelu(n.attrFloat("alpha", 0.01f)), F32));
        b.register("", "HardSigmoid", 6, "X -> Y | alpha:float beta:float",
                (n, v) -> unary(n, UnaryOp.hardSigmoid(n.attrFloat("alpha", 0.2f), n.attrFloat("beta", 0.5f)), F32));
        b.register("", "HardSwish", 14, "X -> Y", (n, v) -> unary(n, UnaryOp.HARD_SWISH, F32));
        b.register("", "Elu", 6, "X -> Y | alpha:float", (n, v) -> unary(n, UnaryOp.elu(n.attrFloat("alpha", 1f)), F32));
        b.register("", "Selu", 6, "X -> Y | alpha:float gamma:float", (n, v) -> unary(n,
                UnaryOp.selu(n.attrFloat("alpha", UnaryOp.SELU_ALPHA), n.attrFloat("gamma", UnaryOp.SELU_GAMMA)), F32));
        b.register("", "Softplus", 1, "X -> Y", (n, v) -> unary(n, UnaryOp.SOFTPLUS, F32));
        b.register("", "Softsign", 1, "input -> output", (n, v) -> unary(n, UnaryOp.SOFTSIGN, F32));
        b.register("", "PRelu", new int[] {7, 9, 16}, "X, slope -> Y", MathOps::prelu);
        b.register("", "Clip", new int[] {1, 6}, "input -> output | max:float min:float", MathOps::clipAttributes);
        b.register("", "Clip", new int[] {11, 12, 13}, "input, min?, max? -> output", MathOps::clipInputs);

        b.register("", "Greater", new int[] {7, 9, 13}, "A, B -> C", (n, v) -> compare(n, CompareOp.GREATER));
        b.register("", "Less", new int[] {7, 9, 13}, "A, B -> C", (n, v) -> compare(n, CompareOp.LESS));
        b.register("", "GreaterOrEqual", new int[] {12, 16}, "A, B -> C", (n, v) -> compare(n, CompareOp.GREATER_OR_EQUAL));
        b.register("", "LessOrEqual", new int[] {12, 16}, "A, B -> C", (n, v) -> compare(n, CompareOp.LESS_OR_EQUAL));

        b.register("", "Max", new int[] {6, 8, 12, 13}, "data_0... -> max", (n, v) -> variadic(n, BinaryOp.MAX, NUMERIC, false));
        b.register("", "Min", new int[] {6, 8, 12, 13}, "data_0... -> min", (n, v) -> variadic(n, BinaryOp.MIN, NUMERIC, false));
        b.register("", "Sum", new int[] {6, 8, 13}, "data_0... -> sum", (n, v) -> variadic(n, BinaryOp.ADD, F32, false));
        b.register("", "Mean", new int[] {6, 8, 13}, "data_0... -> mean", (n, v) -> variadic(n, BinaryOp.ADD, F32, true));
        b.register("", "Mod", new int[] {10, 13}, "A, B -> C | fmod:int", MathOps::mod);
        b.register("", "IsNaN", new int[] {9, 13}, "X -> Y", (n, v) -> (ctx, in) -> {
            require(n, 0, in[0], F32);
            Tensor self = Elementwise.compare(ctx, CompareOp.EQUAL, in[0], in[0]);   // false exactly for NaN
            return new Tensor[] {Elementwise.logicalNot(ctx, self)};
        });
        b.register("", "IsInf", 10, "X -> Y | detect_negative:int detect_positive:int", MathOps::isInf);
        b.shapePreserving("", "Relu", "Sigmoid", "Tanh", "Erf", "Neg", "Abs", "Exp", "Log", "Sqrt", "LeakyRelu", "Reciprocal",
                "HardSigmoid", "HardSwish", "Softplus", "Elu", "Selu", "Clip", "Floor", "Ceil", "Round", "Sin", "Cos");
        b.notes("", "Add", "float32, int64, int32, uint8");
        b.notes("", "Sub", "float32, int64, int32, uint8");
        b.notes("", "Mul", "float32, int64, int32, uint8");
        b.notes("", "Div", "float32, int64, int32, uint8 (integer Div truncates like C)");
        b.notes("", "Pow", "float32 base: float32/int64/int32 exponent (exponent → float32); int base: integer exponent exact, float exponent in float32 then truncated");
        b.notes("", "Sqrt", "float32");
        b.notes("", "Exp", "float32");
        b.notes("", "Log", "float32");
        b.notes("", "Tanh", "float32");
        b.notes("", "Sigmoid", "float32");
        b.notes("", "Reciprocal", "float32");
        b.notes("", "Floor", "float32");
        b.notes("", "Ceil", "float32");
        b.notes("", "Erf", "float32");
        b.notes("", "Round", "float32, half to even");
        b.notes("", "Sin", "float32");
        b.notes("", "Cos", "float32");
        b.notes("", "Relu", "float32; int64/int32 from v14 (as max(x, 0))");
        b.notes("", "LeakyRelu", "float32, alpha 0.01");
        b.notes("", "HardSigmoid", "float32, alpha 0.2, beta 0.5");
        b.notes("", "HardSwish", "float32");
        b.notes("", "Elu", "float32, alpha 1");
        b.notes("", "Selu", "float32, alpha 1.67326…, gamma 1.05070…");
        b.notes("", "Softplus", "float32");
        b.notes("", "Softsign", "float32");
        b.notes("", "Neg", "float32, int64, int32");
        b.notes("", "Abs", "float32, int64, int32");
        b.notes("", "Sign", "float32, int64, int32");
        b.notes("", "PRelu", "slope broadcasts to X (unidirectionally); float32, int64, int32");
        b.notes("", "Clip", "v1/v6 min/max attributes (default ∓FLT_MAX), float32 · v11 optional scalar min/max inputs; int64/int32/uint8 from v12");
        b.notes("", "Greater", "→ bool; any shared dtype");
        b.notes("", "Less", "→ bool; any shared dtype");
        b.notes("", "GreaterOrEqual", "→ bool");
        b.notes("", "LessOrEqual", "→ bool");
        b.notes("", "Max", "one or more inputs, broadcast; float32, int64, int32, uint8");
        b.notes("", "Min", "one or more inputs, broadcast; float32, int64, int32, uint8");
        b.notes("", "Sum", "one or more inputs, broadcast; float32");
        b.notes("", "Mean", "one or more inputs, broadcast; float32 (sum / n)");
        b.notes("", "Mod", "fmod=0: sign of divisor (integers); fmod=1: C fmod (float32 needs it)");
        b.notes("", "IsNaN", "float32 → bool");
        b.notes("", "IsInf", "float32 → bool, detect_negative / detect_positive");
    }

    // ---------------------------------------------------------------- op builders

    private static Op unary(Node node, UnaryOp op, Set<DType> types) {
        return (ctx, in) -> {
            require(node, 0, in[0], types);
            return new Tensor[] {Elementwise.unary(ctx, op, in[0])};
        };
    }

    private static Op binary(Node node, BinaryOp op, Set<DType> types) {
        return (ctx, in) -> new Tensor[] {binary(ctx, node, op, types, in[0], in[1])};
    }

    /** Checks dtypes (naming the node, both operands and what is supported), the broadcast and the memory limit. */
    private static Tensor binary(ExecutionContext ctx, Node node, BinaryOp op, Set<DType> types, Tensor a, Tensor b) {
        require(node, 0, a, types);
        Data.sameDType(node.opType(), a, b);
        fits(ctx, node, a.dtype(), Data.broadcast(node.opType(), a, b));
        return Elementwise.binary(ctx, op, a, b);
    }

    private static Op compare(Node node, CompareOp op) {
        return (ctx, in) -> {
            Data.sameDType(node.opType(), in[0], in[1]);
            fits(ctx, node, DType.BOOL, Data.broadcast(node.opType(), in[0], in[1]));
            return new Tensor[] {Elementwise.compare(ctx, op, in[0], in[1])};
        };
    }

    /** Max, Min, Sum (and Mean = Sum / n) over one or more inputs, all broadcast together. */
    private static Op variadic(Node node, BinaryOp op, Set<DType> types, boolean mean) {
        return (ctx, in) -> {
            if (in.length == 0 || in[0] == null) throw HeedException.invalid(node.opType(), "needs at least one input");
            for (int i = 0; i < in.length; i++) {
                if (in[i] == null) throw HeedException.invalid(node.opType(), "input " + i + " is missing");
                require(node, i, in[i], types);
                if (i > 0) Data.sameDType(node.opType(), in[0], in[i]);
            }
            fits(ctx, node, in[0].dtype(), Data.broadcast(node.opType(), in));
            Tensor acc = in[0];
            for (int i = 1; i < in.length; i++) acc = Elementwise.binary(ctx, op, acc, in[i]);
            if (mean) acc = Elementwise.binary(ctx, BinaryOp.DIV, acc, Tensor.scalar(in.length));
            else if (in.length == 1) acc = acc.contiguous();   // a fresh tensor, as every other path returns
            return new Tensor[] {acc};
        };
    }

    private static Op relu(Node node, int opset) {
        Set<DType> types = opset >= 14 ? SIGNED : F32;
        return (ctx, in) -> {
            Tensor x = in[0];
            require(node, 0, x, types);
            if (x.dtype() == DType.FLOAT32) return new Tensor[] {Elementwise.unary(ctx, UnaryOp.RELU, x)};
            return new Tensor[] {Elementwise.binary(ctx, BinaryOp.MAX, x, integerScalar(x.dtype(), 0))};
        };
    }

    /** PRelu: the slope broadcasts to X's shape, never the other way. */
    private static Op prelu(Node node, int opset) {
        return (ctx, in) -> {
            Tensor x = in[0], slope = in[1];
            require(node, 0, x, SIGNED);
            Data.sameDType(node.opType(), x, slope);
            Shape s = Data.broadcast(node.opType(), x, slope);
            if (!s.equals(x.shape())) {
                throw HeedException.shape(node.opType(), "slope " + slope.shape() + " must broadcast to X " + x.shape()
                        + " (unidirectional), but together they make " + s);
            }
            return new Tensor[] {Elementwise.binary(ctx, BinaryOp.PRELU, x, slope)};
        };
    }

    /**
     * Pow. A float32 base takes any integer exponent converted to float32 (exact up to 2^24). An integer base
     * with an integer exponent is exact integer arithmetic in the base's type; with a float32 exponent it is
     * computed in float32 and truncated toward zero, as the ONNX reference does ({@code np.power(x, y).astype(x.dtype)}).
     */
    private static Tensor[] powApply(ExecutionContext ctx, Tensor[] in, Node node) {
        Tensor x = in[0], y = in[1];
        require(node, 0, x, SIGNED);
        require(node, 1, y, SIGNED);
        fits(ctx, node, x.dtype(), Data.broadcast(node.opType(), x, y));
        if (x.dtype() == DType.FLOAT32) {
            return new Tensor[] {Elementwise.binary(ctx, BinaryOp.POW, x, y.dtype() == DType.FLOAT32 ? y : y.to(DType.FLOAT32))};
        }
        if (y.dtype() == DType.FLOAT32) {
            return new Tensor[] {Elementwise.binary(ctx, BinaryOp.POW, x.to(DType.FLOAT32), y).to(x.dtype())};
        }
        return new Tensor[] {Elementwise.binary(ctx, BinaryOp.POW, x, y.dtype() == x.dtype() ? y : y.to(x.dtype()))};
    }

    private static Op pow(Node node, int opset) {
        return (ctx, in) -> powApply(ctx, in, node);
    }

    /** Clip v1/v6: bounds are attributes, defaulting to the float32 range (so ±inf clamps to ±FLT_MAX). */
    private static Op clipAttributes(Node node, int opset) {
        UnaryOp op = UnaryOp.clip(node.attrFloat("min", -Float.MAX_VALUE), node.attrFloat("max", Float.MAX_VALUE));
        return unary(node, op, F32);
    }

    /**
     * Clip v11+: optional scalar inputs min and max. Absent bounds are the type's lowest / highest value; when
     * min &gt; max every element becomes max (min(max(x, lo), hi)). Integers (v12+) clamp exactly with Max/Min.
     */
    private static Op clipInputs(Node node, int opset) {
        Set<DType> types = opset >= 12 ? NUMERIC : F32;
        return (ctx, in) -> {
            Tensor x = in[0];
            require(node, 0, x, types);
            Tensor lo = in.length > 1 ? bound(node, "min", x, in[1]) : null;
            Tensor hi = in.length > 2 ? bound(node, "max", x, in[2]) : null;
            if (x.dtype() == DType.FLOAT32) {
                float l = lo == null ? -Float.MAX_VALUE : lo.toFloatArray()[0];
                float h = hi == null ? Float.MAX_VALUE : hi.toFloatArray()[0];
                return new Tensor[] {Elementwise.unary(ctx, UnaryOp.clip(l, h), x)};
            }
            Tensor y = x;
            if (lo != null) y = Elementwise.binary(ctx, BinaryOp.MAX, y, lo);
            if (hi != null) y = Elementwise.binary(ctx, BinaryOp.MIN, y, hi);
            return new Tensor[] {y == x ? x.contiguous() : y};
        };
    }

    /** A Clip bound: absent (null), or a one-element tensor of X's dtype, returned as a rank-0 tensor. */
    private static Tensor bound(Node node, String what, Tensor x, Tensor t) {
        if (t == null) return null;
        if (t.dtype() != x.dtype()) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, node.opType() + ": input '" + what + "' is "
                    + Data.shapeOf(t) + " but X is " + Data.shapeOf(x) + "; the bounds must have X's dtype");
        }
        if (t.numel() != 1) {
            throw HeedException.shape(node.opType(), "input '" + what + "' must be a scalar, got " + Data.shapeOf(t));
        }
        return t.reshape();
    }

    /** Mod: fmod=0 is the remainder with the divisor's sign (integers only, as ONNX says); fmod=1 is C's fmod. */
    private static Op mod(Node node, int opset) {
        long fmod = node.attrInt("fmod", 0);
        if (fmod != 0 && fmod != 1) throw HeedException.invalid(node.opType(), "attribute fmod must be 0 or 1, got " + fmod);
        return (ctx, in) -> {
            if (fmod == 0 && in[0].dtype() == DType.FLOAT32) {
                throw HeedException.invalid(node.opType(), "fmod=0 is defined for integers only; float32 inputs "
                        + Data.shapeOf(in[0]) + " need fmod=1");
            }
            return new Tensor[] {binary(ctx, node, fmod == 1 ? BinaryOp.FMOD : BinaryOp.MOD, NUMERIC, in[0], in[1])};
        };
    }

    private static Op isInf(Node node, int opset) {
        boolean neg = node.attrInt("detect_negative", 1) != 0, pos = node.attrInt("detect_positive", 1) != 0;
        return (ctx, in) -> {
            Tensor x = in[0];
            require(node, 0, x, F32);
            Tensor p = pos ? Elementwise.compare(ctx, CompareOp.EQUAL, x, Tensor.scalar(Float.POSITIVE_INFINITY)) : null;
            Tensor n = neg ? Elementwise.compare(ctx, CompareOp.EQUAL, x, Tensor.scalar(Float.NEGATIVE_INFINITY)) : null;
            Tensor r = p != null && n != null ? Elementwise.logicalOr(ctx, p, n)
                    : p != null ? p : n != null ? n : Tensor.zeros(DType.BOOL, x.shape().dims());
            return new Tensor[] {r};
        };
    }

    // ---------------------------------------------------------------- checks

    /** Input {@code i} must have one of {@code types}: otherwise a DTYPE_MISMATCH naming node, input, dtype and the supported set. */
    private static void require(Node node, int i, Tensor t, Set<DType> types) {
        if (t == null) throw HeedException.invalid(node.opType(), "input " + i + " ('" + node.input(i) + "') is missing");
        if (!types.contains(t.dtype())) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, node.opType() + ": input " + i + " ('" + node.input(i)
                    + "') is " + Data.shapeOf(t) + "; " + node.opType() + " supports " + names(types));
        }
    }

    private static String names(Set<DType> types) {
        return String.join(", ", types.stream().map(DType::toString).toList());
    }

    /** Refuses an output of {@code shape} over the context's per-tensor memory limit (before any kernel allocates). */
    private static void fits(ExecutionContext ctx, Node node, DType dt, Shape shape) {
        dev.heed.exec.MemoryBudget.reserve(ctx, node.opType() + ": output", dt, shape.dims()); // per tensor and the run's total
    }

    private static Tensor integerScalar(DType dt, long v) {
        return switch (dt) {
            case INT64 -> Tensor.ofLongs(new long[] {v});
            case INT32 -> Tensor.ofInts(new int[] {(int) v});
            default -> throw new HeedException(ErrorCode.INTERNAL, "no integer scalar of " + dt);
        };
    }
}
