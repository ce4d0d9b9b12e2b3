package dev.heed.onnx.ir;

import java.util.List;

/**
 * A decoded ONNX graph, nodes in file order (the Session sorts them topologically).
 *
 * <pre>{@code
 * Graph g = OnnxReader.read(path, limit).graph();
 * g.inputs().forEach(System.out::println);
 * }</pre>
 *
 * @param name         graph name
 * @param nodes        nodes as stored
 * @param inputs       declared inputs (may include initializers, which then act as overridable defaults)
 * @param outputs      declared outputs
 * @param valueInfo    declared intermediate values
 * @param initializers constant tensors
 */
public record Graph(String name, List<Node> nodes, List<ValueInfo> inputs, List<ValueInfo> outputs,
                    List<ValueInfo> valueInfo, List<TensorData> initializers) {
    /**
     * Copies the lists into unmodifiable ones.
     *
     * @param name         graph name
     * @param nodes        nodes as stored
     * @param inputs       declared inputs
     * @param outputs      declared outputs
     * @param valueInfo    declared intermediate values
     * @param initializers constant tensors
     * @throws NullPointerException when a list is null
     */
    public Graph {
        nodes = List.copyOf(nodes);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        valueInfo = List.copyOf(valueInfo);
        initializers = List.copyOf(initializers);
    }
}
