package dev.heed.vision;

import dev.heed.HeedException;
import dev.heed.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One class of a classifier's top-k: id, name, probability (softmax of the logits, computed in double).
 *
 * <pre>{@code
 * List<Classification> top5 = Classification.topK(logits, 5, ClassNames.imagenet1k());
 * System.out.println(top5.get(0).name() + " " + top5.get(0).probability());
 * }</pre>
 *
 * @param classId     index into the logits
 * @param name        class name
 * @param probability softmax probability, 0..1
 * @param logit       the raw score
 */
public record Classification(int classId, String name, double probability, float logit) {

    /**
     * The {@code k} most probable classes of {@code logits}, best first.
     *
     * @param logits {@code [nc]} or {@code [1, nc]}, nc ≥ 1
     * @param k      how many classes, ≥ 1 (fewer when nc &lt; k)
     * @param names  names for the class ids
     * @return the top classes with their softmax probabilities
     * @throws HeedException {@link dev.heed.ErrorCode#SHAPE_MISMATCH} for other shapes, {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code k < 1}
     */
    public static List<Classification> topK(Tensor logits, int k, ClassNames names) {
        int nc = logits.dim(logits.rank() - 1);
        if (logits.numel() != nc || nc == 0) {
            throw HeedException.shape("topK", "logits" + logits.shape() + ": expected [nc] or [1, nc] with nc >= 1");
        }
        return topK(logits.toFloatArray(), k, names);
    }

    /**
     * The {@code k} most probable classes of a raw array of logits, best first.
     *
     * @param logits one score per class
     * @param k      how many classes, ≥ 1 (fewer when there are fewer classes)
     * @param names  names for the class ids
     * @return the top classes with their softmax probabilities
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code k < 1}
     */
    public static List<Classification> topK(float[] logits, int k, ClassNames names) {
        if (k < 1) throw HeedException.invalid("topK", "k must be >= 1, got " + k);
        int nc = logits.length;
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double sum = 0;
        double[] e = new double[nc];
        for (int i = 0; i < nc; i++) sum += e[i] = Math.exp(logits[i] - max);
        Integer[] order = new Integer[nc];
        for (int i = 0; i < nc; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        List<Classification> out = new ArrayList<>();
        for (int i = 0; i < Math.min(k, nc); i++) {
            int c = order[i];
            out.add(new Classification(c, names.name(c), e[c] / sum, logits[c]));
        }
        return out;
    }
}
