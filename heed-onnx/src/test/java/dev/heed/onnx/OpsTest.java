package dev.heed.onnx;

import static dev.heed.onnx.Fixtures.i;
import static dev.heed.onnx.Fixtures.node;
import static dev.heed.onnx.Fixtures.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.ir.ElemType;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Behaviour the backend tests do not pin down: tie order, views as inputs, segment-backed data, limits. */
class OpsTest {

    private static Map<String, Tensor> run(int opset, Node n, Map<String, Tensor> feeds, String... outs) {
        List<dev.heed.onnx.ir.ValueInfo> ins = feeds.keySet().stream().map(k -> new dev.heed.onnx.ir.ValueInfo(k, null, null)).toList();
        List<dev.heed.onnx.ir.ValueInfo> os = java.util.Arrays.stream(outs).map(k -> new dev.heed.onnx.ir.ValueInfo(k, null, null)).toList();
        Model m = Fixtures.model(opset, List.of(n), ins, os);
        try (Session s = Session.open(m, SessionOptions.defaults().withExecution(new ExecutionOptions(1, 1 << 20)), OpRegistry.standard())) {
            return s.run(feeds);
        }
    }

    @Test
    void topKTiesKeepTheLowerIndexFirst() {
        Tensor x = Tensor.of(new float[] {3, 1, 3, 2, 3, 1}, 1, 6);
        Map<String, Tensor> out = run(11, node("TopK", List.of("x", "k"), List.of("v", "i")),
                Map.of("x", x, "k", Tensor.ofLongs(new long[] {4}, 1)), "v", "i");
        assertArrayEquals(new float[] {3, 3, 3, 2}, out.get("v").toFloatArray());
        assertArrayEquals(new long[] {0, 2, 4, 3}, out.get("i").toLongArray());
        Map<String, Tensor> small = run(11, node("TopK", List.of("x", "k"), List.of("v", "i"), i("largest", 0)),
                Map.of("x", x, "k", Tensor.ofLongs(new long[] {3}, 1)), "v", "i");
        assertArrayEquals(new long[] {1, 5, 3}, small.get("i").toLongArray());
    }

    @Test
    void opsReadStridedViewsInPlace() {
        // a transposed, sliced view with a negative step as Gather and Concat input
        Tensor base = Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3, 4);
        Tensor view = base.transpose(0, 1).slice(0, 3, -5, -1);   // rows 3,2,1,0 of the [4, 3] transpose
        Map<String, Tensor> g = run(13, node("Gather", List.of("d", "idx"), List.of("y"), i("axis", 0)),
                Map.of("d", view, "idx", Tensor.ofLongs(new long[] {0, -1}, 2)), "y");
        assertArrayEquals(new float[] {3, 7, 11, 0, 4, 8}, g.get("y").toFloatArray());
        Map<String, Tensor> c = run(13, node("Concat", List.of("a", "b"), List.of("y"), i("axis", 1)),
                Map.of("a", view, "b", view), "y");
        assertArrayEquals(new int[] {4, 6}, c.get("y").shape().dims());
        assertArrayEquals(new float[] {3, 7, 11, 3, 7, 11}, java.util.Arrays.copyOf(c.get("y").toFloatArray(), 6));
    }

    @Test
    void gatherReadsMemoryMappedTables() {
        MemorySegment seg = Arena.ofAuto().allocate(4 * 6);
        for (int k = 0; k < 6; k++) seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, k, k * 10f);
        Tensor table = Tensor.ofSegment(seg, dev.heed.tensor.DType.FLOAT32, 3, 2);
        Map<String, Tensor> g = run(13, node("Gather", List.of("d", "idx"), List.of("y")),
                Map.of("d", table, "idx", Tensor.ofLongs(new long[] {2, 0}, 1, 2)), "y");
        assertArrayEquals(new int[] {1, 2, 2}, g.get("y").shape().dims());
        assertArrayEquals(new float[] {40, 50, 0, 10}, g.get("y").toFloatArray());
    }

    @Test
    void outOfRangeIndexIsAClearError() {
        HeedException e = assertThrows(HeedException.class, () -> run(13, node("Gather", List.of("d", "idx"), List.of("y")),
                Map.of("d", Tensor.of(new float[6], 3, 2), "idx", Tensor.ofLongs(new long[] {3}, 1)), "y"));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("gather_0") && e.getMessage().contains("index 3 is out of range for size 3"), e.getMessage());
    }

    @Test
    void outputsOverTheMemoryLimitAreRefused() {
        HeedException e = assertThrows(HeedException.class, () -> run(13, node("ConstantOfShape", List.of("s"), List.of("y")),
                Map.of("s", Tensor.ofLongs(new long[] {1 << 20, 1 << 10}, 2)), "y"));
        assertEquals(ErrorCode.MEMORY_LIMIT, e.code());
    }

    @Test
    void splitAttributeAndInputForms() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5}, 5);
        Node attr = node("Split", List.of("x"), List.of("a", "b"), Fixtures.ints("split", 2, 3));
        Map<String, Tensor> o11 = run(11, attr, Map.of("x", x), "a", "b");
        assertArrayEquals(new float[] {3, 4, 5}, o11.get("b").toFloatArray());
        Map<String, Tensor> o13 = run(13, node("Split", List.of("x", "s"), List.of("a", "b")),
                Map.of("x", x, "s", Tensor.ofLongs(new long[] {4, 1}, 2)), "a", "b");
        assertArrayEquals(new float[] {5}, o13.get("b").toFloatArray());
        Map<String, Tensor> o18 = run(18, node("Split", List.of("x"), List.of("a", "b", "c"), i("num_outputs", 3)),
                Map.of("x", x), "a", "b", "c");
        assertArrayEquals(new float[] {5}, o18.get("c").toFloatArray());
        HeedException e = assertThrows(HeedException.class, () -> run(13, node("Split", List.of("x"), List.of("a", "b")),
                Map.of("x", x), "a", "b"));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
    }

    @Test
    void castToAnUnsupportedTypeIsRefusedAtLoad() {
        Model m = Fixtures.model(13, List.of(node("Cast", List.of("x"), List.of("y"), i("to", 11))),
                List.of(value("x", ElemType.FLOAT, 2)), List.of(value("y", ElemType.DOUBLE, 2)));
        HeedException e = assertThrows(HeedException.class, () -> Session.open(m, SessionOptions.defaults(), OpRegistry.standard()));
        assertEquals(ErrorCode.UNSUPPORTED, e.code());
        assertTrue(e.getMessage().contains("double") && e.getMessage().contains("int64"), e.getMessage());
    }
}
