package dev.heed.vision.explain;

import dev.heed.onnx.ir.Graph;
import dev.heed.onnx.ir.Node;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the multi-scale deformable attention blocks (Zhu et al. 2021, as RT-DETR's decoder uses them) of an ONNX
 * graph by structure, never by export-specific names: a block is one Softmax (the attention weights) and the
 * GridSample nodes (one per feature level, graph order = level order) whose sampled values meet those weights in
 * the same node (the weighted sum), both sides reaching it through layout-only ops (Reshape, Transpose, Unsqueeze,
 * Concat, …). What a block hands out per run: each GridSample's sampling grid (input 1, {@code [B·H, Q, P, 2]} in
 * -1..1) and the Softmax output (the weights, {@code [B, Q, H, L·P]}).
 *
 * <pre>{@code
 * List<DeformableBlocks.Block> blocks = DeformableBlocks.find(session.model().graph());
 * }</pre>
 */
public final class DeformableBlocks {
    /** Ops that only move or regroup values on the way from the Softmax / GridSample to the weighted sum. */
    static final Set<String> LAYOUT = Set.of("Reshape", "Transpose", "Unsqueeze", "Squeeze", "Flatten", "Identity", "Concat",
            "Cast", "Slice", "Split", "Gather", "Expand");
    private static final int MAX_DEPTH = 12;

    private DeformableBlocks() {}

    /**
     * One deformable attention block.
     *
     * @param weights the Softmax output holding the attention weights
     * @param grids   the sampling grid fed to each level's GridSample, level 0 first
     * @param softmax the Softmax node's name (for messages)
     */
    public record Block(String weights, List<String> grids, String softmax) {
        /**
         * Copies the grid list.
         *
         * @param weights the Softmax output holding the attention weights
         * @param grids   the sampling grids, level 0 first
         * @param softmax the Softmax node's name
         */
        public Block {
            grids = List.copyOf(grids);
        }
    }

    /**
     * Finds every deformable attention block: GridSample nodes whose outputs meet a Softmax's output in one node through
     * layout-only ops.
     *
     * @param g the model's main graph
     * @return all blocks of {@code g}, in graph order (the last one is the last decoder layer's); empty when there are none
     */
    public static List<Block> find(Graph g) {
        Map<String, List<Node>> consumers = new HashMap<>();
        for (Node n : g.nodes()) for (String in : n.inputs()) if (!in.isEmpty()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
        List<Node> samplers = g.nodes().stream().filter(n -> n.opType().equals("GridSample") && n.domain().isEmpty() && n.inputs().size() >= 2).toList();
        if (samplers.isEmpty()) return List.of();
        Map<Node, Set<Node>> samplerMeets = new LinkedHashMap<>();
        for (Node s : samplers) samplerMeets.put(s, meets(s.outputs().getFirst(), consumers));
        List<Block> blocks = new ArrayList<>();
        Set<Node> used = new HashSet<>();
        for (Node sm : g.nodes()) {
            if (!sm.opType().equals("Softmax") || !sm.domain().isEmpty()) continue;
            Set<Node> m = meets(sm.outputs().getFirst(), consumers);
            List<String> grids = new ArrayList<>();
            for (Map.Entry<Node, Set<Node>> e : samplerMeets.entrySet()) {
                if (used.contains(e.getKey())) continue;
                if (e.getValue().stream().anyMatch(m::contains)) grids.add(e.getKey().inputs().get(1));
            }
            if (grids.isEmpty()) continue;
            for (Map.Entry<Node, Set<Node>> e : samplerMeets.entrySet()) if (grids.contains(e.getKey().inputs().get(1))) used.add(e.getKey());
            blocks.add(new Block(sm.outputs().getFirst(), grids, sm.name()));
        }
        return blocks;
    }

    /** The first non-layout nodes reached from {@code value} through layout-only ops. */
    private static Set<Node> meets(String value, Map<String, List<Node>> consumers) {
        Set<Node> out = new HashSet<>();
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> queue = new ArrayDeque<>(List.of(value));
        ArrayDeque<Integer> depth = new ArrayDeque<>(List.of(0));
        while (!queue.isEmpty()) {
            String v = queue.poll();
            int d = depth.poll();
            if (!seen.add(v)) continue;
            for (Node c : consumers.getOrDefault(v, List.of())) {
                if (!LAYOUT.contains(c.opType()) || d >= MAX_DEPTH) {
                    out.add(c);
                    continue;
                }
                for (String o : c.outputs()) {
                    if (o.isEmpty()) continue;
                    queue.add(o);
                    depth.add(d + 1);
                }
            }
        }
        return out;
    }
}
