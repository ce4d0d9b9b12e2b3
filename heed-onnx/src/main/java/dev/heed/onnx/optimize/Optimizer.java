package dev.heed.onnx.optimize;

import dev.heed.onnx.PassReport;
import dev.heed.attention.AttentionImpl;
import dev.heed.onnx.ops.OpRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The load-time optimiser (public for the Session; not a stable API): one ordered list of {@link GraphPass}es, each
 * reporting what it did. The standard list:
 * <pre>
 * dead-nodes        nodes that reach no graph output             (always)
 * fold-constants    ConstantFolder: constant subgraphs, static Shape/Size chains
 * dead-nodes        what only folded nodes read
 * attention         AttentionFusion: scaled-dot-product subgraph -> FusedAttention   (attention kernels)
 * gelu              GeluFusion: erf / tanh GELU subgraph          -> Gelu            (unary kernel)
 * layer-norm        LayerNormFusion: decomposed LayerNorm         -> LayerNorm       (Norms.layerNorm)
 * bias-activation   BiasActivationFusion: MatMul + bias [+ act]   -> FusedMatMul     (GEMM epilogue)
 * conv-activation   ConvActivationFusion: Conv + Relu|Sigmoid|Tanh|SiLU -> FusedConv   (conv epilogue)
 * quantized-linear  QuantizedLinearFusion: DynamicQuantizeLinear → MatMulInteger → Cast → Mul [→ Add] [→ act]
 *                                                                 -> QuantizedLinear (integer GEMM + epilogue)
 * </pre>
 * GELU runs before bias-activation and quantized-linear so that a GELU can join a GEMM's epilogue. Every fused node is in domain
 * {@value #DOMAIN} and sits where its pattern's last node was, so the order stays topological.
 *
 * <pre>{@code
 * Optimizer o = Optimizer.standard(OpRegistry.standard(), true, true, AttentionImpl.AUTO, true);
 * for (PassReport r : o.optimize(state)) System.out.println(r);   // "layer-norm: 245 -> 141 nodes {layer_norm=13}"
 * }</pre>
 */
public final class Optimizer {
    /** The domain of every node a fusion pass makes. */
    public static final String DOMAIN = "dev.heed";
    /** The passes {@code SessionOptions.graphFusion()} switches (attention fusion is switched on its own). */
    public static final Set<String> GRAPH_FUSIONS = Set.of(GeluFusion.NAME, LayerNormFusion.NAME, BiasActivationFusion.NAME,
            ConvActivationFusion.NAME,
            QuantizedLinearFusion.NAME);

    private final List<GraphPass> passes;

    public Optimizer(List<GraphPass> passes) {
        this.passes = List.copyOf(passes);
    }

    /**
     * The standard pass list, minus what is switched off.
     *
     * @param registry  the op table the model was compiled against; its shape-preserving flags guide constant folding
     * @param attention the kernel fused attention nodes run
     */
    public static Optimizer standard(OpRegistry registry, boolean constantFolding, boolean attentionFusion, AttentionImpl attention,
                                     boolean graphFusion) {
        List<GraphPass> p = new ArrayList<>();
        p.add(new DeadNodeRemoval());
        if (constantFolding) {
            p.add(new ConstantFolder(registry));
            p.add(new DeadNodeRemoval());
        }
        if (attentionFusion) p.add(new AttentionFusion(attention));
        if (graphFusion) {
            p.add(new GeluFusion());
            p.add(new LayerNormFusion());
            p.add(new BiasActivationFusion());
            p.add(new ConvActivationFusion());
            p.add(new QuantizedLinearFusion());
        }
        return new Optimizer(p);
    }

    /** Runs every pass over {@code graph} in order; one report per pass. */
    public List<PassReport> optimize(GraphState graph) {
        List<PassReport> reports = new ArrayList<>(passes.size());
        for (GraphPass pass : passes) {
            int before = graph.nodes().size();
            Map<String, Integer> did = pass.apply(graph);
            reports.add(new PassReport(pass.name(), before, graph.nodes().size(), did));
        }
        return List.copyOf(reports);
    }

    /** The counts of the reports named in {@code passes}, merged in pass order. */
    public static Map<String, Integer> counts(List<PassReport> reports, Set<String> passes) {
        Map<String, Integer> all = new LinkedHashMap<>();
        for (PassReport r : reports) if (passes.contains(r.pass())) r.counts().forEach((k, v) -> all.merge(k, v, Integer::sum));
        return java.util.Collections.unmodifiableMap(all);
    }
}
