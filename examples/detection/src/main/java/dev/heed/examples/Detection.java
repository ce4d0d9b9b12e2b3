package dev.heed.examples;

import dev.heed.vision.Detections;
import dev.heed.vision.Detector;
import dev.heed.vision.DetectorOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Detects objects in an image with an RT-DETR ONNX model and writes Ultralytics' tojson() next to it.
 * Arguments: MODEL.onnx IMAGE [OUT.json]. A real model: `yolo export model=rtdetr-l.pt format=onnx opset=17`
 * (the fixture that bin/test passes has random weights, so its detections mean nothing).
 */
public final class Detection {
    public static void main(String[] args) throws IOException {
        if (args.length < 2) throw new IllegalArgumentException("usage: Detection MODEL.onnx IMAGE [OUT.json]");
        Path model = Path.of(args[0]), image = Path.of(args[1]);
        Path json = Path.of(args.length > 2 ? args[2] : "detections.json");
        // README:begin
        try (Detector detector = Detector.open(model, DetectorOptions.defaults().withConf(0.5f))) {
            Detections r = detector.detect(image);
            System.out.println(r.summary(image.getFileName().toString(), detector.inputSize(), detector.inputSize()));
            Files.writeString(json, r.toJson());                       // Ultralytics' tojson() fields
        }
        // README:end
    }
}
