package dev.heed.onnx.optimize;

import dev.heed.onnx.ir.Node;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who produces and who reads each value of a node list, plus the constants: the queries the graph-fusion
 * passes match patterns with. Built once per pass over the pass's input list; O(nodes + edges).
 */
final class GraphIndex {
    private final Map<String, Node> producer = new HashMap<>();
    private final Map<String, List<Node>> readers = new HashMap<>();   // one entry per input slot (Mul(x, x) reads x twice)
    private final Map<String, Tensor> constants;
    private final Set<String> graphOutputs;

    GraphIndex(List<Node> order, Map<String, Tensor> constants, Set<String> graphOutputs) {
        this.constants = constants;
        this.graphOutputs = graphOutputs;
        for (Node n : order) {
            for (String o : n.outputs()) if (!o.isEmpty()) producer.put(o, n);
            for (String i : n.inputs()) if (!i.isEmpty()) readers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
        }
    }

    /** The node producing {@code value}, or null (graph input, constant). */
    Node producer(String value) {
        return producer.get(value);
    }

    /** Every reader of {@code value}, once per input slot. */
    List<Node> readers(String value) {
        return readers.getOrDefault(value, List.of());
    }

    /** The one node reading {@code value} when it has exactly one reader and is not a graph output, else null. */
    Node soleReader(String value) {
        List<Node> r = readers(value);
        return r.size() == 1 && !graphOutputs.contains(value) ? r.getFirst() : null;
    }

    /** True when {@code value} is not a graph output and every reader is one of {@code nodes} (identity). */
    boolean readOnlyBy(String value, Node... nodes) {
        if (graphOutputs.contains(value)) return false;
        Set<Node> allowed = Collections.newSetFromMap(new IdentityHashMap<>());
        allowed.addAll(List.of(nodes));
        for (Node r : readers(value)) if (!allowed.contains(r)) return false;
        return true;
    }

    /** A folded constant or initializer, or null. */
    Tensor constant(String value) {
        return value.isEmpty() ? null : constants.get(value);
    }

    /** The value of a one-element float32 constant, or null. */
    Double scalar(String value) {
        Tensor t = constant(value);
        return t != null && t.dtype() == DType.FLOAT32 && t.numel() == 1 ? (double) t.toFloatArray()[0] : null;
    }

    /** True when {@code value} is a one-element float32 constant within {@code relTol} (relative) of {@code want}. */
    boolean scalarIs(String value, double want, double relTol) {
        Double v = scalar(value);
        return v != null && Math.abs(v - want) <= relTol * Math.abs(want);
    }

    /** {@code n} is {@code opType} of the default ONNX domain with {@code inputs} inputs. */
    static boolean is(Node n, String opType, int inputs) {
        return n != null && n.domain().isEmpty() && n.opType().equals(opType) && n.inputs().size() == inputs;
    }

    /** For a two-input node reading {@code value}: the other input (value itself for {@code op(value, value)}). */
    static String other(Node n, String value) {
        return n.input(0).equals(value) ? n.input(1) : n.input(0);
    }

    /** For a two-input node with exactly one scalar-constant operand: the other operand, else null. */
    String nonScalarOperand(Node n) {
        boolean c0 = scalar(n.input(0)) != null, c1 = scalar(n.input(1)) != null;
        if (c0 == c1) return null;
        return c0 ? n.input(1) : n.input(0);
    }

    /** For a two-input node with exactly one scalar-constant operand: that constant's name, else null. */
    String scalarOperand(Node n) {
        String x = nonScalarOperand(n);
        return x == null ? null : other(n, x);
    }
}
