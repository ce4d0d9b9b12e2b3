package dev.heed.kernel;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.DType;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Storage;
import dev.heed.tensor.Tensor;

/**
 * Elementwise operations with full NumPy broadcasting: unary functions, binary arithmetic, comparisons,
 * logical ops on BOOL tensors and {@code where}. Inputs may be any view (strided, transposed, broadcast
 * with stride 0, negative steps, segment-backed); outputs are fresh contiguous tensors.
 *
 * <p>Float32 work runs on the Vector API kernels ({@link ElementwiseVector}) when available, else on the
 * float64 reference twin; broadcasting walks outer axes with an index odometer and the innermost merged
 * run with vectors ({@link StridedWalk}). After axis merging the common layouts are single vector loops per
 * row: same-shape contiguous (one run), {@code [.., N] op [N]} (contiguous + contiguous per row), a scalar
 * operand and {@code [.., M, 1]} column broadcast (contiguous + broadcast scalar per row). An operand that
 * must be gathered (transposed, stepped) goes through a blocked 16 × 256 gather. Integer (int64, int32)
 * arithmetic, comparisons, logical ops and {@code where} are scalar loops.
 *
 * <p>Threads: work is split into contiguous ranges, and only when each thread gets at least 256k elements for
 * memory-bound ops (arithmetic, relu, …) or 32k for the transcendental ones ({@link #streaming}); below that
 * a fork/join costs more than it saves. Cost: one pass over the data plus the zero-filled output allocation
 * (which, measured, is ~40–60% of a small memory-bound op).
 *
 * <pre>{@code
 * Tensor h = Elementwise.binary(ctx, BinaryOp.ADD, x, bias);          // [B, L, E] + [E]
 * Tensor g = Elementwise.unary(ctx, UnaryOp.GELU, h);
 * Tensor m = Elementwise.compare(ctx, CompareOp.GREATER, g, Tensor.scalar(0f));   // BOOL
 * Tensor y = Elementwise.where(ctx, m, g, Tensor.scalar(0f));
 * }</pre>
 */
public final class Elementwise {
    private Elementwise() {}

    // ---------------------------------------------------------------- unary

    /**
     * {@code op(x)} elementwise. Float32 for every op; {@link UnaryOp.Kind#NEG}, {@link UnaryOp.Kind#ABS} and
     * {@link UnaryOp.Kind#SIGN} also take int64 and int32.
     *
     * @param ctx the threads to run on
     * @param op  the function and its constants
     * @param x   the input, any shape and layout
     * @return a new contiguous tensor of x's shape and dtype
     * @throws HeedException DTYPE_MISMATCH for an unsupported dtype
     */
    public static Tensor unary(ExecutionContext ctx, UnaryOp op, Tensor x) {
        DType dt = x.dtype();
        if (dt == DType.INT64 || dt == DType.INT32) {
            if (!op.acceptsIntegers()) {
                throw dtype(op + ": expects float32, got " + describe(x) + " (only neg, abs and sign take integers)");
            }
            return integerUnary(op, heap(x));
        }
        if (dt != DType.FLOAT32) throw dtype(op + ": expects float32, int64 or int32, got " + describe(x));
        Tensor xs = heap(x);
        float[] xd = ((Storage.FloatArray) xs.storage()).data();
        Tensor out = Tensor.zeros(DType.FLOAT32, x.shape().dims());
        float[] y = out.floatArrayOrNull();
        StridedWalk w = StridedWalk.of(x.shape(), xs);
        boolean vec = VectorSupport.available();
        int sx = w.innerStride[0];
        int minElements = streaming(op) ? StridedWalk.GRAIN_ELEMENTS_STREAMING : StridedWalk.GRAIN_ELEMENTS;
        if (w.gathers() && w.rows > 1) {   // transposed / strided rows: blocked gather
            w.forEachBlock(ctx, new float[][] {xd}, StridedWalk.GRAIN_ELEMENTS, (src, off, st, yo, n) -> {
                if (vec) ElementwiseVector.unary(op, src[0], off[0], y, yo, n);
                else ElementwiseReference.unary(op, src[0], off[0], y, yo, n);
            });
            return out;
        }
        ctx.parallelFor(w.units(), w.grainUnits(minElements), (s, e) -> {
            StridedWalk.Cursor c = w.cursor();
            c.jump(s / w.tilesPerRow);
            float[] tmp = sx == 1 ? null : new float[Math.min(w.inner, StridedWalk.TILE)];
            for (int u = s; u < e; u++) {
                long row = u / w.tilesPerRow;
                int c0 = (u % w.tilesPerRow) * StridedWalk.TILE;
                int n = Math.min(StridedWalk.TILE, w.inner - c0);
                c.seek(row);
                long px = c.pos[0] + (long) c0 * sx;
                int yo = (int) (row * w.inner + c0);
                float[] src = xd;
                int so = (int) px;
                if (sx != 1) {
                    gather(xd, px, sx, tmp, n);
                    src = tmp;
                    so = 0;
                }
                if (vec) ElementwiseVector.unary(op, src, so, y, yo, n);
                else ElementwiseReference.unary(op, src, so, y, yo, n);
            }
        });
        return out;
    }

    /** Ops that cost about one vector instruction per element: memory-bound, parallel only on large tensors. */
    static boolean streaming(UnaryOp op) {
        return switch (op.kind()) {
            case NEG, ABS, SIGN, RELU, LEAKY_RELU, CLIP, HARD_SIGMOID, HARD_SWISH, FLOOR, CEIL, ROUND, SQRT, RECIPROCAL -> true;
            default -> false;
        };
    }

    /** Binary ops that are memory-bound (everything but pow with a general exponent and the scalar mod loops). */
    static boolean streaming(BinaryOp op) {
        return switch (op) {
            case ADD, SUB, MUL, DIV, MAX, MIN, PRELU -> true;
            case POW, MOD, FMOD -> false;
        };
    }

    private static Tensor integerUnary(UnaryOp op, Tensor x) {
        Tensor out = Tensor.zeros(x.dtype(), x.shape().dims());
        StridedWalk w = StridedWalk.of(x.shape(), x);
        walkScalar(w, (i, pos) -> {
            long v = readLong(x, pos[0]);
            long r = switch (op.kind()) {
                case NEG -> -v;
                case ABS -> Math.abs(v);
                default -> Long.signum(v);   // SIGN: acceptsIntegers() admits nothing else
            };
            writeLong(out, i, r);
        });
        return out;
    }

    // ---------------------------------------------------------------- binary

    /**
     * {@code a op b} with NumPy broadcasting. Both operands must have the same dtype: float32, int64, int32 or
     * uint8 (integer results wrap to the operand type, as in C).
     *
     * @param ctx the threads to run on
     * @param op  the operation
     * @param a   the left operand
     * @param b   the right operand, same dtype
     * @return a new contiguous tensor of the broadcast shape and the operands' dtype
     * @throws HeedException SHAPE_MISMATCH if the shapes do not broadcast, DTYPE_MISMATCH if the dtypes differ,
     *                       INVALID_ARGUMENT for an integer division or modulo by zero
     */
    public static Tensor binary(ExecutionContext ctx, BinaryOp op, Tensor a, Tensor b) {
        String name = op.toString();
        sameDtype(name, a, b);
        Shape shape = Shape.broadcast(name, a.shape(), b.shape());
        DType dt = a.dtype();
        if (dt == DType.INT64 || dt == DType.INT32 || dt == DType.UINT8) return integerBinary(op, shape, heap(a), heap(b));
        if (dt != DType.FLOAT32) {
            throw dtype(name + ": expects float32, int64, int32 or uint8 operands, got " + describe(a) + " and " + describe(b));
        }
        Tensor as = heap(a), bs = heap(b);
        float[] ad = ((Storage.FloatArray) as.storage()).data();
        float[] bd = ((Storage.FloatArray) bs.storage()).data();
        Tensor out = Tensor.zeros(DType.FLOAT32, shape.dims());
        float[] y = out.floatArrayOrNull();
        StridedWalk w = StridedWalk.of(shape, as, bs);
        boolean vec = VectorSupport.available();
        int sa = w.innerStride[0], sb = w.innerStride[1];
        boolean gatherA = sa != 0 && sa != 1, gatherB = sb != 0 && sb != 1;
        if (gatherA || gatherB) {
            if (w.rows > 1) {   // a transposed or strided operand: blocked gather, then plain runs per row
                w.forEachBlock(ctx, new float[][] {ad, bd}, StridedWalk.GRAIN_ELEMENTS, (src, off, st, yo, n) -> {
                    if (vec) ElementwiseVector.binary(op, src[0], off[0], st[0], src[1], off[1], st[1], y, yo, n);
                    else ElementwiseReference.binary(op, src[0], off[0], st[0], src[1], off[1], st[1], y, yo, n);
                });
                return out;
            }
        }
        int grain = w.grainUnits(streaming(op) && !gatherA && !gatherB
                ? StridedWalk.GRAIN_ELEMENTS_STREAMING : StridedWalk.GRAIN_ELEMENTS);
        ctx.parallelFor(w.units(), grain, (s, e) -> {
            StridedWalk.Cursor c = w.cursor();
            c.jump(s / w.tilesPerRow);
            int tile = Math.min(w.inner, StridedWalk.TILE);
            float[] ta = gatherA ? new float[tile] : null, tb = gatherB ? new float[tile] : null;
            for (int u = s; u < e; u++) {
                long row = u / w.tilesPerRow;
                int c0 = (u % w.tilesPerRow) * StridedWalk.TILE;
                int n = Math.min(StridedWalk.TILE, w.inner - c0);
                c.seek(row);
                long pa = c.pos[0] + (long) c0 * sa, pb = c.pos[1] + (long) c0 * sb;
                int yo = (int) (row * w.inner + c0);
                float[] xa = ad, xb = bd;
                int oa = (int) pa, ob = (int) pb, ia = sa, ib = sb;
                if (gatherA) { gather(ad, pa, sa, ta, n); xa = ta; oa = 0; ia = 1; }
                if (gatherB) { gather(bd, pb, sb, tb, n); xb = tb; ob = 0; ib = 1; }
                if (vec) ElementwiseVector.binary(op, xa, oa, ia, xb, ob, ib, y, yo, n);
                else ElementwiseReference.binary(op, xa, oa, ia, xb, ob, ib, y, yo, n);
            }
        });
        return out;
    }

    private static Tensor integerBinary(BinaryOp op, Shape shape, Tensor a, Tensor b) {
        Tensor out = Tensor.zeros(a.dtype(), shape.dims());
        StridedWalk w = StridedWalk.of(shape, a, b);
        boolean int32 = a.dtype() == DType.INT32;
        walkScalar(w, (i, pos) -> {
            long r = ElementwiseReference.apply(op, readLong(a, pos[0]), readLong(b, pos[1]));
            writeLong(out, i, int32 ? (int) r : r);
        });
        return out;
    }

    // ---------------------------------------------------------------- comparisons, logic, where

    /**
     * {@code a op b} → BOOL with NumPy broadcasting. Operands must share a dtype (any); floats compare as
     * IEEE floats (NaN compares false), integers and bools as integers.
     *
     * @param ctx the threads to run on
     * @param op  the comparison
     * @param a   the left operand
     * @param b   the right operand, same dtype
     * @return a new BOOL tensor of the broadcast shape
     * @throws HeedException SHAPE_MISMATCH if the shapes do not broadcast, DTYPE_MISMATCH if the dtypes differ
     */
    public static Tensor compare(ExecutionContext ctx, CompareOp op, Tensor a, Tensor b) {
        String name = op.toString();
        sameDtype(name, a, b);
        Shape shape = Shape.broadcast(name, a.shape(), b.shape());
        Tensor as = heap(a), bs = heap(b);
        Tensor out = Tensor.zeros(DType.BOOL, shape.dims());
        byte[] y = ((Storage.ByteArray) out.storage()).data();
        StridedWalk w = StridedWalk.of(shape, as, bs);
        if (a.dtype() == DType.FLOAT32) {
            float[] ad = ((Storage.FloatArray) as.storage()).data(), bd = ((Storage.FloatArray) bs.storage()).data();
            walkScalar(w, (i, pos) -> y[i] = (byte) (op.test(ad[(int) pos[0]], bd[(int) pos[1]]) ? 1 : 0));
        } else {
            walkScalar(w, (i, pos) -> y[i] = (byte) (op.test(readLong(as, pos[0]), readLong(bs, pos[1])) ? 1 : 0));
        }
        return out;
    }

    /**
     * Logical not of a BOOL tensor.
     *
     * @param ctx the threads to run on
     * @param x   a BOOL tensor
     * @return a new BOOL tensor of x's shape
     * @throws HeedException DTYPE_MISMATCH unless x is BOOL
     */
    public static Tensor logicalNot(ExecutionContext ctx, Tensor x) {
        requireBool("not", x);
        Tensor xs = heap(x);
        Tensor out = Tensor.zeros(DType.BOOL, x.shape().dims());
        byte[] y = ((Storage.ByteArray) out.storage()).data();
        walkScalar(StridedWalk.of(x.shape(), xs), (i, pos) -> y[i] = (byte) (readLong(xs, pos[0]) != 0 ? 0 : 1));
        return out;
    }

    /**
     * Logical and of two BOOL tensors, broadcast.
     *
     * @param ctx the threads to run on
     * @param a   a BOOL tensor
     * @param b   a BOOL tensor
     * @return a new BOOL tensor of the broadcast shape
     * @throws HeedException DTYPE_MISMATCH unless both are BOOL, SHAPE_MISMATCH if they do not broadcast
     */
    public static Tensor logicalAnd(ExecutionContext ctx, Tensor a, Tensor b) {
        return logical("and", a, b, 0);
    }

    /**
     * Logical or of two BOOL tensors, broadcast.
     *
     * @param ctx the threads to run on
     * @param a   a BOOL tensor
     * @param b   a BOOL tensor
     * @return a new BOOL tensor of the broadcast shape
     * @throws HeedException DTYPE_MISMATCH unless both are BOOL, SHAPE_MISMATCH if they do not broadcast
     */
    public static Tensor logicalOr(ExecutionContext ctx, Tensor a, Tensor b) {
        return logical("or", a, b, 1);
    }

    /**
     * Logical xor of two BOOL tensors, broadcast.
     *
     * @param ctx the threads to run on
     * @param a   a BOOL tensor
     * @param b   a BOOL tensor
     * @return a new BOOL tensor of the broadcast shape
     * @throws HeedException DTYPE_MISMATCH unless both are BOOL, SHAPE_MISMATCH if they do not broadcast
     */
    public static Tensor logicalXor(ExecutionContext ctx, Tensor a, Tensor b) {
        return logical("xor", a, b, 2);
    }

    private static Tensor logical(String name, Tensor a, Tensor b, int kind) {
        requireBool(name, a);
        requireBool(name, b);
        Shape shape = Shape.broadcast(name, a.shape(), b.shape());
        Tensor as = heap(a), bs = heap(b);
        Tensor out = Tensor.zeros(DType.BOOL, shape.dims());
        byte[] y = ((Storage.ByteArray) out.storage()).data();
        walkScalar(StridedWalk.of(shape, as, bs), (i, pos) -> {
            boolean p = readLong(as, pos[0]) != 0, q = readLong(bs, pos[1]) != 0;
            boolean r = switch (kind) {
                case 0 -> p & q;
                case 1 -> p | q;
                default -> p ^ q;
            };
            y[i] = (byte) (r ? 1 : 0);
        });
        return out;
    }

    /**
     * {@code cond ? a : b} elementwise with three-way NumPy broadcasting (ONNX Where). {@code cond} is BOOL;
     * {@code a} and {@code b} share any dtype, which the result takes.
     *
     * @param ctx  the threads to run on
     * @param cond the BOOL condition
     * @param a    values where {@code cond} is true
     * @param b    values where {@code cond} is false, same dtype as {@code a}
     * @return a new tensor of the three-way broadcast shape
     * @throws HeedException DTYPE_MISMATCH when cond is not BOOL or a and b differ, SHAPE_MISMATCH if the shapes do not
     *                       broadcast
     */
    public static Tensor where(ExecutionContext ctx, Tensor cond, Tensor a, Tensor b) {
        requireBool("where", cond);
        sameDtype("where", a, b);
        Shape shape;
        try {
            shape = Shape.broadcast("where", Shape.broadcast("where", cond.shape(), a.shape()), b.shape());
        } catch (HeedException e) {
            throw HeedException.shape("where", "cannot broadcast cond" + cond.shape() + ", a" + a.shape() + " and b"
                    + b.shape() + " together");
        }
        Tensor cs = heap(cond), as = heap(a), bs = heap(b);
        Tensor out = Tensor.zeros(a.dtype(), shape.dims());
        StridedWalk w = StridedWalk.of(shape, cs, as, bs);
        byte[] cd = ((Storage.ByteArray) cs.storage()).data();
        if (a.dtype() == DType.FLOAT32) {
            float[] ad = ((Storage.FloatArray) as.storage()).data(), bd = ((Storage.FloatArray) bs.storage()).data();
            float[] y = out.floatArrayOrNull();
            walkScalar(w, (i, pos) -> y[i] = cd[(int) pos[0]] != 0 ? ad[(int) pos[1]] : bd[(int) pos[2]]);
        } else {
            walkScalar(w, (i, pos) -> writeLong(out, i, cd[(int) pos[0]] != 0 ? readLong(as, pos[1]) : readLong(bs, pos[2])));
        }
        return out;
    }

    // ---------------------------------------------------------------- helpers

    /** Called for every output element {@code i} with the storage position of each input. */
    @FunctionalInterface
    interface ElementTask {
        void run(int i, long[] pos);
    }

    /** A single-threaded element walk (integer, bool and compare paths: small tensors in practice). */
    static void walkScalar(StridedWalk w, ElementTask task) {
        if (w.inner == 0 || w.rows == 0) return;
        StridedWalk.Cursor c = w.cursor();
        long[] p = new long[c.pos.length];
        int k = p.length;
        int i = 0;
        for (long row = 0; row < w.rows; row++) {
            c.seek(row);
            for (int j = 0; j < w.inner; j++) {
                for (int q = 0; q < k; q++) p[q] = c.pos[q] + (long) j * w.innerStride[q];
                task.run(i++, p);
            }
        }
    }

    static void gather(float[] src, long p, int stride, float[] dst, int n) {
        for (int i = 0; i < n; i++, p += stride) dst[i] = src[(int) p];
    }

    /** Heap-backed view of {@code t}: segment-backed tensors are copied once. */
    static Tensor heap(Tensor t) {
        return t.storage() instanceof Storage.Segment ? t.contiguous() : t;
    }

    static long readLong(Tensor t, long p) {
        return switch (t.storage()) {
            case Storage.LongArray a -> a.data()[(int) p];
            case Storage.IntArray a -> a.data()[(int) p];
            case Storage.ByteArray a -> t.dtype() == DType.UINT8 ? a.data()[(int) p] & 0xff
                    : t.dtype() == DType.INT8 ? a.data()[(int) p] : (a.data()[(int) p] != 0 ? 1 : 0);
            case Storage.FloatArray a -> (long) a.data()[(int) p];
            case Storage.Segment s -> throw new HeedException(ErrorCode.INTERNAL, "segment storage reached an element loop");
        };
    }

    static void writeLong(Tensor t, int i, long v) {
        switch (t.storage()) {
            case Storage.LongArray a -> a.data()[i] = v;
            case Storage.IntArray a -> a.data()[i] = (int) v;
            case Storage.ByteArray a -> a.data()[i] = (byte) v;
            case Storage.FloatArray a -> a.data()[i] = v;
            case Storage.Segment s -> throw new HeedException(ErrorCode.INTERNAL, "cannot write into segment storage");
        }
    }

    static String describe(Tensor t) {
        return t.dtype() + "" + t.shape();
    }

    static HeedException dtype(String msg) {
        return new HeedException(ErrorCode.DTYPE_MISMATCH, msg);
    }

    private static void sameDtype(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw dtype(op + ": operand dtypes differ: a is " + describe(a) + ", b is " + describe(b));
        }
    }

    private static void requireBool(String op, Tensor t) {
        if (t.dtype() != DType.BOOL) throw dtype(op + ": expects a bool tensor, got " + describe(t));
    }
}
