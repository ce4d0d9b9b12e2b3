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
    /** Gives a present model without a name the default name ({@code detector}, {@code classifier}). */
    public VisionModels {
        if (detector != null && (detectorName == null || detectorName.isBlank())) detectorName = "detector";
        if (classifier != null && (classifierName == null || classifierName.isBlank())) classifierName = "classifier";
    }

    /**
     * No image model: /v1/detect and /v1/classify answer 404 naming the option that enables them.
     *
     * @return an empty set of image models
     */
    public static VisionModels none() { return new VisionModels(null, null, null, null); }

    /**
     * A copy with this detector.
     *
     * @param d    the detector behind {@code /v1/detect}, or null for none
     * @param name its name in answers
     * @return the new set
     */
    public VisionModels withDetector(Detector d, String name) { return new VisionModels(d, name, classifier, classifierName); }

    /**
     * A copy with this classifier.
     *
     * @param c    the classifier behind {@code /v1/classify}, or null for none
     * @param name its name in answers
     * @return the new set
     */
    public VisionModels withClassifier(Classifier c, String name) { return new VisionModels(detector, detectorName, c, name); }

    /**
     * A model's name for answers, from its file.
     *
     * @param model the model file
     * @return its file name without the {@code .onnx} extension
     */
    public static String nameOf(java.nio.file.Path model) {
        String n = model.getFileName().toString();
        return n.endsWith(".onnx") ? n.substring(0, n.length() - 5) : n;
    }
}
