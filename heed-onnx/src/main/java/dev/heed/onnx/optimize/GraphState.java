package dev.heed.onnx.optimize;

import dev.heed.onnx.PassReport;
import dev.heed.exec.ExecutionContext;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.Op;
import dev.heed.tensor.Tensor;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * The graph between compilation and the execution plan (public for the Session; not a stable API): the nodes still
 * to run in topological order, the constants (initializers no input can override, plus folded values), the compiled
 * op of every node, and the graph outputs, which every pass must keep observable. Passes rewrite it in place; the
 * fused nodes a pass makes get their op from the pass, so compilation happens once per node.
 *
 * <pre>{@code
 * GraphState g = new GraphState(order, ops, constants, outputNames, staticShapes, declaredRanks, opsetOf, ctx);
 * List<PassReport> did = Optimizer.standard(OpRegistry.standard(), true, true, AttentionImpl.AUTO, true).optimize(g);
 * g.nodes();   // what the ExecutionPlan schedules
 * }</pre>
 */
public final class GraphState {
    private List<Node> nodes;                         // topological order
    private final IdentityHashMap<Node, Op> ops;      // compiled op of every node, original and fused
    private final Map<String, Tensor> constants;      // by value name
    private final List<String> outputs;               // graph outputs, in model order
    private final Set<String> outputSet;
    private final Map<String, int[]> staticShapes;    // values whose shape is known before a run
    private final Map<String, Integer> declaredRanks; // graph inputs whose dims the model declares
    private final ToIntFunction<Node> opset;          // the opset a node's domain is imported at
    private final ExecutionContext ctx;               // runs folded nodes

    public GraphState(List<Node> nodes, IdentityHashMap<Node, Op> ops, Map<String, Tensor> constants, List<String> outputs,
                      Map<String, int[]> staticShapes, Map<String, Integer> declaredRanks, ToIntFunction<Node> opset,
                      ExecutionContext ctx) {
        this.nodes = List.copyOf(nodes);
        this.ops = new IdentityHashMap<>(ops);
        this.constants = new HashMap<>(constants);
        this.outputs = List.copyOf(outputs);
        this.outputSet = Collections.unmodifiableSet(new LinkedHashSet<>(outputs));
        this.staticShapes = Map.copyOf(staticShapes);
        this.declaredRanks = Map.copyOf(declaredRanks);
        this.opset = opset;
        this.ctx = ctx;
    }

    /** The nodes still to run, in topological order. */
    public List<Node> nodes() { return nodes; }

    /** The compiled op of {@code n} (a node of {@link #nodes()}). */
    public Op op(Node n) { return ops.get(n); }

    /** Initializers that no input overrides, plus every folded value (live view; passes may add to it). */
    public Map<String, Tensor> constants() { return constants; }

    /** The graph outputs, in model order. */
    public List<String> outputs() { return outputs; }

    /** Values whose shape is known before any run (fully static graph inputs). */
    public Map<String, int[]> staticShapes() { return staticShapes; }

    /** The rank of every graph input that declares its dims (a run must feed that rank). */
    public Map<String, Integer> declaredRanks() { return declaredRanks; }

    /** The opset the model imports for {@code n}'s domain. */
    public int opset(Node n) { return opset.applyAsInt(n); }

    ExecutionContext context() { return ctx; }

    /** Producer / reader / constant queries over the current nodes. */
    GraphIndex index() {
        return new GraphIndex(nodes, constants, outputSet);
    }

    /** Replaces the node list (still topological), e.g. after folding or dead-node removal. */
    void setNodes(List<Node> order) {
        this.nodes = List.copyOf(order);
    }

    /** Applies a fusion's rewrite and compiles each of its fused nodes with {@code compile}. */
    void apply(FusionRewrite.Result r, Function<Node, Op> compile) {
        for (Node f : r.fused()) ops.put(f, compile.apply(f));
        setNodes(r.nodes());
    }
}
