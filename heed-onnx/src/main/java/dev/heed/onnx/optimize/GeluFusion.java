package dev.heed.onnx.optimize;

import dev.heed.onnx.ir.Attribute;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.fused.FusedGeluOp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replaces the exported forms of GELU by one {@value #OP_TYPE} node (domain {@value Optimizer#DOMAIN}, input
 * {@code [x]}, attribute {@code approximate} = "none" or "tanh" as in ONNX Gelu-20) that runs the unary GELU
 * kernel: five to nine elementwise passes over the tensor become one.
 *
 * <p>Matched, with either operand order of every Mul and Add:
 * <pre>
 *   erf form   a = Add(Erf(Div(x, √2)), 1)                       (also Mul(x, 1/√2))
 *   tanh form  a = Add(Tanh(Mul(√(2/π), Add(x, Mul(0.044715, x³)))), 1)
 *              x³ = Pow(x, 3) | Mul(x, Mul(x, x)) | Mul(Mul(x, x), x)
 *   then       Mul(Mul(x, a), 0.5)      PyTorch F.gelu, HF BERT: (x·(1+erf))·0.5
 *              Mul(x, Mul(a, 0.5))      x·(0.5·(1+erf))
 *              Mul(Mul(x, 0.5), a)      HF "0.5 * x * (1 + …)", GPT-2 gelu_new
 * </pre>
 * Constants must be one-element float32 values within 1e-5 (relative) of √2, 1/√2, √(2/π), 0.044715, 1, 3 and
 * 0.5. Every intermediate value must be read only inside the pattern and must not be a graph output; x itself
 * may have other readers. The fused node takes the place of the pattern's last node, so the order stays
 * topological.
 */
final class GeluFusion implements GraphPass {
    static final String NAME = "gelu";

    public static final String OP_TYPE = "Gelu";
    private static final double SQRT2 = Math.sqrt(2), SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI), KAPPA = 0.044715, TOL = 1e-5;

    /** True for a fused node of the tanh form. */
    public static boolean isTanh(Node fused) {
        return fused.attrString("approximate", "none").equals("tanh");
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Counts {@code gelu} and {@code gelu_tanh}: every fused subgraph, also those bias-activation later takes into a GEMM epilogue. */
    @Override
    public Map<String, Integer> apply(GraphState state) {
        FusionRewrite.Result r = fuse(state.nodes(), state.index());
        state.apply(r, FusedGeluOp::new);
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Node n : r.fused()) counts.merge(isTanh(n) ? "gelu_tanh" : "gelu", 1, Integer::sum);
        return counts;
    }

    static FusionRewrite.Result fuse(List<Node> order, GraphIndex g) {
        FusionRewrite rw = new FusionRewrite();
        for (Node core : order) {
            boolean erf = GraphIndex.is(core, "Erf", 1), tanh = GraphIndex.is(core, "Tanh", 1);
            if (!erf && !tanh || rw.taken(core)) continue;
            List<Node> chain = new ArrayList<>();
            String x = erf ? erfFront(core, g, chain) : tanhFront(core, g, chain);
            if (x == null || !tail(core, x, g, chain) || rw.anyTaken(chain)) continue;
            Node f = new Node(core.name() + "/fused_gelu", OP_TYPE, Optimizer.DOMAIN, List.of(x),
                    List.of(chain.getLast().outputs().get(0)),
                    Map.of("approximate", Attribute.ofString("approximate", erf ? "none" : "tanh")));
            rw.replace(chain, f);
        }
        return rw.result(order);
    }

    /** {@code Erf(Div(x, √2))} or {@code Erf(Mul(x, 1/√2))}: adds the scaling node and the Erf, returns x (or null). */
    private static String erfFront(Node erf, GraphIndex g, List<Node> chain) {
        Node scaled = g.producer(erf.input(0));
        if (scaled == null || g.soleReader(erf.input(0)) != erf) return null;
        String x;
        if (GraphIndex.is(scaled, "Div", 2) && g.scalarIs(scaled.input(1), SQRT2, TOL) && g.scalar(scaled.input(0)) == null) {
            x = scaled.input(0);
        } else if (GraphIndex.is(scaled, "Mul", 2) && g.nonScalarOperand(scaled) != null
                && g.scalarIs(g.scalarOperand(scaled), 1 / SQRT2, TOL)) {
            x = g.nonScalarOperand(scaled);
        } else {
            return null;
        }
        chain.add(scaled);
        chain.add(erf);
        return x;
    }

    /** {@code Tanh(Mul(√(2/π), Add(x, Mul(0.044715, x³))))}: adds those nodes, returns x (or null). */
    private static String tanhFront(Node tanh, GraphIndex g, List<Node> chain) {
        Node beta = g.producer(tanh.input(0));
        if (!GraphIndex.is(beta, "Mul", 2) || g.soleReader(tanh.input(0)) != tanh
                || !g.scalarIs(g.scalarOperand(beta), SQRT_2_OVER_PI, TOL)) return null;
        String s = g.nonScalarOperand(beta);
        Node sum = g.producer(s);
        if (!GraphIndex.is(sum, "Add", 2) || g.soleReader(s) != beta) return null;
        for (int side = 0; side < 2; side++) {
            String x = sum.input(side), q = sum.input(1 - side);
            Node kappa = g.producer(q);
            if (!GraphIndex.is(kappa, "Mul", 2) || g.soleReader(q) != sum || !g.scalarIs(g.scalarOperand(kappa), KAPPA, TOL)) continue;
            List<Node> cube = cube(g.nonScalarOperand(kappa), x, kappa, g);
            if (cube == null) continue;
            chain.addAll(cube);
            chain.addAll(List.of(kappa, sum, beta, tanh));
            return x;
        }
        return null;
    }

    /** The nodes computing {@code value = x³} (read only by {@code reader}): Pow(x, 3), Mul(x, Mul(x, x)) or Mul(Mul(x, x), x). */
    private static List<Node> cube(String value, String x, Node reader, GraphIndex g) {
        Node c = g.producer(value);
        if (c == null || g.soleReader(value) != reader) return null;
        if (GraphIndex.is(c, "Pow", 2) && c.input(0).equals(x) && g.scalarIs(c.input(1), 3, 0)) return List.of(c);
        if (!GraphIndex.is(c, "Mul", 2) || !c.input(0).equals(x) && !c.input(1).equals(x)) return null;
        String sq = GraphIndex.other(c, x);
        Node s = g.producer(sq);
        if (GraphIndex.is(s, "Mul", 2) && s.input(0).equals(x) && s.input(1).equals(x) && g.soleReader(sq) == c) return List.of(s, c);
        return null;
    }

    /**
     * After the core (Erf or Tanh): {@code a = Add(core, 1)} and one of the three products with x and 0.5; adds
     * those nodes (the result's producer last) and returns true when they match.
     */
    private static boolean tail(Node core, String x, GraphIndex g, List<Node> chain) {
        Node plus = g.soleReader(core.outputs().get(0));
        if (!GraphIndex.is(plus, "Add", 2) || !g.scalarIs(GraphIndex.other(plus, core.outputs().get(0)), 1, TOL)) return false;
        String a = plus.outputs().get(0);
        Node m1 = g.soleReader(a);
        if (!GraphIndex.is(m1, "Mul", 2)) return false;
        String aOther = GraphIndex.other(m1, a);
        if (aOther.equals(x)) {                                 // Mul(Mul(x, a), 0.5)
            Node m2 = g.soleReader(m1.outputs().get(0));
            if (!isHalf(m2, m1.outputs().get(0), g)) return false;
            chain.addAll(List.of(plus, m1, m2));
            return true;
        }
        if (g.scalarIs(aOther, 0.5, TOL)) {                     // Mul(x, Mul(a, 0.5))
            Node m2 = g.soleReader(m1.outputs().get(0));
            if (!GraphIndex.is(m2, "Mul", 2) || !GraphIndex.other(m2, m1.outputs().get(0)).equals(x)) return false;
            chain.addAll(List.of(plus, m1, m2));
            return true;
        }
        Node half = g.producer(aOther);                         // Mul(Mul(x, 0.5), a)
        if (!isHalf(half, x, g) || g.soleReader(aOther) != m1) return false;
        chain.addAll(List.of(half, plus, m1));
        return true;
    }

    /** {@code n} is {@code Mul(value, 0.5)} or {@code Mul(0.5, value)}. */
    private static boolean isHalf(Node n, String value, GraphIndex g) {
        return GraphIndex.is(n, "Mul", 2) && (n.input(0).equals(value) || n.input(1).equals(value))
                && !GraphIndex.other(n, value).equals(value) && g.scalarIs(GraphIndex.other(n, value), 0.5, TOL);
    }
}
