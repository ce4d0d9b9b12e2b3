package dev.heed.onnx;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.MemoryBudget;
import dev.heed.onnx.ir.Dim;
import dev.heed.onnx.ir.Graph;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ir.TensorData;
import dev.heed.onnx.ir.ValueInfo;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.OpFactory;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.onnx.optimize.AttentionFusion;
import dev.heed.onnx.optimize.ConstantFolder;
import dev.heed.onnx.ops.FusedAttentionOp;
import dev.heed.onnx.optimize.GraphFusion;
import dev.heed.onnx.optimize.GraphPasses;
import dev.heed.onnx.reader.OnnxReader;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A loaded ONNX model, ready to run. Loading reads the file (memory-mapped), resolves every node to an
 * operator for the model's opsets (failing with a list of what is unsupported), sorts the graph, folds
 * constants (including statically known Shape chains), removes dead nodes and plans when each intermediate
 * tensor can be released. After that the Session is immutable: {@link #run} may be called from many threads
 * at once; per-run state lives in the call.
 *
 * <pre>{@code
 * try (Session s = Session.open(Path.of("model.onnx"), SessionOptions.defaults())) {
 *     Map<String, Tensor> out = s.run(Map.of("input_ids", ids, "attention_mask", mask));
 *     Tensor hidden = out.get("last_hidden_state");
 * }
 * System.out.print(Session.inspect(Path.of("model.onnx")).report());
 * }</pre>
 */
public final class Session implements AutoCloseable {

    /** One node of the plan: slots are indices into the per-run value array, -1 for an absent value. */
    private record Step(Node node, Op op, int[] in, int[] out, int[] release) {}

    private final Model model;
    private final SessionOptions options;
    private final ExecutionContext ctx;
    private final ModelInfo info;
    private final List<String> fusedAttention;      // Softmax names of fused attention nodes, graph order
    private final Map<String, Integer> graphFusions; // fusion name -> how often it fired (GraphFusion.Result#counts)
    private final int[] probabilitySlots;             // their probability outputs when capture is on
    private final List<ValueInfo> inputs;           // fed by the caller
    private final Map<String, ValueInfo> feedable;  // inputs + initializer-backed (overridable) inputs
    private final Map<String, Tensor> defaults;     // initializer values of overridable inputs
    private final Set<String> unreliableSymbols;    // dim names an input repeats (e.g. ['batch', 'batch']): not enforced
    private final Map<String, Integer> slotOf;
    private final Tensor[] template;                // constants preloaded, everything else null
    private final Step[] steps;
    private final List<ValueInfo> outputs;
    private final int[] outputSlots;
    private final int foldedNodes;

    private Session(Model model, SessionOptions options, OpRegistry registry) {
        this.model = model;
        this.options = options;
        this.info = describe(model, registry);
        Graph g = model.graph();

        // 1. every node must resolve for the model's opsets, before anything runs
        List<Node> unsupported = new ArrayList<>();
        for (Node n : g.nodes()) if (registry.resolve(n.domain(), n.opType(), model.opsetFor(n.domain())) == null) unsupported.add(n);
        if (!unsupported.isEmpty()) {
            Node first = unsupported.getFirst();
            HeedException e = registry.unsupported(first, model.opsetFor(first.domain()));
            String more = unsupported.size() == 1 ? "" : " (" + unsupported.size() + " unsupported nodes in all: "
                    + String.join("; ", info.unsupported()) + ")";
            throw new HeedException(ErrorCode.UNSUPPORTED, e.getMessage() + more);
        }

        // 2. inputs, initializers, constants
        Map<String, TensorData> inits = new LinkedHashMap<>();
        for (TensorData t : g.initializers()) inits.put(t.name(), t);
        List<ValueInfo> ins = new ArrayList<>();
        Map<String, ValueInfo> feed = new LinkedHashMap<>();
        Map<String, Tensor> dflt = new HashMap<>();
        Map<String, int[]> staticShapes = new HashMap<>();
        for (ValueInfo v : g.inputs()) {
            feed.put(v.name(), v);
            TensorData init = inits.remove(v.name());
            if (init != null) {
                dflt.put(v.name(), init.toTensor());
                continue;
            }
            if (v.elemType() != null && v.elemType().heedType() == null) {
                throw HeedException.unsupported("input '" + v.name() + "' has element type " + v.elemType()
                        + ", which Heed has no dtype for", "float", "int64", "int32", "bool", "uint8");
            }
            ins.add(v);
            if (v.isStatic()) staticShapes.put(v.name(), v.dims().stream().mapToInt(d -> (int) ((Dim.Fixed) d).size()).toArray());
        }
        this.inputs = List.copyOf(ins);
        this.feedable = java.util.Collections.unmodifiableMap(feed);
        this.defaults = Map.copyOf(dflt);
        this.unreliableSymbols = repeatedSymbols(feed.values());
        Map<String, Tensor> constants = new HashMap<>();
        inits.forEach((name, t) -> constants.put(name, t.toTensor()));

        // 3. compile, order, fold, prune
        this.ctx = ExecutionContext.create(options.execution());
        try {
            IdentityHashMap<Node, Op> ops = new IdentityHashMap<>();
            for (Node n : g.nodes()) {
                int opset = (int) model.opsetFor(n.domain());
                OpFactory f = registry.resolve(n.domain(), n.opType(), opset);
                try {
                    ops.put(n, f.create(n, opset));
                } catch (HeedException e) {
                    throw new HeedException(e.code(), e.getMessage().startsWith(n.describe()) ? e.getMessage()
                            : n.describe() + ": " + e.getMessage(), e);
                }
            }
            Set<String> available = new HashSet<>(feed.keySet());
            available.addAll(constants.keySet());
            List<String> outNames = g.outputs().stream().map(ValueInfo::name).toList();
            List<Node> order = GraphPasses.removeDead(GraphPasses.topologicalOrder(g.nodes(), available), outNames);
            int folded = 0;
            if (options.constantFolding()) {
                ConstantFolder.Result r = ConstantFolder.fold(order, ops, constants, staticShapes, ctx);
                order = GraphPasses.removeDead(r.remaining(), outNames);
                constants.clear();
                constants.putAll(r.constants());
                folded = r.folded();
            }
            this.foldedNodes = folded;
            if (options.attentionFusion()) {
                Map<Node, Integer> opsetOf = new IdentityHashMap<>();
                for (Node n : order) opsetOf.put(n, (int) model.opsetFor(n.domain()));
                AttentionFusion.Result fr = AttentionFusion.fuse(order, constants, new HashSet<>(outNames), opsetOf, options.captureAttention());
                order = fr.nodes();
                for (Node f : fr.fused()) {
                    ops.put(f, new FusedAttentionOp(f.attrFloat("scale", 1f), options.captureAttention(), options.attention()));
                }
                this.fusedAttention = fr.fused().stream().map(n -> n.attrString("softmax", n.name())).toList();
            } else {
                this.fusedAttention = List.of();
            }
            if (options.graphFusion()) {
                GraphFusion.Result gr = GraphFusion.fuse(order, constants, new HashSet<>(outNames));
                order = gr.nodes();
                ops.putAll(gr.ops());
                this.graphFusions = gr.counts();
            } else {
                this.graphFusions = Map.of();
            }

            // 4. slots and lifetimes
            Set<String> used = new HashSet<>(outNames);
            for (Node n : order) for (String s : n.inputs()) if (!s.isEmpty()) used.add(s);
            constants.keySet().retainAll(used);           // drop what only dead or folded nodes read
            Map<String, Integer> slots = new LinkedHashMap<>();
            for (String name : feed.keySet()) slots.put(name, slots.size());
            for (String name : constants.keySet()) slots.putIfAbsent(name, slots.size());
            for (Node n : order) for (String o : n.outputs()) if (!o.isEmpty()) slots.putIfAbsent(o, slots.size());
            for (String o : outNames) {
                if (!slots.containsKey(o)) {
                    throw new HeedException(ErrorCode.MALFORMED_INPUT, "graph output '" + o + "' is produced by no node, input or initializer");
                }
            }
            this.slotOf = java.util.Collections.unmodifiableMap(slots);
            Tensor[] tpl = new Tensor[slots.size()];
            constants.forEach((name, t) -> tpl[slots.get(name)] = t);
            this.template = tpl;
            int[] lastUse = new int[slots.size()];
            Arrays.fill(lastUse, -1);
            Set<Integer> pinned = new HashSet<>();
            for (String o : outNames) pinned.add(slots.get(o));
            List<Integer> probs = new ArrayList<>();
            for (String a : fusedAttention) {
                Integer slot = slots.get(a + AttentionFusion.PROBS_SUFFIX);
                if (slot != null) { pinned.add(slot); probs.add(slot); }
            }
            this.probabilitySlots = probs.stream().mapToInt(Integer::intValue).toArray();
            for (String c : constants.keySet()) pinned.add(slots.get(c));
            for (String f : feed.keySet()) pinned.add(slots.get(f)); // caller-owned: dropping the reference frees nothing
            for (int i = 0; i < order.size(); i++) for (String s : order.get(i).inputs()) if (!s.isEmpty()) lastUse[slots.get(s)] = i;
            List<List<Integer>> release = new ArrayList<>();
            for (int i = 0; i < order.size(); i++) release.add(new ArrayList<>());
            for (int i = 0; i < order.size(); i++) {
                for (String o : order.get(i).outputs()) {
                    if (o.isEmpty()) continue;
                    int s = slots.get(o);
                    if (pinned.contains(s)) continue;
                    release.get(Math.max(i, lastUse[s])).add(s); // never read: released right after its producer
                }
            }
            Step[] st = new Step[order.size()];
            for (int i = 0; i < st.length; i++) {
                Node n = order.get(i);
                st[i] = new Step(n, ops.get(n),
                        n.inputs().stream().mapToInt(s -> s.isEmpty() ? -1 : slots.get(s)).toArray(),
                        n.outputs().stream().mapToInt(s -> s.isEmpty() ? -1 : slots.get(s)).toArray(),
                        release.get(i).stream().mapToInt(Integer::intValue).toArray());
            }
            this.steps = st;
            this.outputs = List.copyOf(g.outputs());
            this.outputSlots = outNames.stream().mapToInt(slots::get).toArray();
        } catch (RuntimeException e) {
            ctx.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------ opening

    /** Opens a model file (memory-mapped; external data relative to its directory). */
    public static Session open(Path path, SessionOptions options) {
        return new Session(OnnxReader.read(path, options.execution().memoryLimitBytes()), options, OpRegistry.standard());
    }

    /** Opens a model file with default options. */
    public static Session open(Path path) {
        return open(path, SessionOptions.defaults());
    }

    /** Opens a model held in memory ({@code bytes} is referenced, not copied; do not modify it). No external data. */
    public static Session open(byte[] bytes, SessionOptions options) {
        return new Session(OnnxReader.read(bytes, null, options.execution().memoryLimitBytes()), options, OpRegistry.standard());
    }

    /** Reads a whole stream (refusing more than the memory limit) and opens it. */
    public static Session open(InputStream in, SessionOptions options) {
        long limit = Math.min(options.execution().memoryLimitBytes(), Integer.MAX_VALUE - 16);
        try {
            byte[] bytes = in.readNBytes((int) limit + 1);
            if (bytes.length > limit) {
                throw new HeedException(ErrorCode.MEMORY_LIMIT, "model stream is larger than the limit of " + limit + " bytes");
            }
            return open(bytes, options);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "cannot read model stream: " + e.getMessage(), e);
        }
    }

    /** Opens an already decoded model with a custom operator registry (for tests and for wiring in new kernels). */
    public static Session open(Model model, SessionOptions options, OpRegistry registry) {
        return new Session(model, options, registry);
    }

    /** Summarises a model without preparing it to run; unsupported operators are listed, not thrown. */
    public static ModelInfo inspect(Path path) {
        return describe(OnnxReader.read(path, SessionOptions.defaults().execution().memoryLimitBytes()), OpRegistry.standard());
    }

    /** Summarises a decoded model against {@code registry}. */
    public static ModelInfo describe(Model model, OpRegistry registry) {
        Graph g = model.graph();
        Map<String, Integer> counts = new TreeMap<>();
        Map<String, List<Node>> missing = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            String key = n.domain().isEmpty() ? n.opType() : n.domain() + "." + n.opType();
            counts.merge(key, 1, Integer::sum);
            long opset = model.opsetFor(n.domain());
            if (!registry.supports(n.domain(), n.opType(), opset)) {
                missing.computeIfAbsent(key + " (domain " + (n.domain().isEmpty() ? "ai.onnx" : n.domain()) + ", opset " + opset + ")",
                        k -> new ArrayList<>()).add(n);
            }
        }
        List<String> unsupported = missing.entrySet().stream()
                .map(e -> e.getKey() + " × " + e.getValue().size() + ", first node '" + e.getValue().getFirst().name() + "'")
                .toList();
        Set<String> initNames = g.initializers().stream().map(TensorData::name).collect(Collectors.toSet());
        List<ValueInfo> ins = g.inputs().stream().filter(v -> !initNames.contains(v.name())).toList();
        String producer = (model.producerName() + " " + model.producerVersion()).trim();
        return new ModelInfo(model.irVersion(), model.opsets(), producer, ins, g.outputs(), model.metadata(), counts,
                g.nodes().size(), g.initializers().size(), unsupported);
    }

    // ------------------------------------------------------------------ accessors

    /** The decoded model (graph, opsets, metadata). */
    public Model model() { return model; }

    /** The inputs a caller must feed, in model order. */
    public List<ValueInfo> inputs() { return inputs; }

    /** The outputs {@link #run} returns, in model order. */
    public List<ValueInfo> outputs() { return outputs; }

    /** metadata_props (Ultralytics keeps class names under "names"). */
    public Map<String, String> metadata() { return model.metadata(); }

    /** Summary for {@code heed inspect}. */
    public ModelInfo info() { return info; }

    /** Nodes executed per run after folding and dead-node removal. */
    public int plannedNodes() { return steps.length; }

    /** Nodes folded into constants at load time. */
    public int foldedNodes() { return foldedNodes; }

    /** The attention subgraphs replaced by Heed's kernels, named by their Softmax node, in graph order. */
    public List<String> fusedAttention() { return fusedAttention; }

    /**
     * How often each graph fusion fired at load time, e.g. {@code {gelu=6, layer_norm=13, matmul_bias=36,
     * matmul_bias_gelu_erf=6}} for all-MiniLM-L6-v2; empty with {@link SessionOptions#graphFusion()} off.
     */
    public Map<String, Integer> graphFusions() { return graphFusions; }

    public SessionOptions options() { return options; }

    // ------------------------------------------------------------------ running

    /** Runs the model; returns the outputs by name in the model's output order. Thread-safe. */
    public Map<String, Tensor> run(Map<String, Tensor> feeds) {
        return execute(feeds, false).outputs();
    }

    /** Like {@link #run}, also returning per-node timings when {@link SessionOptions#profile()} is on. */
    public RunResult runWithProfile(Map<String, Tensor> feeds) {
        return execute(feeds, options.profile());
    }

    private RunResult execute(Map<String, Tensor> feeds, boolean profile) {
        // the run's memory ledger: ops refuse allocations past the budget given what the run already holds
        MemoryBudget budget = MemoryBudget.forRun(options.execution().memoryLimitBytes());
        return budget.call(() -> execute(feeds, profile, budget));
    }

    private RunResult execute(Map<String, Tensor> feeds, boolean profile, MemoryBudget budget) {
        Tensor[] slots = template.clone();
        bind(feeds, slots);
        for (Tensor t : slots) budget.exempt(t); // constants and the caller's inputs are not the run's allocations
        List<RunResult.NodeTiming> timings = profile ? new ArrayList<>(steps.length) : List.of();
        for (Step step : steps) {
            Tensor[] args = new Tensor[step.in.length];
            for (int i = 0; i < args.length; i++) {
                if (step.in[i] < 0) continue;
                args[i] = slots[step.in[i]];
                if (args[i] == null) {
                    throw new HeedException(ErrorCode.INTERNAL, step.node.describe() + ": input '" + step.node.input(i) + "' was released or never produced");
                }
            }
            long t0 = profile ? System.nanoTime() : 0;
            Tensor[] res;
            try {
                res = step.op.apply(ctx, args);
            } catch (HeedException e) {
                throw new HeedException(e.code(), "node " + step.node.describe() + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new HeedException(ErrorCode.INTERNAL, "node " + step.node.describe() + " failed on inputs "
                        + Arrays.stream(args).map(t -> t == null ? "-" : t.dtype() + t.shape().toString()).toList() + ": " + e, e);
            }
            if (profile) timings.add(new RunResult.NodeTiming(step.node.name(), step.node.opType(), System.nanoTime() - t0));
            for (int j = 0; j < step.out.length; j++) {
                if (step.out[j] < 0) continue;
                if (j >= res.length || res[j] == null) {
                    throw new HeedException(ErrorCode.INTERNAL, step.node.describe() + " did not produce output #" + j);
                }
                slots[step.out[j]] = res[j];
                budget.hold(res[j]);
            }
            for (int s : step.release) { budget.drop(slots[s]); slots[s] = null; } // last reader done: the buffer can be reclaimed
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < outputSlots.length; i++) out.put(outputs.get(i).name(), slots[outputSlots[i]]);
        Map<String, Tensor> attention = new LinkedHashMap<>();
        for (int i = 0; i < probabilitySlots.length; i++) {
            Tensor p = slots[probabilitySlots[i]];
            if (p != null) attention.put(fusedAttention.get(i), p);
        }
        return new RunResult(out, timings, attention);
    }

    /** Validates the feeds against the declared inputs and places them in their slots. */
    private void bind(Map<String, Tensor> feeds, Tensor[] slots) {
        for (String name : feeds.keySet()) {
            if (!feedable.containsKey(name)) {
                throw HeedException.invalid("run", "unknown input '" + name + "'; expected " + expectedInputs());
            }
        }
        Map<String, Long> symbols = new HashMap<>();
        Map<String, String> boundBy = new HashMap<>();
        for (ValueInfo v : feedable.values()) {
            Tensor t = feeds.get(v.name());
            if (t == null) {
                if (feeds.containsKey(v.name())) throw HeedException.invalid("run", "input '" + v.name() + "' is null");
                Tensor d = defaults.get(v.name());
                if (d == null) throw HeedException.invalid("run", "missing input '" + v.name() + "'; expected " + expectedInputs());
                slots[slotOf.get(v.name())] = d;
                continue;
            }
            check(v, t, symbols, boundBy, unreliableSymbols);
            slots[slotOf.get(v.name())] = t;
        }
    }

    /**
     * Symbolic dim names that one input uses for two of its axes. Some exporters name every dynamic axis alike
     * (all-MiniLM-L6-v2 declares input_ids as ['batch', 'batch'] for [batch, sequence]); such a name says nothing
     * about agreement, so it is not enforced anywhere (ONNX Runtime does not enforce symbolic names at all).
     */
    private static Set<String> repeatedSymbols(java.util.Collection<ValueInfo> values) {
        Set<String> repeated = new HashSet<>();
        for (ValueInfo v : values) {
            if (v.dims() == null) continue;
            Set<String> seen = new HashSet<>();
            for (Dim d : v.dims()) if (d instanceof Dim.Symbolic s && !seen.add(s.name())) repeated.add(s.name());
        }
        return Set.copyOf(repeated);
    }

    private static void check(ValueInfo v, Tensor t, Map<String, Long> symbols, Map<String, String> boundBy, Set<String> unreliable) {
        DType want = v.elemType() == null ? null : v.elemType().heedType();
        String got = t.dtype() + t.shape().toString();
        if (want != null && t.dtype() != want) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, "run: input '" + v.name() + "' expects " + v.elemType()
                    + v.shapeString() + ", got " + got);
        }
        if (v.dims() == null) return;
        if (v.dims().size() != t.rank()) {
            throw HeedException.shape("run", "input '" + v.name() + "' expects rank " + v.dims().size() + " " + v.shapeString()
                    + ", got " + got);
        }
        for (int i = 0; i < t.rank(); i++) {
            Dim d = v.dims().get(i);
            long size = t.dim(i);
            switch (d) {
                case Dim.Fixed f -> {
                    if (f.size() != size) {
                        throw HeedException.shape("run", "input '" + v.name() + "' expects " + v.shapeString() + ", got " + got
                                + ": dimension " + i + " is " + size + ", not " + f.size());
                    }
                }
                case Dim.Symbolic s when unreliable.contains(s.name()) -> { }
                case Dim.Symbolic s -> {
                    Long prev = symbols.putIfAbsent(s.name(), size);
                    if (prev == null) {
                        boundBy.put(s.name(), v.name());
                    } else if (prev != size) {
                        throw HeedException.shape("run", "input '" + v.name() + "' dimension " + i + " ('" + s.name() + "') is " + size
                                + " but input '" + boundBy.get(s.name()) + "' set '" + s.name() + "' = " + prev);
                    }
                }
                case Dim.Unknown u -> { }
            }
        }
    }

    private String expectedInputs() {
        return feedable.values().stream()
                .map(v -> v + (defaults.containsKey(v.name()) ? " (optional, has an initializer)" : ""))
                .collect(Collectors.joining(", ", "[", "]"));
    }

    /** Stops the worker threads. Tensors already returned stay valid (the mapping is released by the GC). */
    @Override
    public void close() {
        ctx.close();
    }
}
