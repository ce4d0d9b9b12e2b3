package dev.heed.onnx;

import dev.heed.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link Session#runWithProfile} returns: the outputs in the model's output order and, when
 * {@link SessionOptions#profile()} is on, one timing per executed node in execution order.
 *
 * <pre>{@code
 * RunResult r = session.runWithProfile(Map.of("x", x));
 * r.profile().forEach(t -> System.out.println(t.opType() + " " + t.node() + " " + t.nanos() / 1e3 + " µs"));
 * }</pre>
 */
public record RunResult(Map<String, Tensor> outputs, List<NodeTiming> profile) {
    public RunResult {
        outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        profile = List.copyOf(profile);
    }

    /** Wall-clock time of one node in one run. */
    public record NodeTiming(String node, String opType, long nanos) {}
}
