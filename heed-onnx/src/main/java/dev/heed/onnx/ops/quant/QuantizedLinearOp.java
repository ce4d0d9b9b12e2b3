package dev.heed.onnx.ops.quant;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.kernel.Activation;
import dev.heed.kernel.Int8Matrix;
import dev.heed.kernel.IntGemm;
import dev.heed.kernel.PackedInt8;
import dev.heed.kernel.Quantize;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.Data;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.TensorMemo;
import dev.heed.tensor.DType;
import dev.heed.tensor.Storage;
import dev.heed.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Runs a node made by the quantised-linear fusion: the dynamically quantised linear layer ONNX Runtime's quantiser
 * writes as {@code DynamicQuantizeLinear → MatMulInteger → Cast → Mul(scale) [→ Add(bias)]}, in one op:
 * <pre>
 *   (xq, xs, xz) = DynamicQuantizeLinear(x)              x float32 [.., K], one scale for the whole tensor
 *   acc[M, N]    = Σ_k (xq − xz) · (W[k, n] − wz[n])      W int8 / uint8 [K, N], read in place
 *   y            = float(acc) · (xs · ws[n]) [+ b[n]]     float32 [.., N]
 *   [y           = act(y)]                               Relu, Gelu (erf / tanh), Tanh, Sigmoid
 * </pre>
 * Inputs {@code [x, W, w_scale, w_zero_point?, bias?]} (w_scale and w_zero_point 1 or N values); attribute
 * {@code matmul} names the replaced MatMulInteger, {@code activation} (an {@link Activation} name, NONE when
 * absent) the activation node the fusion took in. Scale, bias and activation run as the GEMM's epilogue, on each
 * tile of y right after its product, while it is in cache (the same float32 operations as {@link IntGemm#epilogue}
 * after the product, which the path without the Vector API runs). The integer product runs on the float GEMM
 * ({@link IntGemm#gemmExactFloatQuantizing}: exact, x quantised straight into the GEMM's packed panels so no
 * {@code [M, K]} copy of {@code xq − xz} is kept, W read in place and widened from bytes per micro-panel, K cut into
 * chunks when a call would leave the exactness bound); the integer GEMM on a packed copy of W serves only a JVM
 * without the Vector API. Every float step is the same float32 expression as the nodes it replaces (the activation runs the
 * elementwise kernel of a stand-alone Relu / Gelu / Tanh / Sigmoid node), so the result equals theirs bit for bit.
 * Cost M·N·K multiply-adds plus two
 * passes over x and one over y.
 */
public final class QuantizedLinearOp implements Op {
    private final String op;
    private final Activation activation;
    private final TensorMemo<Int8Matrix> matrix = new TensorMemo<>();
    private final TensorMemo<PackedInt8> packed = new TensorMemo<>();

    public QuantizedLinearOp(Node node) {
        this.op = node.describe() + " (MatMulInteger '" + node.attrString("matmul", node.name()) + "' quantised linear)";
        String act = node.attrString("activation", Activation.NONE.name());
        try {
            this.activation = Activation.valueOf(act);
        } catch (IllegalArgumentException e) {
            throw HeedException.unsupported(op + ": activation '" + act + "'",
                    java.util.Arrays.stream(Activation.values()).map(Enum::name).toArray(String[]::new));
        }
    }

    /** The activation this node applies after the scale and bias (attribute {@code activation}; NONE when absent). */
    public Activation activation() {
        return activation;
    }

    @Override
    public Tensor[] apply(ExecutionContext ctx, Tensor[] in) {
        Tensor x = QuantSupport.float32(op, in[0], "x"), w = QuantSupport.quant(op, in[1], "W");
        float[] ws = QuantSupport.scales(op, in[2], "w_scale");
        Tensor wzT = in.length > 3 ? in[3] : null, b = in.length > 4 ? in[4] : null;
        if (x.rank() == 0 || w.rank() != 2 || x.dim(-1) != w.dim(0)) {
            throw HeedException.shape(op, "x" + x.shape() + " · W" + w.shape() + ": x needs rank >= 1 and x.dim(-1) == W.dim(0)");
        }
        int k = w.dim(0), n = w.dim(1);
        int[] wz = QuantSupport.zeroPoints(op, wzT, "w_zero_point", w.dtype());
        if ((ws.length != 1 && ws.length != n) || (wz.length != 1 && wz.length != n)) {
            throw HeedException.shape(op, "w_scale holds " + ws.length + " and w_zero_point " + wz.length
                    + " values; each must hold 1 or N=" + n);
        }
        float[] bias = null;
        if (b != null) {
            if (b.dtype() != DType.FLOAT32 || b.numel() != n) {
                throw new HeedException(ErrorCode.SHAPE_MISMATCH, op + ": bias " + b.dtype() + b.shape() + " must be float32 with N=" + n + " values");
            }
            bias = b.toFloatArray();
        }
        int[] outDims = x.shape().dims();
        outDims[outDims.length - 1] = n;
        int m = Math.toIntExact(x.numel() / Math.max(1, k));
        Tensor y = Data.alloc(ctx, op, DType.FLOAT32, outDims);
        if (x.numel() == 0 || n == 0) return new Tensor[] {y};
        // DynamicQuantizeLinear over the whole tensor, exactly as the replaced node: its range, scale and zero point;
        // q − zp is then computed by the GEMM as it packs its panels (no [M, K] copy of it is kept)
        Tensor xc = x.floatArrayOrNull() != null ? x : x.contiguous();
        float[] xd = xc.floatArrayOrNull();
        int xo = (int) xc.offset(), len = m * k;
        float[] mm = new float[2], sz = new float[2];
        Quantize.range(xd, xo, len, mm);
        QuantizeOps.dynamicParameters(mm[0], mm[1], sz);
        int zp = (int) sz[1];
        float[] yd = y.floatArrayOrNull();                 // [M, N]: the integer product first, then scaled in place
        Int8Matrix wm = matrix.get(w, QuantizedLinearOp::int8Matrix);
        float[] mult = new float[n];
        for (int j = 0; j < n; j++) mult[j] = sz[0] * ws[ws.length == 1 ? 0 : j];   // Mul(x_scale, w_scale)
        // the product, then · scale [+ bias] [→ activation] on each tile of y while it is in cache
        if (!IntGemm.gemmExactFloatQuantizing(ctx, m, xd, xo, k, sz[0], zp, wm, wz, yd, 0, n, mult, bias, activation)) {
            integerProduct(ctx, m, k, n, xd, xo, sz[0], zp, w, wz, yd);
            IntGemm.epilogue(ctx, m, n, yd, 0, n, mult, bias, activation);
        }
        return new Tensor[] {y};
    }

    /**
     * The integer GEMM on packed W, int32 results written as floats: only without the Vector API (the float product
     * serves every call otherwise, cut into K chunks when needed), so only then is a packed copy of W kept.
     */
    private void integerProduct(ExecutionContext ctx, int m, int k, int n, float[] xd, int xo, float scale, int zp, Tensor w,
                                int[] wz, float[] yd) {
        float[] a = new float[m * k];                                       // [M, K] q − zp
        Quantize.shifted(xd, xo, a.length, scale, zp, a, 0);
        byte[] xq = new byte[m * k];
        for (int i = 0; i < xq.length; i++) xq[i] = (byte) ((int) a[i] + zp);
        PackedInt8 pw = packed.get(w, t -> {
            QuantSupport.Bytes bb = QuantSupport.bytes(t, null);
            return IntGemm.pack(bb.data(), bb.offset(), n, k, n, bb.unsigned());
        });
        int[] acc = new int[Math.multiplyExact(m, n)];
        IntGemm.gemm(ctx, m, xq, 0, k, true, new int[] {zp}, pw, wz, acc, 0, n);
        for (int i = 0; i < acc.length; i++) yd[i] = (float) acc[i];
    }

    /** W [K, N] as an {@link Int8Matrix} over its own memory (a mapped weight stays mapped; no copy). */
    private static Int8Matrix int8Matrix(Tensor w) {
        Tensor t = w.isContiguous() ? w : w.contiguous();
        MemorySegment seg = switch (t.storage()) {
            case Storage.Segment s -> s.segment();
            case Storage.ByteArray arr -> MemorySegment.ofArray(arr.data());
            default -> throw new HeedException(ErrorCode.DTYPE_MISMATCH, "quantised linear: W storage " + t.storage().getClass().getSimpleName());
        };
        return Int8Matrix.of(seg, t.offset(), t.dim(0), t.dim(1), t.dim(1), t.dtype() == DType.UINT8);
    }

    @Override
    public String toString() {
        return op;
    }
}
