package dev.heed.onnx.ops.quant;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.kernel.IntGemm;
import dev.heed.kernel.PackedInt8;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.Data;
import dev.heed.onnx.ops.HeapCache;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.onnx.ops.TensorMemo;
import dev.heed.tensor.DType;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Storage;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/**
 * ONNX MatMulInteger (int32 result) and QLinearMatMul (requantised int8 / uint8 result) on {@link IntGemm}:
 * numpy.matmul shapes (batch axes broadcast, 1-D operands promoted), zero points per tensor, per row of A and per
 * column of B. A constant (memory-mapped) 2-D B is packed once per node. Cost M·N·K integer multiply-adds per
 * batch.
 */
final class IntegerMatMulOps {
    private IntegerMatMulOps() {}

    static void register(OpRegistry.Builder b) {
        b.register("", "MatMulInteger", 10, "A, B, a_zero_point?, b_zero_point? -> Y", IntegerMatMulOps::matMulInteger);
        b.notes("", "MatMulInteger", "u8/s8 × u8/s8 → int32; zero points per tensor, per row of A, per column of B; "
                + "Vector API integer GEMM, a constant B packed once");
        b.register("", "QLinearMatMul", new int[] {10, 21},
                "a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point -> y",
                IntegerMatMulOps::qlinearMatMul);
        b.notes("", "QLinearMatMul", "u8/s8 operands and result; b_scale per tensor or per column; the int32 product "
                + "scaled by a_scale·b_scale/y_scale, rounded half to even, saturated");
    }

    /** The integer product of one node, with its shapes resolved. */
    static final class Product {
        final int[] outDims;
        final int m, n, k;
        final int[] acc;   // row-major over outDims

        Product(int[] outDims, int m, int n, int k, int[] acc) {
            this.outDims = outDims;
            this.m = m;
            this.n = n;
            this.k = k;
            this.acc = acc;
        }
    }

    /** Packs a constant B once per node; heap B (may change between runs) is packed per call. */
    static final class Weights {
        private final TensorMemo<PackedInt8> packed = new TensorMemo<>();
        private final HeapCache heap = new HeapCache();

        PackedInt8 of(Tensor b2d) {
            boolean constant = b2d.storage() instanceof Storage.Segment s && s.segment().isReadOnly();
            return constant ? packed.get(b2d, Weights::pack) : pack(b2d);
        }

        QuantSupport.Bytes bytes(Tensor t) {
            return QuantSupport.bytes(t, heap);
        }

        private static PackedInt8 pack(Tensor b) {
            QuantSupport.Bytes bb = QuantSupport.bytes(b, null);
            return IntGemm.pack(bb.data(), bb.offset(), b.dim(1), b.dim(0), b.dim(1), bb.unsigned());
        }
    }

    static Product multiply(ExecutionContext ctx, String op, Tensor a, Tensor b, Tensor azp, Tensor bzp, Weights w) {
        QuantSupport.quant(op, a, "A");
        QuantSupport.quant(op, b, "B");
        int[] za = QuantSupport.zeroPoints(op, azp, "a_zero_point", a.dtype());
        int[] zb = QuantSupport.zeroPoints(op, bzp, "b_zero_point", b.dtype());
        boolean aVec = a.rank() == 1, bVec = b.rank() == 1;
        if (a.rank() == 0 || b.rank() == 0) throw HeedException.shape(op, "A" + a.shape() + " · B" + b.shape() + ": scalars are not matrices");
        Tensor a2 = aVec ? a.unsqueeze(0) : a, b2 = bVec ? b.unsqueeze(1) : b;
        int m = a2.dim(-2), k = a2.dim(-1), kb = b2.dim(-2), n = b2.dim(-1);
        if (k != kb) throw HeedException.shape(op, "A" + a.shape() + " · B" + b.shape() + ": A.dim(-1)=" + k + " != B.dim(-2)=" + kb);
        Shape batchA = Shape.of(Arrays.copyOf(a2.shape().dims(), a2.rank() - 2));
        Shape batchB = Shape.of(Arrays.copyOf(b2.shape().dims(), b2.rank() - 2));
        Shape batch = Shape.broadcast(op, batchA, batchB);
        int batches = batch.numelInt();
        if (za.length != 1 && za.length != m && za.length != (long) m * batchA.numel()) {
            throw HeedException.shape(op, "a_zero_point holds " + za.length + " values; expected 1 (per tensor) or M=" + m + " (per row)");
        }
        if (zb.length != 1 && zb.length != n && zb.length != (long) n * batchB.numel()) {
            throw HeedException.shape(op, "b_zero_point holds " + zb.length + " values; expected 1 (per tensor) or N=" + n + " (per column)");
        }
        int[] bd = batch.dims();
        int[] outDims = new int[bd.length + 2];
        System.arraycopy(bd, 0, outDims, 0, bd.length);
        outDims[bd.length] = m;
        outDims[bd.length + 1] = n;
        dev.heed.exec.MemoryBudget.reserve(ctx, op + ": output", DType.INT32, outDims);
        int[] acc = new int[Math.multiplyExact(Math.multiplyExact(batches, m), n)];
        if (m > 0 && n > 0) {
            QuantSupport.Bytes ab = w.bytes(a2.expand(concat(bd, m, k)));
            if (b2.rank() == 2 && zb.length <= n) {
                // one shared B: every batch of A is more rows of one GEMM (when A's zero point allows it)
                PackedInt8 pb = w.of(b2);
                if (za.length == 1) {
                    IntGemm.gemm(ctx, batches * m, ab.data(), ab.offset(), k, ab.unsigned(), za, pb, zb, acc, 0, n);
                } else {
                    for (int t = 0; t < batches; t++) {
                        IntGemm.gemm(ctx, m, ab.data(), ab.offset() + t * m * k, k, ab.unsigned(), rowZeros(za, m, t), pb, zb,
                                acc, t * m * n, n);
                    }
                }
            } else {
                Tensor be = b2.expand(concat(bd, k, n));
                for (int t = 0; t < batches; t++) {
                    Tensor bt = be.reshape(batches, k, n).select(0, t);
                    PackedInt8 pb = Weights.pack(bt);
                    IntGemm.gemm(ctx, m, ab.data(), ab.offset() + t * m * k, k, ab.unsigned(), rowZeros(za, m, t), pb,
                            rowZeros(zb, n, t), acc, t * m * n, n);
                }
            }
        }
        if (aVec || bVec) {
            int[] d = Arrays.copyOf(outDims, outDims.length);
            int drop = (aVec ? 1 : 0) + (bVec ? 1 : 0);
            int[] r = new int[d.length - drop];
            int j = 0;
            for (int i = 0; i < d.length; i++) {
                if (aVec && i == d.length - 2) continue;
                if (bVec && i == d.length - 1) continue;
                r[j++] = d[i];
            }
            outDims = r;
        }
        return new Product(outDims, m, n, k, acc);
    }

    private static int[] rowZeros(int[] z, int per, int batch) {
        if (z.length == 1 || z.length == per) return z;
        return Arrays.copyOfRange(z, batch * per, (batch + 1) * per);
    }

    private static int[] concat(int[] lead, int x, int y) {
        int[] r = Arrays.copyOf(lead, lead.length + 2);
        r[lead.length] = x;
        r[lead.length + 1] = y;
        return r;
    }

    private static Op matMulInteger(Node node, int opset) {
        String op = node.describe();
        Weights w = new Weights();
        return (ctx, in) -> {
            Product p = multiply(ctx, op, in[0], in[1], in.length > 2 ? in[2] : null, in.length > 3 ? in[3] : null, w);
            return new Tensor[] {Tensor.ofInts(p.acc, p.outDims)};
        };
    }

    private static Op qlinearMatMul(Node node, int opset) {
        String op = node.describe();
        Weights w = new Weights();
        return (ctx, in) -> {
            float[] as = QuantSupport.scales(op, in[1], "a_scale"), bs = QuantSupport.scales(op, in[4], "b_scale"),
                    ys = QuantSupport.scales(op, in[6], "y_scale");
            Tensor yzp = QuantSupport.quant(op, in[7], "y_zero_point");
            int[] yz = QuantSupport.zeroPoints(op, yzp, "y_zero_point", null);
            if (as.length != 1 || ys.length != 1 || yz.length != 1) {
                throw HeedException.shape(op, "a_scale, y_scale and y_zero_point must be scalars (per tensor), they hold "
                        + as.length + ", " + ys.length + ", " + yz.length + " values");
            }
            Product p = multiply(ctx, op, in[0], in[3], in[2], in[5], w);
            if (bs.length != 1 && bs.length != p.n) {
                throw HeedException.shape(op, "b_scale holds " + bs.length + " values; expected 1 or N=" + p.n);
            }
            DType out = yzp.dtype();
            Tensor y = Data.alloc(ctx, op, out, p.outDims);
            byte[] yd = ((Storage.ByteArray) y.storage()).data();
            for (int i = 0; i < p.acc.length; i++) {
                float mult = as[0] * bs[bs.length == 1 ? 0 : i % p.n] / ys[0];
                yd[i] = (byte) QuantSupport.saturateRound((double) p.acc[i] * mult + yz[0], out);
            }
            return new Tensor[] {y};
        };
    }

    static HeedException dtype(String op, String what, Tensor t) {
        return new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": " + what + " " + t.dtype() + t.shape());
    }
}
