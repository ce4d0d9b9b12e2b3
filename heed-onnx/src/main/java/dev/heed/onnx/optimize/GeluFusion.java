package dev.heed.onnx.optimize;

import dev.heed.onnx.ir.Node;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replaces the exported erf form of GELU, {@code 0.5·x·(1 + erf(x/√2))}, by one {@value #OP_TYPE} node (domain
 * {@value GraphFusion#DOMAIN}, input {@code [x]}) that runs the unary GELU kernel. Five elementwise passes over
 * the tensor become one.
 *
 * <p>Matched, with either operand order of every Mul and Add, and {@code x/√2} also as {@code x·(1/√2)}:
 * <pre>
 *   e = Erf(Div(x, √2)); a = Add(e, 1)
 *   Mul(Mul(x, a), 0.5)      PyTorch nn.GELU / F.gelu, HF BERT (x·(1+erf))·0.5
 *   Mul(x, Mul(a, 0.5))      x·(0.5·(1+erf))
 *   Mul(Mul(x, 0.5), a)      HF "0.5 * x * (1 + erf)", timm
 * </pre>
 * Constants must be one-element float32 values within 1e-5 (relative) of √2, 1/√2, 1 and 0.5. Every
 * intermediate value must be read only inside the pattern and must not be a graph output; x itself may have
 * other readers. The fused node takes the place of the pattern's last node, so the order stays topological.
 */
public final class GeluFusion {
    private GeluFusion() {}

    public static final String OP_TYPE = "Gelu";
    private static final double SQRT2 = Math.sqrt(2), TOL = 1e-5;

    /** The rewritten node list and the fused nodes, in graph order. */
    public record Result(List<Node> nodes, List<Node> fused) {}

    public static Result fuse(List<Node> order, Map<String, Tensor> constants, Set<String> graphOutputs) {
        GraphIndex g = new GraphIndex(order, constants, graphOutputs);
        Set<Node> removed = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<Node, Node> replacedBy = new IdentityHashMap<>();
        List<Node> fused = new ArrayList<>();
        for (Node erf : order) {
            if (!GraphIndex.is(erf, "Erf", 1) || removed.contains(erf)) continue;
            List<Node> chain = match(erf, g);
            if (chain == null || chain.stream().anyMatch(removed::contains)) continue;
            Node last = chain.getLast();
            Node scaled = chain.getFirst();
            String x = g.nonScalarOperand(scaled);
            Node f = new Node(erf.name() + "/fused_gelu", OP_TYPE, GraphFusion.DOMAIN, List.of(x), List.of(last.outputs().get(0)), Map.of());
            removed.addAll(chain);
            replacedBy.put(last, f);
            fused.add(f);
        }
        return new Result(GraphFusion.rewrite(order, removed, replacedBy), fused);
    }

    /**
     * The pattern's nodes around {@code erf}, the x/√2 node first and the node producing the result last; or null.
     * x may have readers outside the pattern (it stays computed); every other value must be private to it.
     */
    static List<Node> match(Node erf, GraphIndex g) {
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
        Node plus = g.soleReader(erf.outputs().get(0));
        if (!GraphIndex.is(plus, "Add", 2) || !g.scalarIs(GraphIndex.other(plus, erf.outputs().get(0)), 1, TOL)) return null;
        String a = plus.outputs().get(0);
        Node m1 = g.soleReader(a);
        if (!GraphIndex.is(m1, "Mul", 2)) return null;
        String aOther = GraphIndex.other(m1, a);
        if (aOther.equals(x)) {
            // Mul(Mul(x, a), 0.5)
            Node m2 = g.soleReader(m1.outputs().get(0));
            if (!isHalf(m2, m1.outputs().get(0), g)) return null;
            return List.of(scaled, erf, plus, m1, m2);
        }
        if (g.scalarIs(aOther, 0.5, TOL)) {
            // Mul(x, Mul(a, 0.5))
            Node m2 = g.soleReader(m1.outputs().get(0));
            if (!GraphIndex.is(m2, "Mul", 2) || !GraphIndex.other(m2, m1.outputs().get(0)).equals(x)) return null;
            return List.of(scaled, erf, plus, m1, m2);
        }
        // Mul(Mul(x, 0.5), a)
        Node half = g.producer(aOther);
        if (!isHalf(half, x, g) || g.soleReader(aOther) != m1) return null;
        return List.of(scaled, erf, plus, half, m1);
    }

    /** {@code n} is {@code Mul(value, 0.5)} or {@code Mul(0.5, value)}. */
    private static boolean isHalf(Node n, String value, GraphIndex g) {
        return GraphIndex.is(n, "Mul", 2) && (n.input(0).equals(value) || n.input(1).equals(value))
                && g.scalarIs(GraphIndex.other(n, value), 0.5, TOL) && !GraphIndex.other(n, value).equals(value);
    }
}
