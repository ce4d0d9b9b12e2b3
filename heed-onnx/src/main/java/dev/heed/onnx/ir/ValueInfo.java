package dev.heed.onnx.ir;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A declared graph value (input, output or value_info): name, element type and (possibly symbolic) shape.
 *
 * <pre>{@code
 * ValueInfo v = session.inputs().get(0);
 * v.toString();   // "input_ids: int64[batch, sequence]"
 * }</pre>
 *
 * @param name     value name
 * @param elemType element type, or null when the type is not a tensor or not stated
 * @param dims     declared dimensions, or null when no shape is declared (any rank)
 */
public record ValueInfo(String name, ElemType elemType, List<Dim> dims) {
    /**
     * Copies {@code dims}.
     *
     * @param name     value name
     * @param elemType element type, or null
     * @param dims     declared dimensions, or null
     */
    public ValueInfo {
        dims = dims == null ? null : List.copyOf(dims);
    }

    /** {@return true when a shape is declared and every dimension is fixed} */
    public boolean isStatic() {
        return dims != null && dims.stream().allMatch(d -> d instanceof Dim.Fixed);
    }

    /** {@return the shape as text, e.g. {@code [batch, 3, 640, 640]}, or {@code [*]} when undeclared} */
    public String shapeString() {
        return dims == null ? "[*]" : dims.stream().map(Dim::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    @Override
    public String toString() {
        return name + ": " + (elemType == null ? "?" : elemType.toString()) + shapeString();
    }
}
