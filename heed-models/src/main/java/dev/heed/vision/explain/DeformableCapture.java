package dev.heed.vision.explain;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.RunOptions;
import dev.heed.onnx.RunResult;
import dev.heed.onnx.Session;
import dev.heed.tensor.Tensor;
import dev.heed.vision.Detection;
import dev.heed.vision.Detections;
import dev.heed.vision.RgbImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One detector run that also hands out the last deformable attention block's sampling grids and weights
 * ({@link DeformableBlocks}), captured per run by value name; and the mapping of detections back to their query
 * rows of {@code output0}.
 *
 * <pre>{@code
 * DeformableCapture c = DeformableCapture.of(session);          // fails clearly without deformable attention
 * DeformableCapture.Run r = c.run(Map.of("images", x));
 * }</pre>
 */
public final class DeformableCapture {
    private final Session session;
    private final List<DeformableBlocks.Block> blocks;

    private DeformableCapture(Session session, List<DeformableBlocks.Block> blocks) {
        this.session = session;
        this.blocks = blocks;
    }

    /**
     * Finds the blocks in {@code session}'s graph.
     *
     * @throws HeedException UNSUPPORTED when the model has no GridSample-based deformable attention
     */
    public static DeformableCapture of(Session session) {
        List<DeformableBlocks.Block> b = DeformableBlocks.find(session.model().graph());
        if (b.isEmpty()) {
            long samplers = session.model().graph().nodes().stream().filter(n -> n.opType().equals("GridSample")).count();
            throw new HeedException(ErrorCode.UNSUPPORTED, "explain: the model has no multi-scale deformable attention to show: "
                    + (samplers == 0 ? "it has no GridSample node" : samplers + " GridSample nodes, but none whose output meets a Softmax's "
                    + "(the attention weights) in one node through layout-only ops") + ". Detector explanations need an RT-DETR-style "
                    + "decoder (MSDeformableAttention exported with grid_sample).");
        }
        return new DeformableCapture(session, b);
    }

    /** The blocks found, graph order. */
    public List<DeformableBlocks.Block> blocks() { return blocks; }

    /** A run's outputs and the last block's captured grids (per level) and weights. */
    public record Run(Map<String, Tensor> outputs, List<Tensor> grids, Tensor weights) {}

    /** Runs once with capture of the last block's values. */
    public Run run(Map<String, Tensor> feeds) {
        DeformableBlocks.Block last = blocks.getLast();
        RunOptions o = RunOptions.defaults().withCapture(last.weights()).withCapture(last.grids().toArray(String[]::new));
        RunResult r = session.run(feeds, o);
        List<Tensor> grids = new ArrayList<>();
        for (String g : last.grids()) grids.add(r.captured().get(g));
        return new Run(r.outputs(), grids, r.captured().get(last.weights()));
    }

    /** Builds the explanation of {@code d} (post-processed from {@code output0 [1, Q, 4 + nc]} of this run). */
    public DetrExplanation explain(RgbImage image, Detections d, Tensor output0, Run run) {
        return DetrExplanation.of(image, d, queries(d, output0), run.grids(), run.weights(), blocks.size());
    }

    /**
     * Each detection's row in {@code output0}: the row whose score (max over classes) and box, recomputed with the
     * post-processing's float32 arithmetic, equal the detection's exactly; each row used once.
     */
    static int[] queries(Detections d, Tensor output0) {
        int q = output0.dim(output0.rank() - 2), cols = output0.dim(output0.rank() - 1);
        float[] a = output0.toFloatArray();
        boolean[] taken = new boolean[q];
        int[] rows = new int[d.size()];
        for (int i = 0; i < d.size(); i++) {
            Detection det = d.get(i);
            rows[i] = -1;
            for (int r = 0; r < q && rows[i] < 0; r++) {
                if (taken[r]) continue;
                int b = r * cols;
                float score = a[b + 4];
                for (int c = 5; c < cols; c++) if (a[b + c] > score) score = a[b + c];
                float dw = a[b + 2] / 2, dh = a[b + 3] / 2;
                if (score == det.confidence() && (a[b] - dw) * det.imageWidth() == det.x1() && (a[b + 1] - dh) * det.imageHeight() == det.y1()
                        && (a[b] + dw) * det.imageWidth() == det.x2() && (a[b + 1] + dh) * det.imageHeight() == det.y2()) {
                    rows[i] = r;
                    taken[r] = true;
                }
            }
            if (rows[i] < 0) throw new HeedException(ErrorCode.INTERNAL, "explain: detection " + i + " matches no row of output0" + output0.shape());
        }
        return rows;
    }
}
