package dev.heed.vision;

import dev.heed.HeedException;
import dev.heed.onnx.SessionOptions;

/**
 * How a {@link Classifier} loads its model, prepares images and names classes.
 *
 * <pre>{@code
 * ClassifierOptions o = ClassifierOptions.defaults().withLabels(ClassNames.fromFile(Path.of("labels.txt")));
 * }</pre>
 *
 * @param session    session options (threads, memory limit)
 * @param labels     class names, or {@code null}: the model's metadata {@code names}, else ImageNet-1k
 * @param preprocess image preparation, or {@code null}: torchvision's Resize(256 · S / 224), CenterCrop(S), ImageNet
 *                   mean/std for the model's input side S
 * @param maxPixels  images with more pixels are refused by {@link Classifier#classify(java.nio.file.Path, int)}
 */
public record ClassifierOptions(SessionOptions session, ClassNames labels, ViTPreprocess preprocess, long maxPixels) {

    /**
     * Fills in the default session and checks the pixel limit.
     *
     * @param session    session options, or null for the defaults
     * @param labels     class names, or null
     * @param preprocess image preparation, or null
     * @param maxPixels  ≥ 1
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code maxPixels < 1}
     */
    public ClassifierOptions {
        if (session == null) session = SessionOptions.defaults();
        if (maxPixels < 1) throw HeedException.invalid("ClassifierOptions", "maxPixels must be >= 1, got " + maxPixels);
    }

    /** {@return default session, labels from the model or ImageNet-1k, torchvision preprocessing, 100 MP limit} */
    public static ClassifierOptions defaults() {
        return new ClassifierOptions(SessionOptions.defaults(), null, null, Images.DEFAULT_MAX_PIXELS);
    }

    /**
     * A copy with other session options.
     *
     * @param s threads, memory limit, fusion; null for the defaults
     * @return the new options
     */
    public ClassifierOptions withSession(SessionOptions s) {
        return new ClassifierOptions(s, labels, preprocess, maxPixels);
    }

    /**
     * A copy with other class names.
     *
     * @param l the names, or null for the model's (else ImageNet-1k)
     * @return the new options
     */
    public ClassifierOptions withLabels(ClassNames l) {
        return new ClassifierOptions(session, l, preprocess, maxPixels);
    }

    /**
     * A copy with another image preparation.
     *
     * @param p resize, crop and normalisation, or null for torchvision's for the model's input side
     * @return the new options
     */
    public ClassifierOptions withPreprocess(ViTPreprocess p) {
        return new ClassifierOptions(session, labels, p, maxPixels);
    }

    /**
     * A copy with another image size limit.
     *
     * @param m the most pixels an image may have, ≥ 1
     * @return the new options
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code m < 1}
     */
    public ClassifierOptions withMaxPixels(long m) {
        return new ClassifierOptions(session, labels, preprocess, m);
    }
}
