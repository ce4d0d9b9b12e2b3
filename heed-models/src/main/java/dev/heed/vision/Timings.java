package dev.heed.vision;

/**
 * Wall-clock milliseconds of the three stages of one prediction, as Ultralytics' {@code results.speed}.
 *
 * <pre>{@code
 * Timings t = new Timings(3.1, 812.4, 0.4);
 * }</pre>
 */
public record Timings(double preprocessMs, double inferenceMs, double postprocessMs) {
    /** All zero (not measured). */
    public static final Timings NONE = new Timings(0, 0, 0);

    /** Sum of the three stages. */
    public double totalMs() {
        return preprocessMs + inferenceMs + postprocessMs;
    }
}
