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
    /**
     * Copies the maps into unmodifiable ones that keep their order.
     *
     * @param irVersion       IR version
     * @param opsets          imported opsets
     * @param producerName    producer
     * @param producerVersion producer version
     * @param domain          model domain
     * @param modelVersion    model version
     * @param docString       documentation
     * @param metadata        metadata_props
     * @param graph           the main graph
     */
    public Model {
        opsets = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(opsets));
        metadata = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
    }

    /**
     * The newest ai.onnx opset Heed's operator table is written against (the highest since-version it
     * registers). A model may import a newer one: each operator then runs as its newest version Heed has,
     * which {@link #opsetNote()} says.
     */
    public static final int NEWEST_KNOWN_OPSET = 20;

    /**
     * A note when the model imports an ai.onnx opset newer than {@link #NEWEST_KNOWN_OPSET}, naming the opset
     * the operators are actually taken from; empty otherwise.
     *
     * @return the note, or empty
     */
    public java.util.Optional<String> opsetNote() {
        long v = opsetFor("");
        if (v <= NEWEST_KNOWN_OPSET) return java.util.Optional.empty();
        return java.util.Optional.of("the model imports ai.onnx opset " + v + ", newer than the newest Heed knows ("
                + NEWEST_KNOWN_OPSET + "): every operator runs as its newest version up to opset " + NEWEST_KNOWN_OPSET
                + ", which differs from opset " + v + " only where ONNX changed that operator after opset " + NEWEST_KNOWN_OPSET);
    }

    /**
     * The opset imported for a domain.
     *
     * @param domain the domain; "" or "ai.onnx" for the default domain
     * @return the imported version, or -1 if the model imports none for it
     */
    public long opsetFor(String domain) {
        return opsets.getOrDefault(Node.canonicalDomain(domain), -1L);
    }
}
