package dev.heed.onnx.ops;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.kernel.BinaryOp;
import dev.heed.kernel.Elementwise;
import dev.heed.kernel.ReduceOp;
import dev.heed.kernel.Reductions;
import dev.heed.kernel.UnaryOp;
import dev.heed.onnx.ir.Node;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/**
 * Reductions over axes, and the index of the extreme along one axis.
 * Versions, signatures and per-version notes are in the registrations below (generated into
 * {@code docs/supported-ops.md}).
 * keepdims (default 1) keeps reduced axes as size 1; no axes (absent or empty) reduces every axis, or, with
 * noop_with_empty_axes=1, returns the input unchanged. Sum / mean / max / min / prod run on
 * {@link Reductions#reduce} (float32 vectorised; int64 / int32 exact); L1 = Σ|x|, SumSquare = Σx², L2 = √Σx²,
 * LogSum = log Σx, LogSumExp = m + log Σ exp(x - m) with m the (finite) max. L2 / LogSum / LogSumExp and
 * ArgMax / ArgMin are float32 only. Cost: one pass over x per kernel call (LogSumExp: max, exp, sum).
 */
final class ReduceOps {
    private ReduceOps() {}

    /** The ONNX reductions, by how they are computed. */
    private enum Kind { SUM, MEAN, MAX, MIN, PROD, L1, L2, SUM_SQUARE, LOG_SUM, LOG_SUM_EXP }

    static void register(OpRegistry.Builder b) {
        reduce(b, "ReduceSum", Kind.SUM, new int[] {1, 11, 13}, 13);
        reduce(b, "ReduceMean", Kind.MEAN, new int[] {1, 11, 13, 18}, 18);
        reduce(b, "ReduceMax", Kind.MAX, new int[] {1, 11, 12, 13, 18}, 18);
        reduce(b, "ReduceMin", Kind.MIN, new int[] {1, 11, 12, 13, 18}, 18);
        reduce(b, "ReduceProd", Kind.PROD, new int[] {1, 11, 13, 18}, 18);
        reduce(b, "ReduceL1", Kind.L1, new int[] {1, 11, 13, 18}, 18);
        reduce(b, "ReduceL2", Kind.L2, new int[] {1, 11, 13, 18}, 18);
        reduce(b, "ReduceSumSquare", Kind.SUM_SQUARE, new int[] {1, 11, 13, 18}, 18);
        reduce(b, "ReduceLogSum", Kind.LOG_SUM, new int[] {1, 11, 13, 18}, 18);
        reduce(b, "ReduceLogSumExp", Kind.LOG_SUM_EXP, new int[] {1, 11, 13, 18}, 18);
        b.register("", "ArgMax", new int[] {1, 11, 12, 13}, "data -> reduced | axis:int keepdims:int select_last_index:int", (n, v) -> arg(n, true));
        b.register("", "ArgMin", new int[] {1, 11, 12, 13}, "data -> reduced | axis:int keepdims:int select_last_index:int", (n, v) -> arg(n, false));
        b.notes("", "ReduceSum", "v11 negative axes · v13 axes input + noop_with_empty_axes");
        b.notes("", "ArgMax", "v11 negative axis · v12 select_last_index; int64 out; float32 only");
        b.notes("", "ArgMin", "v11 negative axis · v12 select_last_index; int64 out; float32 only");
    }

    private static void reduce(OpRegistry.Builder b, String name, Kind kind, int[] versions, int axesInputSince) {
        for (int v : versions) {
            String signature = v >= axesInputSince
                    ? "data, axes? -> reduced | keepdims:int noop_with_empty_axes:int"
                    : "data -> reduced | axes:ints keepdims:int";
            b.register("", name, v, signature, (node, opset) -> reduce(node, opset, kind, opset >= axesInputSince));
        }
        if (axesInputSince == 18) b.notes("", name, "v11 negative axes · v12/v13 more types · v18 axes input + noop_with_empty_axes");
    }

    private static Op reduce(Node node, int opset, Kind kind, boolean axesInput) {
        String op = node.opType();
        boolean keep = node.attrInt("keepdims", 1) != 0;
        if (axesInput && node.hasAttr("axes")) {
            throw HeedException.invalid(op, "at opset " + opset + " axes is the second input, not an attribute");
        }
        boolean noop = axesInput && node.attrInt("noop_with_empty_axes", 0) != 0;
        long[] attrAxes = axesInput ? null : node.attrInts("axes");
        return (ctx, in) -> {
            Tensor x = in[0];
            long[] axes = !axesInput ? attrAxes : in.length > 1 && in[1] != null ? Data.indexValues(in[1], op, "axes") : null;
            if (axes == null || axes.length == 0) {
                if (noop) return new Tensor[] {x};
                axes = new long[0];
            }
            int[] ax = axes(op, x, axes);
            return new Tensor[] {compute(ctx, op, kind, x, ax, keep)};
        };
    }

    /** Normalised, distinct axes of x; the error names the node, x and the axes. */
    private static int[] axes(String op, Tensor x, long[] axes) {
        int r = x.rank();
        int[] out = new int[axes.length];
        boolean[] seen = new boolean[Math.max(r, 1)];
        for (int i = 0; i < axes.length; i++) {
            long a = axes[i] < 0 ? axes[i] + r : axes[i];
            if (a < 0 || a >= r) {
                throw HeedException.invalid(op, "axes " + Arrays.toString(axes) + ": axis " + axes[i] + " is out of range for x "
                        + Data.shapeOf(x) + " (rank " + r + ")");
            }
            if (seen[(int) a]) throw HeedException.invalid(op, "axes " + Arrays.toString(axes) + " name axis " + a + " twice (x " + Data.shapeOf(x) + ")");
            seen[(int) a] = true;
            out[i] = (int) a;
        }
        return out;
    }

    private static Tensor compute(ExecutionContext ctx, String op, Kind kind, Tensor x, int[] ax, boolean keep) {
        DType dt = x.dtype();
        boolean integer = dt == DType.INT64 || dt == DType.INT32;
        if (dt != DType.FLOAT32 && !integer) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": x " + Data.shapeOf(x) + " has an unsupported dtype; expected float32, int64 or int32");
        }
        if (integer && (kind == Kind.L2 || kind == Kind.LOG_SUM || kind == Kind.LOG_SUM_EXP)) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": x " + Data.shapeOf(x) + " must be float32 for this reduction");
        }
        return switch (kind) {
            case SUM -> Reductions.reduce(ctx, ReduceOp.SUM, x, ax, keep);
            case MEAN -> Reductions.reduce(ctx, ReduceOp.MEAN, x, ax, keep);
            case MAX -> Reductions.reduce(ctx, ReduceOp.MAX, x, ax, keep);
            case MIN -> Reductions.reduce(ctx, ReduceOp.MIN, x, ax, keep);
            case PROD -> Reductions.reduce(ctx, ReduceOp.PROD, x, ax, keep);
            case L1 -> Reductions.reduce(ctx, ReduceOp.SUM, Elementwise.unary(ctx, UnaryOp.ABS, x), ax, keep);
            case SUM_SQUARE -> sumSquare(ctx, x, ax, keep);
            case L2 -> Elementwise.unary(ctx, UnaryOp.SQRT, sumSquare(ctx, x, ax, keep));
            case LOG_SUM -> Elementwise.unary(ctx, UnaryOp.LOG, Reductions.reduce(ctx, ReduceOp.SUM, x, ax, keep));
            case LOG_SUM_EXP -> logSumExp(ctx, x, ax, keep);
        };
    }

    private static Tensor sumSquare(ExecutionContext ctx, Tensor x, int[] ax, boolean keep) {
        return Reductions.reduce(ctx, ReduceOp.SUM, Elementwise.binary(ctx, BinaryOp.MUL, x, x), ax, keep);
    }

    /** m + log Σ exp(x - m), m = max over the axes (0 where the max is ±inf or NaN, so no inf - inf). */
    private static Tensor logSumExp(ExecutionContext ctx, Tensor x, int[] ax, boolean keep) {
        Tensor m = Reductions.reduce(ctx, ReduceOp.MAX, x, ax, true);     // fresh, contiguous, float32
        float[] mv = m.floatArrayOrNull();
        for (int i = 0; i < mv.length; i++) if (!Float.isFinite(mv[i])) mv[i] = 0f;
        Tensor shifted = Elementwise.unary(ctx, UnaryOp.EXP, Elementwise.binary(ctx, BinaryOp.SUB, x, m));
        Tensor logSum = Elementwise.unary(ctx, UnaryOp.LOG, Reductions.reduce(ctx, ReduceOp.SUM, shifted, ax, keep));
        return Elementwise.binary(ctx, BinaryOp.ADD, logSum, m.reshape(logSum.shape().dims()));
    }

    private static Op arg(Node node, boolean max) {
        String op = node.opType();
        long axis = node.attrInt("axis", 0);
        boolean keep = node.attrInt("keepdims", 1) != 0;
        boolean last = node.attrInt("select_last_index", 0) != 0;
        return (ctx, in) -> {
            Tensor x = in[0];
            int r = x.rank();
            if (axis < -r || axis >= r) {
                throw HeedException.invalid(op, "axis " + axis + " is out of range for x " + Data.shapeOf(x) + " (rank " + r + ")");
            }
            if (x.dtype() != DType.FLOAT32) {
                throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": x " + Data.shapeOf(x) + " must be float32");
            }
            int a = (int) axis;
            return new Tensor[] {max ? Reductions.argMax(ctx, x, a, keep, last) : Reductions.argMin(ctx, x, a, keep, last)};
        };
    }
}
