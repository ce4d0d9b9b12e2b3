package dev.heed.cli;

import dev.heed.attention.AttentionImpl;
import dev.heed.attention.AttentionSpec;
import dev.heed.attention.CausalAlignment;
import java.util.Random;

/**
 * {@code bench attention --check} at any size: the float64 definition of attention evaluated for a sample of output
 * rows (every row when there are at most {@link #ALL_ROWS_MAX}), compared with the rows the kernel produced. Rows of
 * attention are independent, so a sample checks the kernel as the full comparison would, at the cost of
 * O(rows · S · E) instead of O(B · H · L · S · E) and without the L × S weights.
 * <p>Softmax: {@code out_i = Σ_j softmax_j(q_i·k_j·scale) v_j}; linear: {@code out_i = Σ_j φ(q_i)·φ(k_j) v_j /
 * Σ_j φ(q_i)·φ(k_j)}; causal (bottom-right): key j is visible to query i when {@code j <= i + S - L}.
 */
final class SampledAttentionCheck {
    /** Up to this many rows (B·H·L) every row is checked. */
    static final int ALL_ROWS_MAX = 4096;
    /** Rows checked beyond that: random ones, plus the first and last row of the first and last head. */
    static final int SAMPLED_ROWS = 1024;

    /** What was compared: rows checked of how many, and max |got − want| / max(1, max |want|). */
    record Result(long rowsChecked, long rows, double error) {}

    private SampledAttentionCheck() {}

    /**
     * @param q   [B, H, L, E] as a flat array
     * @param k   [B, H, S, E]
     * @param v   [B, H, S, E]
     * @param got [B, H, L, E], the kernel's output
     */
    static Result run(float[] q, float[] k, float[] v, float[] got, int b, int h, int l, int s, int e, AttentionSpec spec, long seed) {
        long rows = (long) b * h * l;
        long[] pick;
        if (rows <= ALL_ROWS_MAX) {
            pick = new long[(int) rows];
            for (int r = 0; r < rows; r++) pick[r] = r;
        } else {
            Random rnd = new Random(seed);
            pick = new long[SAMPLED_ROWS];
            pick[0] = 0;
            pick[1] = l - 1;
            pick[2] = rows - l;
            pick[3] = rows - 1;
            for (int r = 4; r < pick.length; r++) pick[r] = (long) (rnd.nextDouble() * rows);
        }
        boolean linear = spec.implementation() == AttentionImpl.LINEAR;
        boolean causal = spec.causal() != CausalAlignment.NONE;
        int shift = spec.causal() == CausalAlignment.TOP_LEFT ? 0 : s - l;
        double scale = spec.effectiveScale(e);
        double maxWant = 1, maxErr = 0;
        double[] w = new double[s], acc = new double[e];
        float[] fq = new float[e], fk = new float[e];
        for (long r : pick) {
            int bh = (int) (r / l), i = (int) (r % l);
            int qo = (int) (r * e), kvo = bh * s * e;
            int hi = causal ? Math.min(s - 1, i + shift) : s - 1;
            System.arraycopy(q, qo, fq, 0, e);
            if (linear) spec.featureMap().apply(fq, 0, e);
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j <= hi; j++) {
                double d = 0;
                if (linear) {
                    System.arraycopy(k, kvo + j * e, fk, 0, e);
                    spec.featureMap().apply(fk, 0, e);
                    for (int c = 0; c < e; c++) d += (double) fq[c] * fk[c];
                } else {
                    for (int c = 0; c < e; c++) d += (double) fq[c] * k[kvo + j * e + c];
                    d *= scale;
                }
                w[j] = d;
                max = Math.max(max, d);
            }
            for (int j = 0; j <= hi; j++) {
                w[j] = linear ? w[j] : Math.exp(w[j] - max);
                sum += w[j];
            }
            java.util.Arrays.fill(acc, 0);
            if (hi >= 0 && sum != 0) {
                for (int j = 0; j <= hi; j++) {
                    double p = w[j] / sum;
                    for (int c = 0; c < e; c++) acc[c] += p * v[kvo + j * e + c];
                }
            }
            for (int c = 0; c < e; c++) {
                double d = Math.abs(got[qo + c] - acc[c]);
                if (Double.isNaN(d)) return new Result(pick.length, rows, Double.NaN);
                maxErr = Math.max(maxErr, d);
                maxWant = Math.max(maxWant, Math.abs(acc[c]));
            }
        }
        return new Result(pick.length, rows, maxErr / maxWant);
    }
}
