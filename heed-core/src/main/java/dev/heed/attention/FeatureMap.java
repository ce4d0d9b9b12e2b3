package dev.heed.attention;

/**
 * The positive feature map φ of linear attention, applied in place to a row of a query or key
 * ({@code E} values). Must be deterministic and keep the row length. Implementations must be stateless and
 * thread-safe: the kernels call them from several workers at once.
 *
 * <pre>{@code
 * FeatureMap relu = FeatureMap.elementwise(x -> Math.max(x, 0));
 * AttentionSpec spec = AttentionSpec.defaults().withImplementation(AttentionImpl.LINEAR).withFeatureMap(relu);
 * }</pre>
 */
@FunctionalInterface
public interface FeatureMap {

    /**
     * Replaces {@code row[off .. off + n)} by its features, in place.
     *
     * @param row the array holding the row
     * @param off index of the row's first value
     * @param n   the row length E
     */
    void apply(float[] row, int off, int n);

    /** φ(x) = elu(x) + 1, the map of Katharopoulos et al. (2020): x + 1 for x > 0, exp(x) otherwise. */
    FeatureMap ELU_PLUS_ONE = (row, off, n) -> {
        for (int i = off; i < off + n; i++) {
            float x = row[i];
            row[i] = x > 0 ? x + 1f : (float) Math.exp(x);
        }
    };

    /**
     * A map applying {@code f} to every element (computed in double, stored as float).
     *
     * @param f the scalar function; should be positive for the normaliser to be
     * @return the feature map
     */
    static FeatureMap elementwise(java.util.function.DoubleUnaryOperator f) {
        return (row, off, n) -> {
            for (int i = off; i < off + n; i++) row[i] = (float) f.applyAsDouble(row[i]);
        };
    }
}
