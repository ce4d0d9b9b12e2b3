package dev.heed.onnx.optimize;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.Op;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Load-time constant folding (public for the Session; not a stable API). A node runs once, at load time, when
 * every input it reads is a constant (initializer or folded output). {@code Shape} and {@code Size} also fold
 * when their input's shape is statically known — from a graph input with only fixed dimensions, a constant, or
 * through shape-preserving unary ops — which collapses the Shape → Gather → Unsqueeze → Concat → Reshape
 * chains exporters emit into a constant shape.
 *
 * <pre>{@code
 * ConstantFolder.Result r = ConstantFolder.fold(order, ops, constants, staticShapes, ctx);
 * r.remaining();   // nodes still to run per request
 * r.constants();   // initializers + folded values
 * }</pre>
 */
public final class ConstantFolder {
    /** Ops whose output is not a function of their inputs alone: never folded. */
    private static final Set<String> NONDETERMINISTIC = Set.of("RandomNormal", "RandomUniform", "RandomNormalLike",
            "RandomUniformLike", "Multinomial", "Bernoulli");
    /** Unary ops whose output shape equals their first input's shape. */
    private static final Set<String> SHAPE_PRESERVING = Set.of("Identity", "Cast", "Relu", "Sigmoid", "Tanh", "Erf",
            "Neg", "Abs", "Exp", "Log", "Sqrt", "Not", "Softmax", "LogSoftmax", "LeakyRelu", "Gelu", "Reciprocal",
            "HardSigmoid", "HardSwish", "Softplus", "Elu", "Selu", "Clip", "Floor", "Ceil", "Round", "Sin", "Cos");

    private ConstantFolder() {}

    /**
     * @param remaining nodes still to run, in order
     * @param constants initializers plus every folded value
     * @param folded    number of nodes folded away
     */
    public record Result(List<Node> remaining, Map<String, Tensor> constants, int folded) {}

    /**
     * Folds what can be folded.
     *
     * @param ordered      nodes in topological order
     * @param ops          compiled op of each node (identity-keyed)
     * @param constants    initializers that no input can override
     * @param staticShapes values whose shape is known before a run (e.g. fully static graph inputs)
     */
    public static Result fold(List<Node> ordered, IdentityHashMap<Node, Op> ops, Map<String, Tensor> constants,
                              Map<String, int[]> staticShapes, ExecutionContext ctx) {
        Map<String, Tensor> values = new HashMap<>(constants);
        Map<String, int[]> shapes = new HashMap<>(staticShapes);
        List<Node> remaining = new ArrayList<>();
        int folded = 0;
        for (Node node : ordered) {
            Op op = ops.get(node);
            boolean allConst = !NONDETERMINISTIC.contains(node.opType());
            for (String in : node.inputs()) if (!in.isEmpty() && !values.containsKey(in)) { allConst = false; break; }
            Tensor[] args = null;
            if (allConst) {
                args = new Tensor[node.inputs().size()];
                for (int i = 0; i < args.length; i++) args[i] = node.input(i).isEmpty() ? null : values.get(node.input(i));
            } else if ((node.opType().equals("Shape") || node.opType().equals("Size")) && node.domain().isEmpty()
                    && shapes.containsKey(node.input(0))) {
                // Only the shape matters: a stride-0 view of one zero stands in for the real tensor.
                args = new Tensor[] {Tensor.scalar(0f).expand(shapes.get(node.input(0)))};
            }
            if (args == null) {
                remaining.add(node);
                if (SHAPE_PRESERVING.contains(node.opType()) && node.domain().isEmpty() && shapes.containsKey(node.input(0))
                        && !node.outputs().isEmpty()) {
                    shapes.put(node.outputs().get(0), shapes.get(node.input(0)));
                }
                continue;
            }
            Tensor[] out;
            try {
                out = op.apply(ctx, args);
            } catch (HeedException e) {
                throw new HeedException(e.code(), "constant folding " + node.describe() + ": " + e.getMessage(), e);
            }
            for (int i = 0; i < node.outputs().size(); i++) {
                String name = node.outputs().get(i);
                if (name.isEmpty()) continue;
                if (i >= out.length) {
                    throw new HeedException(ErrorCode.INTERNAL, node.describe() + " returned " + out.length + " outputs, the node names "
                            + node.outputs().size());
                }
                values.put(name, out[i]);
                shapes.put(name, out[i].shape().dims());
            }
            folded++;
        }
        return new Result(List.copyOf(remaining), values, folded);
    }
}
