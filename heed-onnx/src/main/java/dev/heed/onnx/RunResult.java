package dev.heed.onnx;

import dev.heed.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link Session#run(Map, RunOptions)} returns: the outputs in the model's output order and what the
 * {@link RunOptions} asked for: with {@link RunOptions#profile()} one timing per executed node in execution order;
 * with {@link RunOptions#captureAttention()} {@link #attention()} maps each fused attention (named by the Softmax
 * node it replaced, in graph order, so layer order for a Transformer) to its probabilities [..., L, S]; with
 * captured names or a pattern, {@link #captured()} maps each captured value to its tensor, in execution order.
 * Every run also reports {@link #peakBytes()}, the most memory its own tensors and scratch held at once.
 *
 * <pre>{@code
 * RunResult r = session.run(Map.of("x", x), RunOptions.defaults().withProfile(true));
 * r.profile().forEach(t -> System.out.println(t.opType() + " " + t.node() + " " + t.nanos() / 1e3 + " µs"));
 * }</pre>
 *
 * @param outputs   output name → tensor, in the model's output order (unmodifiable)
 * @param profile   one timing per executed node in execution order; empty unless profiled
 * @param attention Softmax node name → attention probabilities {@code [..., L, S]}, in graph order; empty unless
 *                  {@link RunOptions#captureAttention()}
 * @param captured  value name → tensor for the captured intermediate values, in execution order; empty unless asked for
 * @param peakBytes the most heap bytes the run's own tensors held at once, as its memory ledger counts them
 *                  ({@link dev.heed.exec.MemoryBudget#peakBytes()}): op outputs still referenced plus the running op's
 *                  reserved scratch and output; not the constants (weights) nor the caller's inputs; 0 when not measured
 */
public record RunResult(Map<String, Tensor> outputs, List<NodeTiming> profile, Map<String, Tensor> attention,
                        Map<String, Tensor> captured, long peakBytes) {
    /**
     * Copies the maps and list into unmodifiable ones that keep their order; null attention or captured maps
     * become empty.
     *
     * @param outputs   output name → tensor
     * @param profile   per-node timings
     * @param attention captured attention probabilities, or null
     * @param captured  captured intermediate values, or null
     * @param peakBytes the run's peak in bytes, ≥ 0
     */
    public RunResult {
        if (peakBytes < 0) throw dev.heed.HeedException.invalid("RunResult", "peakBytes must be >= 0, got " + peakBytes);
        outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        profile = List.copyOf(profile);
        attention = attention == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(attention));
        captured = captured == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(captured));
    }

    /**
     * Wall-clock time of one node in one run.
     *
     * @param node   the node's name (or its op and index when the model left it unnamed)
     * @param opType the ONNX op type, e.g. {@code MatMul}, or a fused op's name
     * @param nanos  the time the node took, in nanoseconds
     */
    public record NodeTiming(String node, String opType, long nanos) {}
}
