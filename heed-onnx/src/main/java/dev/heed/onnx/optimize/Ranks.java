package dev.heed.onnx.optimize;

import dev.heed.onnx.ir.Node;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Static ranks of values, where the graph fixes them regardless of the inputs' sizes: constants, graph inputs with
 * declared dims, and what a few rank-determined ops make of them. Enough to tell whether an opset &lt; 13 Softmax
 * with {@code axis = 3} is a last-axis softmax (what the attention fusion needs); -1 when unknown.
 * <pre>
 * Transpose                 length of perm (else the input's rank)
 * MatMul                    max of both ranks, when both are ≥ 2
 * elementwise (Add … Where) max of the inputs' ranks (ONNX broadcasting)
 * unary (Cast, Relu, …)     the input's rank
 * Unsqueeze                 input rank + number of axes (attribute, or constant input from opset 13)
 * Reshape                   length of a constant shape
 * </pre>
 * Memoised per value; built once per pass. Values more than {@value #MAX_DEPTH} producers deep count as unknown.
 */
final class Ranks {
    private static final Set<String> ELEMENTWISE = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Where", "Equal", "Less",
            "Greater", "And", "Or", "Max", "Min");
    private static final Set<String> UNARY = Set.of("Cast", "Relu", "Neg", "Not", "Sqrt", "Exp", "Erf", "Tanh", "Sigmoid",
            "Softmax", "Identity", "Abs", "Reciprocal", "Log");

    private final GraphIndex g;
    private final Map<String, Integer> declared;     // graph inputs with declared dims
    private final Map<String, Integer> memo = new HashMap<>();

    Ranks(GraphIndex g, Map<String, Integer> declared) {
        this.g = g;
        this.declared = declared;
    }

    /** How many producers deep a rank is followed; deeper counts as unknown (keeps the recursion shallow). */
    private static final int MAX_DEPTH = 64;

    /** The static rank of {@code value}, or -1. */
    int of(String value) {
        return of(value, 0);
    }

    private int of(String value, int depth) {
        if (value.isEmpty() || depth > MAX_DEPTH) return -1;
        Integer known = memo.get(value);
        if (known != null) return known;
        int r = compute(value, depth + 1);
        memo.put(value, r);
        return r;
    }

    private int compute(String value, int depth) {
        Tensor c = g.constant(value);
        if (c != null) return c.rank();
        Integer d = declared.get(value);
        if (d != null) return d;
        Node n = g.producer(value);
        if (n == null || !n.domain().isEmpty() || n.inputs().isEmpty()) return -1;
        String op = n.opType();
        if (op.equals("Transpose")) {
            long[] perm = n.attrInts("perm");
            return perm != null ? perm.length : of(n.input(0), depth);
        }
        if (op.equals("MatMul") && n.inputs().size() == 2) {
            int a = of(n.input(0), depth), b = of(n.input(1), depth);
            return a >= 2 && b >= 2 ? Math.max(a, b) : -1;
        }
        if (ELEMENTWISE.contains(op)) {
            int max = -1;
            for (String in : n.inputs()) {
                int r = of(in, depth);
                if (r < 0) return -1;
                max = Math.max(max, r);
            }
            return max;
        }
        if (UNARY.contains(op)) return of(n.input(0), depth);
        if (op.equals("Unsqueeze")) {
            int r = of(n.input(0), depth);
            long[] axes = n.attrInts("axes");
            Tensor t = axes == null && n.inputs().size() > 1 ? g.constant(n.input(1)) : null;
            if (t != null && (t.dtype() == DType.INT64 || t.dtype() == DType.INT32) && t.rank() <= 1) axes = t.toLongArray();
            return r < 0 || axes == null ? -1 : r + axes.length;
        }
        if (op.equals("Reshape") && n.inputs().size() == 2) {
            Tensor shape = g.constant(n.input(1));
            return shape != null && shape.rank() == 1 ? shape.dim(0) : -1;
        }
        return -1;
    }
}
