package dev.heed.vision;

import java.util.List;
import java.util.Locale;

/**
 * A classifier's answer for one image, like Ultralytics' {@code results[0].probs}: the top-k classes (best first),
 * all raw logits, and the stage timings.
 *
 * <pre>{@code
 * Classifications r = classifier.classify(Path.of("bus.jpg"), 5);
 * System.out.println(r.summary("bus.jpg"));   // bus.jpg: 224x224 minibus 0.56, trolleybus 0.12, ..., 9.8ms
 * Classification best = r.top().getFirst();
 * }</pre>
 */
public final class Classifications {
    private final List<Classification> top;
    private final float[] logits;
    private final int inputSize;
    private final Timings timings;

    /**
     * A result; the list and the array are copied.
     *
     * @param top       the top-k classes, best first
     * @param logits    every class's raw score
     * @param inputSize the model's square input side, pixels
     * @param timings   the stage times
     */
    public Classifications(List<Classification> top, float[] logits, int inputSize, Timings timings) {
        this.top = List.copyOf(top);
        this.logits = logits.clone();
        this.inputSize = inputSize;
        this.timings = timings;
    }

    /** {@return the k most probable classes, best first (unmodifiable)} */
    public List<Classification> top() { return top; }

    /** {@return every class's raw score (a copy), {@code [nc]}} */
    public float[] logits() { return logits.clone(); }

    /** {@return the model's square input side, in pixels} */
    public int inputSize() { return inputSize; }

    /** {@return the wall-clock times of pre-processing, inference and post-processing} */
    public Timings timings() { return timings; }

    /**
     * Ultralytics' classify log line.
     *
     * @param imageName the name to start the line with
     * @return e.g. {@code "bus.jpg: 224x224 minibus 0.56, police van 0.19, 9.8ms"}
     */
    public String summary(String imageName) {
        StringBuilder sb = new StringBuilder(imageName).append(": ").append(inputSize).append('x').append(inputSize).append(' ');
        for (Classification c : top) sb.append(String.format(Locale.ROOT, "%s %.2f, ", c.name(), c.probability()));
        return sb.append(String.format(Locale.ROOT, "%.1fms", timings.inferenceMs())).toString();
    }

    @Override
    public String toString() {
        return "Classifications" + top;
    }
}
