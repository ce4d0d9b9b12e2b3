package dev.heed.onnx.optimize;

import dev.heed.onnx.ir.Node;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the scaled-dot-product attention subgraphs exporters emit and replaces each by one fused node that
 * Heed's attention kernels run.
 *
 * <p>The pattern, as PyTorch's {@code nn.MultiheadAttention}, Hugging Face BERT and torchvision ViT export it:
 * <pre>
 *   q ─[Mul|Div by scalar]─┐
 *                          MatMul ─[Mul|Div by scalar]*─[Add mask]─ Softmax(last axis) ─ MatMul ─ out
 *   kᵀ [.., E, S] ─────────┘                                                            v ┘
 * </pre>
 * Scalar factors on either side fold into one scale; the Add's other operand becomes an additive mask. Every
 * intermediate value must have exactly one reader and must not be a graph output, so fusing never changes
 * what else the graph sees. The head split/merge Reshape/Transpose nodes around the pattern stay: they are
 * zero-copy views in Heed, and the kernels read strided inputs.
 *
 * <p>The fused node has op type {@value #OP_TYPE} in domain {@value #DOMAIN}; its inputs are
 * {@code [q, kᵀ, v, mask or ""]} with attributes {@code scale} (float) and {@code softmax} (the name of the
 * replaced Softmax node, which names the attention in captured weights), and two outputs: the attention
 * result and, when capture is on, the probabilities ({@code <softmax name>:probs}; "" otherwise).
 */
public final class AttentionFusion {
    private AttentionFusion() {}

    public static final String DOMAIN = "dev.heed";
    public static final String OP_TYPE = "FusedAttention";
    public static final String PROBS_SUFFIX = ":probs";

    /**
     * @param nodes the rewritten node list (execution order kept: each fused node sits where its final MatMul was)
     * @param fused the fused nodes, in graph order
     */
    public record Result(List<Node> nodes, List<Node> fused) {}

    /**
     * Rewrites {@code order}. {@code constants} holds folded constants and initializers (scalar factors are read
     * from it); {@code graphOutputs} are values that must stay observable.
     */
    public static Result fuse(List<Node> order, Map<String, Tensor> constants, Set<String> graphOutputs,
                              Map<Node, Integer> opsetOf, boolean captureProbabilities) {
        Map<String, Node> producer = new HashMap<>();
        Map<String, Integer> readers = new HashMap<>();
        for (Node n : order) {
            for (String o : n.outputs()) if (!o.isEmpty()) producer.put(o, n);
            for (String i : n.inputs()) if (!i.isEmpty()) readers.merge(i, 1, Integer::sum);
        }
        Map<Node, Node> replacedBy = new IdentityHashMap<>();   // final MatMul -> fused node
        Set<Node> removed = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Node> fused = new ArrayList<>();

        for (Node softmax : order) {
            if (!softmax.opType().equals("Softmax") || !softmax.domain().isEmpty() || removed.contains(softmax)) continue;
            long axis = softmax.attrInt("axis", opsetOf.getOrDefault(softmax, 13) >= 13 ? -1 : 1);
            if (axis != -1) continue; // opset < 13 flattens at `axis`; only the last axis is attention
            String p = softmax.outputs().get(0);
            if (!private_(p, readers, graphOutputs)) continue;
            Node out = single(order, p, removed);
            if (out == null || !out.opType().equals("MatMul") || !out.input(0).equals(p)) continue;

            List<Node> chain = new ArrayList<>(List.of(softmax));
            double scale = 1;
            String mask = "";
            String x = softmax.input(0);
            // walk back: [Add mask] then scalar Mul/Div, in either order, down to the score MatMul
            Node scores = null;
            for (int guard = 0; guard < 8; guard++) {
                if (!private_(x, readers, graphOutputs)) break;
                Node n = producer.get(x);
                if (n == null || !n.domain().isEmpty()) break;
                if (n.opType().equals("MatMul")) {
                    scores = n;
                    break;
                }
                if (n.opType().equals("Add") && mask.isEmpty()) {
                    int chainSide = reachesMatMul(n.input(0), producer, constants, readers, graphOutputs) ? 0
                            : reachesMatMul(n.input(1), producer, constants, readers, graphOutputs) ? 1 : -1;
                    if (chainSide < 0) break;
                    mask = n.input(1 - chainSide);
                    chain.add(n);
                    x = n.input(chainSide);
                    continue;
                }
                Double f = scalarFactor(n, constants);
                if (f == null) break;
                scale *= f;
                chain.add(n);
                x = nonConstantInput(n, constants);
            }
            if (scores == null) continue;
            chain.add(scores);
            String q = scores.input(0), kt = scores.input(1);
            // scalar factors applied to q or kᵀ before the product (PyTorch scales q; some exporters split √d over both)
            for (int side = 0; side < 2; side++) {
                String s = side == 0 ? q : kt;
                Node n = producer.get(s);
                Double f = n == null || !private_(s, readers, graphOutputs) ? null : scalarFactor(n, constants);
                if (f != null) {
                    scale *= f;
                    chain.add(n);
                    if (side == 0) q = nonConstantInput(n, constants); else kt = nonConstantInput(n, constants);
                }
            }
            Node fusedNode = new Node(softmax.name() + "/fused", OP_TYPE, DOMAIN,
                    List.of(q, kt, out.input(1), mask),
                    List.of(out.outputs().get(0), captureProbabilities ? softmax.name() + PROBS_SUFFIX : ""),
                    Map.of("scale", dev.heed.onnx.ir.Attribute.ofFloat("scale", (float) scale),
                            "softmax", dev.heed.onnx.ir.Attribute.ofString("softmax", softmax.name())));
            removed.addAll(chain);
            replacedBy.put(out, fusedNode);
            fused.add(fusedNode);
        }
        if (fused.isEmpty()) return new Result(order, List.of());
        List<Node> rewritten = new ArrayList<>(order.size());
        for (Node n : order) {
            if (removed.contains(n)) continue;
            rewritten.add(replacedBy.getOrDefault(n, n));
        }
        return new Result(rewritten, fused);
    }

    /** True when {@code value} has exactly one reader and is not a graph output. */
    private static boolean private_(String value, Map<String, Integer> readers, Set<String> graphOutputs) {
        return readers.getOrDefault(value, 0) == 1 && !graphOutputs.contains(value);
    }

    private static Node single(List<Node> order, String value, Set<Node> removed) {
        for (Node n : order) if (!removed.contains(n) && n.inputs().contains(value)) return n;
        return null;
    }

    /** Follows scalar Mul/Div nodes back from {@code value}; true if it ends at a MatMul. */
    private static boolean reachesMatMul(String value, Map<String, Node> producer, Map<String, Tensor> constants,
                                         Map<String, Integer> readers, Set<String> graphOutputs) {
        for (int guard = 0; guard < 8; guard++) {
            if (!private_(value, readers, graphOutputs)) return false;
            Node n = producer.get(value);
            if (n == null || !n.domain().isEmpty()) return false;
            if (n.opType().equals("MatMul")) return true;
            if (scalarFactor(n, constants) == null) return false;
            value = nonConstantInput(n, constants);
        }
        return false;
    }

    /** For {@code Mul(x, c)}, {@code Mul(c, x)} or {@code Div(x, c)} with a one-element constant c: the factor. */
    static Double scalarFactor(Node n, Map<String, Tensor> constants) {
        if (!n.domain().isEmpty() || n.inputs().size() != 2) return null;
        boolean mul = n.opType().equals("Mul"), div = n.opType().equals("Div");
        if (!mul && !div) return null;
        Tensor c1 = constants.get(n.input(1)), c0 = constants.get(n.input(0));
        if (c1 != null && c0 == null && c1.numel() == 1 && c1.dtype() == dev.heed.tensor.DType.FLOAT32) {
            double c = c1.toFloatArray()[0];
            if (div && c == 0) return null;
            return div ? 1 / c : c;
        }
        if (mul && c0 != null && c1 == null && c0.numel() == 1 && c0.dtype() == dev.heed.tensor.DType.FLOAT32) {
            return (double) c0.toFloatArray()[0];
        }
        return null;
    }

    private static String nonConstantInput(Node n, Map<String, Tensor> constants) {
        return constants.containsKey(n.input(1)) ? n.input(0) : n.input(1);
    }
}
