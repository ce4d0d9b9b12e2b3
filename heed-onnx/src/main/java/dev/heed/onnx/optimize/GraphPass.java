package dev.heed.onnx.optimize;

import java.util.Map;

/**
 * One load-time rewrite of the graph, run by the {@link Optimizer} in its place in the pass list. A pass reads and
 * rewrites the {@link GraphState} (node order, constants, compiled ops) and says what it did as counts, e.g.
 * {@code {folded=41}} or {@code {layer_norm=13}}; a pass that changed nothing returns an empty map.
 *
 * <pre>{@code
 * GraphPass dead = new DeadNodeRemoval();
 * Map<String, Integer> did = dead.apply(state);   // {removed=3}
 * }</pre>
 */
public interface GraphPass {
    /** A short stable name, e.g. {@code fold-constants}, {@code attention}, {@code layer-norm}. */
    String name();

    /** Rewrites {@code graph} in place; returns what the pass did, by count (absent when zero). */
    Map<String, Integer> apply(GraphState graph);
}
