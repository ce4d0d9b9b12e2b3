package dev.heed.onnx.optimize;

import dev.heed.kernel.Activation;
import dev.heed.onnx.ir.Attribute;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.fused.FusedMatMulOp;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Folds a linear layer as exporters emit it for inputs of rank ≥ 3 — {@code MatMul(x, W)} then {@code Add(bias)},
 * optionally then an activation — into one {@value #OP_TYPE} node (domain {@value Optimizer#DOMAIN}) that runs
 * one GEMM with the bias and activation in its epilogue, instead of a GEMM and one or two elementwise passes.
 *
 * <p>Matched:
 * <pre>
 *   y = Add(MatMul(x [.., K], W [K, N]), b)     W a float32 constant of rank 2; b a float32 constant holding N
 *                                               values, shape [N] or [1, …, 1, N]; Add operands in either order
 *   [→ Relu | Tanh | Sigmoid | Gelu]            Gelu: the node {@link GeluFusion} made (run that pass first)
 * </pre>
 * The MatMul result (and, when an activation is taken, the Add result) must have exactly one reader and must not
 * be a graph output. The fused node's inputs are {@code [x, W, b]}; attribute {@code activation} is the
 * {@link Activation} name and {@code matmul} the replaced MatMul's name (for error messages).
 */
final class BiasActivationFusion implements GraphPass {
    static final String NAME = "bias-activation";

    public static final String OP_TYPE = "FusedMatMul";

    @Override
    public String name() {
        return NAME;
    }

    /** Counts {@code matmul_bias} (every fusion) and, as subsets of it, {@code matmul_bias_relu|tanh|sigmoid|gelu_erf|gelu_tanh}. */
    @Override
    public Map<String, Integer> apply(GraphState state) {
        FusionRewrite.Result r = fuse(state.nodes(), state.index());
        Map<String, Integer> counts = new LinkedHashMap<>();
        if (!r.fused().isEmpty()) counts.put("matmul_bias", r.fused().size());
        state.apply(r, n -> {
            FusedMatMulOp op = new FusedMatMulOp(n);
            if (op.activation() != Activation.NONE) {
                counts.merge("matmul_bias_" + op.activation().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
            }
            return op;
        });
        return counts;
    }

    static FusionRewrite.Result fuse(List<Node> order, GraphIndex g) {
        FusionRewrite rw = new FusionRewrite();
        for (Node mm : order) {
            if (!GraphIndex.is(mm, "MatMul", 2) || rw.taken(mm)) continue;
            Tensor w = g.constant(mm.input(1));
            if (w == null || w.dtype() != DType.FLOAT32 || w.rank() != 2 || g.constant(mm.input(0)) != null) continue;
            String prod = mm.outputs().get(0);
            Node add = g.soleReader(prod);
            if (!GraphIndex.is(add, "Add", 2)) continue;
            String bias = GraphIndex.other(add, prod);
            if (!isBias(g.constant(bias), w.dim(1))) continue;
            List<Node> chain = new ArrayList<>(List.of(mm, add));
            Node next = g.soleReader(add.outputs().get(0));
            Activation act = activationOf(next);
            if (act != Activation.NONE) chain.add(next);
            if (rw.anyTaken(chain)) continue;
            Node f = new Node(mm.name() + "/fused_bias" + (act == Activation.NONE ? "" : "_" + act.name().toLowerCase(Locale.ROOT)),
                    OP_TYPE, Optimizer.DOMAIN, List.of(mm.input(0), mm.input(1), bias), List.of(chain.getLast().outputs().get(0)),
                    Map.of("activation", Attribute.ofString("activation", act.name()),
                            "matmul", Attribute.ofString("matmul", mm.name())));
            rw.replace(chain, f);
        }
        return rw.result(order);
    }

    /** A float32 constant of N values whose every axis but the last has size 1. */
    private static boolean isBias(Tensor b, int n) {
        return b != null && b.dtype() == DType.FLOAT32 && b.rank() > 0 && b.dim(-1) == n && b.numel() == n;
    }

    /** The epilogue activation a single-input node computes, or {@link Activation#NONE} (also used by {@link QuantizedLinearFusion}). */
    static Activation activationOf(Node n) {
        if (n == null || n.inputs().size() != 1) return Activation.NONE;
        if (n.domain().equals(Optimizer.DOMAIN) && n.opType().equals(GeluFusion.OP_TYPE)) {
            return GeluFusion.isTanh(n) ? Activation.GELU_TANH : Activation.GELU_ERF;
        }
        if (!n.domain().isEmpty()) return Activation.NONE;
        return switch (n.opType()) {
            case "Relu" -> Activation.RELU;
            case "Tanh" -> Activation.TANH;
            case "Sigmoid" -> Activation.SIGMOID;
            default -> Activation.NONE;
        };
    }
}
