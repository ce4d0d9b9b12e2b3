package dev.heed.attention;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.Tensor;
import java.util.Arrays;

/*
 * Linear attention — catalogue.
 *   Katharopoulos, Vyas, Pappas, Fleuret, "Transformers are RNNs: Fast Autoregressive Transformers with
 *   Linear Attention" (ICML 2020). The softmax kernel exp(q·k) is replaced by φ(q)·φ(k) with a positive
 *   feature map φ (default elu(x) + 1, eq. 7), so sums over keys factor out of the query loop:
 *     out_i = φ(q_i)ᵀ Σ_j φ(k_j) v_jᵀ  /  φ(q_i)ᵀ Σ_j φ(k_j)
 *   v1 non-causal (eq. 5–6): S = φ(K)ᵀ V [E, Ev] and z = Σ_j φ(k_j) [E] once per (b, kv head), then
 *       φ(Q) S per chunk of 64 queries — both with the blocked P·V tile kernel. Cost O((L + S)·E·Ev).
 *   v2 causal (eq. 8–10, the RNN form): S and z are running sums updated key by key; query i reads them after
 *       its last visible key. The state is an explicit object (LinearAttentionState) so that a stream can be
 *       fed in chunks. Cost O((L + S)·E·Ev), memory O(E·Ev) per head.
 *   Masks: key padding only (a boolean mask, or a float mask of 0 / -inf, constant along the query axis);
 *   windows are not supported. The scale is not used (φ is applied to the raw q and k).
 *   Parallel over B × Hkv (each task serves the Hq / Hkv query heads of its group).
 *   Weights capture (for visualisation) evaluates the quadratic form p_ij = φ(q_i)·φ(k_j) / Σ_j'.
 */
final class LinearAttention {
    private LinearAttention() {}

    /** Checks what linear attention supports, naming what does not fit. */
    static void check(AttentionProblem p) {
        if (p.window > 0) throw HeedException.unsupported("linear attention: sliding window " + p.window
                + " (use EXACT or FLASH)", AttentionImpl.EXACT, AttentionImpl.FLASH);
        if (p.mask != null) {
            if (!p.maskIndependentOfQuery() || (p.maskH != 0 && p.group != 1)) {
                throw HeedException.unsupported("linear attention: a mask that varies along the query axis (or across "
                        + "the query heads of one key/value group); only key padding masks [B, 1, 1, S] are supported",
                        AttentionImpl.EXACT, AttentionImpl.FLASH);
            }
            for (float x : p.mask) {
                if (x != 0f && x != Float.NEGATIVE_INFINITY) {
                    throw HeedException.unsupported("linear attention: additive mask value " + x
                            + "; only 0 and -inf (or a boolean mask)", AttentionImpl.EXACT, AttentionImpl.FLASH);
                }
            }
        }
    }

    static AttentionResult compute(ExecutionContext ctx, AttentionProblem p, TileKernels kern, boolean capture) {
        check(p);
        Tensor out;
        if (p.causal) {
            LinearAttentionState st = new LinearAttentionState(p.batch, Math.max(1, p.hkv), p.e, p.ev, p.spec.featureMap());
            out = causal(ctx, p, kern, st);
        } else {
            out = nonCausal(ctx, p, kern);
        }
        return new AttentionResult(out, capture ? weights(ctx, p, kern) : null);
    }

    private static boolean keyVisible(AttentionProblem p, int b, int g, int j) {
        return p.mask == null || p.mask[p.maskRow(b, g * p.group, 0) + j] == 0f;
    }

    /** φ over {@code rows} consecutive rows of {@code e} values (the elu+1 default runs vectorised in one call). */
    static void features(AttentionProblem p, TileKernels kern, float[] a, int off, int rows, int e) {
        if (p.spec.featureMap() == FeatureMap.ELU_PLUS_ONE) {
            kern.eluPlusOne(a, off, rows * e);
        } else {
            for (int r = 0; r < rows; r++) p.spec.featureMap().apply(a, off + r * e, e);
        }
    }

    /** Query rows per chunk of the non-causal form. */
    private static final int CHUNK = 64;

    /**
     * Non-causal form as two small GEMMs per (b, kv head): S = φ(K)ᵀ V over the visible keys, then
     * φ(Q) S per chunk of queries, divided by φ(Q)·z.
     */
    static Tensor nonCausal(ExecutionContext ctx, AttentionProblem p, TileKernels kern) {
        int e = p.e, ev = p.ev, s = p.s;
        float[] out = p.newOutput();
        ctx.parallelFor(p.batch * p.hkv, 1, (start, end) -> {
            float[] fkT = new float[e * s];          // [E, S] φ(K)ᵀ, zero columns for hidden keys
            float[] kv = new float[e * ev], z = new float[e];
            float[] fq = new float[CHUNK * e];       // [CHUNK, E] φ(Q)
            float[] phi = new float[e];
            for (int u = start; u < end; u++) {
                int b = u / p.hkv, g = u % p.hkv;
                int kb = p.kBase(b, g * p.group), vb = p.vBase(b, g * p.group);
                Arrays.fill(fkT, 0f);
                Arrays.fill(kv, 0f);
                Arrays.fill(z, 0f);
                for (int j = 0; j < s; j++) {
                    if (!keyVisible(p, b, g, j)) continue;
                    System.arraycopy(p.k, kb + j * e, phi, 0, e);
                    features(p, kern, phi, 0, 1, e);
                    for (int x = 0; x < e; x++) {
                        fkT[x * s + j] = phi[x];
                        z[x] += phi[x];
                    }
                }
                kern.accumulate(fkT, 0, s, e, s, p.v, vb, ev, ev, kv, 0, ev); // S [E, Ev]
                for (int h = g * p.group; h < (g + 1) * p.group; h++) {
                    int qb = p.qBase(b, h), ob = p.outBase(b, h);
                    Arrays.fill(out, ob, ob + p.l * ev, 0f); // accumulated into below (a caller's out holds anything)
                    for (int i0 = 0; i0 < p.l; i0 += CHUNK) {
                        int rows = Math.min(CHUNK, p.l - i0);
                        System.arraycopy(p.q, qb + i0 * e, fq, 0, rows * e);
                        features(p, kern, fq, 0, rows, e);
                        kern.accumulate(fq, 0, e, rows, e, kv, 0, ev, ev, out, ob + i0 * ev, ev);
                        for (int r = 0; r < rows; r++) {
                            float den = kern.dot(fq, r * e, z, 0, e);
                            kern.scale(out, ob + (i0 + r) * ev, ev, den > 0 ? 1f / den : 0f);
                        }
                    }
                }
            }
        });
        return p.outputTensor(out);
    }

    /** Causal (recurrent) form over the state {@code st}, which ends having absorbed every key of the call. */
    static Tensor causal(ExecutionContext ctx, AttentionProblem p, TileKernels kern, LinearAttentionState st) {
        check(p);
        int e = p.e, ev = p.ev;
        float[] out = p.newOutput();
        ctx.parallelFor(p.batch * p.hkv, 1, (start, end) -> {
            float[] phi = new float[e], num = new float[ev];
            for (int u = start; u < end; u++) {
                int b = u / p.hkv, g = u % p.hkv;
                int kvo = st.offsetKv(b, g), zo = st.offsetZ(b, g);
                int kb = p.kBase(b, g * p.group), vb = p.vBase(b, g * p.group);
                int next = 0; // next key to absorb
                for (int i = 0; i < p.l; i++) {
                    int hi = p.hi(i);
                    for (; next <= hi; next++) {
                        if (keyVisible(p, b, g, next)) absorb(p, kern, kb + next * e, vb + next * ev, phi, st.kv, kvo, st.z, zo);
                    }
                    for (int h = g * p.group; h < (g + 1) * p.group; h++) {
                        read(p, kern, p.qBase(b, h) + i * e, phi, st.kv, kvo, st.z, zo, num, out, p.outBase(b, h) + i * ev);
                    }
                }
                for (; next < p.s; next++) {
                    if (keyVisible(p, b, g, next)) absorb(p, kern, kb + next * e, vb + next * ev, phi, st.kv, kvo, st.z, zo);
                }
            }
        });
        return p.outputTensor(out);
    }

    /** S += φ(k) vᵀ, z += φ(k). */
    private static void absorb(AttentionProblem p, TileKernels kern, int kAt, int vAt, float[] phi,
                               float[] kv, int kvo, float[] z, int zo) {
        int e = p.e, ev = p.ev;
        System.arraycopy(p.k, kAt, phi, 0, e);
        features(p, kern, phi, 0, 1, e);
        for (int x = 0; x < e; x++) {
            float f = phi[x];
            z[zo + x] += f;
            kern.axpy(f, p.v, vAt, kv, kvo + x * ev, ev);
        }
    }

    /** out = φ(q)ᵀ S / φ(q)·z (zeros when the denominator is 0: no visible key). */
    private static void read(AttentionProblem p, TileKernels kern, int qAt, float[] phi, float[] kv, int kvo,
                             float[] z, int zo, float[] num, float[] out, int oAt) {
        int e = p.e, ev = p.ev;
        System.arraycopy(p.q, qAt, phi, 0, e);
        features(p, kern, phi, 0, 1, e);
        Arrays.fill(num, 0f);
        for (int x = 0; x < e; x++) kern.axpy(phi[x], kv, kvo + x * ev, num, 0, ev);
        float den = kern.dot(phi, 0, z, zo, e);
        float inv = den > 0 ? 1f / den : 0f;
        for (int c = 0; c < ev; c++) out[oAt + c] = num[c] * inv;
    }

    /** The quadratic form's probabilities [B, Hq, L, S], for visualisation. */
    static Tensor weights(ExecutionContext ctx, AttentionProblem p, TileKernels kern) {
        float[] w = p.newWeights("linear attention");
        int e = p.e;
        ctx.parallelFor(p.batch * p.hq, 1, (start, end) -> {
            float[] fk = new float[p.s * e], fq = new float[e];
            for (int u = start; u < end; u++) {
                int b = u / p.hq, h = u % p.hq, g = h / p.group;
                int kb = p.kBase(b, h), qb = p.qBase(b, h);
                System.arraycopy(p.k, kb, fk, 0, p.s * e);
                for (int j = 0; j < p.s; j++) p.spec.featureMap().apply(fk, j * e, e);
                for (int i = 0; i < p.l; i++) {
                    System.arraycopy(p.q, qb + i * e, fq, 0, e);
                    p.spec.featureMap().apply(fq, 0, e);
                    int row = (int) (p.weightsBase(b, h) + (long) i * p.s);
                    float sum = 0;
                    for (int j = p.lo(i), hi = p.hi(i); j <= hi; j++) {
                        if (!keyVisible(p, b, g, j)) continue;
                        float x = kern.dot(fq, 0, fk, j * e, e);
                        w[row + j] = x;
                        sum += x;
                    }
                    if (sum > 0) kern.scale(w, row, p.s, 1f / sum);
                    else Arrays.fill(w, row, row + p.s, 0f);
                }
            }
        });
        return Tensor.of(w, p.batch, p.hq, p.l, p.s);
    }
}
