package dev.heed.onnx.ops;

import dev.heed.HeedException;
import dev.heed.onnx.ir.Node;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/**
 * Ops that cut, join, repeat and pad.
 * Versions, signatures and per-version notes are in the registrations below (generated into
 * {@code docs/supported-ops.md}).
 * Split and Slice return views; Concat, Tile and Pad copy O(output) elements.
 */
final class JoinOps {
    private JoinOps() {}

    static void register(OpRegistry.Builder b) {
        b.register("", "Concat", new int[] {4, 11, 13}, "inputs... -> concat_result | axis:int", JoinOps::concat);
        b.register("", "Split", new int[] {2, 11}, "input -> outputs... | axis:int split:ints", JoinOps::split);
        b.register("", "Split", 13, "input, split? -> outputs... | axis:int", JoinOps::split);
        b.register("", "Split", 18, "input, split? -> outputs... | axis:int num_outputs:int", JoinOps::split);
        b.register("", "Slice", 1, "data -> output | axes:ints ends:ints starts:ints", JoinOps::slice);
        b.register("", "Slice", new int[] {10, 11, 13}, "data, starts, ends, axes?, steps? -> output", JoinOps::slice);
        b.register("", "Tile", new int[] {6, 13}, "input, repeats -> output", JoinOps::tile);
        b.register("", "Pad", 2, "data -> output | mode:string pads:ints value:float", JoinOps::pad);
        b.register("", "Pad", new int[] {11, 13}, "data, pads, constant_value? -> output | mode:string", JoinOps::pad);
        b.register("", "Pad", new int[] {18, 19}, "data, pads, constant_value?, axes? -> output | mode:string", JoinOps::pad);
        b.notes("", "Concat", "v4 axis ≥ 0 · v11 negative axis; block copies of prod(d[axis:]) elements");
        b.notes("", "Split", "v2/v11 'split' attribute · v13 'split' input · v18 num_outputs (last chunk may be smaller); returns views");
        b.notes("", "Slice", "v1 starts/ends/axes attributes · v10 inputs (negative steps; clamped); returns a view");
        b.notes("", "Tile", "repeats input");
        b.notes("", "Pad", "v2 attributes · v11 inputs · v18 axes input · v19 wrap; modes constant, reflect, edge, wrap; negative pads crop");
    }

    private static Op concat(Node node, int opset) {
        if (!node.hasAttr("axis")) throw HeedException.invalid(node.opType(), "attribute 'axis' is required");
        long axis = node.attrInt("axis", 0);
        String op = node.opType();
        return (ctx, in) -> {
            Tensor first = in[0];
            int r = first.rank();
            int ax = Data.axis(axis, r, op);
            int[] out = first.shape().dims();
            out[ax] = 0;
            for (Tensor t : in) {
                Data.sameDType(op, first, t);
                boolean ok = t.rank() == r;
                for (int i = 0; ok && i < r; i++) ok = i == ax || t.dim(i) == first.dim(i);
                if (!ok) {
                    throw HeedException.shape(op, "inputs " + first.shape() + " and " + t.shape()
                            + " must agree on every axis except " + axis);
                }
                out[ax] += t.dim(ax);
            }
            Tensor res = Data.alloc(ctx, op, first.dtype(), out);
            long outer = 1, inner = 1;
            for (int i = 0; i < ax; i++) outer *= out[i];
            for (int i = ax + 1; i < r; i++) inner *= out[i];
            long rowOut = inner * out[ax];
            long col = 0;
            for (Tensor t : in) {
                Tensor d = Data.dense(t);
                int chunk = (int) (inner * t.dim(ax));
                for (long o = 0; o < outer; o++) Data.copy(d, o * chunk, res, o * rowOut + col, chunk);
                col += chunk;
            }
            return new Tensor[] {res};
        };
    }

    private static Op split(Node node, int opset) {
        long axis = node.attrInt("axis", 0);
        long[] attrSplit = opset < 13 ? node.attrInts("split") : null;
        long numOutputs = node.attrInt("num_outputs", node.outputs().size());
        String op = node.opType();
        return (ctx, in) -> {
            int ax = Data.axis(axis, in[0].rank(), op);
            int n = in[0].dim(ax);
            long[] split = attrSplit;
            if (opset >= 13 && in.length > 1 && in[1] != null) split = Data.indexValues(in[1], op, "split");
            if (split == null) {
                int k = (int) numOutputs;
                if (opset < 18 && n % k != 0) {
                    throw HeedException.shape(op, "axis " + axis + " of " + in[0].shape() + " (size " + n + ") does not split into "
                            + k + " equal parts");
                }
                long chunk = Math.ceilDiv(n, k);
                split = new long[k];
                long left = n;
                for (int i = 0; i < k; i++) { split[i] = Math.min(chunk, left); left -= split[i]; }
            }
            long sum = 0;
            for (long s : split) {
                if (s < 0) throw HeedException.invalid(op, "negative split size in " + Arrays.toString(split));
                sum += s;
            }
            if (sum != n) {
                throw HeedException.shape(op, "split " + Arrays.toString(split) + " sums to " + sum + " but axis " + axis
                        + " of " + in[0].shape() + " has size " + n);
            }
            Tensor[] outs = new Tensor[split.length];
            long start = 0;
            for (int i = 0; i < split.length; i++) {
                outs[i] = in[0].slice(ax, start, start + split[i], 1);
                start += split[i];
            }
            return outs;
        };
    }

    private static Op slice(Node node, int opset) {
        String op = node.opType();
        long[] aStarts = opset < 10 ? node.attrInts("starts") : null;
        long[] aEnds = opset < 10 ? node.attrInts("ends") : null;
        long[] aAxes = opset < 10 ? node.attrInts("axes") : null;
        if (opset < 10 && (aStarts == null || aEnds == null)) throw HeedException.invalid(op, "attributes 'starts' and 'ends' are required");
        return (ctx, in) -> {
            long[] starts = aStarts, ends = aEnds, axes = aAxes, steps = null;
            if (opset >= 10) {
                starts = Data.indexValues(in[1], op, "starts");
                ends = Data.indexValues(in[2], op, "ends");
                if (in.length > 3 && in[3] != null) axes = Data.indexValues(in[3], op, "axes");
                if (in.length > 4 && in[4] != null) steps = Data.indexValues(in[4], op, "steps");
            }
            int k = starts.length;
            if (ends.length != k || (axes != null && axes.length != k) || (steps != null && steps.length != k)) {
                throw HeedException.invalid(op, "starts, ends, axes and steps must have equal lengths, got " + k + ", "
                        + ends.length + ", " + (axes == null ? "-" : axes.length) + ", " + (steps == null ? "-" : steps.length));
            }
            Tensor t = in[0];
            boolean[] seen = new boolean[t.rank()];
            for (int i = 0; i < k; i++) {
                int ax = Data.axis(axes == null ? i : axes[i], t.rank(), op);
                if (seen[ax]) throw HeedException.invalid(op, "axis " + ax + " repeats");
                seen[ax] = true;
                long step = steps == null ? 1 : steps[i];
                if (step == 0) throw HeedException.invalid(op, "step must not be 0");
                t = t.slice(ax, starts[i], ends[i], step);
            }
            return new Tensor[] {t};
        };
    }

    private static Op tile(Node node, int opset) {
        String op = node.opType();
        return (ctx, in) -> {
            long[] rep = Data.indexValues(in[1], op, "repeats");
            int r = in[0].rank();
            if (rep.length != r) throw HeedException.shape(op, "repeats " + Arrays.toString(rep) + " must have one entry per axis of " + in[0].shape());
            int[] out = new int[r];
            int[][] map = new int[r][];
            for (int ax = 0; ax < r; ax++) {
                if (rep[ax] < 0) throw HeedException.invalid(op, "negative repeat " + rep[ax]);
                int d = in[0].dim(ax);
                out[ax] = Data.toInt((long) d * rep[ax], op, "output size");
                map[ax] = new int[out[ax]];
                for (int o = 0; o < out[ax]; o++) map[ax][o] = o % d;
            }
            return new Tensor[] {Data.remap(ctx, op, in[0], out, map, null)};
        };
    }

    private static Op pad(Node node, int opset) {
        String op = node.opType();
        String mode = node.attrString("mode", "constant");
        if (!mode.equals("constant") && !mode.equals("reflect") && !mode.equals("edge") && !(mode.equals("wrap") && opset >= 19)) {
            throw HeedException.unsupported(op + ": mode '" + mode + "'", "constant", "reflect", "edge", "wrap (opset 19)");
        }
        long[] aPads = opset < 11 ? node.attrInts("pads") : null;
        float aValue = opset < 11 ? node.attrFloat("value", 0f) : 0f;
        if (opset < 11 && aPads == null) throw HeedException.invalid(op, "attribute 'pads' is required");
        return (ctx, in) -> {
            Tensor x = in[0];
            int r = x.rank();
            long[] pads = aPads;
            Tensor fill;
            long[] axes = null;
            if (opset >= 11) {
                pads = Data.indexValues(in[1], op, "pads");
                fill = in.length > 2 && in[2] != null && in[2].numel() > 0 ? in[2] : null;
                if (in.length > 3 && in[3] != null) axes = Data.indexValues(in[3], op, "axes");
            } else {
                fill = Tensor.scalar(aValue);
            }
            if (fill == null) fill = Tensor.zeros(x.dtype());
            else if (fill.dtype() != x.dtype()) fill = fill.to(x.dtype());
            int k = axes == null ? r : axes.length;
            if (pads.length != 2 * k) {
                throw HeedException.shape(op, "pads " + Arrays.toString(pads) + " must have 2 × " + k + " entries for " + x.shape());
            }
            long[] begin = new long[r], end = new long[r];
            for (int i = 0; i < k; i++) {
                int ax = axes == null ? i : Data.axis(axes[i], r, op);
                begin[ax] = pads[i];
                end[ax] = pads[i + k];
            }
            int[] out = new int[r];
            int[][] map = new int[r][];
            for (int ax = 0; ax < r; ax++) {
                int n = x.dim(ax);
                long size = n + begin[ax] + end[ax];
                if (size < 0) throw HeedException.shape(op, "pads " + Arrays.toString(pads) + " crop axis " + ax + " of " + x.shape() + " below 0");
                out[ax] = Data.toInt(size, op, "output size");
                map[ax] = new int[out[ax]];
                for (int o = 0; o < out[ax]; o++) {
                    long s = o - begin[ax];
                    if (s < 0 || s >= n) {
                        if (!mode.equals("constant") && n == 0) {
                            throw HeedException.invalid(op, "mode " + mode + " cannot pad an empty axis " + ax + " of " + x.shape());
                        }
                        s = switch (mode) {
                            case "edge" -> s < 0 ? 0 : n - 1;
                            case "wrap" -> Math.floorMod(s, n);
                            case "reflect" -> reflect(s, n);
                            default -> -1;
                        };
                    }
                    map[ax][o] = (int) s;
                }
            }
            return new Tensor[] {Data.remap(ctx, op, x, out, map, fill)};
        };
    }

    /** NumPy 'reflect' (edge not repeated): ... 2 1 | 0 1 2 3 | 2 1 0 ... */
    private static long reflect(long s, long n) {
        if (n == 1) return 0;
        long period = 2 * (n - 1);
        long m = Math.floorMod(s, period);
        return m < n ? m : period - m;
    }
}
