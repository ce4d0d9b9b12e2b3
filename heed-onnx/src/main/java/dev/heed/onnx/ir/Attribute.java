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
 *
 * @param name    the attribute's name, e.g. {@code perm}
 * @param type    which of the following fields holds the value
 * @param f       the FLOAT value
 * @param i       the INT value
 * @param s       the STRING value as raw bytes (see {@link #string()}), or null
 * @param t       the TENSOR value, or null
 * @param g       the GRAPH value (a subgraph of If, Loop, Scan), or null
 * @param floats  the FLOATS value, or null
 * @param ints    the INTS value, or null
 * @param strings the STRINGS value (empty when absent)
 * @param tensors the TENSORS value (empty when absent)
 * @param graphs  the GRAPHS value (empty when absent)
 */
public record Attribute(String name, Type type, float f, long i, byte[] s, TensorData t, Graph g,
                        float[] floats, long[] ints, List<byte[]> strings, List<TensorData> tensors, List<Graph> graphs) {

    /** Attribute types, numbered as in the ONNX spec. */
    public enum Type {
        /** 0: not set. */ UNDEFINED,
        /** 1: one float, in {@link Attribute#f()}. */ FLOAT,
        /** 2: one int64, in {@link Attribute#i()}. */ INT,
        /** 3: bytes (usually UTF-8 text), in {@link Attribute#s()}. */ STRING,
        /** 4: one tensor, in {@link Attribute#t()}. */ TENSOR,
        /** 5: one subgraph, in {@link Attribute#g()}. */ GRAPH,
        /** 6: a list of floats, in {@link Attribute#floats()}. */ FLOATS,
        /** 7: a list of int64, in {@link Attribute#ints()}. */ INTS,
        /** 8: a list of byte strings, in {@link Attribute#strings()}. */ STRINGS,
        /** 9: a list of tensors, in {@link Attribute#tensors()}. */ TENSORS,
        /** 10: a list of subgraphs, in {@link Attribute#graphs()}. */ GRAPHS,
        /** 11: a sparse tensor (not decoded). */ SPARSE_TENSOR,
        /** 12: a list of sparse tensors (not decoded). */ SPARSE_TENSORS,
        /** 13: a type (not decoded). */ TYPE_PROTO,
        /** 14: a list of types (not decoded). */ TYPE_PROTOS;

        /**
         * The type with an ONNX number.
         *
         * @param code the {@code AttributeType} number
         * @return the type, or UNDEFINED for an unknown number
         */
        public static Type fromCode(int code) {
            return code >= 0 && code < values().length ? values()[code] : UNDEFINED;
        }
    }

    /**
     * Copies the lists (null lists become empty). Arrays are not copied.
     *
     * @param name    the name
     * @param type    the type
     * @param f       FLOAT value
     * @param i       INT value
     * @param s       STRING bytes
     * @param t       TENSOR value
     * @param g       GRAPH value
     * @param floats  FLOATS value
     * @param ints    INTS value
     * @param strings STRINGS value
     * @param tensors TENSORS value
     * @param graphs  GRAPHS value
     */
    public Attribute {
        strings = strings == null ? List.of() : List.copyOf(strings);
        tensors = tensors == null ? List.of() : List.copyOf(tensors);
        graphs = graphs == null ? List.of() : List.copyOf(graphs);
    }

    /**
     * A FLOAT attribute (for nodes Heed creates itself, such as fused attention).
     *
     * @param name  the attribute's name
     * @param value the value
     * @return the attribute
     */
    public static Attribute ofFloat(String name, float value) {
        return new Attribute(name, Type.FLOAT, value, 0, null, null, null, null, null, null, null, null);
    }

    /**
     * A STRING attribute, UTF-8 encoded.
     *
     * @param name  the attribute's name
     * @param value the text
     * @return the attribute
     */
    public static Attribute ofString(String name, String value) {
        return new Attribute(name, Type.STRING, 0, 0, value.getBytes(StandardCharsets.UTF_8), null, null, null, null, null, null, null);
    }

    /** {@return the STRING value decoded as UTF-8 ("" when absent)} */
    public String string() {
        return s == null ? "" : new String(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return name + ":" + type;
    }
}
