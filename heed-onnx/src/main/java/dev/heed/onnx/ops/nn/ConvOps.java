package dev.heed.onnx.ops.nn;

import static dev.heed.onnx.ops.nn.NnSupport.float32;
import static dev.heed.onnx.ops.nn.NnSupport.input;
import static dev.heed.onnx.ops.nn.NnSupport.limit;

import dev.heed.HeedException;
import dev.heed.kernel.Activation;
import dev.heed.kernel.Conv2d;
import dev.heed.kernel.ConvTranspose;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.Data;
import dev.heed.onnx.ops.HeapCache;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/**
 * ONNX Conv (1-D as 2-D with H = 1, and 2-D, on {@link Conv2d}, which picks its own path) and ConvTranspose
 * (1-D…3-D, {@link ConvTranspose}). Cost 2·N·M·OH·OW·C/g·kH·kW flops. Weights and bias are copied to the heap
 * once per node when memory-mapped.
 */
final class ConvOps {
    private ConvOps() {}

    private static final String SPATIAL = "auto_pad:string dilations:ints kernel_shape:ints pads:ints strides:ints";

    static void register(OpRegistry.Builder b) {
        b.register("", "Conv", new int[] {1, 11}, "X, W, B? -> Y | group:int " + SPATIAL, ConvOps::conv);
        b.notes("", "Conv", "1-D and 2-D; group, strides, dilations, pads, auto_pad; bias fused (Conv2d: implicit-im2col GEMM, "
                + "1×1 GEMM, depthwise direct, patchify im2col + one GEMM)");
        b.register("", "ConvTranspose", new int[] {1, 11}, "X, W, B? -> Y | group:int output_padding:ints output_shape:ints " + SPATIAL,
                ConvOps::convTranspose);
        b.notes("", "ConvTranspose", "1-D…3-D, output_padding, output_shape, auto_pad, group (direct scatter)");
    }

    private static Op conv(Node node, int opset) {
        return conv(node, Activation.NONE);
    }

    /** A Conv with {@code act} applied in the kernel's epilogue (the node {@code ConvActivationFusion} made). */
    static Op conv(Node node, Activation act) {
        String op = node.opType();
        int group = Data.toInt(node.attrInt("group", 1), op, "group");
        HeapCache cw = new HeapCache(), cbias = new HeapCache();
        return (ctx, in) -> {
            Tensor x = float32(node, in[0], "X"), w = cw.of(float32(node, in[1], "W"));
            Tensor bias = input(in, 2) == null ? null : cbias.of(float32(node, in[2], "B"));
            String shapes = "X" + x.shape() + " · W" + w.shape() + (bias == null ? "" : " + B" + bias.shape());
            if (x.rank() == 5) {
                throw HeedException.unsupported(op + ": " + shapes + ": 3-D convolution is not implemented", "1-D [N, C, L]", "2-D [N, C, H, W]");
            }
            if (x.rank() != 3 && x.rank() != 4) throw HeedException.shape(op, shapes + ": X must be [N, C, L] or [N, C, H, W]");
            if (w.rank() != x.rank()) throw HeedException.shape(op, shapes + ": W must have the rank of X, [M, C/group, kernel...]");
            int k = x.rank() - 2;
            if (x.dim(1) != w.dim(1) * group) {
                throw HeedException.shape(op, shapes + ": X has C=" + x.dim(1) + " channels but W.dim(1) · group = "
                        + w.dim(1) + " · " + group + " = " + (w.dim(1) * group));
            }
            Spatial s = Spatial.of(node, k, Arrays.copyOfRange(w.shape().dims(), 2, w.rank()));
            int[] pads = s.resolvePads(Arrays.copyOfRange(x.shape().dims(), 2, x.rank()));
            Conv2d.Params p = k == 1
                    ? new Conv2d.Params(1, s.strides()[0], 0, pads[0], 0, pads[1], 1, s.dilations()[0], group)
                    : new Conv2d.Params(s.strides()[0], s.strides()[1], pads[0], pads[1], pads[2], pads[3], s.dilations()[0], s.dilations()[1], group);
            Tensor x4 = k == 1 ? x.unsqueeze(2) : x, w4 = k == 1 ? w.unsqueeze(2) : w;
            long oh = (x4.dim(2) + p.padTop() + p.padBottom() - (long) p.dilationH() * (w4.dim(2) - 1) - 1) / p.strideH() + 1;
            long ow = (x4.dim(3) + p.padLeft() + p.padRight() - (long) p.dilationW() * (w4.dim(3) - 1) - 1) / p.strideW() + 1;
            if (oh > 0 && ow > 0) limit(ctx, op, x.dim(0), w.dim(0), (int) Math.min(oh, Integer.MAX_VALUE), (int) Math.min(ow, Integer.MAX_VALUE));
            Tensor y = Conv2d.conv2d(ctx, x4, w4, bias, p, act);
            return new Tensor[] {k == 1 ? y.reshape(y.dim(0), y.dim(1), y.dim(3)) : y};
        };
    }

    private static Op convTranspose(Node node, int opset) {
        String op = node.opType();
        int group = Data.toInt(node.attrInt("group", 1), op, "group");
        long[] outputShape = node.attrInts("output_shape");
        HeapCache cw = new HeapCache(), cbias = new HeapCache();
        return (ctx, in) -> {
            Tensor x = float32(node, in[0], "X"), w = cw.of(float32(node, in[1], "W"));
            Tensor bias = input(in, 2) == null ? null : cbias.of(float32(node, in[2], "B"));
            String shapes = "X" + x.shape() + " · W" + w.shape();
            int k = x.rank() - 2;
            if (k < 1 || w.rank() != x.rank()) throw HeedException.shape(op, shapes + ": X must be [N, C, spatial...] and W [C, M/group, kernel...]");
            if (w.dim(0) != x.dim(1)) throw HeedException.shape(op, shapes + ": W.dim(0)=" + w.dim(0) + " != C=" + x.dim(1));
            int[] kernel = Arrays.copyOfRange(w.shape().dims(), 2, w.rank());
            int[] inLen = Arrays.copyOfRange(x.shape().dims(), 2, x.rank());
            Spatial s = Spatial.of(node, k, kernel);
            int[] outPad = NnSupport.intsAttr(node, "output_padding", k, 0);
            int[] pads;
            boolean same = s.autoPad().startsWith("SAME");
            if (outputShape != null || same) {
                pads = new int[2 * k];
                for (int i = 0; i < k; i++) {
                    int want = outputShape != null
                            ? Data.toInt(outputShape[outputShape.length - k + i], op, "output_shape")
                            : inLen[i] * s.strides()[i];
                    int total = s.strides()[i] * (inLen[i] - 1) + outPad[i] + (s.kernel()[i] - 1) * s.dilations()[i] + 1 - want;
                    if (total < 0) {           // a longer output than the input covers: the extra rows get only the bias
                        pads[k + i] = total;
                    } else if (s.autoPad().equals("SAME_UPPER")) {
                        pads[i] = total / 2;
                        pads[k + i] = total - total / 2;
                    } else {
                        pads[i] = total - total / 2;
                        pads[k + i] = total / 2;
                    }
                }
            } else {
                pads = s.autoPad().equals("VALID") ? new int[2 * k] : s.pads();
            }
            ConvTranspose.Params p = new ConvTranspose.Params(s.strides(), pads, s.dilations(), outPad, group);
            int[] outDims = new int[k + 2];
            outDims[0] = x.dim(0);
            outDims[1] = w.dim(1) * group;
            System.arraycopy(ConvTranspose.outputSpatial(inLen, kernel, p), 0, outDims, 2, k);
            limit(ctx, op, outDims);
            return new Tensor[] {ConvTranspose.convTranspose(ctx, x, w, bias, p)};
        };
    }
}
