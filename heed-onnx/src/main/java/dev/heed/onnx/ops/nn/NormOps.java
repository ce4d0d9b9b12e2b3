package dev.heed.onnx.ops.nn;

import static dev.heed.onnx.ops.nn.NnSupport.float32;
import static dev.heed.onnx.ops.nn.NnSupport.input;
import static dev.heed.onnx.ops.nn.NnSupport.wants;

import dev.heed.HeedException;
import dev.heed.kernel.NormStatistics;
import dev.heed.kernel.Norms;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.Data;
import dev.heed.onnx.ops.HeapCache;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/**
 * ONNX BatchNormalization, LayerNormalization, InstanceNormalization and LpNormalization on {@link Norms} (the
 * affine kernels) and {@link NormStatistics} (batch, row and Lp statistics in float64). Parameters are copied to
 * the heap once per node when memory-mapped.
 */
final class NormOps {
    private NormOps() {}

    static void register(OpRegistry.Builder b) {
        b.register("", "BatchNormalization", new int[] {7, 9},
                "X, scale, B, mean, var -> Y, out_mean?, out_var?, saved_mean?, saved_var? | epsilon:float momentum:float spatial:int", NormOps::batchNorm);
        b.register("", "BatchNormalization", new int[] {14, 15},
                "X, scale, B, input_mean, input_var -> Y, running_mean?, running_var? | epsilon:float momentum:float training_mode:int",
                NormOps::batchNorm);
        b.notes("", "BatchNormalization", "v7 spatial; v14/v15 training_mode: batch statistics and running outputs");
        b.register("", "LayerNormalization", 17, "X, Scale, B? -> Y, Mean?, InvStdDev? | axis:int epsilon:float stash_type:int",
                NormOps::layerNorm);
        b.notes("", "LayerNormalization", "axis, epsilon, optional bias; optional Mean / InvStdDev outputs");
        b.register("", "InstanceNormalization", 6, "input, scale, B -> output | epsilon:float", NormOps::instanceNorm);
        b.notes("", "InstanceNormalization", "per (n, c) statistics, then the batch-norm affine kernel");
        b.register("", "LpNormalization", 1, "input -> output | axis:int p:int", NormOps::lpNormalization);
        b.notes("", "LpNormalization", "p = 1 or 2");
    }

    private static Op batchNorm(Node node, int opset) {
        String op = node.opType();
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
            NormStatistics.Moments st = NormStatistics.channelMoments(x);
            float[] mean = new float[c], var = new float[c], rm = p[2].toFloatArray(), rv = p[3].toFloatArray();
            float[] runMean = new float[c], runVar = new float[c];
            for (int ch = 0; ch < c; ch++) {
                mean[ch] = (float) st.mean()[ch];
                var[ch] = (float) st.variance()[ch];
                runMean[ch] = (float) (rm[ch] * (double) momentum + st.mean()[ch] * (1 - (double) momentum));
                runVar[ch] = (float) (rv[ch] * (double) momentum + var[ch] * (1 - (double) momentum));
            }
            Tensor y = Norms.batchNorm(ctx, x, p[0], p[1], Tensor.of(mean, c), Tensor.of(var, c), eps);
            return new Tensor[] {y, Tensor.of(runMean, c), Tensor.of(runVar, c)};
        };
    }

    private static Op layerNorm(Node node, int opset) {
        String op = node.opType();
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
            // Mean and InvStdDev: [d0 … d(axis-1), 1 …] from float64 statistics
            NormStatistics.Moments st = NormStatistics.rowMoments(x, ax);
            int rows = st.mean().length;
            float[] mean = new float[rows], inv = new float[rows];
            for (int r = 0; r < rows; r++) {
                mean[r] = (float) st.mean()[r];
                inv[r] = (float) (1 / Math.sqrt(st.variance()[r] + eps));
            }
            int[] sd = d.clone();
            for (int i = ax; i < sd.length; i++) sd[i] = 1;
            return new Tensor[] {y, Tensor.of(mean, sd), Tensor.of(inv, sd)};
        };
    }

    private static Op instanceNorm(Node node, int opset) {
        String op = node.opType();
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
            NormStatistics.Moments st = NormStatistics.rowMoments(x, 2);   // rows [N·C, spatial]
            float[] sc = scale.toFloatArray(), bi = bias.toFloatArray();
            int nc = n * c;
            float[] mean = new float[nc], var = new float[nc], s2 = new float[nc], b2 = new float[nc];
            for (int r = 0; r < nc; r++) {
                mean[r] = sp == 0 ? 0f : (float) st.mean()[r];
                var[r] = sp == 0 ? 0f : (float) st.variance()[r];
                s2[r] = sc[r % c];
                b2[r] = bi[r % c];
            }
            Tensor y = Norms.batchNorm(ctx, x.contiguous().reshape(1, nc, sp), Tensor.of(s2, nc), Tensor.of(b2, nc),
                    Tensor.of(mean, nc), Tensor.of(var, nc), eps);
            return new Tensor[] {y.reshape(x.shape().dims())};
        };
    }

    private static Op lpNormalization(Node node, int opset) {
        String op = node.opType();
        long axis = node.attrInt("axis", -1);
        long p = node.attrInt("p", 2);
        if (p != 1 && p != 2) throw HeedException.unsupported(op + ": p = " + p, 1, 2);
        return (ctx, in) -> {
            Tensor x = float32(node, in[0], "input");
            int ax = Data.axis(axis, x.rank(), op);
            return new Tensor[] {NormStatistics.lpNormalize(x, ax, (int) p)};
        };
    }
}
