package dev.heed.onnx;

import dev.heed.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link Session#runWithProfile} returns: the outputs in the model's output order and, when
 * {@link SessionOptions#profile()} is on, one timing per executed node in execution order; when
 * {@link SessionOptions#captureAttention()} is on, {@link #attention()} maps each fused attention (named by the
 * Softmax node it replaced, in graph order, so layer order for a Transformer) to its probabilities [..., L, S].
 *
 * <pre>{@code
 * RunResult r = session.runWithProfile(Map.of("x", x));
 * r.profile().forEach(t -> System.out.println(t.opType() + " " + t.node() + " " + t.nanos() / 1e3 + " µs"));
 * }</pre>
 */
public record RunResult(Map<String, Tensor> outputs, List<NodeTiming> profile, Map<String, Tensor> attention) {
    public RunResult {
        outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        profile = List.copyOf(profile);
        attention = attention == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(attention));
    }

    /** Outputs and timings, no captured attention. */
    public RunResult(Map<String, Tensor> outputs, List<NodeTiming> profile) {
        this(outputs, profile, Map.of());
    }

    /** Wall-clock time of one node in one run. */
    public record NodeTiming(String node, String opType, long nanos) {}
}
