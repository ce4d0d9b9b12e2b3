package dev.heed.onnx;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.ir.Dim;
import dev.heed.onnx.ir.Graph;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ir.TensorData;
import dev.heed.onnx.ir.ValueInfo;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.OpFactory;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.onnx.optimize.GraphPasses;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The first stage of {@link Session#open}: every node resolved against the registry for the model's opsets (all
 * unsupported nodes listed in one error) and compiled to its {@link Op}; inputs split into required ones and
 * initializer-backed ones; the other initializers as constants; the nodes in topological order.
 */
final class ModelCompiler {
    private ModelCompiler() {}

    /**
     * A compiled model, before optimisation.
     *
     * @param order        every node, topologically sorted
     * @param ops          each node's op (identity-keyed)
     * @param constants    initializers no input overrides
     * @param staticShapes graph inputs whose every dimension is fixed
     * @param ranks        graph inputs that declare their dims: their rank
     * @param inputs       the feedable inputs and their checks
     */
    record Compiled(List<Node> order, IdentityHashMap<Node, Op> ops, Map<String, Tensor> constants,
                    Map<String, int[]> staticShapes, Map<String, Integer> ranks, InputBinder inputs) {}

    static Compiled compile(Model model, OpRegistry registry, ModelInfo info) {
        Graph g = model.graph();
        List<Node> unsupported = new ArrayList<>();
        for (Node n : g.nodes()) if (registry.resolve(n.domain(), n.opType(), model.opsetFor(n.domain())) == null) unsupported.add(n);
        if (!unsupported.isEmpty()) {
            Node first = unsupported.getFirst();
            HeedException e = registry.unsupported(first, model.opsetFor(first.domain()));
            String more = unsupported.size() == 1 ? "" : " (" + unsupported.size() + " unsupported nodes in all: "
                    + String.join("; ", info.unsupported()) + ")";
            throw new HeedException(ErrorCode.UNSUPPORTED, e.getMessage() + more);
        }

        Map<String, TensorData> inits = new LinkedHashMap<>();
        for (TensorData t : g.initializers()) inits.put(t.name(), t);
        List<ValueInfo> required = new ArrayList<>();
        Map<String, ValueInfo> feedable = new LinkedHashMap<>();
        Map<String, Tensor> defaults = new HashMap<>();
        Map<String, int[]> staticShapes = new HashMap<>();
        Map<String, Integer> ranks = new HashMap<>();
        for (ValueInfo v : g.inputs()) {
            feedable.put(v.name(), v);
            if (v.dims() != null) ranks.put(v.name(), v.dims().size());
            TensorData init = inits.remove(v.name());
            if (init != null) {
                defaults.put(v.name(), init.toTensor());
                continue;
            }
            if (v.elemType() != null && v.elemType().heedType() == null) {
                throw HeedException.unsupported("input '" + v.name() + "' has element type " + v.elemType()
                        + ", which Heed has no dtype for", "float", "int64", "int32", "bool", "uint8");
            }
            required.add(v);
            if (v.isStatic()) staticShapes.put(v.name(), v.dims().stream().mapToInt(d -> (int) ((Dim.Fixed) d).size()).toArray());
        }
        Map<String, Tensor> constants = new HashMap<>();
        inits.forEach((name, t) -> constants.put(name, t.toTensor()));

        IdentityHashMap<Node, Op> ops = new IdentityHashMap<>();
        for (Node n : g.nodes()) {
            int opset = (int) model.opsetFor(n.domain());
            OpFactory f = registry.resolve(n.domain(), n.opType(), opset);
            try {
                ops.put(n, f.create(n, opset));
            } catch (HeedException e) {
                throw new HeedException(e.code(), e.getMessage().startsWith(n.describe()) ? e.getMessage()
                        : n.describe() + ": " + e.getMessage(), e);
            }
        }
        Set<String> available = new HashSet<>(feedable.keySet());
        available.addAll(constants.keySet());
        List<Node> order = GraphPasses.topologicalOrder(g.nodes(), available);
        return new Compiled(order, ops, constants, staticShapes, ranks, new InputBinder(required, feedable, defaults));
    }
}
