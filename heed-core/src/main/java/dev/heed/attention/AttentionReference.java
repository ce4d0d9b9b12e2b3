package dev.heed.attention;

import dev.heed.tensor.Tensor;

/**
 * The float64 oracle of the attention contract ({@link AttentionSpec}): a direct, quadratic, single-threaded
 * transcription of the definition. Every fast kernel is tested against it; other modules' tests may use it too.
 * Softmax attention for every implementation except {@link AttentionImpl#LINEAR}, for which it computes linear
 * attention in its quadratic form {@code p_ij = φ(q_i)·φ(k_j) / Σ_j' φ(q_i)·φ(k_j')}.
 *
 * <pre>{@code
 * AttentionResult want = AttentionReference.compute(q, k, v, spec.withCaptureWeights(true));
 * }</pre>
 */
public final class AttentionReference {
    private AttentionReference() {}

    /**
     * Computes attention in float64 and rounds the result to float32; weights are always returned.
     *
     * @param q    queries {@code [B, Hq, L, E]}
     * @param k    keys {@code [B, Hkv, S, E]}
     * @param v    values {@code [B, Hkv, S, Ev]}
     * @param spec the options, read as the contract defines them
     * @return the output {@code [B, Hq, L, Ev]} and the weights {@code [B, Hq, L, S]}
     * @throws dev.heed.HeedException as {@link Attention#compute(dev.heed.exec.ExecutionContext, Tensor, Tensor, Tensor, AttentionSpec)} for bad shapes
     */
    public static AttentionResult compute(Tensor q, Tensor k, Tensor v, AttentionSpec spec) {
        AttentionProblem p = new AttentionProblem("attention reference", q, k, v, spec);
        boolean linear = spec.implementation() == AttentionImpl.LINEAR;
        float[] out = new float[p.batch * p.hq * p.l * p.ev];
        float[] w = p.newWeights("attention reference");
        double[] scores = new double[p.s];
        double[] acc = new double[p.ev];
        float[] fq = new float[p.e];
        float[][] fk = null;
        for (int b = 0; b < p.batch; b++) {
            for (int h = 0; h < p.hq; h++) {
                int qb = p.qBase(b, h), kb = p.kBase(b, h), vb = p.vBase(b, h);
                if (linear) {
                    fk = new float[p.s][p.e];
                    for (int j = 0; j < p.s; j++) {
                        System.arraycopy(p.k, kb + j * p.e, fk[j], 0, p.e);
                        spec.featureMap().apply(fk[j], 0, p.e);
                    }
                }
                for (int i = 0; i < p.l; i++) {
                    int lo = p.lo(i), hi = p.hi(i);
                    int mr = p.mask == null ? 0 : p.maskRow(b, h, i);
                    double max = Double.NEGATIVE_INFINITY;
                    if (linear) {
                        System.arraycopy(p.q, qb + i * p.e, fq, 0, p.e);
                        spec.featureMap().apply(fq, 0, p.e);
                    }
                    for (int j = 0; j < p.s; j++) {
                        double x;
                        if (j < lo || j > hi) {
                            x = Double.NEGATIVE_INFINITY;
                        } else if (linear) {
                            double d = 0;
                            for (int c = 0; c < p.e; c++) d += (double) fq[c] * fk[j][c];
                            x = (p.mask != null && p.mask[mr + j] == Float.NEGATIVE_INFINITY) ? Double.NEGATIVE_INFINITY : d;
                        } else {
                            double d = 0;
                            for (int c = 0; c < p.e; c++) d += (double) p.q[qb + i * p.e + c] * p.k[kb + j * p.e + c];
                            x = d * p.spec.effectiveScale(p.e) + (p.mask == null ? 0 : p.mask[mr + j]);
                        }
                        scores[j] = x;
                        max = Math.max(max, x);
                    }
                    double sum = 0;
                    for (int j = 0; j < p.s; j++) {
                        double x;
                        if (linear) x = scores[j] == Double.NEGATIVE_INFINITY ? 0 : scores[j];
                        else x = max == Double.NEGATIVE_INFINITY ? 0 : Math.exp(scores[j] - max);
                        scores[j] = x;
                        sum += x;
                    }
                    java.util.Arrays.fill(acc, 0);
                    long wr = p.weightsBase(b, h) + (long) i * p.s;
                    if (sum > 0) {
                        for (int j = 0; j < p.s; j++) {
                            double pj = scores[j] / sum;
                            w[(int) (wr + j)] = (float) pj;
                            if (pj == 0) continue;
                            for (int c = 0; c < p.ev; c++) acc[c] += pj * p.v[vb + j * p.ev + c];
                        }
                    }
                    int ob = p.outBase(b, h) + i * p.ev;
                    for (int c = 0; c < p.ev; c++) out[ob + c] = (float) acc[c];
                }
            }
        }
        return new AttentionResult(Tensor.of(out, p.batch, p.hq, p.l, p.ev), Tensor.of(w, p.batch, p.hq, p.l, p.s));
    }
}
