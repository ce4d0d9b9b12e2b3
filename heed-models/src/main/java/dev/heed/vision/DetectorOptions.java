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

    /**
     * Fills in defaults for null choices and checks the pixel limit.
     *
     * @param session     session options, or null for the defaults
     * @param postprocess thresholds and filters, or null for the defaults
     * @param names       class names, or null
     * @param maxPixels   ≥ 1
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code maxPixels < 1}
     */
    public DetectorOptions {
        if (session == null) session = SessionOptions.defaults();
        if (postprocess == null) postprocess = DetectionPostprocess.defaults();
        if (maxPixels < 1) throw HeedException.invalid("DetectorOptions", "maxPixels must be >= 1, got " + maxPixels);
    }

    /** {@return default session, Ultralytics' conf 0.25 / all classes / max_det 300, names from the model, 100 MP limit} */
    public static DetectorOptions defaults() {
        return new DetectorOptions(SessionOptions.defaults(), DetectionPostprocess.defaults(), null, Images.DEFAULT_MAX_PIXELS);
    }

    /**
     * A copy with other session options.
     *
     * @param s threads, memory limit, fusion; null for the defaults
     * @return the new options
     */
    public DetectorOptions withSession(SessionOptions s) {
        return new DetectorOptions(s, postprocess, names, maxPixels);
    }

    /**
     * A copy keeping detections with score &gt; {@code conf}.
     *
     * @param conf the score threshold (scores are in [0, 1])
     * @return the new options
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when NaN
     */
    public DetectorOptions withConf(float conf) {
        return new DetectorOptions(session, new DetectionPostprocess(conf, postprocess.classes(), postprocess.maxDet()), names, maxPixels);
    }

    /**
     * A copy keeping only these class ids.
     *
     * @param classes the class ids, or null for all
     * @return the new options
     */
    public DetectorOptions withClasses(Set<Integer> classes) {
        return new DetectorOptions(session, new DetectionPostprocess(postprocess.conf(), classes, postprocess.maxDet()), names, maxPixels);
    }

    /**
     * A copy keeping at most this many detections (the highest scores).
     *
     * @param maxDet ≥ 1
     * @return the new options
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when out of range
     */
    public DetectorOptions withMaxDet(int maxDet) {
        return new DetectorOptions(session, new DetectionPostprocess(postprocess.conf(), postprocess.classes(), maxDet), names, maxPixels);
    }

    /**
     * A copy with class names that override the model's.
     *
     * @param n the names, or null for the model's (else COCO-80)
     * @return the new options
     */
    public DetectorOptions withNames(ClassNames n) {
        return new DetectorOptions(session, postprocess, n, maxPixels);
    }

    /**
     * A copy with another image size limit.
     *
     * @param m the most pixels an image may have, ≥ 1
     * @return the new options
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code m < 1}
     */
    public DetectorOptions withMaxPixels(long m) {
        return new DetectorOptions(session, postprocess, names, m);
    }
}
