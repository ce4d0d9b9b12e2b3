package dev.heed.onnx.ops;

import dev.heed.tensor.Tensor;
import java.util.function.Function;

/**
 * Per-node memo of one value derived from an input tensor (a heap copy, a GEMM packing, a bias array), keyed by
 * the tensor's identity: the value is derived on the first call for a tensor and reused while the same tensor
 * keeps arriving. The entry is one immutable record in a volatile field, so concurrent runs see either nothing
 * (and derive the value themselves) or a complete entry. Callers decide which tensors are safe to memoise
 * (constants whose contents cannot change between runs). Cost: one identity compare per hit. Shared by the op
 * adapters (this package and {@code ops.nn}); not an API for users.
 *
 * @param <V> the derived value's type
 */
public final class TensorMemo<V> {
    private record Entry<V>(Tensor key, V value) {}

    private volatile Entry<V> last;

    /** An empty memo; the first {@link #get} derives its value. */
    public TensorMemo() {}

    /**
     * {@code derive(key)}, computed once for the last key seen.
     *
     * @param key    the tensor, compared by identity
     * @param derive computes the value; may run more than once under concurrency
     * @return the memoised or freshly derived value
     */
    public V get(Tensor key, Function<Tensor, V> derive) {
        Entry<V> e = last;
        if (e != null && e.key == key) return e.value;
        V v = derive.apply(key);
        last = new Entry<>(key, v);
        return v;
    }
}
