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

    public Classifications(List<Classification> top, float[] logits, int inputSize, Timings timings) {
        this.top = List.copyOf(top);
        this.logits = logits.clone();
        this.inputSize = inputSize;
        this.timings = timings;
    }

    /** The k most probable classes, best first. */
    public List<Classification> top() { return top; }

    /** Every class's raw score (a copy), {@code [nc]}. */
    public float[] logits() { return logits.clone(); }

    /** The model's square input side. */
    public int inputSize() { return inputSize; }

    public Timings timings() { return timings; }

    /** Ultralytics' classify log line: {@code "bus.jpg: 224x224 minibus 0.56, police van 0.19, 9.8ms"}. */
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
