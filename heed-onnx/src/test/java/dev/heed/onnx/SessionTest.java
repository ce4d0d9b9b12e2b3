package dev.heed.onnx;

import static dev.heed.onnx.Fixtures.i;
import static dev.heed.onnx.Fixtures.ints;
import static dev.heed.onnx.Fixtures.node;
import static dev.heed.onnx.Fixtures.s;
import static dev.heed.onnx.Fixtures.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.ir.ElemType;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class SessionTest {

    private static Session initializers() {
        return Session.open(Fixtures.file("initializers.onnx"));
    }

    @Test
    void runReturnsOutputsInModelOrder() {
        try (Session s = initializers()) {
            Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
            Map<String, Tensor> out = s.run(Map.of("x", x));
            assertEquals(List.of("raw", "typed", "ints", "xt"), List.copyOf(out.keySet()));
            assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, out.get("xt").toFloatArray());
        }
    }

    @Test
    void wrongInputNameListsTheExpectedOnes() {
        try (Session s = initializers()) {
            HeedException e = assertThrows(HeedException.class, () -> s.run(Map.of("X", Tensor.of(new float[3], 1, 3))));
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
            assertTrue(e.getMessage().contains("unknown input 'X'") && e.getMessage().contains("x: float[batch, 3]"), e.getMessage());
            HeedException missing = assertThrows(HeedException.class, () -> s.run(Map.of()));
            assertTrue(missing.getMessage().contains("missing input 'x'"), missing.getMessage());
        }
    }

    @Test
    void dtypeAndShapeAreChecked() {
        try (Session s = initializers()) {
            HeedException dt = assertThrows(HeedException.class, () -> s.run(Map.of("x", Tensor.ofLongs(new long[3], 1, 3))));
            assertEquals(ErrorCode.DTYPE_MISMATCH, dt.code());
            assertTrue(dt.getMessage().contains("expects float[batch, 3], got int64[1, 3]"), dt.getMessage());
            HeedException rank = assertThrows(HeedException.class, () -> s.run(Map.of("x", Tensor.of(new float[3], 3))));
            assertEquals(ErrorCode.SHAPE_MISMATCH, rank.code());
            HeedException dim = assertThrows(HeedException.class, () -> s.run(Map.of("x", Tensor.of(new float[8], 2, 4))));
            assertEquals(ErrorCode.SHAPE_MISMATCH, dim.code());
            assertTrue(dim.getMessage().contains("dimension 1 is 4, not 3"), dim.getMessage());
        }
    }

    @Test
    void aSymbolRepeatedWithinOneInputIsNotEnforced() {
        // as all-MiniLM-L6-v2's export: input_ids ['batch', 'batch'] for [batch, sequence]
        Model m = Fixtures.model(13, List.of(node("Concat", List.of("a", "b"), List.of("y"), i("axis", 1))),
                List.of(value("a", ElemType.FLOAT, "batch", "batch"), value("b", ElemType.FLOAT, "batch", "batch")),
                List.of(value("y", ElemType.FLOAT, "batch", "n")));
        try (Session s = Session.open(m, SessionOptions.defaults(), OpRegistry.standard())) {
            Tensor y = s.run(Map.of("a", Tensor.of(new float[6], 2, 3), "b", Tensor.of(new float[8], 2, 4))).get("y");
            assertArrayEquals(new int[] {2, 7}, y.shape().dims());
        }
    }

    @Test
    void symbolicDimsMustAgreeAcrossInputs() {
        Model m = Fixtures.model(13, List.of(node("Concat", List.of("a", "b"), List.of("y"), i("axis", 1))),
                List.of(value("a", ElemType.FLOAT, "batch", 2), value("b", ElemType.FLOAT, "batch", 1)),
                List.of(value("y", ElemType.FLOAT, "batch", 3)));
        try (Session s = Session.open(m, SessionOptions.defaults(), OpRegistry.standard())) {
            Tensor y = s.run(Map.of("a", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2), "b", Tensor.of(new float[] {9, 8}, 2, 1))).get("y");
            assertArrayEquals(new float[] {1, 2, 9, 3, 4, 8}, y.toFloatArray());
            HeedException e = assertThrows(HeedException.class,
                    () -> s.run(Map.of("a", Tensor.of(new float[4], 2, 2), "b", Tensor.of(new float[3], 3, 1))));
            assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
            assertTrue(e.getMessage().contains("'batch'"), e.getMessage());
        }
    }

    @Test
    void shapeChainFoldsAndDeadNodesGo() {
        try (Session s = Session.open(Fixtures.file("shape_chain.onnx"))) {
            assertEquals(1, s.plannedNodes(), "only the Reshape should remain");
            assertTrue(s.foldedNodes() >= 7, "folded " + s.foldedNodes());
            float[] x = new float[24];
            for (int k = 0; k < x.length; k++) x[k] = k;
            Tensor y = s.run(Map.of("x", Tensor.of(x, 2, 3, 4))).get("y");
            assertArrayEquals(new int[] {2, 12}, y.shape().dims());
            assertArrayEquals(x, y.toFloatArray());
        }
        try (Session s = Session.open(Fixtures.file("shape_chain.onnx"), SessionOptions.defaults().withConstantFolding(false))) {
            assertEquals(8, s.plannedNodes(), "the dead Shape is removed even without folding");
            assertArrayEquals(new int[] {2, 12}, s.run(Map.of("x", Tensor.of(new float[24], 2, 3, 4))).get("y").shape().dims());
        }
    }

    @Test
    void unsupportedOpNamesOpDomainOpsetNodeAndListsSupported() {
        Model m = Fixtures.model(17, List.of(node("Foo", List.of("x"), List.of("y"))),
                List.of(value("x", ElemType.FLOAT, 2)), List.of(value("y", ElemType.FLOAT, 2)));
        HeedException e = assertThrows(HeedException.class, () -> Session.open(m, SessionOptions.defaults(), OpRegistry.standard()));
        assertEquals(ErrorCode.UNSUPPORTED, e.code());
        String msg = e.getMessage();
        assertTrue(msg.contains("Foo") && msg.contains("ai.onnx") && msg.contains("opset 17") && msg.contains("foo_0")
                && msg.contains("Transpose"), msg);
        ModelInfo info = Session.describe(m, OpRegistry.standard());
        assertEquals(List.of("Foo (domain ai.onnx, opset 17) × 1, first node 'foo_0'"), info.unsupported());
        assertTrue(info.report().contains("unsupported ops (1)"), info.report());
        // an op that exists only in later opsets
        Model early = Fixtures.model(9, List.of(node("Range", List.of("a", "b", "c"), List.of("y"))),
                List.of(value("a", ElemType.INT64), value("b", ElemType.INT64), value("c", ElemType.INT64)),
                List.of(value("y", ElemType.INT64, "n")));
        HeedException e2 = assertThrows(HeedException.class, () -> Session.open(early, SessionOptions.defaults(), OpRegistry.standard()));
        assertTrue(e2.getMessage().contains("from opset 11 on"), e2.getMessage());
    }

    @Test
    void inspectReportsWithoutRunning() {
        ModelInfo info = Session.inspect(Fixtures.file("initializers.onnx"));
        assertEquals(7, info.irVersion());
        assertEquals(1, info.inputs().size());
        assertEquals(Map.of("Identity", 3, "Transpose", 1), info.opCounts());
        String r = info.report();
        assertTrue(r.contains("x: float[batch, 3]") && r.contains("ai.onnx=13") && r.contains("unsupported ops: none")
                && r.contains("names = {0: 'person', 1: 'bus'}"), r);
    }

    @Test
    void profileListsEveryExecutedNode() {
        try (Session s = Session.open(Fixtures.file("initializers.onnx"), SessionOptions.defaults().withProfile(true))) {
            RunResult r = s.runWithProfile(Map.of("x", Tensor.of(new float[6], 2, 3)));
            assertEquals(s.plannedNodes(), r.profile().size());
            assertTrue(r.profile().stream().anyMatch(t -> t.opType().equals("Transpose") && t.nanos() >= 0));
        }
        try (Session s = initializers()) {
            assertTrue(s.runWithProfile(Map.of("x", Tensor.of(new float[6], 2, 3))).profile().isEmpty());
        }
    }

    @Test
    void concurrentRunsAgree() throws Exception {
        Model m = Fixtures.model(13, List.of(
                        node("Transpose", List.of("x"), List.of("t"), ints("perm", 1, 0)),
                        node("Pad", List.of("t", "pads"), List.of("p"), s("mode", "reflect")),
                        node("Tile", List.of("p", "reps"), List.of("y"))),
                List.of(value("x", ElemType.FLOAT, "n", 3), value("pads", ElemType.INT64, 4), value("reps", ElemType.INT64, 2)),
                List.of(value("y", ElemType.FLOAT, "a", "b")));
        try (Session s = Session.open(m, SessionOptions.defaults(), OpRegistry.standard());
             ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<float[]>> fs = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int n = 2 + t % 3;
                fs.add(pool.submit(() -> {
                    float[] x = new float[n * 3];
                    for (int k = 0; k < x.length; k++) x[k] = k;
                    Map<String, Tensor> feeds = Map.of("x", Tensor.of(x, n, 3), "pads", Tensor.ofLongs(new long[] {1, 0, 1, 1}, 4),
                            "reps", Tensor.ofLongs(new long[] {1, 2}, 2));
                    return s.run(feeds).get("y").toFloatArray();
                }));
            }
            for (int t = 0; t < 16; t++) {
                int n = 2 + t % 3;
                float[] again = fs.get(t % 3).get();
                float[] mine = fs.get(t).get();
                assertArrayEquals(fs.get(t % 3).get(), fs.get(t).get());
                assertEquals(5 * (n + 1) * 2, mine.length);
                assertFalse(again.length == 0);
            }
        }
    }
}
