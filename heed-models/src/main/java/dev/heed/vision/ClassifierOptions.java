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

    public ClassifierOptions {
        if (session == null) session = SessionOptions.defaults();
        if (maxPixels < 1) throw HeedException.invalid("ClassifierOptions", "maxPixels must be >= 1, got " + maxPixels);
    }

    /** Default session, labels from the model or ImageNet-1k, torchvision preprocessing, 100 MP limit. */
    public static ClassifierOptions defaults() {
        return new ClassifierOptions(SessionOptions.defaults(), null, null, Images.DEFAULT_MAX_PIXELS);
    }

    public ClassifierOptions withSession(SessionOptions s) {
        return new ClassifierOptions(s, labels, preprocess, maxPixels);
    }

    public ClassifierOptions withLabels(ClassNames l) {
        return new ClassifierOptions(session, l, preprocess, maxPixels);
    }

    public ClassifierOptions withPreprocess(ViTPreprocess p) {
        return new ClassifierOptions(session, labels, p, maxPixels);
    }

    public ClassifierOptions withMaxPixels(long m) {
        return new ClassifierOptions(session, labels, preprocess, m);
    }
}
