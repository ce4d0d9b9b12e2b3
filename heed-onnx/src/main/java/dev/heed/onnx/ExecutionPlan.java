package dev.heed.onnx;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.MemoryBudget;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.fused.FusedAttentionOp;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.optimize.GraphState;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The last stage of {@link Session#open} and what every run executes: the optimised nodes as steps over a per-run
 * array of value slots, each step knowing which slots it reads, writes and may release. A slot is released right
 * after its last reader (or right after its producer when nothing reads it), except graph outputs, constants and
 * feeds, which stay. Immutable; {@link #run} keeps all per-run state in the call.
 *
 * <p>This is also the one place that names the failing node in a run's errors: an op's {@link HeedException} comes
 * back as {@code node <describe>: <op's message>}, anything else as an INTERNAL error with the input shapes.
 */
final class ExecutionPlan {
    /** One node of the plan: slots are indices into the per-run value array, -1 for an absent value. */
    private record Step(Node node, Op op, FusedAttentionOp attention, int[] in, int[] out, int[] release) {}

    private final Map<String, Integer> slotOf;
    private final String[] names;                   // slot -> value name
    private final Tensor[] template;                // constants preloaded, everything else null
    private final Step[] steps;
    private final List<String> outputNames;
    private final int[] outputSlots;
    private final long constantBytes;               // distinct bytes of the constants in template

    private ExecutionPlan(Map<String, Integer> slotOf, Tensor[] template, Step[] steps, List<String> outputNames) {
        this.slotOf = Map.copyOf(slotOf);
        this.names = new String[slotOf.size()];
        slotOf.forEach((n, s) -> names[s] = n);
        this.template = template;
        this.steps = steps;
        this.outputNames = List.copyOf(outputNames);
        this.outputSlots = outputNames.stream().mapToInt(slotOf::get).toArray();
        this.constantBytes = distinctBytes(template);
    }

    /** Plans {@code g}'s nodes; {@code feeds} are the names a run may feed. */
    static ExecutionPlan build(GraphState g, Collection<String> feeds) {
        List<Node> order = g.nodes();
        List<String> outNames = g.outputs();
        Set<String> used = new HashSet<>(outNames);
        for (Node n : order) for (String s : n.inputs()) if (!s.isEmpty()) used.add(s);
        Map<String, Tensor> constants = new HashMap<>(g.constants());
        constants.keySet().retainAll(used);               // drop what only dead, folded or fused nodes read
        Map<String, Integer> slots = new LinkedHashMap<>();
        for (String name : feeds) slots.put(name, slots.size());
        for (String name : constants.keySet()) slots.putIfAbsent(name, slots.size());
        for (Node n : order) for (String o : n.outputs()) if (!o.isEmpty()) slots.putIfAbsent(o, slots.size());
        for (String o : outNames) {
            if (!slots.containsKey(o)) {
                throw new HeedException(ErrorCode.MALFORMED_INPUT, "graph output '" + o + "' is produced by no node, input or initializer");
            }
        }
        Tensor[] template = new Tensor[slots.size()];
        constants.forEach((name, t) -> template[slots.get(name)] = t);

        Set<Integer> pinned = new HashSet<>();
        for (String o : outNames) pinned.add(slots.get(o));
        for (String c : constants.keySet()) pinned.add(slots.get(c));
        for (String f : feeds) pinned.add(slots.get(f)); // caller-owned: dropping the reference frees nothing
        int[] lastUse = new int[slots.size()];
        Arrays.fill(lastUse, -1);
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
        Step[] steps = new Step[order.size()];
        for (int i = 0; i < steps.length; i++) {
            Node n = order.get(i);
            Op op = g.op(n);
            steps[i] = new Step(n, op, op instanceof FusedAttentionOp a ? a : null,
                    n.inputs().stream().mapToInt(s -> s.isEmpty() ? -1 : slots.get(s)).toArray(),
                    n.outputs().stream().mapToInt(s -> s.isEmpty() ? -1 : slots.get(s)).toArray(),
                    release.get(i).stream().mapToInt(Integer::intValue).toArray());
        }
        return new ExecutionPlan(slots, template, steps, outNames);
    }

    /** Bytes of the constants the steps read (initializers and folded values, heap or mapped), each buffer once. */
    long constantBytes() {
        return constantBytes;
    }

    /** The bytes of the buffers behind {@code tensors}, each heap array or storage counted once (views share them). */
    private static long distinctBytes(Tensor[] tensors) {
        IdentityHashMap<Object, Boolean> seen = new IdentityHashMap<>();
        long sum = 0;
        for (Tensor t : tensors) {
            if (t == null || seen.put(t.storage().buffer(), Boolean.TRUE) != null) continue;
            sum += t.storage().byteSize();
        }
        return sum;
    }

    /** Steps per run. */
    int size() {
        return steps.length;
    }

    /** The fused attention nodes, named by the Softmax each replaced, in execution (graph) order. */
    List<String> fusedAttention() {
        return Arrays.stream(steps).filter(s -> s.attention != null).map(s -> s.attention.softmaxName()).toList();
    }

    /** Runs every step on {@code bound} (a tensor for every feedable input). Thread-safe. */
    RunResult run(ExecutionContext ctx, Map<String, Tensor> bound, RunOptions options) {
        // the run's memory ledger: ops refuse allocations past the budget given what the run already holds
        MemoryBudget budget = MemoryBudget.forRun(ctx.options().memoryLimitBytes());
        return budget.call(() -> run(ctx, bound, options, budget));
    }

    private RunResult run(ExecutionContext ctx, Map<String, Tensor> bound, RunOptions options, MemoryBudget budget) {
        Tensor[] slots = template.clone();
        bound.forEach((name, t) -> slots[slotOf.get(name)] = t);
        for (Tensor t : slots) budget.exempt(t); // constants and the caller's inputs are not the run's allocations
        Map<String, Tensor> captured = new LinkedHashMap<>();
        boolean[] capture = options.capturesValues() ? captureSlots(options, slots, captured) : null;
        Map<String, Tensor> attention = new LinkedHashMap<>();
        boolean profile = options.profile();
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
            boolean probabilities = options.captureAttention() && step.attention != null;
            Tensor[] res;
            try {
                res = probabilities ? step.attention.apply(ctx, args, true) : step.op.apply(ctx, args);
            } catch (HeedException e) {
                throw new HeedException(e.code(), "node " + step.node.describe() + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new HeedException(ErrorCode.INTERNAL, "node " + step.node.describe() + " failed on inputs "
                        + Arrays.stream(args).map(t -> t == null ? "-" : t.dtype() + t.shape().toString()).toList() + ": " + e, e);
            }
            budget.settle(); // the op's scratch is garbage now; its outputs are held below
            if (profile) timings.add(new RunResult.NodeTiming(step.node.name(), step.node.opType(), System.nanoTime() - t0));
            if (probabilities && res.length > 1 && res[1] != null) attention.put(step.attention.softmaxName(), res[1]);
            for (int j = 0; j < step.out.length; j++) {
                if (step.out[j] < 0) continue;
                if (j >= res.length || res[j] == null) {
                    throw new HeedException(ErrorCode.INTERNAL, step.node.describe() + " did not produce output #" + j);
                }
                slots[step.out[j]] = res[j];
                budget.hold(res[j]);
                if (capture != null && capture[step.out[j]]) captured.put(names[step.out[j]], res[j]);
            }
            for (int s : step.release) { budget.drop(slots[s]); slots[s] = null; } // last reader done: the buffer can be reclaimed
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < outputSlots.length; i++) out.put(outputNames.get(i), slots[outputSlots[i]]);
        return new RunResult(out, timings, attention, captured, budget.peakBytes());
    }

    /**
     * Which slots this run captures; feeds and constants among them go into {@code captured} at once.
     *
     * @throws HeedException INVALID_ARGUMENT for an exact name the optimised graph does not compute
     */
    private boolean[] captureSlots(RunOptions options, Tensor[] slots, Map<String, Tensor> captured) {
        for (String n : options.captureNames()) {
            if (!slotOf.containsKey(n)) {
                throw HeedException.invalid("run", "cannot capture '" + n + "': no value of that name exists after "
                        + "optimisation (it may lie inside a fused pattern, be folded into a constant nothing reads, or feed "
                        + "no output); open the Session with withGraphFusion(false), withAttentionFusion(false) or "
                        + "withConstantFolding(false) to observe the exported intermediates");
            }
        }
        boolean[] capture = new boolean[names.length];
        for (int s = 0; s < names.length; s++) {
            if (!options.captures(names[s])) continue;
            capture[s] = true;
            if (slots[s] != null) captured.put(names[s], slots[s]);
        }
        return capture;
    }
}
