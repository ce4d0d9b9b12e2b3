package dev.heed.vision;

import dev.heed.HeedException;
import dev.heed.onnx.Session;
import dev.heed.tensor.Tensor;

import java.nio.file.Path;
import java.util.List;

/**
 * Image classification over an ONNX model that takes {@code [1, 3, S, S]} and returns logits {@code [1, nc]} — a
 * torchvision {@code VisionTransformer} export, for example. Images are prepared as torchvision's
 * {@code Resize(256), CenterCrop(224), ToTensor(), Normalize(ImageNet)} ({@link ViTPreprocess}); classes are named
 * by the options' labels, else the model's metadata {@code names}, else ImageNet-1k. Thread-safe; close it to stop
 * the session's worker threads.
 *
 * <pre>{@code
 * try (Classifier vit = Classifier.open(Path.of("vit_b_16.onnx"), ClassifierOptions.defaults())) {
 *     for (Classification c : vit.classify(Path.of("cat.jpg"), 5).top()) System.out.println(c.name() + " " + c.probability());
 * }
 * }</pre>
 */
public final class Classifier implements AutoCloseable {
    private final VisionModel model;
    private final ViTPreprocess preprocess;
    private final ClassNames labels;
    private final ClassifierOptions options;

    private Classifier(Session session, ClassifierOptions options) {
        this.options = options;
        this.model = VisionModel.of(session, "classifier", "pixel_values", "logits", 224)
                .requireOutputRank("classifier", 2, "logits [1, nc]");
        ViTPreprocess p = options.preprocess();
        if (p == null) {
            p = model.size == 224 ? ViTPreprocess.imagenet()
                    : new ViTPreprocess((int) Math.round(model.size * 256.0 / 224), model.size, ViTPreprocess.IMAGENET_MEAN, ViTPreprocess.IMAGENET_STD);
        } else if (p.crop() != model.size) {
            throw HeedException.shape("classifier", "preprocess crops to " + p.crop() + "x" + p.crop() + " but the model input '"
                    + model.input + "' takes " + model.size + "x" + model.size);
        }
        this.preprocess = p;
        if (options.labels() != null) labels = options.labels();
        else if (session.metadata().containsKey("names")) labels = ClassNames.fromMetadata(session.metadata());
        else labels = ClassNames.imagenet1k();
    }

    /** Opens {@code model} (memory-mapped) with {@code options}. */
    public static Classifier open(Path model, ClassifierOptions options) {
        Session s = Session.open(model, options.session());
        try {
            return new Classifier(s, options);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Opens {@code model} with {@link ClassifierOptions#defaults()}. */
    public static Classifier open(Path model) {
        return open(model, ClassifierOptions.defaults());
    }

    /** The {@code k} most probable classes of a decoded image, with all logits and the stage timings. */
    public Classifications classify(RgbImage image, int k) {
        if (k < 1) throw HeedException.invalid("classify", "k must be >= 1, got " + k);
        long t0 = System.nanoTime();
        Tensor x = preprocess.apply(image);                          // [1, 3, S, S]
        long t1 = System.nanoTime();
        Tensor logits = model.run(x);                                // [1, nc]
        long t2 = System.nanoTime();
        int rank = logits.rank();
        if (rank < 1 || logits.numel() != logits.dim(rank - 1) || logits.numel() == 0) {
            throw HeedException.shape("classifier", "model output '" + model.output + "'" + logits.shape() + ": expected logits [1, nc]");
        }
        float[] l = logits.toFloatArray();
        List<Classification> top = Classification.topK(l, k, labels);
        long t3 = System.nanoTime();
        return new Classifications(top, l, model.size, new Timings((t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6));
    }

    /** Reads {@code file} (EXIF orientation applied, pixel limit from the options) and classifies it. */
    public Classifications classify(Path file, int k) {
        return classify(Images.read(file, options.maxPixels()), k);
    }

    /** The model's square input side. */
    public int inputSize() { return model.size; }

    public ClassNames labels() { return labels; }

    public ViTPreprocess preprocess() { return preprocess; }

    public ClassifierOptions options() { return options; }

    /** The underlying session (for inspection; do not close it separately). */
    public Session session() { return model.session; }

    @Override
    public void close() {
        model.session.close();
    }
}
