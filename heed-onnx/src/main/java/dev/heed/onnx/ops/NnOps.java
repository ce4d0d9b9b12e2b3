package dev.heed.onnx.ops;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.kernel.Activation;
import dev.heed.kernel.Conv2d;
import dev.heed.kernel.ConvTranspose;
import dev.heed.kernel.Gemm;
import dev.heed.kernel.PackedMatrix;
import dev.heed.kernel.Norms;
import dev.heed.kernel.Pooling;
import dev.heed.kernel.Softmax;
import dev.heed.onnx.ir.Node;
import dev.heed.tensor.DType;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Storage;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/**
 * Neural-network layers on Heed's kernels (float32).
 * <pre>
 * MatMul             v1 · v9 · v13   numpy.matmul: batch axes broadcast, 1-D operands promoted and the added axis
 *                                    dropped; one GEMM over all batches when b is shared (Gemm.matmul)
 * Gemm               v7 · v9 · v11 (C optional) · v13   alpha·op(A)·op(B) + beta·C, C broadcast to [M, N];
 *                                    a row-vector C rides the GEMM bias epilogue; transposed views read in place
 * Conv               v1 · v11        1-D (as 2-D with H = 1) and 2-D, group, strides, dilations, pads, auto_pad,
 *                                    bias fused (Conv2d: implicit-im2col GEMM, 1×1 GEMM, depthwise direct);
 *                                    stride = kernel without padding (ViT patch embedding): explicit im2col + one GEMM
 * ConvTranspose      v1 · v11        1-D…3-D, output_padding, output_shape, auto_pad, group (direct scatter)
 * BatchNormalization v7 (spatial) · v9 · v14 · v15 (training_mode: batch statistics and running outputs)
 * LayerNormalization v17             axis, epsilon, optional bias; optional Mean / InvStdDev outputs
 * InstanceNormalization v6           per (n, c) statistics, then the batch-norm affine kernel
 * Softmax, LogSoftmax, Hardmax  v1 · v11 coerce to 2-D at axis (default 1) · v13 one axis (default -1)
 * MaxPool            v1 · v8 (storage_order, Indices) · v10 (ceil_mode, dilations) · v11 · v12 (uint8)
 * AveragePool        v7 (count_include_pad) · v10 (ceil_mode) · v11
 * GlobalAveragePool, GlobalMaxPool v1 · LpNormalization v1 (p = 1 or 2)
 * Dropout            v7 (mask of type T) · v10 (bool mask) · v12 · v13: inference identity, mask all true
 * </pre>
 * Cost: the kernels' (GEMM 2·M·N·K flops; conv 2·N·M·OH·OW·C/g·kH·kW). Memory-mapped constant weights are
 * copied to the heap once per node on first use (bulk copy) and reused by every later run, so no run converts a
 * weight again; a mapped 2-D B of MatMul / Gemm is instead packed once per node into the GEMM's panel layout
 * (PackedCache, Gemm.pack), so no run packs it again (results bitwise equal to the unpacked GEMM).
 */
final class NnOps {
    private NnOps() {}

    static void register(OpRegistry.Builder b) {
        b.register("", "MatMul", new int[] {1, 9, 13}, NnOps::matMul);
        b.register("", "Gemm", new int[] {7, 9, 11, 13}, NnOps::gemm);
        b.register("", "Conv", new int[] {1, 11}, NnOps::conv);
        b.register("", "ConvTranspose", new int[] {1, 11}, NnOps::convTranspose);
        b.register("", "BatchNormalization", new int[] {7, 9, 14, 15}, NnOps::batchNorm);
        b.register("", "LayerNormalization", 17, NnOps::layerNorm);
        b.register("", "InstanceNormalization", 6, NnOps::instanceNorm);
        b.register("", "Softmax", new int[] {1, 11, 13}, (n, v) -> softmax(n, v, Kind.SOFTMAX));
        b.register("", "LogSoftmax", new int[] {1, 11, 13}, (n, v) -> softmax(n, v, Kind.LOG_SOFTMAX));
        b.register("", "Hardmax", new int[] {1, 11, 13}, (n, v) -> softmax(n, v, Kind.HARDMAX));
        b.register("", "MaxPool", new int[] {1, 8, 10, 11, 12}, (n, v) -> pool(n, v, true));
        b.register("", "AveragePool", new int[] {7, 10, 11}, (n, v) -> pool(n, v, false));
        b.register("", "GlobalAveragePool", 1, (n, v) -> (ctx, in) -> new Tensor[] {Pooling.globalAveragePool(ctx, float32(n, in[0], "X"))});
        b.register("", "GlobalMaxPool", 1, (n, v) -> (ctx, in) -> new Tensor[] {Pooling.globalMaxPool(ctx, float32(n, in[0], "X"))});
        b.register("", "LpNormalization", 1, NnOps::lpNormalization);
        b.register("", "Dropout", new int[] {7, 10, 12, 13}, NnOps::dropout);
    }

    // ------------------------------------------------------------------------------------------- helpers

    /**
     * Per-node memo of the heap copy of a read-only memory-mapped input (a weight). Heap tensors are passed
     * through (their arrays may change between runs, so they are never cached); a writable segment is copied on
     * every call. Concurrent runs see either nothing (and copy) or a complete copy ({@link TensorMemo}).
     */
    static final class HeapCache {
        private final TensorMemo<Tensor> memo = new TensorMemo<>();

        /** {@code t} itself when heap-backed, else a contiguous heap copy (cached when the segment is read-only). */
        Tensor of(Tensor t) {
            if (t == null || !(t.storage() instanceof Storage.Segment s)) return t;
            return s.segment().isReadOnly() ? memo.get(t, HeapCache::copy) : copy(t);
        }

        private static Tensor copy(Tensor t) {
            Tensor h = Tensor.zeros(t.dtype(), t.shape().dims());
            Data.copyAll(t, h);
            return h;
        }
    }

    /**
     * Per-node memo of a read-only memory-mapped 2-D weight packed as a GEMM B operand ({@link Gemm#pack}), under
     * the rules of {@link HeapCache}: only read-only segments (initializers) are packed and cached, since heap and
     * writable tensors may change between runs. Concurrent runs see either nothing (and pack) or a complete
     * packing ({@link TensorMemo}). Packed GEMMs are bitwise equal to unpacked ones.
     */
    static final class PackedCache {
        private final boolean trans;
        private final TensorMemo<PackedMatrix> memo = new TensorMemo<>();

        /** {@code trans}: the node reads its weight t [N, K] as op(t) = tᵀ (Gemm transB), fixed per node. */
        PackedCache(boolean trans) {
            this.trans = trans;
        }

        /** op(t) packed when t is a non-empty read-only mapped 2-D float32 tensor, else null. */
        PackedMatrix of(Tensor t) {
            if (t == null || t.rank() != 2 || t.numel() == 0 || t.dtype() != DType.FLOAT32
                    || !(t.storage() instanceof Storage.Segment s) || !s.segment().isReadOnly()) {
                return null;
            }
            return memo.get(t, this::pack);
        }

        private PackedMatrix pack(Tensor t) {
            int r = t.dim(0), c = t.dim(1);
            float[] v = t.toFloatArray();                  // row-major [r, c]
            return trans ? Gemm.pack(true, c, r, v, 0, c) : Gemm.pack(false, r, c, v, 0, c);
        }
    }

    private static Tensor float32(Node node, Tensor t, String what) {
        if (t == null) throw HeedException.invalid(node.describe(), "input '" + what + "' is required");
        if (t.dtype() != DType.FLOAT32) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, node.describe() + ": input '" + what + "' " + Data.shapeOf(t)
                    + " must be float32 (Heed has no float16/double)");
        }
        return t;
    }

    private static Tensor input(Tensor[] in, int i) {
        return i < in.length ? in[i] : null;
    }

    /** Refuses an output over the per-tensor memory limit before a kernel allocates it. */
    private static void limit(ExecutionContext ctx, String op, int... dims) {
        dev.heed.exec.MemoryBudget.reserve(ctx, op + ": output", DType.FLOAT32, dims); // per tensor and the run's total
    }

    private static boolean wants(Node node, int output) {
        return node.outputs().size() > output && !node.outputs().get(output).isEmpty();
    }

    private static int[] intsAttr(Node node, String name, int len, int dflt) {
        long[] v = node.attrInts(name);
        int[] r = new int[len];
        if (v == null) {
            Arrays.fill(r, dflt);
            return r;
        }
        if (v.length != len) {
            throw HeedException.invalid(node.describe(), "attribute '" + name + "' " + Arrays.toString(v) + " must have "
                    + len + " values (one per spatial axis" + (len % 2 == 0 && name.equals("pads") ? ", begins then ends" : "") + ")");
        }
        for (int i = 0; i < len; i++) r[i] = Data.toInt(v[i], node.describe(), name);
        return r;
    }

    private static int prod(int[] d, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) p *= d[i];
        return p;
    }

    /** Spatial attributes shared by Conv, ConvTranspose and the pools, resolved for k spatial axes. */
    private record Spatial(int[] kernel, int[] strides, int[] dilations, int[] pads, String autoPad) {}

    private static Spatial spatial(Node node, int k, int[] kernelFromWeight) {
        int[] kernel;
        if (node.hasAttr("kernel_shape")) {
            kernel = intsAttr(node, "kernel_shape", k, 1);
            if (kernelFromWeight != null && !Arrays.equals(kernel, kernelFromWeight)) {
                throw HeedException.shape(node.describe(), "kernel_shape " + Arrays.toString(kernel)
                        + " does not match the weight's spatial dims " + Arrays.toString(kernelFromWeight));
            }
        } else if (kernelFromWeight != null) {
            kernel = kernelFromWeight;
        } else {
            throw HeedException.invalid(node.describe(), "attribute 'kernel_shape' is required");
        }
        String autoPad = node.attrString("auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID") && !autoPad.equals("SAME_UPPER") && !autoPad.equals("SAME_LOWER")) {
            throw HeedException.unsupported(node.describe() + ": auto_pad '" + autoPad + "'", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID");
        }
        int[] pads = intsAttr(node, "pads", 2 * k, 0);
        for (int p : pads) if (p < 0) throw HeedException.invalid(node.describe(), "pads " + Arrays.toString(pads) + " must be >= 0");
        int[] strides = intsAttr(node, "strides", k, 1);
        int[] dilations = intsAttr(node, "dilations", k, 1);
        for (int i = 0; i < k; i++) {
            if (strides[i] < 1 || dilations[i] < 1 || kernel[i] < 1) {
                throw HeedException.invalid(node.describe(), "kernel_shape " + Arrays.toString(kernel) + ", strides "
                        + Arrays.toString(strides) + " and dilations " + Arrays.toString(dilations) + " must be >= 1");
            }
        }
        return new Spatial(kernel, strides, dilations, pads, autoPad);
    }

    /** Explicit pads (begins, then ends) for input lengths {@code in}: auto_pad SAME_* gives output ceil(in / stride). */
    private static int[] resolvePads(Spatial s, int[] in) {
        int k = in.length;
        return switch (s.autoPad) {
            case "VALID" -> new int[2 * k];
            case "SAME_UPPER", "SAME_LOWER" -> {
                int[] p = new int[2 * k];
                for (int i = 0; i < k; i++) {
                    int out = Math.ceilDiv(in[i], s.strides[i]);
                    int total = Math.max(0, (out - 1) * s.strides[i] + (s.kernel[i] - 1) * s.dilations[i] + 1 - in[i]);
                    int small = total / 2;
                    p[i] = s.autoPad.equals("SAME_UPPER") ? small : total - small;
                    p[k + i] = total - p[i];
                }
                yield p;
            }
            default -> s.pads.clone();
        };
    }

    // ------------------------------------------------------------------------------------------- MatMul, Gemm

    private static Op matMul(Node node, int opset) {
        String op = node.describe();
        HeapCache ca = new HeapCache(), cb = new HeapCache();
        PackedCache pb = new PackedCache(false);
        return (ctx, in) -> {
            Tensor rawB = float32(node, in[1], "B");
            PackedMatrix packed = pb.of(rawB);      // a constant [K, N] weight: packed once per node
            Tensor a = ca.of(float32(node, in[0], "A")), b = packed != null ? rawB : cb.of(rawB);
            String shapes = "A" + a.shape() + " · B" + b.shape();
            if (a.rank() == 0 || b.rank() == 0) throw HeedException.shape(op, shapes + ": operands must have rank >= 1");
            int k = a.dim(-1), kb = b.rank() == 1 ? b.dim(0) : b.dim(-2);
            if (k != kb) {
                throw HeedException.shape(op, shapes + ": A.dim(-1)=" + k + " != B.dim(" + (b.rank() == 1 ? "0" : "-2") + ")=" + kb);
            }
            int[] aBatch = a.rank() > 2 ? Arrays.copyOf(a.shape().dims(), a.rank() - 2) : new int[0];
            int[] bBatch = b.rank() > 2 ? Arrays.copyOf(b.shape().dims(), b.rank() - 2) : new int[0];
            Shape batch;
            try {
                batch = Shape.broadcast(op, Shape.of(aBatch), Shape.of(bBatch));
            } catch (HeedException e) {
                throw HeedException.shape(op, shapes + ": batch axes " + Arrays.toString(aBatch) + " and "
                        + Arrays.toString(bBatch) + " do not broadcast (sizes must be equal or 1)");
            }
            int[] outDims = Arrays.copyOf(batch.dims(), batch.rank() + 2);
            outDims[batch.rank()] = a.rank() == 1 ? 1 : a.dim(-2);
            outDims[batch.rank() + 1] = b.rank() == 1 ? 1 : b.dim(-1);
            limit(ctx, op, outDims);
            return new Tensor[] {packed != null ? Gemm.matmul(ctx, a, packed) : Gemm.matmul(ctx, a, b)};
        };
    }

    /** A 2-D float32 heap tensor as a GEMM operand: data, offset, leading dimension, stored transposed or not. */
    private record Mat(float[] data, int off, int ld, boolean trans) {
        /** {@code t} [r, c] read as op(t) with {@code trans}; transposed views are read in place. */
        static Mat of(Tensor t, boolean trans) {
            int r = t.dim(0), c = t.dim(1);
            int[] st = t.strides();
            if (t.storage() instanceof Storage.FloatArray fa) {
                if (t.isContiguous()) return new Mat(fa.data(), (int) t.offset(), Math.max(1, c), trans);
                if (st[0] == 1 && st[1] >= Math.max(1, r)) return new Mat(fa.data(), (int) t.offset(), st[1], !trans);
            }
            Tensor d = t.copy();
            return new Mat(d.floatArrayOrNull(), 0, Math.max(1, c), trans);
        }
    }

    private static Op gemm(Node node, int opset) {
        String op = node.describe();
        boolean transA = node.attrInt("transA", 0) != 0, transB = node.attrInt("transB", 0) != 0;
        float alpha = node.attrFloat("alpha", 1f), beta = node.attrFloat("beta", 1f);
        HeapCache ca = new HeapCache(), cb = new HeapCache(), cc = new HeapCache();
        PackedCache pb = new PackedCache(transB);
        return (ctx, in) -> {
            Tensor rawB = float32(node, in[1], "B");
            Tensor a = ca.of(float32(node, in[0], "A"));
            PackedMatrix packed = a.rank() == 2 ? pb.of(rawB) : null;   // a constant weight: packed once per node
            Tensor b = packed != null ? rawB : cb.of(rawB);
            Tensor c = input(in, 2) == null ? null : cc.of(float32(node, in[2], "C"));
            if (opset < 11 && c == null) throw HeedException.invalid(op, "input 'C' is required before opset 11");
            String shapes = "A" + a.shape() + (transA ? "ᵀ" : "") + " · B" + b.shape() + (transB ? "ᵀ" : "")
                    + (c == null ? "" : " + C" + c.shape());
            if (a.rank() != 2 || b.rank() != 2) throw HeedException.shape(op, shapes + ": A and B must be 2-D");
            int m = transA ? a.dim(1) : a.dim(0), k = transA ? a.dim(0) : a.dim(1);
            int kb = transB ? b.dim(1) : b.dim(0), n = transB ? b.dim(0) : b.dim(1);
            if (k != kb) throw HeedException.shape(op, shapes + ": inner dimensions differ, op(A) is [" + m + ", " + k
                    + "] and op(B) is [" + kb + ", " + n + "]");
            Tensor cb2 = null;
            if (c != null && beta != 0f) {
                try {
                    if (c.rank() > 2) throw HeedException.shape(op, "rank");
                    cb2 = c.expand(m, n);     // unidirectional: C broadcasts to [M, N]
                } catch (HeedException e) {
                    throw HeedException.shape(op, shapes + ": C must broadcast to [M, N] = [" + m + ", " + n + "]");
                }
            }
            Tensor y = Data.alloc(ctx, op, DType.FLOAT32, new int[] {m, n});
            float[] yd = y.floatArrayOrNull();
            Mat ma = Mat.of(a, transA);
            // A C that is constant down the rows (shape [N], [1, N], [1], scalar) is the GEMM's bias epilogue.
            boolean rowBias = cb2 != null && (m == 1 || cb2.strides()[0] == 0);
            float[] bias = null;
            boolean accumulate = false;
            if (cb2 != null && alpha == 1f) {
                if (rowBias) {
                    bias = cb2.select(0, 0).toFloatArray();
                    if (beta != 1f) for (int j = 0; j < n; j++) bias[j] *= beta;
                } else {
                    Data.copyAll(cb2, y);
                    if (beta != 1f) for (int i = 0; i < yd.length; i++) yd[i] *= beta;
                    accumulate = true;
                }
            }
            if (packed != null && m > 0) {
                Gemm.gemm(ctx, ma.trans, m, ma.data, ma.off, ma.ld, packed, yd, 0, Math.max(1, n), accumulate, bias, Activation.NONE);
            } else if (packed == null) {
                Mat mb = Mat.of(b, transB);
                Gemm.gemm(ctx, ma.trans, mb.trans, m, n, k, ma.data, ma.off, ma.ld, mb.data, mb.off, mb.ld,
                        yd, 0, Math.max(1, n), accumulate, bias, Activation.NONE);
            }
            if (alpha != 1f) {
                float[] cv = cb2 == null ? null : cb2.toFloatArray();
                for (int i = 0; i < yd.length; i++) yd[i] = alpha * yd[i] + (cv == null ? 0f : beta * cv[i]);
            }
            return new Tensor[] {y};
        };
    }

    // ------------------------------------------------------------------------------------------- Conv, ConvTranspose

    private static Op conv(Node node, int opset) {
        String op = node.describe();
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
            Spatial s = spatial(node, k, Arrays.copyOfRange(w.shape().dims(), 2, w.rank()));
            int[] pads = resolvePads(s, Arrays.copyOfRange(x.shape().dims(), 2, x.rank()));
            Conv2d.Params p = k == 1
                    ? new Conv2d.Params(1, s.strides[0], 0, pads[0], 0, pads[1], 1, s.dilations[0], group)
                    : new Conv2d.Params(s.strides[0], s.strides[1], pads[0], pads[1], pads[2], pads[3], s.dilations[0], s.dilations[1], group);
            Tensor x4 = k == 1 ? x.unsqueeze(2) : x, w4 = k == 1 ? w.unsqueeze(2) : w;
            long oh = (x4.dim(2) + p.padTop() + p.padBottom() - (long) p.dilationH() * (w4.dim(2) - 1) - 1) / p.strideH() + 1;
            long ow = (x4.dim(3) + p.padLeft() + p.padRight() - (long) p.dilationW() * (w4.dim(3) - 1) - 1) / p.strideW() + 1;
            if (oh > 0 && ow > 0) limit(ctx, op, x.dim(0), w.dim(0), (int) Math.min(oh, Integer.MAX_VALUE), (int) Math.min(ow, Integer.MAX_VALUE));
            Tensor y = isPatchify(p, w4)
                    ? patchConv(ctx, op, x4, w4, bias)
                    : Conv2d.conv2d(ctx, x4, w4, bias, p, Activation.NONE);
            return new Tensor[] {k == 1 ? y.reshape(y.dim(0), y.dim(1), y.dim(3)) : y};
        };
    }

    /** Non-overlapping windows (stride = kernel, no padding, no dilation, one group): the ViT patch embedding. */
    private static boolean isPatchify(Conv2d.Params p, Tensor w) {
        int kh = w.dim(2), kw = w.dim(3);
        return p.groups() == 1 && p.dilationH() == 1 && p.dilationW() == 1 && p.strideH() == kh && p.strideW() == kw
                && p.padTop() == 0 && p.padLeft() == 0 && p.padBottom() == 0 && p.padRight() == 0 && kh * kw > 1;
    }

    /**
     * A patchifying convolution as one GEMM: every input element lies in at most one window, so the explicit
     * im2col matrix {@code patches [N·OH·OW, C·kH·kW]} is no larger than x. {@code y' [N·OH·OW, M] = patches · wᵀ
     * + bias} (bias in the GEMM epilogue), then y' is transposed into {@code y [N, M, OH, OW]}. Faster than the
     * implicit-im2col path for ViT stems (large K, few output positions).
     */
    private static Tensor patchConv(ExecutionContext ctx, String op, Tensor x, Tensor w, Tensor bias) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3), m = w.dim(0), kh = w.dim(2), kw = w.dim(3);
        if (h < kh || wd < kw) {
            throw HeedException.shape(op, "X" + x.shape() + " · W" + w.shape() + ": the kernel " + kh + "x" + kw
                    + " is larger than the input " + h + "x" + wd);
        }
        int oh = h / kh, ow = wd / kw, pos = oh * ow, kdim = c * kh * kw;
        limit(ctx, op, n, m, oh, ow);
        dev.heed.exec.MemoryBudget.reserve(ctx, op + ": im2col patches", DType.FLOAT32, n, oh, ow, c, kh, kw);
        Tensor xc = x.contiguous(), wc = w.contiguous();
        float[] xd = xc.floatArrayOrNull(), wdat = wc.floatArrayOrNull();
        int xo = (int) xc.offset();
        float[] patches = new float[n * pos * kdim];   // [N·OH·OW, C·kH·kW], row (n, oy, ox), column (c, ky, kx)
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ky = 0; ky < kh; ky++) {
                        int src = xo + ((b * c + ch) * h + oy * kh + ky) * wd;
                        int dst = ((b * oh + oy) * ow) * kdim + (ch * kh + ky) * kw;
                        for (int ox = 0; ox < ow; ox++) System.arraycopy(xd, src + ox * kw, patches, dst + ox * kdim, kw);
                    }
                }
            }
        }
        float[] yt = new float[n * pos * m];           // [N·OH·OW, M]
        Gemm.gemm(ctx, false, true, n * pos, m, kdim, patches, 0, kdim, wdat, (int) wc.offset(), kdim, yt, 0, Math.max(1, m),
                false, bias == null ? null : bias.toFloatArray(), Activation.NONE);
        float[] y = new float[yt.length];               // [N, M, OH·OW]
        for (int b = 0; b < n; b++) {
            for (int q = 0; q < pos; q++) {
                int row = (b * pos + q) * m;
                for (int co = 0; co < m; co++) y[(b * m + co) * pos + q] = yt[row + co];
            }
        }
        return Tensor.of(y, n, m, oh, ow);
    }

    private static Op convTranspose(Node node, int opset) {
        String op = node.describe();
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
            Spatial s = spatial(node, k, kernel);
            int[] outPad = intsAttr(node, "output_padding", k, 0);
            int[] pads;
            boolean same = s.autoPad.startsWith("SAME");
            if (outputShape != null || same) {
                pads = new int[2 * k];
                for (int i = 0; i < k; i++) {
                    int want = outputShape != null
                            ? Data.toInt(outputShape[outputShape.length - k + i], op, "output_shape")
                            : inLen[i] * s.strides[i];
                    int total = s.strides[i] * (inLen[i] - 1) + outPad[i] + (s.kernel[i] - 1) * s.dilations[i] + 1 - want;
                    if (total < 0) {           // a longer output than the input covers: the extra rows get only the bias
                        pads[k + i] = total;
                    } else if (s.autoPad.equals("SAME_UPPER")) {
                        pads[i] = total / 2;
                        pads[k + i] = total - total / 2;
                    } else {
                        pads[i] = total - total / 2;
                        pads[k + i] = total / 2;
                    }
                }
            } else {
                pads = s.autoPad.equals("VALID") ? new int[2 * k] : s.pads;
            }
            ConvTranspose.Params p = new ConvTranspose.Params(s.strides, pads, s.dilations, outPad, group);
            int[] outDims = new int[k + 2];
            outDims[0] = x.dim(0);
            outDims[1] = w.dim(1) * group;
            System.arraycopy(ConvTranspose.outputSpatial(inLen, kernel, p), 0, outDims, 2, k);
            limit(ctx, op, outDims);
            return new Tensor[] {ConvTranspose.convTranspose(ctx, x, w, bias, p)};
        };
    }

    // ------------------------------------------------------------------------------------------- normalisations

    private static Op batchNorm(Node node, int opset) {
        String op = node.describe();
        float eps = node.attrFloat("epsilon", 1e-5f);
        float momentum = node.attrFloat("momentum", 0.9f);
        boolean training = opset >= 14 && node.attrInt("training_mode", 0) != 0;
        boolean perActivation = opset < 9 && node.attrInt("spatial", 1) == 0;
        if (!training && (wants(node, 1) || wants(node, 2) || wants(node, 3) || wants(node, 4))) {
            throw HeedException.unsupported(op + ": the mean/variance outputs exist only in training mode (opset >= 14, training_mode=1)",
                    "one output Y");
        }
        HeapCache[] caches = {new HeapCache(), new HeapCache(), new HeapCache(), new HeapCache()};
        return (ctx, in) -> {
            Tensor x = float32(node, in[0], "X");
            Tensor[] p = new Tensor[4];   // scale, B, mean, var: [C]
            String[] names = {"scale", "B", "input_mean", "input_var"};
            for (int i = 0; i < 4; i++) p[i] = caches[i].of(float32(node, input(in, i + 1), names[i]));
            if (x.rank() < 2) throw HeedException.shape(op, "X" + x.shape() + " must be [N, C, ...]");
            if (perActivation) {
                // spatial=0: one set of statistics per activation, i.e. x [N, C·D…] with "channels" C·D…
                x = x.reshape(x.dim(0), (int) (x.numel() / Math.max(1, x.dim(0))));
                for (int i = 0; i < 4; i++) p[i] = p[i].reshape(-1);
            }
            int c = x.dim(1);
            for (int i = 0; i < 4; i++) {
                if (p[i].numel() != c) throw HeedException.shape(op, names[i] + p[i].shape() + " must hold C=" + c + " values for X" + x.shape());
            }
            if (!training) return new Tensor[] {Norms.batchNorm(ctx, x, p[0], p[1], p[2], p[3], eps).reshape(in[0].shape().dims())};
            // training mode: normalise with the batch's own statistics (population variance), update the running ones
            Tensor xc = x.contiguous();
            float[] xd = xc.floatArrayOrNull();
            int off = (int) xc.offset(), n = x.dim(0), sp = (int) (x.numel() / ((long) n * c));
            float[] mean = new float[c], var = new float[c], rm = p[2].toFloatArray(), rv = p[3].toFloatArray();
            float[] runMean = new float[c], runVar = new float[c];
            for (int ch = 0; ch < c; ch++) {
                double sum = 0, sq = 0;
                for (int b = 0; b < n; b++) {
                    int base = off + (b * c + ch) * sp;
                    for (int i = 0; i < sp; i++) sum += xd[base + i];
                }
                double mu = sum / ((double) n * sp);
                for (int b = 0; b < n; b++) {
                    int base = off + (b * c + ch) * sp;
                    for (int i = 0; i < sp; i++) { double d = xd[base + i] - mu; sq += d * d; }
                }
                mean[ch] = (float) mu;
                var[ch] = (float) (sq / ((double) n * sp));
                runMean[ch] = (float) (rm[ch] * (double) momentum + mu * (1 - (double) momentum));
                runVar[ch] = (float) (rv[ch] * (double) momentum + var[ch] * (1 - (double) momentum));
            }
            Tensor y = Norms.batchNorm(ctx, xc, p[0], p[1], Tensor.of(mean, c), Tensor.of(var, c), eps);
            return new Tensor[] {y, Tensor.of(runMean, c), Tensor.of(runVar, c)};
        };
    }

    private static Op layerNorm(Node node, int opset) {
        String op = node.describe();
        long axis = node.attrInt("axis", -1);
        float eps = node.attrFloat("epsilon", 1e-5f);
        boolean stats = wants(node, 1) || wants(node, 2);
        HeapCache cs = new HeapCache(), cb = new HeapCache();
        return (ctx, in) -> {
            Tensor x = float32(node, in[0], "X");
            Tensor scale = cs.of(float32(node, input(in, 1), "Scale"));
            Tensor bias = input(in, 2) == null ? null : cb.of(float32(node, in[2], "B"));
            int ax = Data.axis(axis, x.rank(), op);
            int[] d = x.shape().dims();
            int[] norm = Arrays.copyOfRange(d, ax, d.length);
            for (Tensor t : bias == null ? new Tensor[] {scale} : new Tensor[] {scale, bias}) {
                try {
                    if (t.rank() > norm.length) throw HeedException.shape(op, "rank");
                    t.expand(norm);
                } catch (HeedException e) {
                    throw HeedException.shape(op, (t == scale ? "Scale" : "B") + t.shape() + " does not broadcast to the normalised axes "
                            + Arrays.toString(norm) + " of X" + x.shape() + " (axis " + axis + ")");
                }
            }
            Tensor y = Norms.layerNorm(ctx, x, scale, bias, ax, eps);
            if (!stats) return new Tensor[] {y};
            // Mean and InvStdDev: [d0 … d(axis-1), 1 …] in float64 accumulators
            int rows = prod(d, 0, ax), cols = prod(d, ax, d.length);
            Tensor xc = x.contiguous();
            float[] xd = xc.floatArrayOrNull();
            int off = (int) xc.offset();
            float[] mean = new float[rows], inv = new float[rows];
            for (int r = 0; r < rows; r++) {
                double s = 0, sq = 0;
                for (int i = 0; i < cols; i++) s += xd[off + r * cols + i];
                double mu = s / cols;
                for (int i = 0; i < cols; i++) { double v = xd[off + r * cols + i] - mu; sq += v * v; }
                mean[r] = (float) mu;
                inv[r] = (float) (1 / Math.sqrt(sq / cols + eps));
            }
            int[] sd = d.clone();
            for (int i = ax; i < sd.length; i++) sd[i] = 1;
            return new Tensor[] {y, Tensor.of(mean, sd), Tensor.of(inv, sd)};
        };
    }

    private static Op instanceNorm(Node node, int opset) {
        String op = node.describe();
        float eps = node.attrFloat("epsilon", 1e-5f);
        HeapCache cs = new HeapCache(), cb = new HeapCache();
        return (ctx, in) -> {
            Tensor x = float32(node, in[0], "input");
            Tensor scale = cs.of(float32(node, input(in, 1), "scale")), bias = cb.of(float32(node, input(in, 2), "B"));
            if (x.rank() < 3) throw HeedException.shape(op, "input" + x.shape() + " must be [N, C, spatial...]");
            int n = x.dim(0), c = x.dim(1), sp = (int) (x.numel() / Math.max(1L, (long) n * c));
            if (scale.numel() != c || bias.numel() != c) {
                throw HeedException.shape(op, "scale" + scale.shape() + " and B" + bias.shape() + " must hold C=" + c + " values for input" + x.shape());
            }
            Tensor xc = x.contiguous();
            float[] xd = xc.floatArrayOrNull();
            int off = (int) xc.offset();
            float[] sc = scale.toFloatArray(), bi = bias.toFloatArray();
            float[] mean = new float[n * c], var = new float[n * c], s2 = new float[n * c], b2 = new float[n * c];
            for (int r = 0; r < n * c; r++) {   // rows [N·C, spatial]
                double s = 0, sq = 0;
                for (int i = 0; i < sp; i++) s += xd[off + r * sp + i];
                double mu = sp == 0 ? 0 : s / sp;
                for (int i = 0; i < sp; i++) { double v = xd[off + r * sp + i] - mu; sq += v * v; }
                mean[r] = (float) mu;
                var[r] = (float) (sp == 0 ? 0 : sq / sp);
                s2[r] = sc[r % c];
                b2[r] = bi[r % c];
            }
            int nc = n * c;
            Tensor y = Norms.batchNorm(ctx, xc.reshape(1, nc, sp), Tensor.of(s2, nc), Tensor.of(b2, nc),
                    Tensor.of(mean, nc), Tensor.of(var, nc), eps);
            return new Tensor[] {y.reshape(x.shape().dims())};
        };
    }

    private static Op lpNormalization(Node node, int opset) {
        String op = node.describe();
        long axis = node.attrInt("axis", -1);
        long p = node.attrInt("p", 2);
        if (p != 1 && p != 2) throw HeedException.unsupported(op + ": p = " + p, 1, 2);
        return (ctx, in) -> {
            Tensor x = float32(node, in[0], "input");
            int ax = Data.axis(axis, x.rank(), op);
            int[] d = x.shape().dims();
            int outer = prod(d, 0, ax), len = d[ax], inner = prod(d, ax + 1, d.length);
            float[] xd = x.toFloatArray();
            float[] y = new float[xd.length];
            for (int o = 0; o < outer; o++) {
                for (int j = 0; j < inner; j++) {
                    int base = o * len * inner + j;
                    double norm = 0;
                    for (int i = 0; i < len; i++) { double v = xd[base + i * inner]; norm += p == 1 ? Math.abs(v) : v * v; }
                    if (p == 2) norm = Math.sqrt(norm);
                    // a zero vector stays zero (no 0/0)
                    for (int i = 0; i < len; i++) y[base + i * inner] = norm == 0 ? 0f : (float) (xd[base + i * inner] / norm);
                }
            }
            return new Tensor[] {Tensor.of(y, d)};
        };
    }

    // ------------------------------------------------------------------------------------------- Softmax family

    private enum Kind { SOFTMAX, LOG_SOFTMAX, HARDMAX }

    private static Op softmax(Node node, int opset, Kind kind) {
        String op = node.describe();
        boolean coerce = opset < 13;
        long axis = node.attrInt("axis", coerce ? 1 : -1);
        return (ctx, in) -> {
            Tensor x = float32(node, in[0], "input");
            int[] d = x.shape().dims();
            if (x.rank() == 0) throw HeedException.shape(op, "input" + x.shape() + " must have rank >= 1");
            int ax;
            Tensor rows;
            if (coerce) {
                // opset 1/11: x is viewed as [prod(d[:axis]), prod(d[axis:])] and normalised along the second axis
                long a = axis < 0 ? axis + d.length : axis;
                if (a < 0 || a >= d.length) throw HeedException.invalid(op, "axis " + axis + " is out of range for rank " + d.length);
                rows = x.reshape(prod(d, 0, (int) a), prod(d, (int) a, d.length));
                ax = 1;
            } else {
                ax = Data.axis(axis, d.length, op);
                rows = x;
            }
            Tensor y = switch (kind) {
                case SOFTMAX -> Softmax.softmax(ctx, rows, ax);
                case LOG_SOFTMAX -> Softmax.logSoftmax(ctx, rows, ax);
                case HARDMAX -> hardmax(rows, ax);
            };
            return new Tensor[] {y.reshape(d)};
        };
    }

    /** One-hot of the first maximum along {@code ax} (NaN counts as the maximum, as in a NaN-propagating argmax). */
    private static Tensor hardmax(Tensor x, int ax) {
        int[] d = x.shape().dims();
        int outer = prod(d, 0, ax), len = d[ax], inner = prod(d, ax + 1, d.length);
        float[] xd = x.toFloatArray();
        float[] y = new float[xd.length];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                int base = o * len * inner + j, best = 0;
                for (int i = 1; i < len; i++) {
                    float v = xd[base + i * inner], b = xd[base + best * inner];
                    if (!Float.isNaN(b) && (v > b || Float.isNaN(v))) best = i;
                }
                if (len > 0) y[base + best * inner] = 1f;
            }
        }
        return Tensor.of(y, d);
    }

    // ------------------------------------------------------------------------------------------- pooling

    private static Op pool(Node node, int opset, boolean max) {
        String op = node.describe();
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
            Spatial s = spatial(node, k, null);
            int[] inLen = Arrays.copyOfRange(x.shape().dims(), 2, x.rank());
            Pooling.Window w = new Pooling.Window(s.kernel, s.strides, resolvePads(s, inLen), s.dilations, ceil);
            int[] out = Pooling.outputSpatial(op, inLen, w);
            int[] outDims = new int[k + 2];
            outDims[0] = x.dim(0);
            outDims[1] = x.dim(1);
            System.arraycopy(out, 0, outDims, 2, k);
            limit(ctx, op, outDims);
            Tensor xf = uint8 ? x.to(DType.FLOAT32) : x;
            if (indices) {
                Tensor[] r = maxPoolWithIndices(xf, w, out, columnMajor);
                return new Tensor[] {uint8 ? r[0].to(DType.UINT8) : r[0], r[1]};
            }
            Tensor y = max ? Pooling.maxPool(ctx, xf, w) : Pooling.averagePool(ctx, xf, w, countIncludePad);
            return new Tensor[] {uint8 ? y.to(DType.UINT8) : y};
        };
    }

    /**
     * MaxPool with its Indices output: the flat index of each maximum in X (plane offset + position within the
     * plane, row-major, or column-major over the spatial axes with storage_order=1). The first maximum wins;
     * NaN counts as the maximum, as in {@link Pooling#maxPool}.
     */
    private static Tensor[] maxPoolWithIndices(Tensor x, Pooling.Window w, int[] out, boolean columnMajor) {
        int k = out.length;
        int[] d = x.shape().dims();
        int[] in = Arrays.copyOfRange(d, 2, d.length);
        int planes = d[0] * d[1], inPlane = prod(in, 0, k), outPlane = prod(out, 0, k);
        float[] xd = x.toFloatArray();
        float[] y = new float[planes * outPlane];
        long[] idx = new long[planes * outPlane];
        int[] rowStride = new int[k], colStride = new int[k];
        for (int i = k - 1, st = 1; i >= 0; i--) { rowStride[i] = st; st *= in[i]; }
        for (int i = 0, st = 1; i < k; i++) { colStride[i] = st; st *= in[i]; }
        int[] o = new int[k], kk = new int[k];
        for (int p = 0; p < planes; p++) {
            Arrays.fill(o, 0);
            for (int q = 0; q < outPlane; q++) {
                float best = Float.NEGATIVE_INFINITY;
                long bestIdx = -1;
                Arrays.fill(kk, 0);
                boolean done = false;
                while (!done) {
                    int rm = 0, cm = 0;
                    boolean inside = true;
                    for (int i = 0; i < k; i++) {
                        int pos = o[i] * w.strides()[i] - w.pads()[i] + kk[i] * w.dilations()[i];
                        if (pos < 0 || pos >= in[i]) { inside = false; break; }
                        rm += pos * rowStride[i];
                        cm += pos * colStride[i];
                    }
                    if (inside) {
                        float v = xd[p * inPlane + rm];
                        if (bestIdx < 0 || (!Float.isNaN(best) && (v > best || Float.isNaN(v)))) {
                            best = v;
                            bestIdx = (long) p * inPlane + (columnMajor ? cm : rm);
                        }
                    }
                    done = true;
                    for (int i = k - 1; i >= 0; i--) {
                        if (++kk[i] < w.kernel()[i]) { done = false; break; }
                        kk[i] = 0;
                    }
                }
                y[p * outPlane + q] = best;
                idx[p * outPlane + q] = Math.max(bestIdx, 0);
                for (int i = k - 1; i >= 0; i--) {
                    if (++o[i] < out[i]) break;
                    o[i] = 0;
                }
            }
        }
        int[] od = new int[k + 2];
        od[0] = d[0];
        od[1] = d[1];
        System.arraycopy(out, 0, od, 2, k);
        return new Tensor[] {Tensor.of(y, od), Tensor.ofLongs(idx, od)};
    }

    // ------------------------------------------------------------------------------------------- Dropout

    private static Op dropout(Node node, int opset) {
        String op = node.describe();
        float ratioAttr = node.attrFloat("ratio", 0.5f);
        boolean mask = wants(node, 1);
        return (ctx, in) -> {
            Tensor x = in[0];
            if (opset >= 12) {
                Tensor tm = input(in, 2);
                boolean training = tm != null && tm.numel() > 0 && tm.toLongArray()[0] != 0;
                Tensor r = input(in, 1);
                float ratio = r == null ? 0.5f : r.toFloatArray()[0];
                if (training && ratio != 0f) {
                    throw HeedException.unsupported(op + ": training_mode=true with ratio " + ratio
                            + " (random dropout); Heed runs inference", "training_mode=false", "ratio=0");
                }
            } else if (ratioAttr < 0f || ratioAttr >= 1f) {
                throw HeedException.invalid(op, "ratio " + ratioAttr + " must be in [0, 1)");
            }
            if (!mask) return new Tensor[] {x};
            Tensor m;
            if (opset < 10) {   // Dropout-7: the mask has the input's type
                m = Data.alloc(ctx, op, x.dtype(), x.shape().dims());
                Tensor one = Tensor.scalar(1f).to(x.dtype());
                for (long i = 0; i < m.numel(); i++) Data.copy(one, 0, m, i, 1);
            } else {
                byte[] ones = new byte[(int) x.numel()];
                Arrays.fill(ones, (byte) 1);
                m = Tensor.ofBools(ones, x.shape().dims());
            }
            return new Tensor[] {x, m};
        };
    }
}
