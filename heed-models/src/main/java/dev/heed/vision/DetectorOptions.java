package dev.heed.vision;

import dev.heed.HeedException;
import dev.heed.onnx.SessionOptions;

import java.util.Set;

/**
 * How a {@link Detector} loads its model and filters detections.
 *
 * <pre>{@code
 * DetectorOptions o = DetectorOptions.defaults().withConf(0.5f).withClasses(Set.of(0, 5)).withMaxDet(100);
 * try (Detector d = Detector.open(Path.of("rtdetr-l.onnx"), o)) { ... }
 * }</pre>
 *
 * @param session     session options (threads, memory limit)
 * @param postprocess score threshold, class filter, max detections
 * @param names       class names, or {@code null} to take them from the model's metadata {@code names} (else COCO-80)
 * @param maxPixels   images with more pixels are refused by {@link Detector#detect(java.nio.file.Path)}
 */
public record DetectorOptions(SessionOptions session, DetectionPostprocess postprocess, ClassNames names, long maxPixels) {

    public DetectorOptions {
        if (session == null) session = SessionOptions.defaults();
        if (postprocess == null) postprocess = DetectionPostprocess.defaults();
        if (maxPixels < 1) throw HeedException.invalid("DetectorOptions", "maxPixels must be >= 1, got " + maxPixels);
    }

    /** Default session, Ultralytics' conf 0.25 / all classes / max_det 300, names from the model, 100 MP limit. */
    public static DetectorOptions defaults() {
        return new DetectorOptions(SessionOptions.defaults(), DetectionPostprocess.defaults(), null, Images.DEFAULT_MAX_PIXELS);
    }

    public DetectorOptions withSession(SessionOptions s) {
        return new DetectorOptions(s, postprocess, names, maxPixels);
    }

    /** Keep detections with score &gt; {@code conf}. */
    public DetectorOptions withConf(float conf) {
        return new DetectorOptions(session, new DetectionPostprocess(conf, postprocess.classes(), postprocess.maxDet()), names, maxPixels);
    }

    /** Keep only these class ids ({@code null}: all). */
    public DetectorOptions withClasses(Set<Integer> classes) {
        return new DetectorOptions(session, new DetectionPostprocess(postprocess.conf(), classes, postprocess.maxDet()), names, maxPixels);
    }

    public DetectorOptions withMaxDet(int maxDet) {
        return new DetectorOptions(session, new DetectionPostprocess(postprocess.conf(), postprocess.classes(), maxDet), names, maxPixels);
    }

    /** Override the model's class names. */
    public DetectorOptions withNames(ClassNames n) {
        return new DetectorOptions(session, postprocess, n, maxPixels);
    }

    public DetectorOptions withMaxPixels(long m) {
        return new DetectorOptions(session, postprocess, names, m);
    }
}
