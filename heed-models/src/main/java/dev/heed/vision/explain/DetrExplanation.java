package dev.heed.vision.explain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.tensor.Tensor;
import dev.heed.vision.Detection;
import dev.heed.vision.Detections;
import dev.heed.vision.RgbImage;
import java.util.ArrayList;
import java.util.List;

/**
 * What each detected object looked at: for every detection of an RT-DETR-style model, the query row of
 * {@code output0} it came from and the sampling points of the last decoder layer's deformable cross-attention,
 * mapped to original-image pixels. Plain data; built by {@code Detector.explain}.
 *
 * <pre>{@code
 * DetrExplanation e = detector.explain(image);
 * for (int i = 0; i < e.detections().size(); i++) System.out.println(e.queries()[i] + " " + e.points().get(i).size());
 * Files.writeString(Path.of("bus.explain.json"), e.toJson());
 * }</pre>
 *
 * @param image          the image (original pixels)
 * @param detections     the post-processed detections
 * @param queries        per detection its row in output0
 * @param points         per detection its sampling points (heads × levels × points, head-major)
 * @param heads          attention heads
 * @param levels         feature levels
 * @param pointsPerLevel sampling points per head and level
 * @param decoderLayers  deformable attention blocks found in the graph (the points are the last one's)
 * @param encoderHeat    the encoder's (AIFI) dense self-attention summarised over the top-level feature map:
 *                       {@code [side, side]}, the attention each position receives averaged over heads and query
 *                       positions; empty when the model has no such layer
 */
public record DetrExplanation(RgbImage image, Detections detections, int[] queries, List<List<SamplingPoint>> points, int heads,
                              int levels, int pointsPerLevel, int decoderLayers, float[] encoderHeat) {
    /**
     * Copies the point lists and checks that every detection has a query and points.
     *
     * @param image          the image
     * @param detections     the detections
     * @param queries        per detection its row in output0
     * @param points         per detection its sampling points
     * @param heads          attention heads
     * @param levels         feature levels
     * @param pointsPerLevel sampling points per head and level
     * @param decoderLayers  deformable attention blocks found
     * @param encoderHeat    {@code [side, side]}, or empty
     * @throws HeedException {@link ErrorCode#INTERNAL} when the counts disagree
     */
    public DetrExplanation {
        points = points.stream().map(List::copyOf).toList();
        if (queries.length != detections.size() || points.size() != detections.size()) {
            throw new HeedException(ErrorCode.INTERNAL, "explain: " + detections.size() + " detections but " + queries.length + " queries and "
                    + points.size() + " point lists");
        }
    }

    /**
     * Maps one block's captured grids and weights to pixels for the detections' queries.
     *
     * @param grids   per level {@code [H, Q, P, 2]} (batch 1), -1..1
     * @param weights {@code [1, Q, H, L·P]}
     */
    static DetrExplanation of(RgbImage image, Detections d, int[] queries, List<Tensor> grids, Tensor weights, int blocks, float[] encoderHeat) {
        Tensor g0 = grids.getFirst();
        if (g0.rank() != 4 || g0.dim(3) != 2) {
            throw HeedException.unsupported("explain: sampling grid " + g0.shape() + " is not [B·H, Q, P, 2]", "[B·H, Q, P, 2] grids (batch 1)");
        }
        int heads = g0.dim(0), q = g0.dim(1), p = g0.dim(2), levels = grids.size();
        for (Tensor g : grids) {
            if (!g.shape().equals(g0.shape())) throw HeedException.shape("explain", "sampling grids differ between levels: " + g0.shape() + " vs " + g.shape());
        }
        long expect = (long) q * heads * levels * p;
        if (weights.numel() != expect || weights.rank() == 4 && (weights.dim(1) != q || weights.dim(2) != heads)) {
            throw HeedException.shape("explain", "attention weights " + weights.shape() + " are not [1, Q=" + q + ", H=" + heads + ", L·P=" + levels * p + "]");
        }
        List<float[]> gs = grids.stream().map(Tensor::toFloatArray).toList();   // per level [H, Q, P, 2]
        float[] w = weights.toFloatArray();                                      // [Q, H, L·P]
        double width = image.width(), height = image.height();
        List<List<SamplingPoint>> all = new ArrayList<>();
        for (int row : queries) {
            List<SamplingPoint> pts = new ArrayList<>(heads * levels * p);
            for (int h = 0; h < heads; h++) {
                for (int l = 0; l < levels; l++) {
                    for (int k = 0; k < p; k++) {
                        int at = ((h * q + row) * p + k) * 2;
                        double lx = (gs.get(l)[at] + 1.0) / 2, ly = (gs.get(l)[at + 1] + 1.0) / 2;   // align_corners=False: -1..1 spans the image
                        float wt = w[(row * heads + h) * levels * p + l * p + k];
                        pts.add(new SamplingPoint((float) (lx * width), (float) (ly * height), wt, l, h));
                    }
                }
            }
            all.add(pts);
        }
        return new DetrExplanation(image, d, queries, all, heads, levels, p, blocks, encoderHeat);
    }

    /** {@return the side of the encoder heat-map grid (0 without one)} */
    public int encoderSide() {
        return (int) Math.round(Math.sqrt(encoderHeat.length));
    }

    /**
     * {@code {"image": {width, height}, "heads", "levels", "points_per_level", "decoder_layers", "detections":
     * [{"query", "name", "class", "confidence", "box": {x1, y1, x2, y2}, "points": [{x, y, weight, level, head}]}],
     * "encoder": {grid_h, grid_w, heat: [...]}}}, pixels; "encoder" only when there is an AIFI-style layer.
     *
     * @return the JSON text
     */
    public String toJson() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        ObjectNode img = root.putObject("image");
        img.put("width", image.width());
        img.put("height", image.height());
        root.put("heads", heads);
        root.put("levels", levels);
        root.put("points_per_level", pointsPerLevel);
        root.put("decoder_layers", decoderLayers);
        if (encoderHeat.length > 0) {
            ObjectNode enc = root.putObject("encoder");
            enc.put("grid_h", encoderSide());
            enc.put("grid_w", encoderSide());
            ArrayNode heat = enc.putArray("heat");
            for (float v : encoderHeat) heat.add(v);
        }
        ArrayNode arr = root.putArray("detections");
        for (int i = 0; i < detections.size(); i++) {
            Detection det = detections.get(i);
            ObjectNode o = arr.addObject();
            o.put("query", queries[i]);
            o.put("name", det.name());
            o.put("class", det.classId());
            o.put("confidence", det.confidence());
            ObjectNode box = o.putObject("box");
            box.put("x1", det.x1());
            box.put("y1", det.y1());
            box.put("x2", det.x2());
            box.put("y2", det.y2());
            ArrayNode pts = o.putArray("points");
            for (SamplingPoint sp : points.get(i)) {
                ObjectNode po = pts.addObject();
                po.put("x", sp.x());
                po.put("y", sp.y());
                po.put("weight", sp.weight());
                po.put("level", sp.level());
                po.put("head", sp.head());
            }
        }
        try {
            return mapper.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new HeedException(ErrorCode.INTERNAL, "explain: JSON serialisation failed: " + e.getMessage(), e);
        }
    }
}
