package dev.heed.onnx;

import static dev.heed.onnx.Fixtures.value;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.ir.ElemType;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, point 3: a run reports its peak memory ({@link RunResult#peakBytes()}), the most bytes its own tensors
 * held at once, and a Session its constants' bytes ({@link Session#constantBytes()}). Small graphs on [1000] float
 * tensors (4000 bytes each) whose peaks are worked out by hand from the plan's release rule (a value is released
 * right after its last reader) and the ledger's accounting (held outputs plus the running op's reservations; the
 * caller's inputs and the constants never count).
 */
class RunPeakMemoryTest {
    static final int N = 1000;
    static final long T = 4L * N; // bytes of one [1000] float tensor

    private static Node n(String name, String op, List<String> in, String out) {
        return new Node(name, op, "", in, List.of(out), Map.of());
    }

    private static RunResult run(Model m, Map<String, Tensor> feeds, long[] constantBytes) {
        SessionOptions o = SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(1));
        try (Session s = Session.open(m, o, OpRegistry.standard())) {
            constantBytes[0] = s.constantBytes();
            return s.run(feeds, RunOptions.defaults());
        }
    }

    private static float[] ramp() {
        float[] v = new float[N];
        for (int i = 0; i < N; i++) v[i] = i - N / 2f;
        return v;
    }

    @Test
    void aBranchingChainPeaksWhenThreeIntermediatesAreAlive() {
        // a = Neg(x); b = Abs(a); c = Add(a, b); d = Neg(c); y = Add(d, w), w a constant [1000]
        //   step a: holds a                                        -> T
        //   step b: a (read again by c) and b                      -> 2T
        //   step c: a, b and c's reserved output, then c held; a, b released after -> 3T
        //   step d: c and d, then c released                       -> 2T
        //   step y: d and y's reserved output; y held (a graph output), d released -> 2T
        // x (the caller's) and w (a constant) never count: peak = 3T
        List<Node> nodes = List.of(n("na", "Neg", List.of("x"), "a"), n("nb", "Abs", List.of("a"), "b"),
                n("nc", "Add", List.of("a", "b"), "c"), n("nd", "Neg", List.of("c"), "d"),
                n("ny", "Add", List.of("d", "w"), "y"));
        Model m = MemoryBudgetSessionTest.model(13, nodes, List.of(value("x", ElemType.FLOAT, N)), List.of("y"),
                MemoryBudgetSessionTest.floats("w", new float[N]));
        long[] constants = new long[1];
        RunResult r = run(m, Map.of("x", Tensor.of(ramp(), N)), constants);
        assertEquals(3 * T, r.peakBytes());
        assertEquals(T, constants[0], "w, the one constant");
        // the outputs are right too: y = -(-x + |x|) = x - |x|
        float[] x = ramp(), y = r.outputs().get("y").toFloatArray();
        for (int i = 0; i < N; i++) assertEquals(x[i] - Math.abs(x[i]), y[i], 0f);
    }

    @Test
    void aStraightChainNeverHoldsMoreThanTwo() {
        // t1 = Neg(x), t2 = Neg(t1), ..., t6: each step holds its input and its output, then drops the input -> 2T
        List<Node> nodes = new java.util.ArrayList<>();
        for (int k = 1; k <= 6; k++) nodes.add(n("n" + k, k % 2 == 0 ? "Abs" : "Neg", List.of(k == 1 ? "x" : "t" + (k - 1)), "t" + k));
        Model m = MemoryBudgetSessionTest.model(13, nodes, List.of(value("x", ElemType.FLOAT, N)), List.of("t6"));
        long[] constants = new long[1];
        assertEquals(2 * T, run(m, Map.of("x", Tensor.of(ramp(), N)), constants).peakBytes());
        assertEquals(0, constants[0]);
    }

    @Test
    void onlyTheOutputCountsWhenTheOpReadsOnlyInputsAndConstants() {
        // y = Add(x, w): the reserved and then held output alone -> T
        Model m = MemoryBudgetSessionTest.model(13, List.of(n("ny", "Add", List.of("x", "w"), "y")),
                List.of(value("x", ElemType.FLOAT, N)), List.of("y"), MemoryBudgetSessionTest.floats("w", new float[N]));
        long[] constants = new long[1];
        assertEquals(T, run(m, Map.of("x", Tensor.of(ramp(), N)), constants).peakBytes());
    }
}
