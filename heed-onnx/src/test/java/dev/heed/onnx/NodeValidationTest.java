package dev.heed.onnx;

import static dev.heed.onnx.Fixtures.i;
import static dev.heed.onnx.Fixtures.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.ir.Attribute;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ir.ValueInfo;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Malformed nodes are refused when a Session opens the graph, with MALFORMED_INPUT naming op, node and rule
 * (issue 13, point 1: never NPE / AIOOBE / INTERNAL). Each case is the smallest reproducer.
 */
class NodeValidationTest {

    private static HeedException open(int opset, List<Node> nodes, List<String> inputs, List<String> outputs) {
        Model m = Fixtures.model(opset, nodes, inputs.stream().map(n -> new ValueInfo(n, null, null)).toList(),
                outputs.stream().map(n -> new ValueInfo(n, null, null)).toList());
        return assertThrows(HeedException.class, () -> {
            try (Session s = Session.open(m, SessionOptions.defaults(), OpRegistry.standard())) {
                s.run(Map.of("x", Tensor.of(new float[] {1, 2}, 2)));
            }
        });
    }

    @Test
    void gatherWithOneInput() {
        HeedException e = open(13, List.of(node("Gather", List.of("x"), List.of("y"))), List.of("x"), List.of("y"));
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
        assertEquals("Gather 'gather_0': needs 2 inputs (data, indices), the node lists 1: [x]", e.getMessage());
    }

    @Test
    void shapeWhoseInputNameIsEmpty() {
        HeedException e = open(13, List.of(node("Shape", List.of(""), List.of("y"))), List.of("x"), List.of("y"));
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
        assertEquals("Shape 'shape_0': input #0 (data) is required but its name is empty: []", e.getMessage());
    }

    @Test
    void constantWithoutATensor() {
        Attribute empty = new Attribute("value", Attribute.Type.TENSOR, 0, 0, null, null, null, new float[0], new long[0], null, null, null);
        HeedException e = open(13, List.of(node("Constant", List.of(), List.of("c"), empty)), List.of("x"), List.of("c"));
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
        assertEquals("Constant 'constant_0': attribute 'value' is a TENSOR attribute but holds no tensor", e.getMessage());
    }

    @Test
    void nodeDeclaringMoreOutputsThanTheOpProduces() {
        HeedException e = open(13, List.of(node("Relu", List.of("x"), List.of("y", "z"))), List.of("x"), List.of("y"));
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
        assertEquals("Relu 'relu_0': produces at most 1 output (Y), the node lists 2: [y, z]", e.getMessage());
    }

    @Test
    void tooManyInputsAndAttributesOfTheWrongType() {
        HeedException many = open(13, List.of(node("Relu", List.of("x", "x"), List.of("y"))), List.of("x"), List.of("y"));
        assertEquals(ErrorCode.MALFORMED_INPUT, many.code());
        assertEquals("Relu 'relu_0': takes at most 1 input (X), the node lists 2: [x, x]", many.getMessage());
        HeedException attr = open(13, List.of(node("Softmax", List.of("x"), List.of("y"), Fixtures.ints("axis", 0))),
                List.of("x"), List.of("y"));
        assertEquals(ErrorCode.MALFORMED_INPUT, attr.code());
        assertEquals("Softmax 'softmax_0': attribute 'axis' must be INT, the node has INTS", attr.getMessage());
    }

    @Test
    void variadicInputsMayNotBeEmptyButOptionalOnesMay() {
        HeedException e = open(13, List.of(node("Concat", List.of("x", ""), List.of("y"), i("axis", 0))), List.of("x"), List.of("y"));
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
        assertEquals("Concat 'concat_0': input #1 (inputs...) is required but its name is empty: [x, ]", e.getMessage());
        // Clip-13 with an empty min and a missing max is well-formed
        Model m = Fixtures.model(13, List.of(node("Clip", List.of("x", ""), List.of("y"))), List.of(new ValueInfo("x", null, null)),
                List.of(new ValueInfo("y", null, null)));
        try (Session s = Session.open(m, SessionOptions.defaults(), OpRegistry.standard())) {
            assertEquals(2, s.run(Map.of("x", Tensor.of(new float[] {1, 2}, 2))).get("y").numel());
        }
    }

    @Test
    void runTimeErrorsNameTheNodeOnce() {
        Model m = Fixtures.model(13, List.of(node("MatMul", List.of("a", "b"), List.of("y"))),
                List.of(new ValueInfo("a", null, null), new ValueInfo("b", null, null)), List.of(new ValueInfo("y", null, null)));
        try (Session s = Session.open(m, SessionOptions.defaults(), OpRegistry.standard())) {
            HeedException e = assertThrows(HeedException.class,
                    () -> s.run(Map.of("a", Tensor.of(new float[6], 2, 3), "b", Tensor.of(new float[8], 4, 2))));
            assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
            assertEquals("node MatMul 'matmul_0': MatMul: A[2, 3] · B[4, 2]: A.dim(-1)=3 != B.dim(-2)=4", e.getMessage());
        }
    }
}
