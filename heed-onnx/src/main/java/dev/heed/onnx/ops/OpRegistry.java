package dev.heed.onnx.ops;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.nn.NnOps;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Operators keyed by (domain, op_type, since_version), each with the {@link OpSchema} it accepts. {@link #resolve}
 * picks, for the opset a model imports, the implementation with the highest since_version not above it, as the
 * ONNX versioning rules say, and returns it wrapped so that creating an op first validates the node against
 * the schema (arity, empty required inputs, output count, attribute types): every path that builds ops from a
 * graph refuses a malformed node with {@code MALFORMED_INPUT} before the op sees it. The registry is the one
 * source of truth for the op table: {@code docs/supported-ops.md} is generated from it ({@link SupportedOps}),
 * and ops that keep their input's shape carry a flag ({@link #isShapePreserving}) for the constant folder.
 * Immutable once built; {@link #standard()} returns a fresh registry with every op Heed implements.
 *
 * <pre>{@code
 * OpRegistry reg = OpRegistry.standard();
 * OpFactory f = reg.resolve("", "Squeeze", 12);      // the attribute form (since 1)
 * OpFactory g = reg.resolve("", "Squeeze", 13);      // the input form (since 13)
 * OpRegistry mine = OpRegistry.builder().include(reg).register("", "MyOp", 1, "X -> Y | alpha:float", factory).build();
 * }</pre>
 */
public final class OpRegistry {

    /** One registration: the factory and the schema it was registered with (null for unchecked registrations). */
    private record Entry(OpFactory factory, OpSchema schema) {
        OpFactory validating() {
            if (schema == null) return factory;
            return (node, opset) -> {
                schema.validate(node);
                return factory.create(node, opset);
            };
        }
    }

    private final Map<String, Map<String, NavigableMap<Integer, Entry>>> table; // domain → op → since → entry
    private final Map<String, String> notes;                                    // "domain/op" → notes
    private final Set<String> shapePreserving;                                  // "domain/op"

    private OpRegistry(Map<String, Map<String, NavigableMap<Integer, Entry>>> table, Map<String, String> notes,
                       Set<String> shapePreserving) {
        this.table = table;
        this.notes = notes;
        this.shapePreserving = shapePreserving;
    }

    /** {@return a new registry of every operator this module implements: data movement and shape ops, logic, Cast, elementwise math, NN layers, reductions, resampling, quantisation} */
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
        dev.heed.onnx.ops.quant.QuantOps.register(b);
        return b.build();
    }

    /** {@return an empty builder; {@link Builder#include} an existing registry to extend it} */
    public static Builder builder() {
        return new Builder();
    }

    private Entry entry(String domain, String opType, long opset) {
        NavigableMap<Integer, Entry> versions = table.getOrDefault(Node.canonicalDomain(domain), Map.of()).get(opType);
        if (versions == null) return null;
        Map.Entry<Integer, Entry> e = versions.floorEntry((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, opset)));
        return e == null ? null : e.getValue();
    }

    /**
     * The factory for {@code opType} in {@code domain} at {@code opset}, or null when there is none (op unknown,
     * or only introduced in a later opset than the model imports). The factory validates each node against the
     * registration's {@link OpSchema} before building its op.
     *
     * @param domain the op's domain ("" or "ai.onnx" for the default)
     * @param opType the op, e.g. {@code Squeeze}
     * @param opset  the opset the model imports for the domain
     * @return the factory of the highest registered version not above {@code opset}, or null
     */
    public OpFactory resolve(String domain, String opType, long opset) {
        Entry e = entry(domain, opType, opset);
        return e == null ? null : e.validating();
    }

    /**
     * The schema that applies at {@code opset}.
     *
     * @param domain the op's domain
     * @param opType the op
     * @param opset  the imported opset
     * @return the schema, or null (op unknown there, or registered without a signature)
     */
    public OpSchema schema(String domain, String opType, long opset) {
        Entry e = entry(domain, opType, opset);
        return e == null ? null : e.schema();
    }

    /**
     * The since-versions registered for {@code opType}.
     *
     * @param domain the op's domain
     * @param opType the op
     * @return the versions, ascending (empty when unknown)
     */
    public SortedSet<Integer> versions(String domain, String opType) {
        NavigableMap<Integer, Entry> v = table.getOrDefault(Node.canonicalDomain(domain), Map.of()).get(opType);
        return v == null ? Collections.emptySortedSet() : Collections.unmodifiableSortedSet(new TreeSet<>(v.keySet()));
    }

    /**
     * Free-text notes on what the implementation covers.
     *
     * @param domain the op's domain
     * @param opType the op
     * @return the notes, or "" when none were registered
     */
    public String notes(String domain, String opType) {
        return notes.getOrDefault(key(domain, opType), "");
    }

    /**
     * True when the op's first output always has its first input's shape (elementwise unary ops, Cast, Softmax…):
     * a constant folder may give such an output the input's known shape without running the op.
     *
     * @param domain the op's domain
     * @param opType the op
     * @return true when marked shape-preserving
     */
    public boolean isShapePreserving(String domain, String opType) {
        return shapePreserving.contains(key(domain, opType));
    }

    private static String key(String domain, String opType) {
        return Node.canonicalDomain(domain) + "/" + opType;
    }

    /**
     * Whether {@link #resolve} finds an implementation.
     *
     * @param domain the op's domain
     * @param opType the op
     * @param opset  the imported opset
     * @return true when supported
     */
    public boolean supports(String domain, String opType, long opset) {
        return resolve(domain, opType, opset) != null;
    }

    /**
     * The op types registered for {@code domain}.
     *
     * @param domain the domain
     * @return the op types, sorted
     */
    public SortedSet<String> supportedOps(String domain) {
        return Collections.unmodifiableSortedSet(new TreeSet<>(table.getOrDefault(Node.canonicalDomain(domain), Map.of()).keySet()));
    }

    /** {@return the domains with at least one op, sorted ("" is the default domain)} */
    public SortedSet<String> domains() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(table.keySet()));
    }

    /**
     * The error for a node no implementation covers: names op, domain, opset and node, lists what exists.
     *
     * @param node  the node
     * @param opset the opset the model imports for its domain
     * @return an {@link ErrorCode#UNSUPPORTED} exception, for the caller to throw
     */
    public HeedException unsupported(Node node, long opset) {
        String dom = node.domain().isEmpty() ? "ai.onnx" : node.domain();
        NavigableMap<Integer, Entry> versions = table.getOrDefault(node.domain(), Map.of()).get(node.opType());
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
        private final Map<String, Map<String, NavigableMap<Integer, Entry>>> table = new HashMap<>();
        private final Map<String, String> notes = new HashMap<>();
        private final Set<String> shapePreserving = new HashSet<>();

        private Builder() {}

        private Builder put(String domain, String opType, int sinceVersion, Entry e) {
            table.computeIfAbsent(Node.canonicalDomain(domain), d -> new HashMap<>())
                    .computeIfAbsent(opType, o -> new TreeMap<>()).put(sinceVersion, e);
            return this;
        }

        /**
         * Registers {@code factory} for {@code opType} from opset {@code sinceVersion} on (until a later
         * registration), accepting nodes that match {@code signature} ({@link OpSchema#parse}).
         *
         * @param domain       the op's domain
         * @param opType       the op
         * @param sinceVersion the first opset it applies to
         * @param signature    inputs, outputs and attributes, e.g. {@code "X -> Y | alpha:float"}
         * @param factory      builds the op for each node
         * @return this builder
         * @throws IllegalArgumentException when the signature does not parse
         */
        public Builder register(String domain, String opType, int sinceVersion, String signature, OpFactory factory) {
            return put(domain, opType, sinceVersion, new Entry(factory, OpSchema.parse(signature)));
        }

        /**
         * Registers the same factory and signature for several since-versions (versions that differ only in types).
         *
         * @param domain        the op's domain
         * @param opType        the op
         * @param sinceVersions the first opsets of each version
         * @param signature     inputs, outputs and attributes
         * @param factory       builds the op for each node
         * @return this builder
         * @throws IllegalArgumentException when the signature does not parse
         */
        public Builder register(String domain, String opType, int[] sinceVersions, String signature, OpFactory factory) {
            OpSchema s = OpSchema.parse(signature);
            for (int v : sinceVersions) put(domain, opType, v, new Entry(factory, s));
            return this;
        }

        /**
         * Registers {@code factory} without a signature: nodes reach it unvalidated (prefer the signature form).
         *
         * @param domain       the op's domain
         * @param opType       the op
         * @param sinceVersion the first opset it applies to
         * @param factory      builds the op for each node
         * @return this builder
         */
        public Builder register(String domain, String opType, int sinceVersion, OpFactory factory) {
            return put(domain, opType, sinceVersion, new Entry(factory, null));
        }

        /**
         * Registers the same factory without a signature for several since-versions.
         *
         * @param domain        the op's domain
         * @param opType        the op
         * @param sinceVersions the first opsets of each version
         * @param factory       builds the op for each node
         * @return this builder
         */
        public Builder register(String domain, String opType, int[] sinceVersions, OpFactory factory) {
            for (int v : sinceVersions) register(domain, opType, v, factory);
            return this;
        }

        /**
         * Notes for the supported-ops documentation: what the implementation covers, per version where it differs.
         *
         * @param domain the op's domain
         * @param opType the op
         * @param text   Markdown text, one table cell
         * @return this builder
         */
        public Builder notes(String domain, String opType, String text) {
            notes.put(key(domain, opType), text);
            return this;
        }

        /**
         * Marks ops whose first output always has their first input's shape ({@link OpRegistry#isShapePreserving}).
         *
         * @param domain  the ops' domain
         * @param opTypes the ops
         * @return this builder
         */
        public Builder shapePreserving(String domain, String... opTypes) {
            for (String op : opTypes) shapePreserving.add(key(domain, op));
            return this;
        }

        /**
         * Copies every registration, note and flag of {@code other}; later registrations of the same version replace them.
         *
         * @param other the registry to extend
         * @return this builder
         */
        public Builder include(OpRegistry other) {
            other.table.forEach((d, ops) -> ops.forEach((op, vs) -> vs.forEach((v, e) -> put(d, op, v, e))));
            notes.putAll(other.notes);
            shapePreserving.addAll(other.shapePreserving);
            return this;
        }

        /** {@return an immutable, thread-safe registry of everything registered so far} */
        public OpRegistry build() {
            Map<String, Map<String, NavigableMap<Integer, Entry>>> copy = new HashMap<>();
            table.forEach((d, ops) -> {
                Map<String, NavigableMap<Integer, Entry>> m = new HashMap<>();
                ops.forEach((op, vs) -> m.put(op, Collections.unmodifiableNavigableMap(new TreeMap<>(vs))));
                copy.put(d, Collections.unmodifiableMap(m));
            });
            return new OpRegistry(Collections.unmodifiableMap(copy), Map.copyOf(notes), Set.copyOf(shapePreserving));
        }
    }
}
