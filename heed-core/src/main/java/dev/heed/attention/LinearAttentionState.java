package dev.heed.attention;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.Tensor;

/**
 * The carried state of causal linear attention, for streaming: per batch row and key/value head, the running
 * sums {@code S = Σ_j φ(k_j) v_jᵀ} {@code [E, Ev]} and {@code z = Σ_j φ(k_j)} {@code [E]} over every key seen so
 * far. Feeding a sequence in chunks through {@link #step} gives the same outputs as one causal call over the
 * whole sequence. Mutable and not thread-safe: one state per stream.
 *
 * <pre>{@code
 * LinearAttentionState st = new LinearAttentionState(1, 4, 64, 64, FeatureMap.ELU_PLUS_ONE);
 * Tensor y1 = st.step(ctx, q1, k1, v1);   // first 100 tokens
 * Tensor y2 = st.step(ctx, q2, k2, v2);   // next 28: sees the first 100 through the state
 * }</pre>
 */
public final class LinearAttentionState {
    private final int batch, kvHeads, keyDim, valueDim;
    private final FeatureMap featureMap;
    final float[] kv; // [B, Hkv, E, Ev]
    final float[] z;  // [B, Hkv, E]
    private long position;

    /**
     * An empty state (no key seen yet).
     *
     * @param batch      batch size B, ≥ 0
     * @param kvHeads    key/value heads Hkv, ≥ 1
     * @param keyDim     key head size E, ≥ 1
     * @param valueDim   value head size Ev, ≥ 1
     * @param featureMap φ, or null for {@link FeatureMap#ELU_PLUS_ONE}
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when a size is out of range
     */
    public LinearAttentionState(int batch, int kvHeads, int keyDim, int valueDim, FeatureMap featureMap) {
        if (batch < 0 || kvHeads < 1 || keyDim < 1 || valueDim < 1) {
            throw HeedException.invalid("linear attention state", "batch=" + batch + ", kvHeads=" + kvHeads
                    + ", keyDim=" + keyDim + ", valueDim=" + valueDim + ": sizes must be positive");
        }
        this.batch = batch;
        this.kvHeads = kvHeads;
        this.keyDim = keyDim;
        this.valueDim = valueDim;
        this.featureMap = featureMap == null ? FeatureMap.ELU_PLUS_ONE : featureMap;
        this.kv = new float[batch * kvHeads * keyDim * valueDim];
        this.z = new float[batch * kvHeads * keyDim];
    }

    /** {@return the number of keys absorbed so far (per batch row and head)} */
    public long position() {
        return position;
    }

    /** {@return the feature map φ this state applies to queries and keys} */
    public FeatureMap featureMap() {
        return featureMap;
    }

    /**
     * Attends a chunk causally over everything seen before plus the chunk, then absorbs the chunk's keys.
     * q {@code [B, Hq, n, E]}, k {@code [B, Hkv, m, E]}, v {@code [B, Hkv, m, Ev]}; query i of the chunk sees the
     * chunk's keys {@code j <= i + m - n} (bottom-right; with n = m the usual causal mask).
     *
     * @param ctx the threads to run on
     * @param q   the chunk's queries {@code [B, Hq, n, E]}
     * @param k   the chunk's keys {@code [B, Hkv, m, E]}
     * @param v   the chunk's values {@code [B, Hkv, m, Ev]}
     * @return the outputs {@code [B, Hq, n, Ev]}
     * @throws HeedException {@link dev.heed.ErrorCode#SHAPE_MISMATCH} when the chunk does not match the state's sizes
     */
    public Tensor step(ExecutionContext ctx, Tensor q, Tensor k, Tensor v) {
        AttentionSpec spec = AttentionSpec.defaults().withCausal(CausalAlignment.BOTTOM_RIGHT)
                .withImplementation(AttentionImpl.LINEAR).withFeatureMap(featureMap);
        AttentionProblem p = new AttentionProblem("linear attention step", q, k, v, spec);
        if (p.batch != batch || p.hkv != kvHeads || p.e != keyDim || p.ev != valueDim) {
            throw HeedException.shape("linear attention step", "q" + q.shape() + ", k" + k.shape() + ", v" + v.shape()
                    + " do not match the state [B=" + batch + ", Hkv=" + kvHeads + ", E=" + keyDim + ", Ev=" + valueDim + "]");
        }
        Tensor out = LinearAttention.causal(ctx, p, TileKernels.best(), this);
        position += p.s;
        return out;
    }

    int offsetKv(int b, int g) {
        return (b * kvHeads + g) * keyDim * valueDim;
    }

    int offsetZ(int b, int g) {
        return (b * kvHeads + g) * keyDim;
    }
}
