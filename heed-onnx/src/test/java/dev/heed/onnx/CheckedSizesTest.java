package dev.heed.onnx;

import static dev.heed.onnx.Fixtures.node;
import static dev.heed.onnx.Fixtures.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.ir.ElemType;
import dev.heed.onnx.ir.Graph;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.TensorData;
import dev.heed.onnx.reader.OnnxReader;
import dev.heed.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 13, points 3 and 7: sizes, dims and opset numbers are checked, never wrapped or cast. */
class CheckedSizesTest {

    private static Model identity(long opset, Object... dims) {
        Graph g = new Graph("g", List.of(node("Identity", List.of("x"), List.of("y"))),
                List.of(value("x", ElemType.FLOAT, dims)), List.of(value("y", ElemType.FLOAT)), List.of(), List.of());
        return new Model(8, Map.of("", opset), "test", "", "", 0, "", Map.of(), g);
    }

    private static HeedException openFails(byte[] onnx) {
        return assertThrows(HeedException.class, () -> Session.open(onnx, SessionOptions.defaults()).close());
    }

    @Test
    void opsetOf2To31IsMalformedNotCast() {
        HeedException e = openFails(ModelWriter.write(identity(1L << 31, 2)));
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
        assertTrue(e.getMessage().contains("2147483648"), e.getMessage());
        assertEquals(ErrorCode.MALFORMED_INPUT, openFails(ModelWriter.write(identity(-1, 2))).code());
    }

    @Test
    void opset99RunsWithANoteNamingTheOpsetUsed() {
        byte[] onnx = ModelWriter.write(identity(99, 2));
        Model m = OnnxReader.read(onnx, null, 1 << 20);
        String note = m.opsetNote().orElseThrow();
        assertTrue(note.contains("99") && note.contains(String.valueOf(Model.NEWEST_KNOWN_OPSET)), note);
        try (Session s = Session.open(onnx, SessionOptions.defaults())) {
            assertArrayEquals(new float[] {1, 2}, s.run(Map.of("x", Tensor.of(new float[] {1, 2}, 2))).get("y").toFloatArray());
        }
        assertTrue(OnnxReader.read(ModelWriter.write(identity(13, 2)), null, 1 << 20).opsetNote().isEmpty());
    }

    @Test
    void aDeclaredInputDimOf2To31IsMalformedNotCast() {
        HeedException e = openFails(ModelWriter.write(identity(13, 1L << 31, 2)));
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
        assertTrue(e.getMessage().contains("2147483648"), e.getMessage());
    }

    @Test
    void expandTo2To64ElementsIsRefusedNotWrapped() {
        // Expand(x[1], shape=[2^30, 2^30, 16]): 2^64 elements, which a wrapping count saw as 0
        TensorData shape = new TensorData("shape", ElemType.INT64, new long[] {3},
                new TensorData.Data.Longs(new long[] {1L << 30, 1L << 30, 16}));
        Graph g = new Graph("g", List.of(node("Expand", List.of("x", "shape"), List.of("y")),
                node("ReduceSum", List.of("y"), List.of("z"))),
                List.of(value("x", ElemType.FLOAT, 1)), List.of(value("z", ElemType.FLOAT)), List.of(), List.of(shape));
        Model m = new Model(8, Map.of("", 13L), "test", "", "", 0, "", Map.of(), g);
        HeedException e = assertThrows(HeedException.class, () -> {
            try (Session s = Session.open(ModelWriter.write(m), SessionOptions.defaults())) {
                s.run(Map.of("x", Tensor.of(new float[] {1}, 1)));
            }
        });
        assertEquals(ErrorCode.MEMORY_LIMIT, e.code(), e.getMessage());
    }

    @Test
    void reshapeOfAnEmptyTensorTo2To64ElementsIsRefused() {
        TensorData shape = new TensorData("shape", ElemType.INT64, new long[] {3},
                new TensorData.Data.Longs(new long[] {1L << 30, 1L << 30, 16}));
        Graph g = new Graph("g", List.of(node("Reshape", List.of("x", "shape"), List.of("y")), node("Size", List.of("y"), List.of("n"))),
                List.of(value("x", ElemType.FLOAT, 0)), List.of(value("n", ElemType.INT64)), List.of(), List.of(shape));
        Model m = new Model(8, Map.of("", 13L), "test", "", "", 0, "", Map.of(), g);
        HeedException e = assertThrows(HeedException.class, () -> {
            try (Session s = Session.open(ModelWriter.write(m), SessionOptions.defaults())) {
                s.run(Map.of("x", Tensor.of(new float[0], 0)));
            }
        });
        assertTrue(e.code() == ErrorCode.MEMORY_LIMIT || e.code() == ErrorCode.SHAPE_MISMATCH, e.toString());
    }
}
