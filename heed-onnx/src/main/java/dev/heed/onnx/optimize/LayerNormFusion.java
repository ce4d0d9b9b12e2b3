package dev.heed.onnx.optimize;

import dev.heed.onnx.ir.Attribute;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.fused.FusedLayerNormOp;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Replaces layer normalisation over the last axis as PyTorch exports it before opset 17 by one
 * {@value #OP_TYPE} node (domain {@value Optimizer#DOMAIN}) that runs {@code Norms.layerNorm}: nine
 * elementwise and reduction passes become one three-pass row kernel.
 *
 * <p>Matched (Add and Mul operands in either order; {@code d·d} accepted for {@code Pow(d, 2)}):
 * <pre>
 *   m = ReduceMean(x, axes=[-1], keepdims=1);  d = Sub(x, m)
 *   v = ReduceMean(Pow(d, 2), axes=[-1], keepdims=1)
 *   n = Div(d, Sqrt(Add(v, eps)))
 *   y = Add(Mul(n, γ), β)          γ and β optional; each a float32 constant of rank ≤ 1
 * </pre>
 * axes may be the attribute (opset &lt; 18) or a constant second input (opset 18). The fused node's inputs are
 * {@code [x, γ or "", β or ""]} with attribute {@code epsilon}. Every intermediate value must be read only inside
 * the pattern and must not be a graph output; x may have other readers.
 */
final class LayerNormFusion implements GraphPass {
    static final String NAME = "layer-norm";

    public static final String OP_TYPE = "LayerNorm";

    @Override
    public String name() {
        return NAME;
    }

    /** Counts {@code layer_norm}. */
    @Override
    public Map<String, Integer> apply(GraphState state) {
        FusionRewrite.Result r = fuse(state.nodes(), state.index());
        state.apply(r, FusedLayerNormOp::new);
        return r.fused().isEmpty() ? Map.of() : Map.of("layer_norm", r.fused().size());
    }

    static FusionRewrite.Result fuse(List<Node> order, GraphIndex g) {
        FusionRewrite rw = new FusionRewrite();
        for (Node mean : order) {
            if (rw.taken(mean) || !lastAxisMean(mean, g)) continue;
            Match m = match(mean, g);
            if (m == null || rw.anyTaken(m.chain)) continue;
            Node f = new Node(mean.name() + "/fused_layer_norm", OP_TYPE, Optimizer.DOMAIN,
                    List.of(mean.input(0), m.gamma, m.beta), List.of(m.chain.getLast().outputs().get(0)),
                    Map.of("epsilon", Attribute.ofFloat("epsilon", m.eps)));
            rw.replace(m.chain, f);
        }
        return rw.result(order);
    }

    private record Match(List<Node> chain, String gamma, String beta, float eps) {}

    private static Match match(Node mean, GraphIndex g) {
        String x = mean.input(0);
        Node sub = g.soleReader(mean.outputs().get(0));
        if (!GraphIndex.is(sub, "Sub", 2) || !sub.input(0).equals(x) || !sub.input(1).equals(mean.outputs().get(0))) return null;
        String d = sub.outputs().get(0);
        Node sq = null, div = null;
        for (Node r : g.readers(d)) {
            if (GraphIndex.is(r, "Div", 2) && r.input(0).equals(d) && !r.input(1).equals(d)) div = r;
            else if (GraphIndex.is(r, "Pow", 2) && r.input(0).equals(d) && g.scalarIs(r.input(1), 2, 0)) sq = r;
            else if (GraphIndex.is(r, "Mul", 2) && r.input(0).equals(d) && r.input(1).equals(d)) sq = r;
        }
        if (sq == null || div == null || !g.readOnlyBy(d, sq, div)) return null;
        Node var = g.soleReader(sq.outputs().get(0));
        if (var == null || !lastAxisMean(var, g) || !var.input(0).equals(sq.outputs().get(0))) return null;
        Node addEps = g.soleReader(var.outputs().get(0));
        if (!GraphIndex.is(addEps, "Add", 2)) return null;
        Double eps = g.scalar(GraphIndex.other(addEps, var.outputs().get(0)));
        if (eps == null || !(eps >= 0)) return null;
        Node sqrt = g.soleReader(addEps.outputs().get(0));
        if (!GraphIndex.is(sqrt, "Sqrt", 1) || g.soleReader(sqrt.outputs().get(0)) != div
                || !div.input(1).equals(sqrt.outputs().get(0))) return null;
        List<Node> chain = new ArrayList<>(List.of(mean, sub, sq, var, addEps, sqrt, div));
        String gamma = "", beta = "";
        String y = div.outputs().get(0);
        Node mul = g.soleReader(y);
        if (GraphIndex.is(mul, "Mul", 2) && affine(g, GraphIndex.other(mul, y))) {
            gamma = GraphIndex.other(mul, y);
            chain.add(mul);
            y = mul.outputs().get(0);
        }
        Node add = g.soleReader(y);
        if (GraphIndex.is(add, "Add", 2) && affine(g, GraphIndex.other(add, y))) {
            beta = GraphIndex.other(add, y);
            chain.add(add);
        }
        return new Match(chain, gamma, beta, eps.floatValue());
    }

    /** A float32 constant of rank ≤ 1: broadcasts along the normalised last axis only. */
    private static boolean affine(GraphIndex g, String value) {
        Tensor t = g.constant(value);
        return t != null && t.dtype() == DType.FLOAT32 && t.rank() <= 1;
    }

    /** ReduceMean over the last axis only, keeping it: axes [-1] as attribute or constant input. */
    private static boolean lastAxisMean(Node n, GraphIndex g) {
        if (n == null || !n.domain().isEmpty() || !n.opType().equals("ReduceMean") || n.attrInt("keepdims", 1) != 1) return false;
        if (n.attrInt("noop_with_empty_axes", 0) != 0) return false;
        long[] axes = n.attrInts("axes");
        if (axes == null && n.inputs().size() > 1) {
            Tensor t = g.constant(n.input(1));
            if (t == null || t.rank() > 1 || (t.dtype() != DType.INT64 && t.dtype() != DType.INT32)) return false;
            axes = t.toLongArray();
        } else if (n.inputs().size() > 1 && !n.input(1).isEmpty()) {
            return false;
        }
        return axes != null && axes.length == 1 && axes[0] == -1;
    }
}
