package dev.heed.onnx;

import dev.heed.onnx.ir.Attribute;
import dev.heed.onnx.ir.Dim;
import dev.heed.onnx.ir.ElemType;
import dev.heed.onnx.ir.Graph;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ir.ValueInfo;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test fixtures: the generated .onnx files (src/test/python/make_fixtures.py) and graphs built in code. */
final class Fixtures {
    private Fixtures() {}

    static Path file(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/onnx/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("fixture " + name + " missing: run src/test/python/make_fixtures.py", e);
        }
    }

    static ValueInfo value(String name, ElemType t, Object... dims) {
        return new ValueInfo(name, t, Arrays.stream(dims).map(d -> d instanceof String s ? (Dim) new Dim.Symbolic(s)
                : (Dim) new Dim.Fixed(((Number) d).longValue())).toList());
    }

    static Node node(String op, List<String> in, List<String> out, Attribute... attrs) {
        Map<String, Attribute> m = new LinkedHashMap<>();
        for (Attribute a : attrs) m.put(a.name(), a);
        return new Node(op.toLowerCase() + "_0", op, "", in, out, m);
    }

    static Attribute ints(String name, long... v) {
        return new Attribute(name, Attribute.Type.INTS, 0, 0, null, null, null, new float[0], v, null, null, null);
    }

    static Attribute i(String name, long v) {
        return new Attribute(name, Attribute.Type.INT, 0, v, null, null, null, new float[0], new long[0], null, null, null);
    }

    static Attribute s(String name, String v) {
        return new Attribute(name, Attribute.Type.STRING, 0, 0, v.getBytes(java.nio.charset.StandardCharsets.UTF_8), null, null,
                new float[0], new long[0], null, null, null);
    }

    /** A one-graph model over the default domain at {@code opset}. */
    static Model model(int opset, List<Node> nodes, List<ValueInfo> inputs, List<ValueInfo> outputs) {
        Graph g = new Graph("test", nodes, inputs, outputs, List.of(), List.of());
        return new Model(8, Map.of("", (long) opset), "test", "", "", 0, "", Map.of(), g);
    }
}
