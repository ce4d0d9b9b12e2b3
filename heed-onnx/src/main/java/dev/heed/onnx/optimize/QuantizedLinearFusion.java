package dev.heed.onnx.optimize;

import dev.heed.kernel.Activation;
import dev.heed.onnx.ir.Attribute;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.quant.QuantizedLinearOp;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Folds the dynamically quantised linear layer that ONNX Runtime's quantiser writes into one {@value #OP_TYPE}
 * node (domain {@value Optimizer#DOMAIN}, run by {@link QuantizedLinearOp}):
 * <pre>
 *   (xq, xs, xz) = DynamicQuantizeLinear(x)
 *   s = Mul(xs, w_scale)                          w_scale a float32 constant of 1 or N values (either order)
 *   y = Mul(Cast&lt;float&gt;(MatMulInteger(xq, W, xz [, w_zero_point])), s)    W an int8 / uint8 constant [K, N]
 *   [→ Add(y, b)]                                 b a float32 constant of N values (either order)
 *   [→ Relu | Tanh | Sigmoid | Gelu]              Gelu: the node {@link GeluFusion} made (that pass runs first)
 * </pre>
 * The bias and the activation run in the op's epilogue, on each tile of the product as the GEMM finishes it,
 * instead of one node each (the float model's FusedMatMul does the same). The MatMulInteger, Cast and Mul results (and s,
 * when it is taken, and the Add result when an activation follows) must each have exactly one reader and must not
 * be graph outputs. Several
 * layers often share one DynamicQuantizeLinear (query, key and value read the same x): each fused node quantises x
 * itself, and the shared node goes with the last of them once every reader of its outputs is fused. Results equal
 * the unfused nodes bit for bit (same float32 expressions).
 */
final class QuantizedLinearFusion implements GraphPass {
    static final String NAME = "quantized-linear";

    public static final String OP_TYPE = "QuantizedLinear";

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Counts {@code quantized_linear} (every fusion), {@code quantized_linear_bias} (those that took an Add) and
     * {@code quantized_linear_relu|tanh|sigmoid|gelu_erf|gelu_tanh} (those that took an activation).
     */
    @Override
    public Map<String, Integer> apply(GraphState state) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        FusionRewrite.Result r = fuse(state.nodes(), state.index(), counts);
        state.apply(r, QuantizedLinearOp::new);
        return counts;
    }

    private record Match(Node dql, List<Node> chain, Node fused) {}

    static FusionRewrite.Result fuse(List<Node> order, GraphIndex g, Map<String, Integer> counts) {
        List<Match> matches = new ArrayList<>();
        Set<Node> used = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Node mm : order) {
            Match m = match(mm, g);
            if (m == null || m.chain.stream().anyMatch(used::contains)) continue;
            used.addAll(m.chain);
            matches.add(m);
        }
        // a DynamicQuantizeLinear goes with the last of its matches when nothing else reads its outputs
        Map<Node, List<Match>> byDql = new IdentityHashMap<>();
        for (Match m : matches) byDql.computeIfAbsent(m.dql, k -> new ArrayList<>()).add(m);
        Map<Match, Boolean> takesDql = new IdentityHashMap<>();
        byDql.forEach((dql, ms) -> {
            Set<Node> readers = Collections.newSetFromMap(new IdentityHashMap<>());
            ms.forEach(m -> readers.addAll(m.chain));
            boolean all = true;
            for (String o : dql.outputs()) {
                if (o.isEmpty()) continue;
                if (!g.readOnlyBy(o, readers.toArray(Node[]::new))) all = false;
            }
            if (all) takesDql.put(ms.getLast(), true);
        });
        FusionRewrite rw = new FusionRewrite();
        for (Match m : matches) {
            List<Node> chain = new ArrayList<>(m.chain);
            if (takesDql.containsKey(m)) chain.addFirst(m.dql);
            rw.replace(chain, m.fused);
            counts.merge("quantized_linear", 1, Integer::sum);
            if (m.fused.inputs().size() == 5 && !m.fused.input(4).isEmpty()) counts.merge("quantized_linear_bias", 1, Integer::sum);
            String act = m.fused.attrString("activation", Activation.NONE.name());
            if (!act.equals(Activation.NONE.name())) counts.merge("quantized_linear_" + act.toLowerCase(Locale.ROOT), 1, Integer::sum);
        }
        return rw.result(order);
    }

    private static Match match(Node mm, GraphIndex g) {
        if (mm == null || !mm.domain().isEmpty() || !mm.opType().equals("MatMulInteger") || mm.inputs().size() < 3) return null;
        Node dql = g.producer(mm.input(0));
        if (dql == null || !dql.domain().isEmpty() || !dql.opType().equals("DynamicQuantizeLinear") || dql.outputs().size() < 3) return null;
        if (!dql.outputs().get(0).equals(mm.input(0)) || !dql.outputs().get(2).equals(mm.input(2))) return null;
        if (g.constant(dql.input(0)) != null) return null;
        Tensor w = g.constant(mm.input(1));
        if (w == null || w.rank() != 2 || (w.dtype() != DType.INT8 && w.dtype() != DType.UINT8)) return null;
        int n = w.dim(1);
        String wz = mm.inputs().size() > 3 ? mm.input(3) : "";
        if (!wz.isEmpty()) {
            Tensor z = g.constant(wz);
            if (z == null || z.dtype() != w.dtype() || (z.numel() != 1 && z.numel() != n)) return null;
        }
        Node cast = g.soleReader(mm.outputs().get(0));
        if (!GraphIndex.is(cast, "Cast", 1) || cast.attrInt("to", 0) != 1) return null;   // 1 = FLOAT
        Node mul = g.soleReader(cast.outputs().get(0));
        if (!GraphIndex.is(mul, "Mul", 2)) return null;
        String s = GraphIndex.other(mul, cast.outputs().get(0));
        Node smul = g.producer(s);
        if (!GraphIndex.is(smul, "Mul", 2)) return null;
        String xs = dql.outputs().get(1);
        if (!smul.input(0).equals(xs) && !smul.input(1).equals(xs)) return null;
        String wsName = GraphIndex.other(smul, xs);
        Tensor ws = g.constant(wsName);
        if (ws == null || ws.dtype() != DType.FLOAT32 || (ws.numel() != 1 && ws.numel() != n) || ws.rank() > 1) return null;
        List<Node> chain = new ArrayList<>();
        if (g.soleReader(s) == mul) chain.add(smul);
        chain.addAll(List.of(mm, cast, mul));
        String bias = "";
        Node add = g.soleReader(mul.outputs().get(0));
        if (GraphIndex.is(add, "Add", 2)) {
            String b = GraphIndex.other(add, mul.outputs().get(0));
            Tensor bt = g.constant(b);
            if (bt != null && bt.dtype() == DType.FLOAT32 && bt.numel() == n && bt.rank() >= 1 && bt.dim(-1) == n && bt.rank() == 1) {
                bias = b;
                chain.add(add);
            }
        }
        Node next = g.soleReader(chain.getLast().outputs().get(0));
        Activation act = BiasActivationFusion.activationOf(next);
        if (act != Activation.NONE) chain.add(next);
        Node last = chain.getLast();
        Node f = new Node(mm.name() + "/quantized_linear", OP_TYPE, Optimizer.DOMAIN,
                List.of(dql.input(0), mm.input(1), wsName, wz, bias), List.of(last.outputs().get(0)),
                Map.of("matmul", Attribute.ofString("matmul", mm.name()),
                        "activation", Attribute.ofString("activation", act.name())));
        return new Match(dql, chain, f);
    }
}
