package dev.heed.onnx.optimize;

import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Load-time constant folding (pass {@value #NAME}). A node runs once, at load time, when every input it reads is a
 * constant (initializer or folded output). {@code Shape} and {@code Size} also fold when their input's shape is
 * statically known — from a graph input with only fixed dimensions, a constant, or through shape-preserving unary
 * ops (the ops the registry flags, {@link OpRegistry#isShapePreserving}) — which collapses the Shape → Gather → Unsqueeze → Concat → Reshape chains exporters emit into a constant
 * shape.
 *
 * <p>A node whose op fails while folding (a malformed node, a shape that does not fit) is simply not folded: it
 * stays in the graph and fails at run time with the Session's error, which names the node. Folding never decides
 * whether a model opens.
 *
 * <pre>{@code
 * Map<String, Integer> did = new ConstantFolder(OpRegistry.standard()).apply(state);   // {folded=41}
 * }</pre>
 */
final class ConstantFolder implements GraphPass {
    static final String NAME = "fold-constants";
    /** Ops whose output is not a function of their inputs alone: never folded. */
    private static final Set<String> NONDETERMINISTIC = Set.of("RandomNormal", "RandomUniform", "RandomNormalLike",
            "RandomUniformLike", "Multinomial", "Bernoulli");
    /** Says which ops keep their first input's shape ({@link OpRegistry#isShapePreserving}). */
    private final OpRegistry registry;

    /** A folder that propagates static shapes through the ops {@code registry} flags as shape-preserving. */
    ConstantFolder(OpRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Integer> apply(GraphState g) {
        Map<String, Tensor> values = g.constants();
        Map<String, int[]> shapes = new HashMap<>(g.staticShapes());
        List<Node> remaining = new ArrayList<>();
        int folded = 0;
        for (Node node : g.nodes()) {
            Tensor[] args = foldableArgs(node, values, shapes);
            Tensor[] out = args == null ? null : tryRun(g.op(node), g, node, args);
            if (out == null) {
                remaining.add(node);
                if (registry.isShapePreserving(node.domain(), node.opType()) && !node.inputs().isEmpty()
                        && shapes.containsKey(node.input(0)) && !node.outputs().isEmpty()) {
                    shapes.put(node.outputs().get(0), shapes.get(node.input(0)));
                }
                continue;
            }
            for (int i = 0; i < node.outputs().size(); i++) {
                String name = node.outputs().get(i);
                if (name.isEmpty()) continue;
                values.put(name, out[i]);
                shapes.put(name, out[i].shape().dims());
            }
            folded++;
        }
        g.setNodes(remaining);
        return folded == 0 ? Map.of() : Map.of("folded", folded);
    }

    /** The inputs to fold {@code node} with, or null when it depends on run-time values. */
    private static Tensor[] foldableArgs(Node node, Map<String, Tensor> values, Map<String, int[]> shapes) {
        if (NONDETERMINISTIC.contains(node.opType()) && node.domain().isEmpty()) return null;
        boolean allConst = true;
        for (String in : node.inputs()) if (!in.isEmpty() && !values.containsKey(in)) { allConst = false; break; }
        if (allConst) {
            Tensor[] args = new Tensor[node.inputs().size()];
            for (int i = 0; i < args.length; i++) args[i] = node.input(i).isEmpty() ? null : values.get(node.input(i));
            return args;
        }
        if ((node.opType().equals("Shape") || node.opType().equals("Size")) && node.domain().isEmpty()
                && !node.inputs().isEmpty() && shapes.containsKey(node.input(0))) {
            // Only the shape matters: a stride-0 view of one zero stands in for the real tensor.
            return new Tensor[] {Tensor.scalar(0f).expand(shapes.get(node.input(0)))};
        }
        return null;
    }

    /**
     * Runs {@code node} once; null when it fails or does not produce every output it names. Any failure (also an
     * unchecked exception from a malformed node) leaves the node to the run, where the Session reports it.
     */
    private static Tensor[] tryRun(Op op, GraphState g, Node node, Tensor[] args) {
        Tensor[] out;
        try {
            out = op.apply(g.context(), args);
        } catch (RuntimeException e) {
            return null;
        }
        if (out == null) return null;
        for (int i = 0; i < node.outputs().size(); i++) {
            if (!node.outputs().get(i).isEmpty() && (i >= out.length || out[i] == null)) return null;
        }
        return out;
    }
}
