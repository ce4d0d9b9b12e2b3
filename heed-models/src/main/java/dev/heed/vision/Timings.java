package dev.heed.vision;

/**
 * Wall-clock milliseconds of the three stages of one prediction, as Ultralytics' {@code results.speed}.
 *
 * <pre>{@code
 * Timings t = new Timings(3.1, 812.4, 0.4);
 * }</pre>
 *
 * @param preprocessMs  image decoding excluded: resize and tensor conversion, milliseconds
 * @param inferenceMs   the model run, milliseconds
 * @param postprocessMs decoding the model's output into detections or classes, milliseconds
 */
public record Timings(double preprocessMs, double inferenceMs, double postprocessMs) {
    /** All zero (not measured). */
    public static final Timings NONE = new Timings(0, 0, 0);

    /** {@return the sum of the three stages, in milliseconds} */
    public double totalMs() {
        return preprocessMs + inferenceMs + postprocessMs;
    }
}
