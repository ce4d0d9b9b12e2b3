package dev.heed.onnx.ir;

import java.util.Map;

/**
 * A decoded ONNX model ({@code ModelProto}).
 *
 * <pre>{@code
 * Model m = OnnxReader.read(Path.of("yolo.onnx"), 1L << 30);
 * m.metadata().get("names");     // Ultralytics class names
 * m.opsetFor("");                // default-domain opset, e.g. 17
 * }</pre>
 *
 * @param irVersion       IR version (3–10 supported)
 * @param opsets          imported opsets, domain → version ("" is the default domain; "ai.onnx" is folded into "")
 * @param producerName    producer, e.g. "pytorch"
 * @param producerVersion producer version
 * @param domain          model domain
 * @param modelVersion    model version
 * @param docString       documentation
 * @param metadata        metadata_props in file order
 * @param graph           the main graph
 */
public record Model(long irVersion, Map<String, Long> opsets, String producerName, String producerVersion,
                    String domain, long modelVersion, String docString, Map<String, String> metadata, Graph graph) {
    public Model {
        opsets = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(opsets));
        metadata = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
    }

    /** The opset imported for {@code domain} ("" or "ai.onnx" for the default domain), or -1 if none. */
    public long opsetFor(String domain) {
        return opsets.getOrDefault(Node.canonicalDomain(domain), -1L);
    }
}
