package dev.heed.onnx.optimize;

import dev.heed.onnx.ir.Node;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bookkeeping the graph-fusion passes share: which nodes earlier matches took, which fused node takes the
 * place of each pattern's last node (so the order stays topological), and the fused nodes in graph order. One per
 * pass run; all lookups are identity-keyed, O(1).
 */
final class FusionRewrite {
    /** A pass's rewritten node list and its fused nodes, in graph order. */
    record Result(List<Node> nodes, List<Node> fused) {}

    private final Set<Node> removed = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<Node, Node> replacedBy = new IdentityHashMap<>();
    private final List<Node> fused = new ArrayList<>();

    /** True when an earlier match already took {@code n}. */
    boolean taken(Node n) {
        return removed.contains(n);
    }

    /** True when an earlier match already took any node of {@code chain}. */
    boolean anyTaken(List<Node> chain) {
        return chain.stream().anyMatch(removed::contains);
    }

    /** Replaces the nodes of {@code chain} by {@code f}, which sits where chain's last node was. */
    void replace(List<Node> chain, Node f) {
        removed.addAll(chain);
        replacedBy.put(chain.getLast(), f);
        fused.add(f);
    }

    /** {@code order} without the replaced nodes, each fused node in its pattern's last place; and the fused nodes. */
    Result result(List<Node> order) {
        if (removed.isEmpty()) return new Result(order, fused);
        List<Node> out = new ArrayList<>(order.size());
        for (Node n : order) {
            Node f = replacedBy.get(n);
            if (f != null) out.add(f);
            else if (!removed.contains(n)) out.add(n);
        }
        return new Result(List.copyOf(out), fused);
    }
}
