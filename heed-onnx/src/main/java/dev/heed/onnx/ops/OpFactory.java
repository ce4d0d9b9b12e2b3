package dev.heed.onnx.ops;

import dev.heed.onnx.ir.Node;

/**
 * Builds an {@link Op} for one node at load time. {@code opset} is the opset the model imports for the node's
 * domain, so one factory can serve several versions whose differences are small (attribute vs input forms).
 *
 * <pre>{@code
 * OpFactory identity = (node, opset) -> (ctx, in) -> new Tensor[] {in[0]};
 * }</pre>
 */
@FunctionalInterface
public interface OpFactory {
    /**
     * Validates the node's attributes and returns the compiled op.
     *
     * @param node  the node, with its attributes
     * @param opset the opset the model imports for the node's domain
     * @return the op, ready to run
     * @throws dev.heed.HeedException naming the node when an attribute is missing, malformed or unsupported
     */
    Op create(Node node, int opset);
}
