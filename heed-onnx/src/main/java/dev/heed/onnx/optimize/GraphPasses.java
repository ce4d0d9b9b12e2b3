package dev.heed.onnx.optimize;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.ir.Node;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Structural graph passes the Session runs at load time (public for the Session; not a stable API).
 * <pre>
 * topologicalOrder  Kahn's algorithm, stable (file order among ready nodes); O(nodes + edges)
 * removeDead        keeps only nodes whose outputs reach the requested values; O(nodes + edges)
 * </pre>
 *
 * <pre>{@code
 * List<Node> order = GraphPasses.topologicalOrder(graph.nodes(), availableNames);
 * List<Node> live  = GraphPasses.removeDead(order, outputNames);
 * }</pre>
 */
public final class GraphPasses {
    private GraphPasses() {}

    /**
     * Orders {@code nodes} so that every node comes after the producers of its inputs. {@code available} are the
     * values present before any node runs (graph inputs, initializers). Empty input names (absent optional inputs)
     * need no producer.
     *
     * @throws HeedException MALFORMED_INPUT naming the node and value when an input has no producer or the graph has a cycle
     */
    public static List<Node> topologicalOrder(List<Node> nodes, Set<String> available) {
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String o : nodes.get(i).outputs()) {
                if (o.isEmpty()) continue;
                if (producer.putIfAbsent(o, i) != null || available.contains(o)) {
                    throw new HeedException(ErrorCode.MALFORMED_INPUT, "value '" + o + "' is produced twice (by "
                            + nodes.get(i).describe() + " and another node or a graph input/initializer)");
                }
            }
        }
        int n = nodes.size();
        int[] waiting = new int[n];
        List<List<Integer>> consumers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) consumers.add(new ArrayList<>());
        for (int i = 0; i < n; i++) {
            for (String in : nodes.get(i).inputs()) {
                if (in.isEmpty() || available.contains(in)) continue;
                Integer p = producer.get(in);
                if (p == null) {
                    throw new HeedException(ErrorCode.MALFORMED_INPUT, nodes.get(i).describe() + " reads value '" + in
                            + "', which no node, graph input or initializer provides");
                }
                waiting[i]++;
                consumers.get(p).add(i);
            }
        }
        Deque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < n; i++) if (waiting[i] == 0) ready.add(i);
        List<Node> order = new ArrayList<>(n);
        java.util.PriorityQueue<Integer> pq = new java.util.PriorityQueue<>(ready);
        while (!pq.isEmpty()) {
            int i = pq.poll();
            order.add(nodes.get(i));
            for (int c : consumers.get(i)) if (--waiting[c] == 0) pq.add(c);
        }
        if (order.size() != n) {
            for (int i = 0; i < n; i++) {
                if (waiting[i] > 0) {
                    throw new HeedException(ErrorCode.MALFORMED_INPUT, "the graph has a cycle through " + nodes.get(i).describe());
                }
            }
        }
        return Collections.unmodifiableList(order);
    }

    /** The nodes of {@code ordered} (kept in order) that contribute to at least one of {@code needed}. */
    public static List<Node> removeDead(List<Node> ordered, Collection<String> needed) {
        Set<String> want = new HashSet<>(needed);
        Set<Node> keep = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = ordered.size() - 1; i >= 0; i--) {
            Node nd = ordered.get(i);
            boolean live = false;
            for (String o : nd.outputs()) if (!o.isEmpty() && want.contains(o)) { live = true; break; }
            if (!live) continue;
            keep.add(nd);
            for (String in : nd.inputs()) if (!in.isEmpty()) want.add(in);
        }
        List<Node> out = new ArrayList<>(keep.size());
        for (Node nd : ordered) if (keep.contains(nd)) out.add(nd);
        return Collections.unmodifiableList(out);
    }
}
