package dev.heed.onnx.ops;

import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.Tensor;

/**
 * A node compiled for execution: its attributes were parsed once at load time; {@link #apply} runs it.
 * Implementations are immutable and safe to call from several threads at once; they never modify their
 * inputs. Missing optional inputs are {@code null}.
 *
 * <pre>{@code
 * Op transpose = registry.resolve("", "Transpose", 17).create(node, 17);
 * Tensor[] out = transpose.apply(ctx, new Tensor[] {x});
 * }</pre>
 */
@FunctionalInterface
public interface Op {
    /**
     * Runs the node.
     *
     * @param ctx    the threads and memory budget of the run
     * @param inputs the inputs, positional as the node lists them; null for a missing optional input
     * @return the outputs in the node's order
     * @throws dev.heed.HeedException when the inputs break the operator's rules (the Session adds the node's name to the message)
     */
    Tensor[] apply(ExecutionContext ctx, Tensor[] inputs);
}
