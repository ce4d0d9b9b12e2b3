package dev.heed.onnx.ir;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A node attribute ({@code AttributeProto}); exactly the field named by {@link #type()} is meaningful.
 *
 * <pre>{@code
 * Attribute a = node.attributes().get("perm");
 * long[] perm = a.ints();   // type() == Type.INTS
 * }</pre>
 */
public record Attribute(String name, Type type, float f, long i, byte[] s, TensorData t, Graph g,
                        float[] floats, long[] ints, List<byte[]> strings, List<TensorData> tensors, List<Graph> graphs) {

    /** Attribute types, numbered as in the ONNX spec. */
    public enum Type {
        UNDEFINED, FLOAT, INT, STRING, TENSOR, GRAPH, FLOATS, INTS, STRINGS, TENSORS, GRAPHS,
        SPARSE_TENSOR, SPARSE_TENSORS, TYPE_PROTO, TYPE_PROTOS;

        /** The type with ONNX number {@code code}, or UNDEFINED. */
        public static Type fromCode(int code) {
            return code >= 0 && code < values().length ? values()[code] : UNDEFINED;
        }
    }

    public Attribute {
        strings = strings == null ? List.of() : List.copyOf(strings);
        tensors = tensors == null ? List.of() : List.copyOf(tensors);
        graphs = graphs == null ? List.of() : List.copyOf(graphs);
    }

    /** A FLOAT attribute (for nodes Heed creates itself, such as fused attention). */
    public static Attribute ofFloat(String name, float value) {
        return new Attribute(name, Type.FLOAT, value, 0, null, null, null, null, null, null, null, null);
    }

    /** A STRING attribute, UTF-8 encoded. */
    public static Attribute ofString(String name, String value) {
        return new Attribute(name, Type.STRING, 0, 0, value.getBytes(StandardCharsets.UTF_8), null, null, null, null, null, null, null);
    }

    /** The STRING value decoded as UTF-8. */
    public String string() {
        return s == null ? "" : new String(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return name + ":" + type;
    }
}
