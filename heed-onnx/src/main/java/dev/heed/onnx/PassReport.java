package dev.heed.onnx;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one optimiser pass did at load time: the node count before and after, and its counts (e.g.
 * {@code attention: 437 -> 407 nodes {attention=6}}).
 *
 * @param pass   the name of the optimiser pass
 * @param before nodes to run before the pass
 * @param after  nodes to run after it
 * @param counts what the pass did, by count; empty when it changed nothing
 */
public record PassReport(String pass, int before, int after, Map<String, Integer> counts) {
    /**
     * Copies {@code counts} into an unmodifiable map that keeps its order.
     *
     * @param pass   the name of the optimiser pass
     * @param before nodes to run before the pass
     * @param after  nodes to run after it
     * @param counts what the pass did, by count
     */
    public PassReport {
        counts = Collections.unmodifiableMap(new LinkedHashMap<>(counts));
    }

    @Override
    public String toString() {
        return pass + ": " + before + " -> " + after + " nodes" + (counts.isEmpty() ? "" : " " + counts);
    }
}
