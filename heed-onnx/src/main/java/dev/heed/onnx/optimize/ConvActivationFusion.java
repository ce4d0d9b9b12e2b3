package dev.heed.onnx.optimize;

import dev.heed.kernel.Activation;
import dev.heed.onnx.ir.Attribute;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.nn.NnOps;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Folds the activation after a convolution into the convolution's epilogue: one {@value #OP_TYPE} node (domain
 * {@value Optimizer#DOMAIN}) that applies it to each output tile while it is still in cache, instead of a second
 * pass over the whole feature map. Exporters fold BatchNormalization into the Conv's weights and bias already, so
 * Conv + BN + activation ends up here as Conv + activation.
 *
 * <p>Matched (y the Conv output, W a float32 constant of rank 4 — 2-D convolutions only):
 * <pre>
 *   Relu(y) | Sigmoid(y) | Tanh(y)               y read only by the activation
 *   Mul(y, Sigmoid(y)), either operand order     SiLU as torch exports it; y read only by the Sigmoid and the Mul,
 *                                                the Sigmoid's output only by the Mul
 * </pre>
 * y must not be a graph output. The fused node keeps the Conv's inputs and attributes and adds {@code activation}
 * (an {@link Activation} name) and {@code conv} (the replaced Conv's name, for error messages).
 */
final class ConvActivationFusion implements GraphPass {
    static final String NAME = "conv-activation";

    public static final String OP_TYPE = "FusedConv";

    @Override
    public String name() {
        return NAME;
    }

    /** Counts {@code conv_relu|sigmoid|tanh|silu}. */
    @Override
    public Map<String, Integer> apply(GraphState state) {
        FusionRewrite.Result r = fuse(state.nodes(), state.index());
        Map<String, Integer> counts = new LinkedHashMap<>();
        state.apply(r, n -> {
            counts.merge("conv_" + n.attrString("activation", "NONE").toLowerCase(Locale.ROOT), 1, Integer::sum);
            return NnOps.fusedConv(n);
        });
        return counts;
    }

    static FusionRewrite.Result fuse(List<Node> order, GraphIndex g) {
        FusionRewrite rw = new FusionRewrite();
        for (Node conv : order) {
            if (!GraphIndex.is(conv, "Conv", 2) && !GraphIndex.is(conv, "Conv", 3)) continue;
            if (rw.taken(conv)) continue;
            Tensor w = g.constant(conv.input(1));
            if (w == null || w.dtype() != DType.FLOAT32 || w.rank() != 4) continue;
            String y = conv.outputs().get(0);
            List<Node> chain = new ArrayList<>(List.of(conv));
            Activation act = Activation.NONE;
            Node sole = g.soleReader(y);
            if (sole != null && sole.domain().isEmpty() && sole.inputs().size() == 1) {
                act = switch (sole.opType()) {
                    case "Relu" -> Activation.RELU;
                    case "Sigmoid" -> Activation.SIGMOID;
                    case "Tanh" -> Activation.TANH;
                    default -> Activation.NONE;
                };
                if (act != Activation.NONE) chain.add(sole);
            } else if (sole == null) {
                Node[] silu = silu(g, y);
                if (silu != null) {
                    act = Activation.SILU;
                    chain.add(silu[0]);
                    chain.add(silu[1]);
                }
            }
            if (act == Activation.NONE || rw.anyTaken(chain)) continue;
            Map<String, Attribute> attrs = new LinkedHashMap<>(conv.attributes());
            attrs.put("activation", Attribute.ofString("activation", act.name()));
            attrs.put("conv", Attribute.ofString("conv", conv.name()));
            Node f = new Node(conv.name() + "/fused_" + act.name().toLowerCase(Locale.ROOT), OP_TYPE, Optimizer.DOMAIN,
                    conv.inputs(), List.of(chain.getLast().outputs().get(0)), attrs);
            rw.replace(chain, f);
        }
        return rw.result(order);
    }

    /** {Sigmoid, Mul} when y is read exactly by Sigmoid(y) and Mul(y, that sigmoid), else null. */
    private static Node[] silu(GraphIndex g, String y) {
        List<Node> readers = g.readers(y);
        if (readers.size() != 2) return null;
        Node sig = null, mul = null;
        for (Node r : readers) {
            if (!r.domain().isEmpty()) return null;
            if (r.opType().equals("Sigmoid") && r.inputs().size() == 1) sig = r;
            else if (r.opType().equals("Mul") && r.inputs().size() == 2) mul = r;
        }
        if (sig == null || mul == null || !g.readOnlyBy(y, sig, mul)) return null;
        String s = sig.outputs().get(0);
        if (g.soleReader(s) != mul || !GraphIndex.other(mul, y).equals(s)) return null;
        return new Node[] {sig, mul};
    }
}
