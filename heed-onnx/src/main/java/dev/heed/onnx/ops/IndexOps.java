package dev.heed.onnx.ops;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.ir.Node;
import dev.heed.tensor.DType;
import dev.heed.tensor.Storage;
import dev.heed.tensor.Tensor;
import java.util.Arrays;
import java.util.function.IntBinaryOperator;

/**
 * Index-driven ops.
 * Versions, signatures and per-version notes are in the registrations below (generated into
 * {@code docs/supported-ops.md}).
 */
final class IndexOps {
    private IndexOps() {}

    static void register(OpRegistry.Builder b) {
        b.register("", "Gather", new int[] {1, 11, 13}, "data, indices -> output | axis:int", IndexOps::gather);
        b.register("", "GatherElements", new int[] {11, 13}, "data, indices -> output | axis:int", IndexOps::gatherElements);
        b.register("", "ScatterND", new int[] {11, 13, 16, 18}, "data, indices, updates -> output | reduction:string", IndexOps::scatterND);
        b.register("", "TopK", 1, "X -> Values, Indices | axis:int k:int", IndexOps::topK);
        b.register("", "TopK", new int[] {10, 11}, "X, K -> Values, Indices | axis:int largest:int sorted:int", IndexOps::topK);
        b.register("", "CumSum", new int[] {11, 14}, "x, axis -> y | exclusive:int reverse:int", IndexOps::cumSum);
        b.notes("", "Gather", "v11 negative indices; out = d[:axis] + indices.shape + d[axis+1:], block copies read in place (memory-mapped embedding tables stay mapped)");
        b.notes("", "GatherElements", "out[i..] = data[.. indices[i..] on axis ..]");
        b.notes("", "ScatterND", "v16 reduction none/add/mul · v18 min/max");
        b.notes("", "TopK", "v1 k attribute · v10 K input · v11 largest, sorted; ties keep the lower index first");
        b.notes("", "CumSum", "exclusive, reverse; accumulates in the input dtype (float32 sequentially)");
    }

    private static int index(long i, int n, String op, String what) {
        long k = i < 0 ? i + n : i;
        if (k < 0 || k >= n) throw HeedException.invalid(op, what + " " + i + " is out of range for size " + n);
        return (int) k;
    }

    private static Op gather(Node node, int opset) {
        long axis = node.attrInt("axis", 0);
        String op = node.opType();
        return (ctx, in) -> {
            Tensor data = Data.dense(in[0]);
            int r = data.rank();
            int ax = Data.axis(axis, r, op);
            long[] idx = Data.indexValues(in[1], op, "indices");
            int[] d = data.shape().dims();
            int[] id = in[1].shape().dims();
            int[] out = new int[r - 1 + id.length];
            System.arraycopy(d, 0, out, 0, ax);
            System.arraycopy(id, 0, out, ax, id.length);
            System.arraycopy(d, ax + 1, out, ax + id.length, r - ax - 1);
            Tensor res = Data.alloc(ctx, op, data.dtype(), out);
            long outer = 1, inner = 1;
            for (int i = 0; i < ax; i++) outer *= d[i];
            for (int i = ax + 1; i < r; i++) inner *= d[i];
            int n = d[ax];
            int[] k = new int[idx.length];
            for (int j = 0; j < k.length; j++) k[j] = index(idx[j], n, op, "index");
            int block = (int) inner;
            long dst = 0;
            for (long o = 0; o < outer; o++) {
                for (int j = 0; j < k.length; j++) {
                    Data.copy(data, (o * n + k[j]) * inner, res, dst, block);
                    dst += block;
                }
            }
            return new Tensor[] {res};
        };
    }

    private static Op gatherElements(Node node, int opset) {
        long axis = node.attrInt("axis", 0);
        String op = node.opType();
        return (ctx, in) -> {
            Tensor data = in[0];
            Tensor indices = in[1];
            int r = data.rank();
            int ax = Data.axis(axis, r, op);
            if (indices.rank() != r) throw HeedException.shape(op, "indices " + indices.shape() + " must have the rank of data " + data.shape());
            long[] idx = Data.indexValues(indices, op, "indices");
            int[] od = indices.shape().dims();
            Tensor res = Data.alloc(ctx, op, data.dtype(), od);
            int[] st = data.strides();
            int[] c = new int[r];
            for (int i = 0; i < idx.length; i++) {
                long p = 0;
                for (int a = 0; a < r; a++) {
                    int coord = a == ax ? index(idx[i], data.dim(a), op, "index") : c[a];
                    if (a != ax && coord >= data.dim(a)) {
                        throw HeedException.shape(op, "indices " + indices.shape() + " exceed data " + data.shape() + " on axis " + a);
                    }
                    p += (long) coord * st[a];
                }
                Data.copy(data, p, res, i, 1);
                for (int a = r - 1; a >= 0; a--) {
                    if (++c[a] < od[a]) break;
                    c[a] = 0;
                }
            }
            return new Tensor[] {res};
        };
    }

    private static Op scatterND(Node node, int opset) {
        String reduction = node.attrString("reduction", "none");
        String op = node.opType();
        boolean ok = reduction.equals("none") || (opset >= 16 && (reduction.equals("add") || reduction.equals("mul")))
                || (opset >= 18 && (reduction.equals("min") || reduction.equals("max")));
        if (!ok) throw HeedException.unsupported(op + ": reduction '" + reduction + "' at opset " + opset, "none", "add", "mul", "min", "max");
        return (ctx, in) -> {
            Tensor data = in[0], indices = in[1], updates = Data.dense(in[2]);
            Data.sameDType(op, data, updates);
            int[] dd = data.shape().dims();
            int[] id = indices.shape().dims();
            if (id.length == 0) throw HeedException.shape(op, "indices must have rank >= 1");
            int k = id[id.length - 1];
            if (k > dd.length) throw HeedException.shape(op, "indices last dimension " + k + " exceeds the rank of data " + data.shape());
            int[] expectUpd = new int[id.length - 1 + dd.length - k];
            System.arraycopy(id, 0, expectUpd, 0, id.length - 1);
            System.arraycopy(dd, k, expectUpd, id.length - 1, dd.length - k);
            if (!Arrays.equals(expectUpd, updates.shape().dims())) {
                throw HeedException.shape(op, "updates " + updates.shape() + " must have shape " + Arrays.toString(expectUpd)
                        + " for data " + data.shape() + " and indices " + indices.shape());
            }
            long[] idx = Data.indexValues(indices, op, "indices");
            int block = 1;
            for (int i = k; i < dd.length; i++) block *= dd[i];
            Tensor out = Data.alloc(ctx, op, data.dtype(), dd);
            Data.copyAll(data, out);
            boolean reduce = !reduction.equals("none");
            float[] fu = reduce && data.dtype() == DType.FLOAT32 ? updates.toFloatArray() : null;
            long[] lu = reduce && data.dtype() != DType.FLOAT32 ? updates.toLongArray() : null;
            int[] cs = data.shape().contiguousStrides();
            int tuples = 1;
            for (int i = 0; i < id.length - 1; i++) tuples *= id[i];
            for (int t = 0; t < tuples; t++) {
                long pos = 0;
                for (int j = 0; j < k; j++) pos += (long) index(idx[t * k + j], dd[j], op, "index") * cs[j];
                if (reduction.equals("none")) Data.copy(updates, (long) t * block, out, pos, block);
                else combine(out, pos, fu, lu, (long) t * block, block, reduction);
            }
            return new Tensor[] {out};
        };
    }

    /** out[pos + i] = how(out[pos + i], upd[up + i]) for i < n; upd is the row-major updates as float or long. */
    private static void combine(Tensor out, long pos, float[] fu, long[] lu, long up, int n, String how) {
        switch (out.storage()) {
            case Storage.FloatArray o -> {
                for (int i = 0; i < n; i++) {
                    float a = o.data()[(int) pos + i], b = fu[(int) up + i];
                    o.data()[(int) pos + i] = switch (how) { case "add" -> a + b; case "mul" -> a * b; case "min" -> Math.min(a, b); default -> Math.max(a, b); };
                }
            }
            case Storage.LongArray o -> {
                for (int i = 0; i < n; i++) {
                    long a = o.data()[(int) pos + i], b = lu[(int) up + i];
                    o.data()[(int) pos + i] = switch (how) { case "add" -> a + b; case "mul" -> a * b; case "min" -> Math.min(a, b); default -> Math.max(a, b); };
                }
            }
            case Storage.IntArray o -> {
                for (int i = 0; i < n; i++) {
                    int a = o.data()[(int) pos + i], b = (int) lu[(int) up + i];
                    o.data()[(int) pos + i] = switch (how) { case "add" -> a + b; case "mul" -> a * b; case "min" -> Math.min(a, b); default -> Math.max(a, b); };
                }
            }
            default -> throw new HeedException(ErrorCode.DTYPE_MISMATCH, "ScatterND: reduction " + how + " needs float32, int64 or int32, got " + out.dtype());
        }
    }

    private static Op topK(Node node, int opset) {
        long axis = node.attrInt("axis", -1);
        boolean largest = node.attrInt("largest", 1) != 0;
        long kAttr = opset < 10 ? node.attrInt("k", -1) : -1;
        String op = node.opType();
        return (ctx, in) -> {
            Tensor x = in[0];
            long kk = opset < 10 ? kAttr : Data.indexValues(in[1], op, "K")[0];
            int r = x.rank();
            int ax = Data.axis(axis, r, op);
            int n = x.dim(ax);
            if (kk < 0 || kk > n) throw HeedException.invalid(op, "k = " + kk + " must be in [0, " + n + "] for axis " + axis + " of " + x.shape());
            int k = (int) kk;
            int[] od = x.shape().dims();
            od[ax] = k;
            Tensor values = Data.alloc(ctx, op, x.dtype(), od);
            long[] outIdx = new long[(int) (values.numel())];
            Tensor moved = x.transpose(ax, r - 1); // the axis last: lines are contiguous in the walk order
            int lines = n == 0 ? 0 : (int) (x.numel() / n);
            boolean isFloat = x.dtype() == DType.FLOAT32;
            float[] fv = isFloat ? moved.toFloatArray() : null;
            long[] lv = isFloat ? null : moved.toLongArray();
            int[] ost = values.shape().contiguousStrides();
            int[] xst = x.strides();
            int[] lineDims = moved.shape().dims();
            int[] c = new int[r];
            int[] order = new int[k];
            int[] lineBase = {0};
            // p ranks before q: by value (largest or smallest first), ties by the lower index; a total order, so the
            // k best and their order are unique
            IntBinaryOperator rank = (p, q) -> {
                int base = lineBase[0];
                int cmp = isFloat ? Float.compare(fv[base + p], fv[base + q]) : Long.compare(lv[base + p], lv[base + q]);
                if (largest) cmp = -cmp;
                return cmp != 0 ? cmp : Integer.compare(p, q);
            };
            for (int line = 0; line < lines; line++) {
                lineBase[0] = line * n;
                best(n, k, rank, order);
                // coordinates of this line in x (axis ax varies): c holds the moved-order coordinates of the other axes
                long outBase = 0, srcBase = 0;
                for (int a = 0; a < r - 1; a++) {
                    int xa = a == ax ? r - 1 : a; // moved axis a corresponds to x axis xa
                    outBase += (long) c[a] * ost[xa];
                    srcBase += (long) c[a] * xst[xa];
                }
                for (int j = 0; j < k; j++) {
                    long o = outBase + (long) j * ost[ax];
                    outIdx[(int) o] = order[j];
                    Data.copy(x, srcBase + (long) order[j] * xst[ax], values, o, 1);
                }
                for (int a = r - 2; a >= 0; a--) {
                    if (++c[a] < lineDims[a]) break;
                    c[a] = 0;
                }
            }
            return new Tensor[] {values, Tensor.ofLongs(outIdx, od)};
        };
    }

    /**
     * The {@code k} best of {@code 0 … n-1} under {@code rank} (negative: the first ranks before the second), best
     * first, into {@code out[0 … k-1]}: a heap of the k best so far whose root is the worst of them, O(n log k),
     * then emptied worst first from the back.
     */
    static void best(int n, int k, IntBinaryOperator rank, int[] out) {
        if (k == 0) return;
        int size = 0;
        for (int i = 0; i < n; i++) {
            if (size < k) {
                int at = size++;            // sift up: a parent ranks after (is worse than) its children
                while (at > 0) {
                    int parent = (at - 1) >>> 1;
                    if (rank.applyAsInt(out[parent], i) >= 0) break;
                    out[at] = out[parent];
                    at = parent;
                }
                out[at] = i;
            } else if (rank.applyAsInt(i, out[0]) < 0) {
                siftDown(out, size, i, rank);
            }
        }
        for (int end = size - 1; end > 0; end--) {  // the root is the worst of the heap: it goes last
            int worst = out[0];
            siftDown(out, end, out[end], rank);
            out[end] = worst;
        }
    }

    /** Puts {@code x} at the root of the heap {@code h[0 … size-1]} and sifts it down to its place. */
    private static void siftDown(int[] h, int size, int x, IntBinaryOperator rank) {
        int at = 0;
        while (true) {
            int child = 2 * at + 1;
            if (child >= size) break;
            if (child + 1 < size && rank.applyAsInt(h[child + 1], h[child]) > 0) child++;   // the worse child
            if (rank.applyAsInt(h[child], x) <= 0) break;
            h[at] = h[child];
            at = child;
        }
        h[at] = x;
    }

    private static Op cumSum(Node node, int opset) {
        boolean exclusive = node.attrInt("exclusive", 0) != 0;
        boolean reverse = node.attrInt("reverse", 0) != 0;
        String op = node.opType();
        return (ctx, in) -> {
            Tensor x = in[0];
            int r = x.rank();
            int ax = Data.axis(Data.indexValues(in[1], op, "axis")[0], Math.max(r, 1), op);
            if (x.dtype() != DType.FLOAT32 && x.dtype() != DType.INT64 && x.dtype() != DType.INT32) {
                throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": dtype " + x.dtype() + " not supported; expected float32, int64 or int32");
            }
            int[] d = x.shape().dims();
            long outer = 1, inner = 1;
            for (int i = 0; i < ax; i++) outer *= d[i];
            for (int i = ax + 1; i < r; i++) inner *= d[i];
            int n = r == 0 ? 1 : d[ax];
            Tensor out = Data.alloc(ctx, op, x.dtype(), d);
            if (x.dtype() == DType.FLOAT32) {
                float[] v = x.toFloatArray();
                float[] o = ((Storage.FloatArray) out.storage()).data();
                for (long a = 0; a < outer; a++) for (long b = 0; b < inner; b++) {
                    float acc = 0;
                    for (int t = 0; t < n; t++) {
                        int i = (int) ((a * n + (reverse ? n - 1 - t : t)) * inner + b);
                        if (exclusive) { o[i] = acc; acc += v[i]; } else { acc += v[i]; o[i] = acc; }
                    }
                }
            } else {
                long[] v = x.toLongArray();
                long[] o = new long[v.length];
                for (long a = 0; a < outer; a++) for (long b = 0; b < inner; b++) {
                    long acc = 0;
                    for (int t = 0; t < n; t++) {
                        int i = (int) ((a * n + (reverse ? n - 1 - t : t)) * inner + b);
                        if (exclusive) { o[i] = acc; acc += v[i]; } else { acc += v[i]; o[i] = acc; }
                    }
                }
                Tensor lo = Tensor.ofLongs(o, d);
                out = x.dtype() == DType.INT64 ? lo : lo.to(DType.INT32);
            }
            return new Tensor[] {out};
        };
    }
}
