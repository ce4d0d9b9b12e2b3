package dev.heed.onnx.optimize;

import dev.heed.attention.AttentionImpl;
import dev.heed.onnx.ir.Attribute;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.fused.FusedAttentionOp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the scaled-dot-product attention subgraphs exporters emit and replaces each by one {@value #OP_TYPE} node
 * (domain {@value Optimizer#DOMAIN}) that Heed's attention kernels run ({@link FusedAttentionOp}); pass
 * {@value #NAME}, counting {@code attention}.
 *
 * <p>The pattern, as PyTorch's {@code nn.MultiheadAttention}, Hugging Face BERT and torchvision ViT export it:
 * <pre>
 *   q ─[Mul|Div by scalar]─┐
 *                          MatMul ─[Mul|Div by scalar]*─[mask]─ Softmax(last axis) ─ MatMul ─ out
 *   kᵀ [.., E, S] ─────────┘                                                        v ┘
 *   mask:  Add(s, m)                         m an additive mask (either operand order)
 *          Where(c, s, f) | Where(c, f, s)   c a boolean mask, f a scalar constant ≤ {@value #WHERE_FILL_MAX} or -inf
 * </pre>
 * Scalar factors fold into one scale; they must all come before the mask, since softmax(f · (s + m)) would scale the
 * mask as well. A Where mask becomes the additive mask {@code c ? 0 : f} (or {@code c ? f : 0}), which adds to a score
 * exactly what Where puts in its place: f absorbs any score below 10²² in float32. The Softmax may be over axis -1
 * or, when the scores' rank is known statically, axis rank − 1 (opset &lt; 13 exports write 3). Every
 * intermediate value must have exactly one reader and must not be a graph output, so fusing never changes
 * what else the graph sees. The head split/merge Reshape/Transpose nodes around the pattern stay: they are
 * zero-copy views in Heed, and the kernels read strided inputs.
 *
 * <p>The fused node's inputs are {@code [q, kᵀ, v, mask or ""]}, its one output the attention result; attributes
 * {@code scale} (float), {@code softmax} (the name of the replaced Softmax node, which names the attention's
 * probabilities when a run captures them) and, for a Where mask, {@code mask_fill} (f) and {@code mask_attend_when}
 * ("true" or "false": the condition value that keeps a score).
 */
final class AttentionFusion implements GraphPass {
    static final String NAME = "attention";
    static final String OP_TYPE = "FusedAttention";
    /** The largest Where fill taken as "masked out": adding it to a float32 score gives the fill itself. */
    static final double WHERE_FILL_MAX = -1e30;

    private final AttentionImpl implementation;

    AttentionFusion(AttentionImpl implementation) {
        this.implementation = implementation;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Integer> apply(GraphState state) {
        GraphIndex g = state.index();
        Ranks ranks = new Ranks(g, state.declaredRanks());
        FusionRewrite rw = new FusionRewrite();
        for (Node softmax : state.nodes()) {
            if (!GraphIndex.is(softmax, "Softmax", 1) || softmax.outputs().isEmpty() || rw.taken(softmax)) continue;
            if (!lastAxis(softmax, state.opset(softmax), ranks)) continue;
            Match m = match(softmax, g);
            if (m == null || rw.anyTaken(m.chain)) continue;
            Node out = m.chain.getLast();
            Map<String, Attribute> attrs = new LinkedHashMap<>();
            attrs.put("scale", Attribute.ofFloat("scale", (float) m.scale));
            attrs.put("softmax", Attribute.ofString("softmax", softmax.name()));
            if (m.where != null) {
                attrs.put("mask_fill", Attribute.ofFloat("mask_fill", m.where.fill));
                attrs.put("mask_attend_when", Attribute.ofString("mask_attend_when", String.valueOf(m.where.keepWhenTrue)));
            }
            Node fused = new Node(softmax.name() + "/fused", OP_TYPE, Optimizer.DOMAIN,
                    List.of(m.q, m.kt, out.input(1), m.mask), List.of(out.outputs().get(0)), attrs);
            rw.replace(m.chain, fused);
        }
        FusionRewrite.Result r = rw.result(state.nodes());
        state.apply(r, n -> new FusedAttentionOp(n, implementation));
        return r.fused().isEmpty() ? Map.of() : Map.of("attention", r.fused().size());
    }

    /**
     * True when the Softmax normalises over its input's last axis only: {@code axis = -1}, or {@code axis = rank - 1}
     * with the rank known statically. Before opset 13 Softmax flattens the axes from {@code axis} on (default 1),
     * which is the last axis alone exactly when axis = rank − 1; PyTorch writes {@code axis = 3} there for attention
     * scores (all-MiniLM-L6-v2 as langchain4j 1.19 ships it, opset 11).
     */
    private static boolean lastAxis(Node softmax, int opset, Ranks ranks) {
        long axis = softmax.attrInt("axis", opset >= 13 ? -1 : 1);
        if (axis == -1) return true;
        return axis >= 0 && axis == ranks.of(softmax.input(0)) - 1;
    }

    /** A matched pattern: its nodes (the output MatMul last), the product's operands, the scale and the mask. */
    private record Match(List<Node> chain, String q, String kt, double scale, String mask, WhereMask where) {}

    /** A Where mask: the fill of masked-out scores, and whether a true condition keeps the score. */
    private record WhereMask(float fill, boolean keepWhenTrue) {}

    /** The pattern ending in {@code softmax}'s sole reader, walked back to the score MatMul; null if it is not one. */
    private static Match match(Node softmax, GraphIndex g) {
        String p = softmax.outputs().get(0);
        Node out = g.soleReader(p);
        if (!GraphIndex.is(out, "MatMul", 2) || !out.input(0).equals(p) || out.outputs().isEmpty()) return null;
        List<Node> chain = new ArrayList<>(List.of(softmax));
        double scale = 1;
        boolean scaled = false;               // walking back: a factor seen before the mask is applied after it
        String mask = "";
        WhereMask where = null;
        // walk back: [mask] and scalar Mul/Div down to the score MatMul; each step goes to an earlier node of a
        // topological order, so the walk ends
        String x = softmax.input(0);
        Node scores;
        while (true) {
            Node n = g.soleReader(x) == null ? null : g.producer(x);
            if (n == null || !n.domain().isEmpty()) return null;
            if (GraphIndex.is(n, "MatMul", 2)) {
                scores = n;
                break;
            }
            if (GraphIndex.is(n, "Add", 2) && mask.isEmpty() && !scaled) {
                int side = reachesMatMul(n.input(0), g) ? 0 : reachesMatMul(n.input(1), g) ? 1 : -1;
                if (side < 0) return null;
                mask = n.input(1 - side);
                x = n.input(side);
            } else if (GraphIndex.is(n, "Where", 3) && mask.isEmpty() && !scaled) {
                int side = reachesMatMul(n.input(1), g) ? 1 : reachesMatMul(n.input(2), g) ? 2 : -1;
                if (side < 0 || n.input(0).isEmpty()) return null;
                Double fill = g.scalar(n.input(3 - side));
                if (fill == null || !(fill <= WHERE_FILL_MAX)) return null;
                mask = n.input(0);
                where = new WhereMask(fill.floatValue(), side == 1);
                x = n.input(side);
            } else {
                Double f = factor(n, g);
                if (f == null) return null;
                scale *= f;
                scaled = true;
                x = g.nonScalarOperand(n);
            }
            chain.add(n);
        }
        chain.add(scores);
        String[] operands = {scores.input(0), scores.input(1)};
        // one scalar factor on q or kᵀ before the product (PyTorch scales q; some exporters split √d over both)
        for (int side = 0; side < 2; side++) {
            String s = operands[side];
            Node n = g.soleReader(s) == null ? null : g.producer(s);
            Double f = n == null ? null : factor(n, g);
            if (f != null) {
                scale *= f;
                chain.add(n);
                operands[side] = g.nonScalarOperand(n);
            }
        }
        chain.add(out);
        return new Match(chain, operands[0], operands[1], scale, mask, where);
    }

    /** Follows scalar Mul/Div nodes back from {@code value}; true if it ends at a MatMul, every value private. */
    private static boolean reachesMatMul(String value, GraphIndex g) {
        while (true) {
            Node n = g.soleReader(value) == null ? null : g.producer(value);
            if (n == null || !n.domain().isEmpty()) return false;
            if (GraphIndex.is(n, "MatMul", 2)) return true;
            if (factor(n, g) == null) return false;
            value = g.nonScalarOperand(n);
        }
    }

    /** For {@code Mul(x, c)}, {@code Mul(c, x)} or {@code Div(x, c)} with c a one-element float32 constant: the factor. */
    private static Double factor(Node n, GraphIndex g) {
        boolean mul = GraphIndex.is(n, "Mul", 2), div = GraphIndex.is(n, "Div", 2);
        if (!mul && !div) return null;
        String x = g.nonScalarOperand(n);
        if (x == null || g.constant(x) != null) return null;
        double c = g.scalar(GraphIndex.other(n, x));
        if (!div) return c;
        return x.equals(n.input(0)) && c != 0 ? 1 / c : null;
    }
}
