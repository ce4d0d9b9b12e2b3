package dev.heed.vision;

import dev.heed.HeedException;
import dev.heed.onnx.Session;
import dev.heed.tensor.Tensor;
import dev.heed.vision.explain.DeformableCapture;
import dev.heed.vision.explain.DetrExplanation;

import java.nio.file.Path;
import java.util.Map;

/**
 * RT-DETR object detection over an ONNX model exported by Ultralytics ({@code yolo export model=rtdetr-l.pt
 * format=onnx}): input {@code images [1, 3, S, S]} (S read from the model, 640 for the standard export), output
 * {@code output0 [1, Q, 4 + nc]}; pre-processing, model and post-processing as in {@link RtDetrPipeline}; class
 * names from the model's metadata {@code names}, else COCO-80. Thread-safe (the session is immutable, every call
 * has its own buffers); close it to stop the session's worker threads.
 *
 * <pre>{@code
 * try (Detector detector = Detector.open(Path.of("rtdetr-l.onnx"), DetectorOptions.defaults())) {
 *     Detections r = detector.detect(Path.of("bus.jpg"));
 *     System.out.println(r.summary("bus.jpg", detector.inputSize(), detector.inputSize()));
 *     Files.writeString(Path.of("bus.json"), r.toJson());
 * }
 * }</pre>
 */
public final class Detector implements AutoCloseable {
    private final VisionModel model;
    private final RtDetrPipeline pipeline;
    private final DetectorOptions options;

    private Detector(Session session, DetectorOptions options) {
        this.options = options;
        this.model = VisionModel.of(session, "rtdetr", "images", "output0", imgszFromMetadata(session))
                .requireOutputRank("rtdetr", 3, "output0 [1, Q, 4 + nc]");
        ClassNames names = options.names() != null ? options.names() : ClassNames.fromMetadata(session.metadata());
        this.pipeline = new RtDetrPipeline(model.size, options.postprocess(), names);
    }

    /**
     * Opens {@code model} (memory-mapped) with {@code options}.
     *
     * @param model   an RT-DETR {@code .onnx} file ({@code images [1, 3, S, S] → output0 [1, Q, 4 + nc]})
     * @param options session, thresholds, class names, pixel limit
     * @return the detector; close it to stop its threads
     * @throws dev.heed.HeedException as {@link dev.heed.onnx.Session#open(Path, dev.heed.onnx.SessionOptions)}, and {@link dev.heed.ErrorCode#UNSUPPORTED}
     *                       or {@link dev.heed.ErrorCode#SHAPE_MISMATCH} when the model's inputs and outputs do not fit
     */
    public static Detector open(Path model, DetectorOptions options) {
        Session s = Session.open(model, options.session());
        try {
            return new Detector(s, options);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Opens {@code model} with {@link DetectorOptions#defaults()}.
     *
     * @param model an RT-DETR {@code .onnx} file
     * @return the detector; close it to stop its threads
     * @throws dev.heed.HeedException as {@link dev.heed.onnx.Session#open(Path, dev.heed.onnx.SessionOptions)}, and {@link dev.heed.ErrorCode#UNSUPPORTED}
     *                       or {@link dev.heed.ErrorCode#SHAPE_MISMATCH} when the model's inputs and outputs do not fit
     */
    public static Detector open(Path model) {
        return open(model, DetectorOptions.defaults());
    }

    /**
     * Detects objects in a decoded image. Thread-safe.
     *
     * @param image the image, any size
     * @return the detections, boxes in the image's pixels
     */
    public Detections detect(RgbImage image) {
        return pipeline.predict(image, model::run);
    }

    /**
     * Detects objects with other thresholds than the options' ({@code heed serve} takes them per request); the same
     * pipeline and model as {@link #detect(RgbImage)}.
     *
     * @param image       the image, any size (letterboxed to the model's input)
     * @param postprocess the confidence threshold, class filter and maximum detections to use
     * @return the detections, boxes in the image's pixels
     * @throws HeedException INVALID_ARGUMENT when {@code postprocess} is null
     */
    public Detections detect(RgbImage image, DetectionPostprocess postprocess) {
        if (postprocess == null) throw HeedException.invalid("detect", "postprocess is null");
        return new RtDetrPipeline(model.size, postprocess, pipeline.names()).predict(image, model::run);
    }

    /**
     * Reads {@code file} (EXIF orientation applied, pixel limit from the options) and detects objects in it.
     *
     * @param file a JPEG, PNG or other image ImageIO reads
     * @return the detections, boxes in the image's pixels
     * @throws dev.heed.HeedException {@link dev.heed.ErrorCode#IO} when the file cannot be read, {@link dev.heed.ErrorCode#MALFORMED_INPUT} for a
     *                       damaged, truncated or unknown image, {@link dev.heed.ErrorCode#MEMORY_LIMIT} for an image over the
     *                       pixel limit
     */
    public Detections detect(Path file) {
        return detect(Images.read(file, options.maxPixels()));
    }

    // ---------------------------------------------------------------- explanations (issue 17)

    /**
     * Detects objects and explains each: its query row and the sampling points of the last decoder layer's
     * deformable cross-attention in the image's pixels ({@link DeformableCapture}), from this one run (captured per
     * run: plain {@link #detect} calls on the same Detector are unaffected).
     *
     * @param image the image, any size
     * @return the detections with their sampling points
     * @throws dev.heed.HeedException UNSUPPORTED when the model has no GridSample-based deformable attention
     */
    public DetrExplanation explain(RgbImage image) {
        DeformableCapture capture = DeformableCapture.of(model.session);
        Tensor input = Preprocess.stretchToSquare(image, model.size);            // [1, 3, S, S]
        DeformableCapture.Run run = capture.run(Map.of(model.input, input));
        Tensor output0 = run.outputs().get(model.output);                         // [1, Q, 4 + nc]
        Detections d = pipeline.postprocess().apply(output0, image.width(), image.height(), pipeline.names());
        return capture.explain(image, d, output0, run);
    }

    /**
     * Reads {@code file} (EXIF orientation applied, pixel limit from the options) and explains its detections.
     *
     * @param file the image file
     * @return the detections with their sampling points
     * @throws dev.heed.HeedException {@link dev.heed.ErrorCode#IO} when the file cannot be read, {@link dev.heed.ErrorCode#MALFORMED_INPUT} for a
     *                       damaged, truncated or unknown image, {@link dev.heed.ErrorCode#MEMORY_LIMIT} for an image over the
     *                       pixel limit, and as {@link #explain(RgbImage)}
     */
    public DetrExplanation explain(Path file) {
        return explain(Images.read(file, options.maxPixels()));
    }

    /** {@return the model's square input side in pixels (640 for the Ultralytics export)} */
    public int inputSize() { return model.size; }

    /** {@return the class names in use (from the options, the model's metadata, or COCO-80)} */
    public ClassNames names() { return pipeline.names(); }

    /** {@return the options the detector was opened with} */
    public DetectorOptions options() { return options; }

    /** {@return the underlying session (for inspection; do not close it separately)} */
    public Session session() { return model.session; }

    @Override
    public void close() {
        model.session.close();
    }

    /** Ultralytics writes {@code imgsz: "[640, 640]"}; used only when the input's spatial dims are symbolic. */
    private static int imgszFromMetadata(Session s) {
        String v = s.metadata().get("imgsz");
        if (v != null) {
            String[] parts = v.replaceAll("[\\[\\]\\s]", "").split(",");
            try {
                int n = Integer.parseInt(parts[0]);
                if (n >= 1 && n <= 16384) return n;
            } catch (NumberFormatException ignored) {
                // malformed metadata: fall back to the standard size
            }
        }
        return Preprocess.RTDETR_SIZE;
    }
}
