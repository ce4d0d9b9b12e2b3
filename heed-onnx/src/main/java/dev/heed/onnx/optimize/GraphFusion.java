package dev.heed.onnx.optimize;

import dev.heed.kernel.Activation;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.FusedGeluOp;
import dev.heed.onnx.ops.FusedLayerNormOp;
import dev.heed.onnx.ops.FusedMatMulOp;
import dev.heed.onnx.ops.Op;
import dev.heed.tensor.Tensor;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The load-time graph fusions after attention fusion (public for the Session; not a stable API), in order:
 * <pre>
 * GeluFusion            erf / tanh GELU subgraph (5–9 nodes)   -> Gelu          (unary GELU kernel)
 * LayerNormFusion       decomposed LayerNorm (7–9 nodes)       -> LayerNorm     (Norms.layerNorm)
 * BiasActivationFusion  MatMul + bias Add [+ Relu|Tanh|Sigmoid|Gelu] -> FusedMatMul (GEMM with bias/activation epilogue)
 * </pre>
 * GELU runs first so that the MatMul pass can take a GELU into its epilogue. Each pass only rewrites exact
 * patterns whose intermediate values nothing else reads; fused nodes sit where the pattern's last node was.
 *
 * <pre>{@code
 * GraphFusion.Result r = GraphFusion.fuse(order, constants, graphOutputs);
 * r.nodes();    // the rewritten order
 * r.ops();      // the compiled op of every fused node
 * r.counts();   // {gelu=6, layer_norm=13, matmul_bias=36, matmul_bias_gelu_erf=6} for all-MiniLM-L6-v2
 * }</pre>
 */
public final class GraphFusion {
    private GraphFusion() {}

    /** The domain of every fused node. */
    public static final String DOMAIN = "dev.heed";

    /**
     * @param nodes  the rewritten node list
     * @param ops    the op of each fused node (identity-keyed)
     * @param counts how often each fusion fired: {@code gelu} / {@code gelu_tanh} (every erf / tanh GELU subgraph,
     *               including those then taken into a MatMul epilogue), {@code layer_norm}, {@code matmul_bias} (every
     *               MatMul + bias) and, as subsets of it, {@code matmul_bias_relu|tanh|sigmoid|gelu_erf|gelu_tanh};
     *               fusions that never fired are absent
     */
    public record Result(List<Node> nodes, Map<Node, Op> ops, Map<String, Integer> counts) {}

    public static Result fuse(List<Node> order, Map<String, Tensor> constants, Set<String> graphOutputs) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        Map<Node, Op> ops = new IdentityHashMap<>();
        FusionRewrite.Result gelu = GeluFusion.fuse(order, constants, graphOutputs);
        for (Node n : gelu.fused()) count(counts, GeluFusion.isTanh(n) ? "gelu_tanh" : "gelu", 1);
        FusionRewrite.Result ln = LayerNormFusion.fuse(gelu.nodes(), constants, graphOutputs);
        count(counts, "layer_norm", ln.fused().size());
        for (Node n : ln.fused()) ops.put(n, new FusedLayerNormOp(n));
        FusionRewrite.Result mm = BiasActivationFusion.fuse(ln.nodes(), constants, graphOutputs);
        count(counts, "matmul_bias", mm.fused().size());
        for (Node n : mm.fused()) {
            FusedMatMulOp op = new FusedMatMulOp(n);
            ops.put(n, op);
            if (op.activation() != Activation.NONE) count(counts, "matmul_bias_" + op.activation().name().toLowerCase(Locale.ROOT), 1);
        }
        // GELU nodes not taken into a MatMul epilogue still run, as the unary kernel
        Set<Node> live = Collections.newSetFromMap(new IdentityHashMap<>());
        live.addAll(mm.nodes());
        for (Node n : gelu.fused()) if (live.contains(n)) ops.put(n, new FusedGeluOp(n));
        return new Result(mm.nodes(), ops, Collections.unmodifiableMap(counts));
    }

    private static void count(Map<String, Integer> counts, String name, int n) {
        if (n > 0) counts.merge(name, n, Integer::sum);
    }
}
