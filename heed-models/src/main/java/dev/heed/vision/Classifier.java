package dev.heed.vision;

import dev.heed.HeedException;
import dev.heed.onnx.Session;
import dev.heed.tensor.Tensor;
import dev.heed.vision.explain.AttentionCapture;
import dev.heed.vision.explain.RolloutOptions;
import dev.heed.vision.explain.ViTExplanation;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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

    /**
     * Opens {@code model} (memory-mapped) with {@code options}.
     *
     * @param model   an image classifier's {@code .onnx} file: one image input {@code [1, 3, S, S]}, logits {@code [1, nc]}
     * @param options session, labels, pre-processing, pixel limit
     * @return the classifier; close it to stop its threads
     * @throws HeedException as {@link dev.heed.onnx.Session#open(Path, dev.heed.onnx.SessionOptions)}, and {@link dev.heed.ErrorCode#UNSUPPORTED}
     *                       or {@link dev.heed.ErrorCode#SHAPE_MISMATCH} when the model's inputs and outputs do not fit
     */
    public static Classifier open(Path model, ClassifierOptions options) {
        Session s = Session.open(model, options.session());
        try {
            return new Classifier(s, options);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Opens {@code model} with {@link ClassifierOptions#defaults()}.
     *
     * @param model an image classifier's {@code .onnx} file
     * @return the classifier; close it to stop its threads
     * @throws HeedException as {@link dev.heed.onnx.Session#open(Path, dev.heed.onnx.SessionOptions)}, and {@link dev.heed.ErrorCode#UNSUPPORTED}
     *                       or {@link dev.heed.ErrorCode#SHAPE_MISMATCH} when the model's inputs and outputs do not fit
     */
    public static Classifier open(Path model) {
        return open(model, ClassifierOptions.defaults());
    }

    /**
     * The {@code k} most probable classes of a decoded image, with all logits and the stage timings. Thread-safe.
     *
     * @param image the image, any size
     * @param k     how many classes, ≥ 1
     * @return the result
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code k < 1}
     */
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

    /**
     * Reads {@code file} (EXIF orientation applied, pixel limit from the options) and classifies it.
     *
     * @param file a JPEG, PNG or other image ImageIO reads
     * @param k    how many classes, ≥ 1
     * @return the result
     * @throws HeedException {@link dev.heed.ErrorCode#IO} when the file cannot be read, {@link dev.heed.ErrorCode#MALFORMED_INPUT} for a
     *                       damaged, truncated or unknown image, {@link dev.heed.ErrorCode#MEMORY_LIMIT} for an image over the
     *                       pixel limit, {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code k < 1}
     */
    public Classifications classify(Path file, int k) {
        return classify(Images.read(file, options.maxPixels()), k);
    }

    // ---------------------------------------------------------------- explanations (issue 17)

    /**
     * Classifies {@code image} and explains it: the attention rollout of the class token over the patch grid
     * ({@link dev.heed.vision.explain.Rollout}), from this one run's attention probabilities (captured per run,
     * so the same Classifier keeps serving plain {@link #classify} calls at the same time).
     *
     * @param image the image, any size
     * @param k     how many classes, ≥ 1
     * @param o     how heads and layers are combined
     * @return the classes and the rollout heat map
     * @throws HeedException UNSUPPORTED when the model has no self-attention over a CLS token plus a square patch grid
     */
    public ViTExplanation explain(RgbImage image, int k, RolloutOptions o) {
        if (k < 1) throw HeedException.invalid("explain", "k must be >= 1, got " + k);
        if (o == null) throw HeedException.invalid("explain", "rollout options are null");
        RgbImage view = preprocess.resizeAndCrop(image);            // [S, S] what the model sees
        AttentionCapture.Result a = AttentionCapture.run(model.session, Map.of(model.input, preprocess.normalize(view)));
        Tensor logits = a.outputs().get(model.output);               // [1, nc]
        List<Classification> top = Classification.topK(logits.toFloatArray(), k, labels);
        return ViTExplanation.of(top, view, a, o);
    }

    /**
     * Reads {@code file} (EXIF orientation applied, pixel limit from the options) and explains it.
     *
     * @param file the image file
     * @param k    how many classes, ≥ 1
     * @param o    how heads and layers are combined
     * @return the classes and the rollout heat map
     * @throws HeedException {@link dev.heed.ErrorCode#IO} when the file cannot be read, {@link dev.heed.ErrorCode#MALFORMED_INPUT} for a
     *                       damaged, truncated or unknown image, {@link dev.heed.ErrorCode#MEMORY_LIMIT} for an image over the
     *                       pixel limit, and as {@link #explain(RgbImage, int, RolloutOptions)}
     */
    public ViTExplanation explain(Path file, int k, RolloutOptions o) {
        return explain(Images.read(file, options.maxPixels()), k, o);
    }

    /** {@return the model's square input side, in pixels} */
    public int inputSize() { return model.size; }

    /** {@return the class names in use (from the options, the model's metadata, or ImageNet-1k)} */
    public ClassNames labels() { return labels; }

    /** {@return the image preparation in use} */
    public ViTPreprocess preprocess() { return preprocess; }

    /** {@return the options the classifier was opened with} */
    public ClassifierOptions options() { return options; }

    /** {@return the underlying session (for inspection; do not close it separately)} */
    public Session session() { return model.session; }

    @Override
    public void close() {
        model.session.close();
    }
}
