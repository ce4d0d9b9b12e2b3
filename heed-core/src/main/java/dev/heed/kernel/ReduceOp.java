package dev.heed.kernel;

/**
 * Reductions over a set of axes (ONNX ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd).
 *
 * <pre>{@code
 * Tensor m = Reductions.reduce(ctx, ReduceOp.MEAN, x, new int[] {-1}, true);   // [B, L, E] -> [B, L, 1]
 * }</pre>
 */
public enum ReduceOp {
    /** Sum; an empty reduction gives 0. */ SUM,
    /** Arithmetic mean (integers truncate toward zero); an empty reduction gives NaN (integers: 0). */ MEAN,
    /** NaN propagates; an empty reduction gives -inf. */ MAX,
    /** NaN propagates; an empty reduction gives +inf. */ MIN,
    /** Product, accumulated in double; an empty reduction gives 1. */ PROD;

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
