package dev.heed.vision;

import dev.heed.HeedException;
import dev.heed.tensor.Tensor;

import java.util.function.UnaryOperator;

/**
 * The whole RT-DETR prediction around a model: {@link Preprocess#stretchToSquare} → model → {@link DetectionPostprocess},
 * with the three stage times recorded in {@link Detections#timings()} as Ultralytics' {@code results.speed}. The
 * model is any function {@code images [1, 3, S, S] → output0 [1, Q, 4 + nc]} (an ONNX session's run, a fake in tests).
 *
 * <pre>{@code
 * RtDetrPipeline rtdetr = new RtDetrPipeline(640, DetectionPostprocess.defaults(), ClassNames.fromMetadata(meta));
 * Detections r = rtdetr.predict(Images.read(Path.of("bus.jpg")), images -> session.run("images", images).get("output0"));
 * System.out.println(r.summary("bus.jpg", 640, 640));
 * }</pre>
 *
 * @param inputSize   the model's square input side (640 for the Ultralytics export)
 * @param postprocess thresholds and filters
 * @param names       class names
 */
public record RtDetrPipeline(int inputSize, DetectionPostprocess postprocess, ClassNames names) {

    /**
     * Checks the input size.
     *
     * @param inputSize   ≥ 1
     * @param postprocess thresholds and filters
     * @param names       class names
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code inputSize < 1}
     */
    public RtDetrPipeline {
        if (inputSize < 1) throw HeedException.invalid("RtDetrPipeline", "inputSize must be >= 1, got " + inputSize);
    }

    /**
     * Pre-processes, runs {@code model}, post-processes; timings filled in.
     *
     * @param image the image
     * @param model {@code images [1, 3, S, S] → output0 [1, Q, 4 + nc]}
     * @return the detections in the image's pixels
     * @throws HeedException {@link dev.heed.ErrorCode#SHAPE_MISMATCH} when the model's output has another shape
     */
    public Detections predict(RgbImage image, UnaryOperator<Tensor> model) {
        long t0 = System.nanoTime();
        Tensor input = Preprocess.stretchToSquare(image, inputSize);
        long t1 = System.nanoTime();
        Tensor output0 = model.apply(input);
        long t2 = System.nanoTime();
        Detections d = postprocess.apply(output0, image.width(), image.height(), names);
        long t3 = System.nanoTime();
        return d.withTimings(new Timings((t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6));
    }
}
