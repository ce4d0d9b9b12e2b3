package dev.heed.onnx;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.onnx.ir.Graph;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ir.TensorData;
import dev.heed.onnx.ir.ValueInfo;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.onnx.optimize.GraphState;
import dev.heed.onnx.optimize.Optimizer;
import dev.heed.onnx.reader.OnnxReader;
import dev.heed.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.stream.Collectors;

/**
 * A loaded ONNX model, ready to run. Opening is a pipeline of four stages:
 * <pre>
 * compile    every node resolved against the registry for the model's opsets (all unsupported nodes listed in
 *            one error) and compiled to its op; inputs and initializers sorted out; nodes in topological order
 * optimise   one ordered list of passes, each reporting what it did ({@link #optimization()}): dead nodes,
 *            constant folding (including static Shape chains), attention, GELU, LayerNorm, MatMul + bias fusion
 * plan       value slots and lifetimes: when each intermediate tensor can be released
 * run        {@link #run(Map, RunOptions)}: the plan's steps over per-run slots; {@link RunOptions} choose profiling
 *            and capture (attention probabilities, named intermediate values) per call
 * </pre>
 * After opening the Session is immutable: {@link #run} may be called from many threads at once, with different
 * {@link RunOptions}; per-run state lives in the call.
 *
 * <pre>{@code
 * try (Session s = Session.open(Path.of("model.onnx"), SessionOptions.defaults())) {
 *     Map<String, Tensor> out = s.run(Map.of("input_ids", ids, "attention_mask", mask));
 *     Tensor hidden = out.get("last_hidden_state");
 *     RunResult r = s.run(Map.of("input_ids", ids, "attention_mask", mask), RunOptions.defaults().withCaptureAttention(true));
 *     r.attention();   // per fused attention: [B, H, L, L] probabilities
 * }
 * System.out.print(Session.inspect(Path.of("model.onnx")).report());
 * }</pre>
 */
public final class Session implements AutoCloseable {
    private final Model model;
    private final SessionOptions options;
    private final ExecutionContext ctx;
    /** Contexts with fewer threads than {@link #ctx}, for runs that ask for fewer ({@link RunOptions#threads()}); idle ones by thread count. */
    private final ConcurrentHashMap<Integer, ConcurrentLinkedDeque<ExecutionContext>> narrower = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private final ModelInfo info;
    private final InputBinder inputs;
    private final List<PassReport> optimization;     // one report per optimiser pass, in order
    private final ExecutionPlan plan;
    private final List<String> fusedAttention;       // Softmax names of fused attention nodes, graph order
    private final Map<String, Integer> graphFusions; // fusion name -> how often it fired
    private final List<ValueInfo> outputs;

    private Session(Model model, SessionOptions options, OpRegistry registry) {
        this.model = model;
        this.options = options;
        this.info = describe(model, registry);
        ModelCompiler.Compiled c = ModelCompiler.compile(model, registry, info);
        this.inputs = c.inputs();
        this.outputs = List.copyOf(model.graph().outputs());
        this.ctx = ExecutionContext.create(options.execution());
        try {
            GraphState g = new GraphState(c.order(), c.ops(), c.constants(), outputs.stream().map(ValueInfo::name).toList(),
                    c.staticShapes(), c.ranks(), n -> (int) model.opsetFor(n.domain()), ctx);
            Optimizer optimizer = Optimizer.standard(registry, options.constantFolding(), options.attentionFusion(),
                    options.attention(), options.graphFusion());
            this.optimization = optimizer.optimize(g);
            this.graphFusions = Optimizer.counts(optimization, Optimizer.GRAPH_FUSIONS);
            this.plan = ExecutionPlan.build(g, inputs.names());
            this.fusedAttention = plan.fusedAttention();
        } catch (RuntimeException e) {
            ctx.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------ opening

    /**
     * Opens a model file (memory-mapped; external data relative to its directory) and prepares it to run: compile,
     * optimise, plan. Starts the worker threads of {@code options.execution()}; close the Session to stop them.
     *
     * @param path    the {@code .onnx} file
     * @param options threads, memory limit, fusion choices
     * @return the ready Session
     * @throws HeedException {@link ErrorCode#IO} when the file cannot be read, {@link ErrorCode#MALFORMED_INPUT} for a damaged
     *                       model, {@link ErrorCode#UNSUPPORTED} listing every operator Heed lacks,
     *                       {@link ErrorCode#MEMORY_LIMIT} for a tensor over the memory limit
     */
    public static Session open(Path path, SessionOptions options) {
        return new Session(OnnxReader.read(path, options.execution().memoryLimitBytes()), options, OpRegistry.standard());
    }

    /**
     * Opens a model file with default options.
     *
     * @param path the {@code .onnx} file
     * @return the ready Session
     * @throws HeedException {@link ErrorCode#IO} when the file cannot be read, {@link ErrorCode#MALFORMED_INPUT} for a damaged
     *                       model, {@link ErrorCode#UNSUPPORTED} listing every operator Heed lacks,
     *                       {@link ErrorCode#MEMORY_LIMIT} for a tensor over the memory limit
     */
    public static Session open(Path path) {
        return open(path, SessionOptions.defaults());
    }

    /**
     * Opens a model held in memory ({@code bytes} is referenced, not copied; do not modify it). No external data.
     *
     * @param bytes   the serialised ModelProto
     * @param options threads, memory limit, fusion choices
     * @return the ready Session
     * @throws HeedException {@link ErrorCode#MALFORMED_INPUT} for a damaged model, {@link ErrorCode#UNSUPPORTED} listing every
     *                       operator Heed lacks, {@link ErrorCode#MEMORY_LIMIT} for a tensor over the memory limit
     */
    public static Session open(byte[] bytes, SessionOptions options) {
        return new Session(OnnxReader.read(bytes, null, options.execution().memoryLimitBytes()), options, OpRegistry.standard());
    }

    /**
     * Reads a whole stream (refusing more than the memory limit) and opens it; the stream is not closed. No external data.
     *
     * @param in      the serialised ModelProto
     * @param options threads, memory limit, fusion choices
     * @return the ready Session
     * @throws HeedException {@link ErrorCode#IO} when the stream cannot be read, {@link ErrorCode#MEMORY_LIMIT} when it is larger than the
     *                       limit; otherwise as {@link #open(byte[], SessionOptions)}
     */
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

    /**
     * Opens an already decoded model with a custom operator registry (for tests and for wiring in new kernels).
     *
     * @param model    the decoded model
     * @param options  threads, memory limit, fusion choices
     * @param registry the operators to resolve nodes against
     * @return the ready Session
     * @throws HeedException {@link ErrorCode#UNSUPPORTED} listing every operator the registry lacks, and any operator's error naming its node
     */
    public static Session open(Model model, SessionOptions options, OpRegistry registry) {
        return new Session(model, options, registry);
    }

    /**
     * Summarises a model without preparing it to run; unsupported operators are listed, not thrown.
     *
     * @param path the {@code .onnx} file
     * @return the summary
     * @throws HeedException {@link ErrorCode#IO} when the file cannot be read, {@link ErrorCode#MALFORMED_INPUT} for a damaged model
     */
    public static ModelInfo inspect(Path path) {
        return describe(OnnxReader.read(path, SessionOptions.defaults().execution().memoryLimitBytes()), OpRegistry.standard());
    }

    /**
     * Summarises a decoded model against {@code registry}.
     *
     * @param model    the decoded model
     * @param registry the operators counted as supported
     * @return the summary
     */
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

    /** {@return the decoded model (graph, opsets, metadata), as read, before optimisation} */
    public Model model() { return model; }

    /** {@return the inputs a caller must feed, in model order (initializer-backed inputs excluded)} */
    public List<ValueInfo> inputs() { return inputs.required(); }

    /** {@return the outputs {@link #run} returns, in model order} */
    public List<ValueInfo> outputs() { return outputs; }

    /** {@return the model's metadata_props (Ultralytics keeps class names under "names")} */
    public Map<String, String> metadata() { return model.metadata(); }

    /** {@return the summary {@code heed inspect} prints} */
    public ModelInfo info() { return info; }

    /** {@return the number of nodes executed per run after optimisation} */
    public int plannedNodes() { return plan.size(); }

    /**
     * {@return the bytes of the constants a run reads: initializers and folded values (heap or memory-mapped), each
     * buffer once; not the derived copies some kernels make on first use (packed GEMM weights)}
     */
    public long constantBytes() { return plan.constantBytes(); }

    /** {@return the number of nodes folded into constants at load time} */
    public int foldedNodes() {
        return optimization.stream().mapToInt(r -> r.counts().getOrDefault("folded", 0)).sum();
    }

    /**
     * What each optimiser pass did, in order, e.g. {@code [dead-nodes: 0 -> 0 nodes, fold-constants: 460 -> 330 nodes
     * {folded=130}, …, attention: 330 -> 300 nodes {attention=6}, …]}.
     *
     * @return one report per pass, in the order they ran
     */
    public List<PassReport> optimization() { return optimization; }

    /** {@return the attention subgraphs replaced by Heed's kernels, named by their Softmax node, in graph order} */
    public List<String> fusedAttention() { return fusedAttention; }

    /**
     * How often each graph fusion fired at load time, e.g. {@code {gelu=6, layer_norm=13, matmul_bias=36,
     * matmul_bias_gelu_erf=6}} for all-MiniLM-L6-v2; empty with {@link SessionOptions#graphFusion()} off.
     *
     * @return fusion name → how often it fired
     */
    public Map<String, Integer> graphFusions() { return graphFusions; }

    /** {@return the options the Session was opened with} */
    public SessionOptions options() { return options; }

    // ------------------------------------------------------------------ running

    /**
     * Runs the model. Thread-safe.
     *
     * @param feeds input name → tensor for every {@link #inputs() input}
     * @return the outputs by name, in the model's output order
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} for a missing, unknown or null input,
     *                       {@link ErrorCode#DTYPE_MISMATCH} or {@link ErrorCode#SHAPE_MISMATCH} for an input that does
     *                       not fit the model's declaration, {@link ErrorCode#MEMORY_LIMIT} when the run exceeds its
     *                       budget, and any operator's error naming its node
     */
    @SuppressWarnings("deprecation")
    public Map<String, Tensor> run(Map<String, Tensor> feeds) {
        RunOptions o = options.captureAttention() ? RunOptions.defaults().withCaptureAttention(true) : RunOptions.defaults();
        return run(feeds, o).outputs();
    }

    /**
     * Runs the model with per-run options: profiling and capture of attention probabilities and of intermediate
     * values. Thread-safe; runs with different options may share the Session at the same time.
     *
     * @param feeds      input name → tensor for every {@link #inputs() input}
     * @param runOptions what to record besides the outputs
     * @return the outputs and whatever {@code runOptions} asked for
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} for a missing, unknown or null input,
     *                       {@link ErrorCode#DTYPE_MISMATCH} or {@link ErrorCode#SHAPE_MISMATCH} for an input that does
     *                       not fit the model's declaration, {@link ErrorCode#MEMORY_LIMIT} when the run exceeds its
     *                       budget, and any operator's error naming its node, {@link ErrorCode#INVALID_ARGUMENT} for a captured
     *                       name that is not in the optimised graph
     */
    public RunResult run(Map<String, Tensor> feeds, RunOptions runOptions) {
        if (feeds == null) throw HeedException.invalid("run", "feeds is null");
        if (runOptions == null) throw HeedException.invalid("run", "runOptions is null");
        Map<String, Tensor> bound = inputs.bind(feeds);
        int t = runOptions.threads();
        if (t == 0 || t >= ctx.threads()) return plan.run(ctx, bound, runOptions);
        // a narrower run: a context of t threads of its own (kept for the next such run, with its scratch), so that
        // runs side by side never hand work to each other's workers
        ConcurrentLinkedDeque<ExecutionContext> idle = narrower.computeIfAbsent(t, k -> new ConcurrentLinkedDeque<>());
        ExecutionContext c = idle.pollFirst();
        if (c == null) c = ExecutionContext.create(options.execution().withThreads(t));
        try {
            return plan.run(c, bound, runOptions);
        } finally {
            idle.addFirst(c);
            if (closed) closeNarrower();
        }
    }

    /**
     * Like {@link #run}, also returning per-node timings when {@link SessionOptions#profile()} is on and attention
     * probabilities when {@link SessionOptions#captureAttention()} is on.
     *
     * @param feeds input name → tensor for every {@link #inputs() input}
     * @return the outputs, the profile and the attention probabilities as the Session's options ask
     * @deprecated choose per call: {@link #run(Map, RunOptions)} with {@link RunOptions#withProfile} and
     *             {@link RunOptions#withCaptureAttention}
     */
    @Deprecated
    public RunResult runWithProfile(Map<String, Tensor> feeds) {
        return run(feeds, RunOptions.defaults().withProfile(options.profile()).withCaptureAttention(options.captureAttention()));
    }

    /** Stops the worker threads. Tensors already returned stay valid (the mapping is released by the GC). */
    @Override
    public void close() {
        closed = true;
        ctx.close();
        closeNarrower();
    }

    private void closeNarrower() {
        for (ConcurrentLinkedDeque<ExecutionContext> idle : narrower.values()) {
            for (ExecutionContext c; (c = idle.pollFirst()) != null; ) c.close();
        }
    }
}
