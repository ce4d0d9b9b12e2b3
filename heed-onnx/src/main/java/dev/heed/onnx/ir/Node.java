package dev.heed.onnx.ir;

import dev.heed.HeedException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One graph node. Missing optional inputs are empty strings, as in ONNX. Attribute helpers throw a
 * {@link HeedException} naming the node when an attribute has the wrong type.
 *
 * <pre>{@code
 * int axis = (int) node.attrInt("axis", 0);
 * long[] perm = node.attrInts("perm");      // null when absent
 * }</pre>
 *
 * @param name       node name (may be "")
 * @param opType     the operator, e.g. {@code MatMul}
 * @param domain     the operator's domain; null and "ai.onnx" become ""
 * @param inputs     input value names; "" for an absent optional input
 * @param outputs    output value names
 * @param attributes attributes by name
 */
public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                   Map<String, Attribute> attributes) {

    /**
     * Canonicalises the domain and copies the lists and map into unmodifiable ones.
     *
     * @param name       node name (may be "")
     * @param opType     the operator, e.g. {@code MatMul}
     * @param domain     the operator's domain; null and "ai.onnx" become ""
     * @param inputs     input value names; "" for an absent optional input
     * @param outputs    output value names
     * @param attributes attributes by name
     */
    public Node {
        domain = canonicalDomain(domain);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    /**
     * The canonical spelling of a domain.
     *
     * @param domain a domain, possibly null
     * @return "" for the default ONNX domain (null, "" or "ai.onnx"), otherwise the domain unchanged
     */
    public static String canonicalDomain(String domain) {
        return domain == null || domain.equals("ai.onnx") ? "" : domain;
    }

    /** {@return the node for messages, e.g. {@code Reshape 'model/Reshape_3'} (with the domain when not the default)} */
    public String describe() {
        return (domain.isEmpty() ? "" : domain + ".") + opType + " '" + name + "'";
    }

    /**
     * One input's value name.
     *
     * @param i the input position, ≥ 0
     * @return the name, or "" when the node has no input {@code i} or it is an absent optional input
     */
    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    /**
     * Whether the node carries an attribute.
     *
     * @param attr the attribute's name
     * @return true when present
     */
    public boolean hasAttr(String attr) {
        return attributes.containsKey(attr);
    }

    private Attribute attr(String attr, Attribute.Type type) {
        Attribute a = attributes.get(attr);
        if (a != null && a.type() != type) {
            throw HeedException.invalid(describe(), "attribute '" + attr + "' is " + a.type() + ", expected " + type);
        }
        return a;
    }

    /**
     * An INT attribute.
     *
     * @param attr the attribute's name
     * @param dflt the value when absent
     * @return the value or {@code dflt}
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} naming the node when the attribute has another type
     */
    public long attrInt(String attr, long dflt) {
        Attribute a = attr(attr, Attribute.Type.INT);
        return a == null ? dflt : a.i();
    }

    /**
     * A FLOAT attribute.
     *
     * @param attr the attribute's name
     * @param dflt the value when absent
     * @return the value or {@code dflt}
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} naming the node when the attribute has another type
     */
    public float attrFloat(String attr, float dflt) {
        Attribute a = attr(attr, Attribute.Type.FLOAT);
        return a == null ? dflt : a.f();
    }

    /**
     * A STRING attribute decoded as UTF-8.
     *
     * @param attr the attribute's name
     * @param dflt the value when absent
     * @return the value or {@code dflt}
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} naming the node when the attribute has another type
     */
    public String attrString(String attr, String dflt) {
        Attribute a = attr(attr, Attribute.Type.STRING);
        return a == null ? dflt : a.string();
    }

    /**
     * An INTS attribute.
     *
     * @param attr the attribute's name
     * @return a copy of the values, or null when absent
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} naming the node when the attribute has another type
     */
    public long[] attrInts(String attr) {
        Attribute a = attr(attr, Attribute.Type.INTS);
        return a == null ? null : a.ints().clone();
    }

    /**
     * A FLOATS attribute.
     *
     * @param attr the attribute's name
     * @return a copy of the values, or null when absent
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} naming the node when the attribute has another type
     */
    public float[] attrFloats(String attr) {
        Attribute a = attr(attr, Attribute.Type.FLOATS);
        return a == null ? null : a.floats().clone();
    }

    /**
     * A TENSOR attribute.
     *
     * @param attr the attribute's name
     * @return the tensor, or null when absent
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} naming the node when the attribute has another type
     */
    public TensorData attrTensor(String attr) {
        Attribute a = attr(attr, Attribute.Type.TENSOR);
        return a == null ? null : a.t();
    }

    @Override
    public String toString() {
        return describe() + " " + inputs + " -> " + outputs;
    }
}
