package dev.heed.vision.explain;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.RunOptions;
import dev.heed.onnx.RunResult;
import dev.heed.onnx.Session;
import dev.heed.onnx.ir.Node;
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
     * @param session the detector's session
     * @return the capture, ready to run
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

    /** {@return the blocks found, graph order (unmodifiable when built by {@link #of})} */
    public List<DeformableBlocks.Block> blocks() { return blocks; }

    /**
     * A run's outputs, the last block's captured grids (per level) and weights, and the encoder's dense
     * self-attention (the first captured {@code [.., L, L]} map over a square grid of L positions, RT-DETR's AIFI
     * layer on the top-level feature map) or null when there is none.
     *
     * @param outputs          the model's outputs
     * @param grids            the last block's sampling grids, level 0 first, each {@code [H, Q, P, 2]} in -1..1
     * @param weights          the last block's attention weights {@code [1, Q, H, L·P]}
     * @param encoderAttention the encoder's dense self-attention {@code [.., L, L]}, or null
     */
    public record Run(Map<String, Tensor> outputs, List<Tensor> grids, Tensor weights, Tensor encoderAttention) {}

    /**
     * Runs once with capture of the last block's values and of the self-attention probabilities. Thread-safe.
     *
     * @param feeds input name → tensor, batch 1
     * @return the outputs and the captured values
     * @throws HeedException as {@link Session#run(Map, RunOptions)}
     */
    public Run run(Map<String, Tensor> feeds) {
        DeformableBlocks.Block last = blocks.getLast();
        RunOptions o = RunOptions.defaults().withCapture(last.weights()).withCapture(last.grids().toArray(String[]::new));
        boolean fused = !session.fusedAttention().isEmpty();
        List<String> softmaxes = new ArrayList<>();
        if (fused) {
            o = o.withCaptureAttention(true);
        } else {
            for (Node n : session.model().graph().nodes()) {
                if (n.opType().equals("Softmax") && n.domain().isEmpty() && !n.outputs().getFirst().equals(last.weights())) softmaxes.add(n.outputs().getFirst());
            }
            o = o.withCapture(softmaxes.toArray(String[]::new));
        }
        RunResult r = session.run(feeds, o);
        List<Tensor> grids = new ArrayList<>();
        for (String g : last.grids()) grids.add(r.captured().get(g));
        Tensor encoder = null;
        for (Tensor t : fused ? r.attention().values() : softmaxes.stream().map(r.captured()::get).toList()) {
            int rank = t == null ? 0 : t.rank();
            if (rank < 2 || t.dim(rank - 1) != t.dim(rank - 2)) continue;
            int l = t.dim(rank - 1), side = (int) Math.round(Math.sqrt(l));
            if (side * side == l) { encoder = t; break; }
        }
        return new Run(r.outputs(), grids, r.captured().get(last.weights()), encoder);
    }

    /**
     * Builds the explanation of {@code d}, post-processed from this run's {@code output0}.
     *
     * @param image   the original image
     * @param d       the post-processed detections
     * @param output0 the run's {@code [1, Q, 4 + nc]} output
     * @param run     the run's captured values
     * @return each detection with its query row and sampling points in the image's pixels
     * @throws HeedException {@link ErrorCode#UNSUPPORTED} or {@link ErrorCode#SHAPE_MISMATCH} when the captured grids or weights have an
     *                       unexpected layout
     */
    public DetrExplanation explain(RgbImage image, Detections d, Tensor output0, Run run) {
        return DetrExplanation.of(image, d, queries(d, output0), run.grids(), run.weights(), blocks.size(), received(run.encoderAttention()));
    }

    /**
     * The attention each position receives, averaged over heads and query positions: {@code [side, side]} from a
     * {@code [.., L, L]} map with L = side²; empty for null.
     */
    static float[] received(Tensor attention) {
        if (attention == null) return new float[0];
        int l = attention.dim(attention.rank() - 1);
        float[] p = attention.toFloatArray();                    // [maps, L, L]
        int maps = p.length / (l * l);
        double[] sum = new double[l];
        for (int m = 0; m < maps; m++) for (int i = 0; i < l; i++) for (int j = 0; j < l; j++) sum[j] += p[(m * l + i) * l + j];
        float[] out = new float[l];
        for (int j = 0; j < l; j++) out[j] = (float) (sum[j] / ((double) maps * l));
        return out;
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
