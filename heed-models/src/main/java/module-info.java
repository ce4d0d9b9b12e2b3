/**
 * Ready-made pipelines on Heed's engine: text encoders (tokenizer, pooling, the model catalogue), vision
 * (detection, classification, explanations) and the attention viewer. The bundled all-MiniLM-L6-v2 and the
 * catalogue's models are read as class-path resources; image formats beyond the JDK's come from ImageIO plug-ins
 * found by the service loader, wherever they are.
 */
module dev.heed.models {
    requires transitive dev.heed.onnx;
    requires transitive java.desktop;
    requires com.fasterxml.jackson.databind;

    exports dev.heed.text;
    exports dev.heed.vision;
    exports dev.heed.vision.explain;
    exports dev.heed.viz;
}
