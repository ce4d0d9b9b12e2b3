package dev.heed.onnx.ops;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.ir.Attribute;
import dev.heed.onnx.ir.Node;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one registration of an operator accepts: its inputs, outputs and typed attributes, parsed from a
 * signature such as {@code "X, W, B? -> Y | group:int pads:ints"}. {@code name?} is an optional input or output
 * (may be absent or the empty name), {@code name...} a variadic one (one or more, none empty), {@code name*}
 * zero or more. Attribute types are ONNX's: {@code int, float, string, tensor, graph, ints, floats, strings,
 * tensors, graphs}. {@link #validate} refuses a node that breaks the signature with {@code MALFORMED_INPUT},
 * naming the op, the node and the rule; attributes the signature does not list are ignored.
 *
 * <pre>{@code
 * OpSchema s = OpSchema.parse("data, indices -> output | axis:int");
 * s.validate(node);   // a Gather with one input: "Gather 'g': needs 2 inputs (data, indices), has 1: [x]"
 * }</pre>
 *
 * @param inputs     input names as written (with their ? / ... / * marks)
 * @param outputs    output names as written
 * @param attributes attribute name → type, in signature order
 */
public record OpSchema(List<String> inputs, List<String> outputs, Map<String, Attribute.Type> attributes) {

    /**
     * Copies the lists and map into unmodifiable ones.
     *
     * @param inputs     input names as written
     * @param outputs    output names as written
     * @param attributes attribute name → type
     */
    public OpSchema {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    /**
     * Parses {@code "in1, in2? -> out1, out2? | attr:type ..."}; an op without inputs writes {@code "-> out"}.
     *
     * @param signature the signature text
     * @return the schema
     * @throws IllegalArgumentException when the text has no {@code ->}, an attribute has no type, a variadic input is not last or
     *                                  a required input follows an optional one
     */
    public static OpSchema parse(String signature) {
        String sig = signature.strip();
        String attrs = "";
        int bar = sig.indexOf('|');
        if (bar >= 0) {
            attrs = sig.substring(bar + 1).strip();
            sig = sig.substring(0, bar).strip();
        }
        int arrow = sig.indexOf("->");
        if (arrow < 0) throw new IllegalArgumentException("signature '" + signature + "' has no '->'");
        List<String> in = names(sig.substring(0, arrow)), out = names(sig.substring(arrow + 2));
        Map<String, Attribute.Type> at = new LinkedHashMap<>();
        if (!attrs.isEmpty()) {
            for (String a : attrs.split("\\s+")) {
                int colon = a.indexOf(':');
                if (colon < 0) throw new IllegalArgumentException("attribute '" + a + "' in '" + signature + "' has no type");
                at.put(a.substring(0, colon), Attribute.Type.valueOf(a.substring(colon + 1).toUpperCase(Locale.ROOT)));
            }
        }
        OpSchema s = new OpSchema(in, out, at);
        s.check(signature);
        return s;
    }

    private static List<String> names(String list) {
        List<String> r = new ArrayList<>();
        for (String s : list.split(",")) if (!s.isBlank()) r.add(s.strip());
        return r;
    }

    private void check(String signature) {
        boolean optionalSeen = false;
        for (int i = 0; i < inputs.size(); i++) {
            String s = inputs.get(i);
            if (isVariadic(s) && i != inputs.size() - 1) {
                throw new IllegalArgumentException("variadic input must come last in '" + signature + "'");
            }
            if (required(s)) {
                if (optionalSeen) throw new IllegalArgumentException("required input after an optional one in '" + signature + "'");
            } else {
                optionalSeen = true;
            }
        }
    }

    private static boolean isVariadic(String s) {
        return s.endsWith("...") || s.endsWith("*");
    }

    private static boolean required(String s) {
        return !s.endsWith("?") && !s.endsWith("*");
    }

    /** {@return the fewest inputs a node must list (the required ones)} */
    public int minInputs() {
        int n = 0;
        for (String s : inputs) if (required(s)) n++;
        return n;
    }

    /** {@return the most inputs a node may list ({@link Integer#MAX_VALUE} when the last is variadic)} */
    public int maxInputs() {
        return !inputs.isEmpty() && isVariadic(inputs.getLast()) ? Integer.MAX_VALUE : inputs.size();
    }

    /** {@return the most outputs a node may list ({@link Integer#MAX_VALUE} when the last is variadic)} */
    public int maxOutputs() {
        return !outputs.isEmpty() && isVariadic(outputs.getLast()) ? Integer.MAX_VALUE : outputs.size();
    }

    /** {@return the signature as written to {@link #parse}, normalised (single spaces, lower-case attribute types)} */
    public String signature() {
        StringBuilder b = new StringBuilder(String.join(", ", inputs)).append(inputs.isEmpty() ? "-> " : " -> ")
                .append(String.join(", ", outputs));
        if (!attributes.isEmpty()) {
            b.append(" |");
            attributes.forEach((k, v) -> b.append(' ').append(k).append(':').append(v.name().toLowerCase(Locale.ROOT)));
        }
        return b.toString();
    }

    /**
     * Refuses {@code node} when it lists too few or too many inputs, leaves a required input's name empty, lists
     * more outputs than the op produces, or carries a listed attribute of another type (or a tensor attribute
     * holding no tensor).
     *
     * @param node the node to check
     * @throws HeedException {@code MALFORMED_INPUT} naming the node (op type and name) and the rule
     */
    public void validate(Node node) {
        int n = node.inputs().size();
        String ins = "(" + String.join(", ", inputs) + ")";
        if (n < minInputs()) {
            throw malformed(node, "needs " + (maxInputs() == minInputs() ? "" : "at least ") + minInputs() + " input"
                    + (minInputs() == 1 ? "" : "s") + " " + ins + ", the node lists " + n + ": " + node.inputs());
        }
        if (n > maxInputs()) {
            throw malformed(node, "takes at most " + maxInputs() + " input" + (maxInputs() == 1 ? "" : "s") + " " + ins
                    + ", the node lists " + n + ": " + node.inputs());
        }
        for (int i = 0; i < n; i++) {
            String spec = inputs.get(Math.min(i, inputs.size() - 1));
            if (required(spec) && node.inputs().get(i).isEmpty()) {
                throw malformed(node, "input #" + i + " (" + spec + ") is required but its name is empty: " + node.inputs());
            }
        }
        if (node.outputs().size() > maxOutputs()) {
            throw malformed(node, "produces at most " + maxOutputs() + " output" + (maxOutputs() == 1 ? "" : "s") + " ("
                    + String.join(", ", outputs) + "), the node lists " + node.outputs().size() + ": " + node.outputs());
        }
        for (Map.Entry<String, Attribute.Type> e : attributes.entrySet()) {
            Attribute a = node.attributes().get(e.getKey());
            if (a == null) continue;
            if (a.type() != e.getValue()) {
                throw malformed(node, "attribute '" + e.getKey() + "' must be " + e.getValue() + ", the node has " + a.type());
            }
            if (a.type() == Attribute.Type.TENSOR && a.t() == null) {
                throw malformed(node, "attribute '" + e.getKey() + "' is a TENSOR attribute but holds no tensor");
            }
        }
    }

    private static HeedException malformed(Node node, String rule) {
        return new HeedException(ErrorCode.MALFORMED_INPUT, node.describe() + ": " + rule);
    }
}
