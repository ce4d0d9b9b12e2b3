package dev.heed.server;

import dev.heed.vision.Classifier;
import dev.heed.vision.Detector;

/**
 * The image models a {@link HeedServer} serves besides its text encoder, each optional, with the name its answers
 * report (the model file's name without {@code .onnx}). The caller owns and closes them.
 *
 * <pre>{@code
 * try (Detector det = Detector.open(Path.of("rtdetr-l.onnx"))) {
 *     HeedServer.start(encoder, VisionModels.none().withDetector(det, "rtdetr-l"), ServerConfig.defaults());
 * }
 * }</pre>
 *
 * @param detector       answers {@code POST /v1/detect}, or null
 * @param detectorName   its name in answers
 * @param classifier     answers {@code POST /v1/classify}, or null
 * @param classifierName its name in answers
 */
public record VisionModels(Detector detector, String detectorName, Classifier classifier, String classifierName) {
    public VisionModels {
        if (detector != null && (detectorName == null || detectorName.isBlank())) detectorName = "detector";
        if (classifier != null && (classifierName == null || classifierName.isBlank())) classifierName = "classifier";
    }

    /** No image model: /v1/detect and /v1/classify answer 404 naming the option that enables them. */
    public static VisionModels none() { return new VisionModels(null, null, null, null); }

    public VisionModels withDetector(Detector d, String name) { return new VisionModels(d, name, classifier, classifierName); }

    public VisionModels withClassifier(Classifier c, String name) { return new VisionModels(detector, detectorName, c, name); }

    /** The file name of a model without its {@code .onnx} extension. */
    public static String nameOf(java.nio.file.Path model) {
        String n = model.getFileName().toString();
        return n.endsWith(".onnx") ? n.substring(0, n.length() - 5) : n;
    }
}
