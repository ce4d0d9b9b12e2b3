package dev.heed.onnx.ops;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.ir.Node;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Operators keyed by (domain, op_type, since_version). {@link #resolve} picks, for the opset a model imports,
 * the implementation with the highest since_version not above it, as the ONNX versioning rules say.
 * Immutable once built; {@link #standard()} returns a fresh registry with every op Heed implements.
 *
 * <pre>{@code
 * OpRegistry reg = OpRegistry.standard();
 * OpFactory f = reg.resolve("", "Squeeze", 12);      // the attribute form (since 1)
 * OpFactory g = reg.resolve("", "Squeeze", 13);      // the input form (since 13)
 * OpRegistry mine = OpRegistry.builder().include(reg).register("", "MyOp", 1, factory).build();
 * }</pre>
 */
public final class OpRegistry {

    private final Map<String, Map<String, NavigableMap<Integer, OpFactory>>> table; // domain → op → since → factory

    private OpRegistry(Map<String, Map<String, NavigableMap<Integer, OpFactory>>> table) {
        this.table = table;
    }

    /** Every operator this module implements: data movement and shape ops, logic, Cast, elementwise math, NN layers, reductions, resampling. */
    public static OpRegistry standard() {
        Builder b = builder();
        ConstantOps.register(b);
        ShapeOps.register(b);
        JoinOps.register(b);
        IndexOps.register(b);
        LogicOps.register(b);
        MathOps.register(b);
        NnOps.register(b);
        ReduceOps.register(b);
        SamplingOps.register(b);
        return b.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The factory for {@code opType} in {@code domain} at {@code opset}, or null when there is none (op unknown,
     * or only introduced in a later opset than the model imports).
     */
    public OpFactory resolve(String domain, String opType, long opset) {
        NavigableMap<Integer, OpFactory> versions = table.getOrDefault(Node.canonicalDomain(domain), Map.of()).get(opType);
        if (versions == null) return null;
        Map.Entry<Integer, OpFactory> e = versions.floorEntry((int) Math.min(Integer.MAX_VALUE, opset));
        return e == null ? null : e.getValue();
    }

    /** True when {@link #resolve} finds an implementation. */
    public boolean supports(String domain, String opType, long opset) {
        return resolve(domain, opType, opset) != null;
    }

    /** The op types registered for {@code domain}, sorted. */
    public SortedSet<String> supportedOps(String domain) {
        return Collections.unmodifiableSortedSet(new TreeSet<>(table.getOrDefault(Node.canonicalDomain(domain), Map.of()).keySet()));
    }

    /** The domains with at least one op. */
    public SortedSet<String> domains() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(table.keySet()));
    }

    /** The error for a node no implementation covers: names op, domain, opset and node, lists what exists. */
    public HeedException unsupported(Node node, long opset) {
        String dom = node.domain().isEmpty() ? "ai.onnx" : node.domain();
        NavigableMap<Integer, OpFactory> versions = table.getOrDefault(node.domain(), Map.of()).get(node.opType());
        String why = versions == null
                ? "is not implemented"
                : opset < 0 ? "needs an opset import for domain " + dom + ", the model has none"
                : "exists only from opset " + versions.firstKey() + " on, the model imports opset " + opset;
        return new HeedException(ErrorCode.UNSUPPORTED, "unsupported operator " + node.opType() + " (domain " + dom
                + ", opset " + opset + ") in node '" + node.name() + "': " + why + "; supported in " + dom + ": "
                + String.join(", ", supportedOps(node.domain())));
    }

    /** Collects registrations; {@link #build()} freezes them. */
    public static final class Builder {
        private final Map<String, Map<String, NavigableMap<Integer, OpFactory>>> table = new HashMap<>();

        private Builder() {}

        /** Registers {@code factory} for {@code opType} from opset {@code sinceVersion} on (until a later registration). */
        public Builder register(String domain, String opType, int sinceVersion, OpFactory factory) {
            table.computeIfAbsent(Node.canonicalDomain(domain), d -> new HashMap<>())
                    .computeIfAbsent(opType, o -> new TreeMap<>()).put(sinceVersion, factory);
            return this;
        }

        /** Registers the same factory for several since-versions (versions that differ only in types). */
        public Builder register(String domain, String opType, int[] sinceVersions, OpFactory factory) {
            for (int v : sinceVersions) register(domain, opType, v, factory);
            return this;
        }

        /** Copies every registration of {@code other}. */
        public Builder include(OpRegistry other) {
            other.table.forEach((d, ops) -> ops.forEach((op, vs) -> vs.forEach((v, f) -> register(d, op, v, f))));
            return this;
        }

        public OpRegistry build() {
            Map<String, Map<String, NavigableMap<Integer, OpFactory>>> copy = new HashMap<>();
            table.forEach((d, ops) -> {
                Map<String, NavigableMap<Integer, OpFactory>> m = new HashMap<>();
                ops.forEach((op, vs) -> m.put(op, Collections.unmodifiableNavigableMap(new TreeMap<>(vs))));
                copy.put(d, Collections.unmodifiableMap(m));
            });
            return new OpRegistry(Collections.unmodifiableMap(copy));
        }
    }
}
