package dev.heed.onnx.ops.nn;

import static dev.heed.onnx.ops.nn.NnSupport.float32;
import static dev.heed.onnx.ops.nn.NnSupport.limit;
import static dev.heed.onnx.ops.nn.NnSupport.wants;

import dev.heed.HeedException;
import dev.heed.kernel.Pooling;
import dev.heed.kernel.PoolingIndices;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/** ONNX MaxPool (with Indices), AveragePool, GlobalAveragePool and GlobalMaxPool on {@link Pooling} and {@link PoolingIndices}. */
final class PoolOps {
    private PoolOps() {}

    private static final String WINDOW = "auto_pad:string kernel_shape:ints pads:ints strides:ints";

    static void register(OpRegistry.Builder b) {
        b.register("", "MaxPool", new int[] {1, 8, 10, 11, 12},
                "X -> Y, Indices? | ceil_mode:int dilations:ints storage_order:int " + WINDOW, (n, v) -> pool(n, v, true));
        b.notes("", "MaxPool", "v8 storage_order and Indices · v10 ceil_mode, dilations · v12 uint8");
        b.register("", "AveragePool", new int[] {7, 10, 11},
                "X -> Y | ceil_mode:int count_include_pad:int dilations:ints " + WINDOW, (n, v) -> pool(n, v, false));
        b.notes("", "AveragePool", "v7 count_include_pad · v10 ceil_mode");
        b.register("", "GlobalAveragePool", 1, "X -> Y",
                (n, v) -> (ctx, in) -> new Tensor[] {Pooling.globalAveragePool(ctx, float32(n, in[0], "X"))});
        b.register("", "GlobalMaxPool", 1, "X -> Y",
                (n, v) -> (ctx, in) -> new Tensor[] {Pooling.globalMaxPool(ctx, float32(n, in[0], "X"))});
    }

    private static Op pool(Node node, int opset, boolean max) {
        String op = node.opType();
        boolean ceil = node.attrInt("ceil_mode", 0) != 0;
        boolean countIncludePad = node.attrInt("count_include_pad", 0) != 0;
        boolean columnMajor = node.attrInt("storage_order", 0) != 0;
        boolean indices = max && wants(node, 1);
        return (ctx, in) -> {
            Tensor x = in[0];
            boolean uint8 = max && x.dtype() == DType.UINT8;   // MaxPool-12 on uint8: exact through float32
            if (!uint8) float32(node, x, "X");
            int k = x.rank() - 2;
            if (k < 1) throw HeedException.shape(op, "X" + x.shape() + " must be [N, C, spatial...]");
            Spatial s = Spatial.of(node, k, null);
            int[] inLen = Arrays.copyOfRange(x.shape().dims(), 2, x.rank());
            Pooling.Window w = new Pooling.Window(s.kernel(), s.strides(), s.resolvePads(inLen), s.dilations(), ceil);
            int[] out = Pooling.outputSpatial(op, inLen, w);
            int[] outDims = new int[k + 2];
            outDims[0] = x.dim(0);
            outDims[1] = x.dim(1);
            System.arraycopy(out, 0, outDims, 2, k);
            limit(ctx, op, outDims);
            Tensor xf = uint8 ? x.to(DType.FLOAT32) : x;
            if (indices) {
                PoolingIndices.Result r = PoolingIndices.maxPoolWithIndices(xf, w, columnMajor);
                return new Tensor[] {uint8 ? r.values().to(DType.UINT8) : r.values(), r.indices()};
            }
            Tensor y = max ? Pooling.maxPool(ctx, xf, w) : Pooling.averagePool(ctx, xf, w, countIncludePad);
            return new Tensor[] {uint8 ? y.to(DType.UINT8) : y};
        };
    }
}
