package dev.heed.attention;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.Tensor;

/**
 * Keys and values of past steps for step-by-step decoding, per layer and per key/value head (so grouped-query
 * models store {@code Hkv} heads, not {@code Hq}). Each step appends its new keys/values and attends its new
 * queries over everything cached; with {@link CausalAlignment#BOTTOM_RIGHT} the result equals full causal
 * attention over the whole sequence. Grows by doubling. Mutable, not thread-safe: one cache per sequence batch.
 *
 * <pre>{@code
 * KvCache cache = new KvCache(6, 1, 4, 64, 64, 256);
 * for (int step = 0; step < n; step++) {
 *     cache.append(layer, kNew, vNew);                         // [1, 4, 1, 64] each
 *     Tensor y = cache.attend(ctx, layer, qNew).output();      // qNew [1, Hq, 1, 64]
 * }
 * }</pre>
 */
public final class KvCache {
    private final int batch, kvHeads, keyDim, valueDim;
    private final float[][] keys;   // per layer [B, Hkv, capacity, E]
    private final float[][] values; // per layer [B, Hkv, capacity, Ev]
    private final int[] capacity, length;

    /**
     * An empty cache of {@code layers} layers with room for {@code initialCapacity} positions each (it grows beyond).
     *
     * @param layers          number of layers, ≥ 1
     * @param batch           batch size B, ≥ 1
     * @param kvHeads         key/value heads Hkv, ≥ 1
     * @param keyDim          key head size E, ≥ 1
     * @param valueDim        value head size Ev, ≥ 1
     * @param initialCapacity positions allocated up front per layer, ≥ 0
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when a size is out of range
     */
    public KvCache(int layers, int batch, int kvHeads, int keyDim, int valueDim, int initialCapacity) {
        if (layers < 1 || batch < 1 || kvHeads < 1 || keyDim < 1 || valueDim < 1 || initialCapacity < 0) {
            throw HeedException.invalid("kv cache", "layers=" + layers + ", batch=" + batch + ", kvHeads=" + kvHeads
                    + ", keyDim=" + keyDim + ", valueDim=" + valueDim + ", capacity=" + initialCapacity + ": sizes must be positive");
        }
        this.batch = batch;
        this.kvHeads = kvHeads;
        this.keyDim = keyDim;
        this.valueDim = valueDim;
        this.keys = new float[layers][];
        this.values = new float[layers][];
        this.capacity = new int[layers];
        this.length = new int[layers];
        for (int i = 0; i < layers; i++) {
            capacity[i] = initialCapacity;
            keys[i] = new float[batch * kvHeads * initialCapacity * keyDim];
            values[i] = new float[batch * kvHeads * initialCapacity * valueDim];
        }
    }

    /**
     * Positions cached for {@code layer}.
     *
     * @param layer the layer, in {@code [0, layers())}
     * @return the number of positions appended since creation or {@link #clear}
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when the layer is out of range
     */
    public int length(int layer) {
        return length[checkLayer(layer)];
    }

    /** {@return the number of layers} */
    public int layers() {
        return keys.length;
    }

    /** Forgets every position of every layer (capacity is kept). */
    public void clear() {
        java.util.Arrays.fill(length, 0);
    }

    /**
     * Appends {@code n} positions to one layer (copied; the cache doubles its capacity when full).
     *
     * @param layer the layer, in {@code [0, layers())}
     * @param k     new keys {@code [B, Hkv, n, E]}, any view
     * @param v     new values {@code [B, Hkv, n, Ev]}, same n
     * @throws HeedException {@link dev.heed.ErrorCode#SHAPE_MISMATCH} when k or v does not match the cache's sizes, {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when the layer is out of range
     */
    public void append(int layer, Tensor k, Tensor v) {
        checkLayer(layer);
        if (k.rank() != 4 || v.rank() != 4 || k.dim(0) != batch || k.dim(1) != kvHeads || k.dim(3) != keyDim
                || v.dim(0) != batch || v.dim(1) != kvHeads || v.dim(3) != valueDim || v.dim(2) != k.dim(2)) {
            throw HeedException.shape("kv cache append", "k" + k.shape() + ", v" + v.shape() + ": expected k [" + batch + ", "
                    + kvHeads + ", n, " + keyDim + "] and v [" + batch + ", " + kvHeads + ", n, " + valueDim + "]");
        }
        int n = k.dim(2), len = length[layer];
        if (len + n > capacity[layer]) grow(layer, Math.max(2 * capacity[layer], len + n));
        float[] ka = k.contiguous().toFloatArray(), va = v.contiguous().toFloatArray();
        int cap = capacity[layer];
        for (int bh = 0; bh < batch * kvHeads; bh++) {
            System.arraycopy(ka, bh * n * keyDim, keys[layer], (bh * cap + len) * keyDim, n * keyDim);
            System.arraycopy(va, bh * n * valueDim, values[layer], (bh * cap + len) * valueDim, n * valueDim);
        }
        length[layer] = len + n;
    }

    /**
     * The cached keys of one layer, without copying.
     *
     * @param layer the layer, in {@code [0, layers())}
     * @return a view {@code [B, Hkv, length, E]}, valid until the next append to that layer
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when the layer is out of range
     */
    public Tensor keys(int layer) {
        checkLayer(layer);
        return Tensor.of(keys[layer], batch, kvHeads, capacity[layer], keyDim).slice(2, 0, length[layer]);
    }

    /**
     * The cached values of one layer, without copying.
     *
     * @param layer the layer, in {@code [0, layers())}
     * @return a view {@code [B, Hkv, length, Ev]}, valid until the next append to that layer
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when the layer is out of range
     */
    public Tensor values(int layer) {
        checkLayer(layer);
        return Tensor.of(values[layer], batch, kvHeads, capacity[layer], valueDim).slice(2, 0, length[layer]);
    }

    /**
     * Attends the new queries (the last n positions) over the cache with a bottom-right causal mask and default
     * options: the same result as full causal attention over the whole sequence, for those rows.
     *
     * @param ctx   the threads to run on
     * @param layer the layer, in {@code [0, layers())}
     * @param q     queries {@code [B, Hq, n, E]}, {@code Hq} a multiple of {@code Hkv}
     * @return the output {@code [B, Hq, n, Ev]}
     * @throws HeedException as {@link Attention#compute(ExecutionContext, Tensor, Tensor, Tensor, AttentionSpec)}, and {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when the layer is out of range
     */
    public AttentionResult attend(ExecutionContext ctx, int layer, Tensor q) {
        return attend(ctx, layer, q, AttentionSpec.defaults().withCausal(CausalAlignment.BOTTOM_RIGHT));
    }

    /**
     * Attends the new queries over the cache with {@code spec} used as given (add the causal alignment yourself).
     *
     * @param ctx   the threads to run on
     * @param layer the layer, in {@code [0, layers())}
     * @param q     queries {@code [B, Hq, n, E]}
     * @param spec  the options; masks cover {@code [.., n, length]}
     * @return the output {@code [B, Hq, n, Ev]} and, when captured, the weights {@code [B, Hq, n, length]}
     * @throws HeedException as {@link Attention#compute(ExecutionContext, Tensor, Tensor, Tensor, AttentionSpec)}, and {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when the layer is out of range
     */
    public AttentionResult attend(ExecutionContext ctx, int layer, Tensor q, AttentionSpec spec) {
        return Attention.compute(ctx, q, keys(layer), values(layer), spec);
    }

    private void grow(int layer, int newCap) {
        int cap = capacity[layer], len = length[layer];
        float[] nk = new float[batch * kvHeads * newCap * keyDim], nv = new float[batch * kvHeads * newCap * valueDim];
        for (int bh = 0; bh < batch * kvHeads; bh++) {
            System.arraycopy(keys[layer], bh * cap * keyDim, nk, bh * newCap * keyDim, len * keyDim);
            System.arraycopy(values[layer], bh * cap * valueDim, nv, bh * newCap * valueDim, len * valueDim);
        }
        keys[layer] = nk;
        values[layer] = nv;
        capacity[layer] = newCap;
    }

    private int checkLayer(int layer) {
        if (layer < 0 || layer >= keys.length) {
            throw HeedException.invalid("kv cache", "layer " + layer + " out of range [0, " + keys.length + ")");
        }
        return layer;
    }
}
