package dev.heed.onnx;

import dev.heed.onnx.ir.ValueInfo;
import java.util.List;
import java.util.Map;

/**
 * A summary of a model for {@code heed inspect}: produced without running anything, and also for models
 * with operators Heed does not implement (they are listed in {@link #unsupported()}).
 *
 * <pre>{@code
 * System.out.print(Session.inspect(Path.of("model.onnx")).report());
 * }</pre>
 *
 * @param irVersion       IR version
 * @param opsets          imported opsets (domain "" is ai.onnx)
 * @param producer        producer name and version
 * @param inputs          graph inputs a caller feeds (initializer-backed inputs excluded)
 * @param outputs         graph outputs
 * @param metadata        metadata_props
 * @param opCounts        node count per op ("domain.Op" outside the default domain), sorted by op
 * @param nodeCount       nodes in the main graph
 * @param initializers    number of initializers
 * @param unsupported     one line per unsupported (domain, op, opset), with its node count and first node
 */
public record ModelInfo(long irVersion, Map<String, Long> opsets, String producer, List<ValueInfo> inputs,
                        List<ValueInfo> outputs, Map<String, String> metadata, Map<String, Integer> opCounts,
                        int nodeCount, int initializers, List<String> unsupported) {

    /** {@return a printable multi-line report: versions, inputs and outputs, metadata, op counts, unsupported ops} */
    public String report() {
        StringBuilder sb = new StringBuilder();
        sb.append("IR version ").append(irVersion).append(", producer ").append(producer.isBlank() ? "?" : producer).append('\n');
        sb.append("opsets:");
        opsets.forEach((d, v) -> sb.append(' ').append(d.isEmpty() ? "ai.onnx" : d).append('=').append(v));
        sb.append('\n').append("inputs:\n");
        inputs.forEach(v -> sb.append("  ").append(v).append('\n'));
        sb.append("outputs:\n");
        outputs.forEach(v -> sb.append("  ").append(v).append('\n'));
        if (!metadata.isEmpty()) {
            sb.append("metadata:\n");
            metadata.forEach((k, v) -> sb.append("  ").append(k).append(" = ")
                    .append(v.length() > 120 ? v.substring(0, 117) + "..." : v).append('\n'));
        }
        sb.append("nodes: ").append(nodeCount).append(", initializers: ").append(initializers).append('\n');
        sb.append("op counts:\n");
        opCounts.forEach((op, n) -> sb.append("  ").append(op).append(' ').append(n).append('\n'));
        if (unsupported.isEmpty()) {
            sb.append("unsupported ops: none\n");
        } else {
            sb.append("unsupported ops (").append(unsupported.size()).append("):\n");
            unsupported.forEach(u -> sb.append("  ").append(u).append('\n'));
        }
        return sb.toString();
    }
}
