package dev.heed.vision;

import dev.heed.HeedException;
import dev.heed.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * RT-DETR post-processing as the Ultralytics RT-DETR predictor does it (no NMS): for each of the queries of
 * {@code output0 [1, Q, 4 + nc]} (boxes cx, cy, w, h normalised to 0..1, then nc independent class scores)
 * score = max over classes, class = argmax (the lowest id wins a tie; a NaN score makes the row NaN, as torch.max
 * does); keep {@code score > conf} (strictly;
 * NaN never passes) and, when given, a class in {@code classes}; box → x1 = cx - w/2 ... in float32, x scaled
 * by the original width and y by the original height. Kept detections stay in query order; if more than
 * {@code maxDet} pass, the {@code maxDet} highest-scoring ones are kept (earlier query first on equal scores).
 *
 * <pre>{@code
 * DetectionPostprocess post = DetectionPostprocess.defaults();                 // conf 0.25, all classes, 300
 * Detections r = post.apply(output0, img.width(), img.height(), ClassNames.coco80());
 * DetectionPostprocess people = new DetectionPostprocess(0.5f, Set.of(0), 100);
 * }</pre>
 *
 * @param conf    score threshold, kept when score &gt; conf
 * @param classes class ids to keep, or {@code null} for all
 * @param maxDet  the most detections returned, at least 1
 */
public record DetectionPostprocess(float conf, Set<Integer> classes, int maxDet) {

    /** {@return Ultralytics' defaults: conf 0.25, every class, max_det 300} */
    public static DetectionPostprocess defaults() {
        return new DetectionPostprocess(0.25f, null, 300);
    }

    /**
     * Checks the values and copies the class set.
     *
     * @param conf    not NaN
     * @param classes class ids, or null
     * @param maxDet  ≥ 1
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for a NaN threshold or {@code maxDet < 1}
     */
    public DetectionPostprocess {
        if (Float.isNaN(conf)) throw HeedException.invalid("DetectionPostprocess", "conf is NaN");
        if (maxDet < 1) throw HeedException.invalid("DetectionPostprocess", "maxDet must be >= 1, got " + maxDet);
        classes = classes == null ? null : Set.copyOf(classes);
    }

    /**
     * Post-processes {@code output0} for an image of the given size.
     *
     * @param output0     {@code [1, Q, 4 + nc]} or {@code [Q, 4 + nc]}, float32, nc ≥ 1
     * @param imageWidth  the original image's width, ≥ 1
     * @param imageHeight the original image's height, ≥ 1
     * @param names       names for the class ids
     * @return the kept detections, boxes in the original image's pixels
     * @throws HeedException {@link dev.heed.ErrorCode#SHAPE_MISMATCH} for another shape, {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for an
     *                       image size below 1x1
     */
    public Detections apply(Tensor output0, int imageWidth, int imageHeight, ClassNames names) {
        int rank = output0.rank();
        if (!(rank == 3 && output0.dim(0) == 1) && rank != 2) {
            throw HeedException.shape("rtdetr postprocess", "output0" + output0.shape() + ": expected [1, Q, 4 + nc] or [Q, 4 + nc]");
        }
        int q = output0.dim(rank - 2), d = output0.dim(rank - 1);
        if (d < 5) throw HeedException.shape("rtdetr postprocess", "output0" + output0.shape() + ": last dim " + d + " < 5 (4 box values + at least 1 class)");
        if (imageWidth < 1 || imageHeight < 1) {
            throw HeedException.invalid("rtdetr postprocess", "image size " + imageWidth + "x" + imageHeight + " must be at least 1x1");
        }
        float[] a = output0.toFloatArray();                            // [Q, 4 + nc]
        return apply(a, q, d - 4, imageWidth, imageHeight, names);
    }

    /**
     * Post-processes a raw row-major {@code [queries, 4 + nc]} array.
     *
     * @param out         the model output
     * @param queries     Q
     * @param nc          the number of classes
     * @param imageWidth  the original image's width
     * @param imageHeight the original image's height
     * @param names       names for the class ids
     * @return the kept detections
     * @throws HeedException {@link dev.heed.ErrorCode#SHAPE_MISMATCH} when the array length is not {@code queries · (4 + nc)}
     */
    public Detections apply(float[] out, int queries, int nc, int imageWidth, int imageHeight, ClassNames names) {
        int d = 4 + nc;
        if ((long) queries * d != out.length) {
            throw HeedException.shape("rtdetr postprocess", "array of " + out.length + " values is not [" + queries + ", " + d + "]");
        }
        List<Integer> keptRows = new ArrayList<>();
        List<Float> keptScores = new ArrayList<>();
        int[] keptCls = new int[queries];
        for (int i = 0; i < queries; i++) {
            int base = i * d + 4;
            int best = 0;
            float score = out[base];
            for (int c = 1; c < nc && !Float.isNaN(score); c++) {  // torch.max propagates NaN (first NaN's index)
                float v = out[base + c];
                if (v > score || Float.isNaN(v)) { score = v; best = c; }
            }
            if (!(score > conf)) continue;
            if (classes != null && !classes.contains(best)) continue;
            keptCls[keptRows.size()] = best;
            keptRows.add(i);
            keptScores.add(score);
        }
        int n = keptRows.size();
        boolean[] keep = new boolean[n];
        if (n > maxDet) {
            Integer[] order = new Integer[n];
            for (int k = 0; k < n; k++) order[k] = k;
            Arrays.sort(order, (x, y) -> Float.compare(keptScores.get(y), keptScores.get(x)));  // stable: ties keep query order
            for (int k = 0; k < maxDet; k++) keep[order[k]] = true;
        } else {
            Arrays.fill(keep, true);
        }
        List<Detection> dets = new ArrayList<>(Math.min(n, maxDet));
        float ow = imageWidth, oh = imageHeight;
        for (int k = 0; k < n; k++) {
            if (!keep[k]) continue;
            int b = keptRows.get(k) * d;
            float cx = out[b], cy = out[b + 1], w = out[b + 2], h = out[b + 3];
            float dw = w / 2, dh = h / 2;
            float x1 = (cx - dw) * ow, y1 = (cy - dh) * oh, x2 = (cx + dw) * ow, y2 = (cy + dh) * oh;
            int cls = keptCls[k];
            dets.add(new Detection(x1, y1, x2, y2, keptScores.get(k), cls, names.name(cls), imageWidth, imageHeight));
        }
        return new Detections(dets, imageWidth, imageHeight, Timings.NONE);
    }
}
