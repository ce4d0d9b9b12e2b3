package dev.heed.vision.explain;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.RunOptions;
import dev.heed.onnx.RunResult;
import dev.heed.onnx.Session;
import dev.heed.onnx.ir.Node;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One run of a Transformer that also hands out every self-attention layer's probabilities, whether or not Heed
 * fused the attention subgraphs: fused nodes give theirs through {@link RunOptions#withCaptureAttention}; without
 * fusion the outputs of the graph's Softmax nodes are captured by name (found by op type, not by export names).
 * Only square maps ({@code [.., L, L]}, self-attention) over one common L are kept, in graph order.
 *
 * <pre>{@code
 * AttentionCapture.Result r = AttentionCapture.run(session, Map.of("pixel_values", x));
 * r.layers();   // per layer [heads, L, L]
 * }</pre>
 */
public final class AttentionCapture {
    private AttentionCapture() {}

    /**
     * The run's outputs and its self-attention probabilities.
     *
     * @param outputs the model's outputs
     * @param layers  per attention layer, first first, {@code [heads, tokens, tokens]} row-major (batch 1)
     * @param heads   heads per layer
     * @param tokens  L
     * @param sources the Softmax node (fused) or value (unfused) each layer came from
     */
    public record Result(Map<String, Tensor> outputs, List<float[]> layers, int heads, int tokens, List<String> sources) {}

    /**
     * Runs {@code session} once on {@code feeds} (batch 1), capturing attention probabilities.
     *
     * @param session a Transformer's session
     * @param feeds   input name → tensor, batch 1
     * @return the outputs and the self-attention maps
     * @throws HeedException {@link dev.heed.ErrorCode#UNSUPPORTED} when the model has no square self-attention map,
     *                       {@link dev.heed.ErrorCode#SHAPE_MISMATCH} when layers disagree on the head count; otherwise as
     *                       {@link Session#run(Map, RunOptions)}
     */
    public static Result run(Session session, Map<String, Tensor> feeds) {
        boolean fused = !session.fusedAttention().isEmpty();
        RunOptions o = RunOptions.defaults();
        if (fused) {
            o = o.withCaptureAttention(true);
        } else {
            Set<String> names = new LinkedHashSet<>();
            for (Node n : session.model().graph().nodes()) if (n.opType().equals("Softmax") && n.domain().isEmpty()) names.add(n.outputs().getFirst());
            if (names.isEmpty()) throw noAttention(session, "it has no Softmax node");
            o = o.withCapture(names.toArray(String[]::new));
        }
        RunResult r = session.run(feeds, o);
        Map<String, Tensor> maps = fused ? r.attention() : r.captured();
        List<float[]> layers = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        int tokens = -1, heads = -1;
        for (Map.Entry<String, Tensor> e : maps.entrySet()) {
            Tensor t = e.getValue();                           // [B, H, L, S] fused, [B*H, L, S] exported
            int rank = t.rank();
            if (rank < 2 || t.dim(rank - 1) != t.dim(rank - 2)) continue;   // cross-attention or not attention
            int l = t.dim(rank - 1);
            if (tokens < 0) tokens = l;
            if (l != tokens) continue;
            int h = (int) (t.numel() / ((long) l * l));
            if (heads < 0) heads = h;
            if (h != heads) {
                throw HeedException.shape("explain", "attention '" + e.getKey() + "'" + t.shape() + " has " + h + " maps; earlier layers had "
                        + heads + " (batch 1 expected)");
            }
            layers.add(t.toFloatArray());
            sources.add(e.getKey());
        }
        if (layers.isEmpty()) throw noAttention(session, "no captured Softmax output is a square [.., L, L] map (" + maps.keySet() + ")");
        return new Result(r.outputs(), layers, heads, tokens, sources);
    }

    private static HeedException noAttention(Session s, String why) {
        return new HeedException(ErrorCode.UNSUPPORTED, "explain: the model has no self-attention to roll out: " + why
                + "; fused attention nodes: " + s.fusedAttention() + ". Rollout needs a Transformer whose attention is a Softmax "
                + "over [.., L, L] scores (a ViT export).");
    }
}
