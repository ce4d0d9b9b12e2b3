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
 */
public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                   Map<String, Attribute> attributes) {

    public Node {
        domain = canonicalDomain(domain);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    /** "" for the default ONNX domain (also spelled "ai.onnx"), otherwise the domain unchanged. */
    public static String canonicalDomain(String domain) {
        return domain == null || domain.equals("ai.onnx") ? "" : domain;
    }

    /** {@code Reshape 'model/Reshape_3'} for messages. */
    public String describe() {
        return (domain.isEmpty() ? "" : domain + ".") + opType + " '" + name + "'";
    }

    /** Input {@code i}, or "" when absent. */
    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

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

    public long attrInt(String attr, long dflt) {
        Attribute a = attr(attr, Attribute.Type.INT);
        return a == null ? dflt : a.i();
    }

    public float attrFloat(String attr, float dflt) {
        Attribute a = attr(attr, Attribute.Type.FLOAT);
        return a == null ? dflt : a.f();
    }

    public String attrString(String attr, String dflt) {
        Attribute a = attr(attr, Attribute.Type.STRING);
        return a == null ? dflt : a.string();
    }

    /** INTS attribute, or null when absent. */
    public long[] attrInts(String attr) {
        Attribute a = attr(attr, Attribute.Type.INTS);
        return a == null ? null : a.ints().clone();
    }

    /** FLOATS attribute, or null when absent. */
    public float[] attrFloats(String attr) {
        Attribute a = attr(attr, Attribute.Type.FLOATS);
        return a == null ? null : a.floats().clone();
    }

    /** TENSOR attribute, or null when absent. */
    public TensorData attrTensor(String attr) {
        Attribute a = attr(attr, Attribute.Type.TENSOR);
        return a == null ? null : a.t();
    }

    @Override
    public String toString() {
        return describe() + " " + inputs + " -> " + outputs;
    }
}
