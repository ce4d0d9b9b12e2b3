package dev.heed.onnx.optimize;

import java.util.Map;

/** Drops nodes none of whose outputs reaches a graph output ({@link GraphPasses#removeDead}). Counts {@code removed}. */
final class DeadNodeRemoval implements GraphPass {
    @Override
    public String name() {
        return "dead-nodes";
    }

    @Override
    public Map<String, Integer> apply(GraphState g) {
        int before = g.nodes().size();
        g.setNodes(GraphPasses.removeDead(g.nodes(), g.outputs()));
        int removed = before - g.nodes().size();
        return removed == 0 ? Map.of() : Map.of("removed", removed);
    }
}
