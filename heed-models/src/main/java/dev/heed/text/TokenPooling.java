package dev.heed.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Sentence pooling of token vectors (not the kernel package's spatial {@code Pooling}): masked mean (sentence-transformers' "mean") or the first token ("cls", bge),
 * then L2 normalisation, accumulated in float64. Cost: {@code B·L·D} adds, negligible next to the model.
 */
final class TokenPooling {
    private TokenPooling() {}

    /** Pools as {@code card} says: masked mean or the first token ([CLS]), then L2 normalisation if asked. */
    static List<float[]> pool(ModelCard card, float[] hidden, long[] mask, int b, int l, int d) {
        if (card.pooling() == ModelCard.PoolingMode.MEAN && card.normalize()) return meanNormalised(hidden, mask, b, l, d);
        List<float[]> out = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            double[] v = new double[d];
            if (card.pooling() == ModelCard.PoolingMode.CLS) {
                for (int k = 0; k < d; k++) v[k] = hidden[i * l * d + k];
            } else {
                long count = 0;
                for (int t = 0; t < l; t++) {
                    if (mask[i * l + t] == 0) continue;
                    count++;
                    for (int k = 0; k < d; k++) v[k] += hidden[(i * l + t) * d + k];
                }
                for (int k = 0; k < d; k++) v[k] = count == 0 ? 0 : v[k] / count;
            }
            double norm = 0;
            for (double x : v) norm += x * x;
            double inv = !card.normalize() ? 1 : norm == 0 ? 0 : 1 / Math.sqrt(norm);
            float[] f = new float[d];
            for (int k = 0; k < d; k++) f[k] = (float) (v[k] * inv);
            out.add(f);
        }
        return out;
    }

    /**
     * Mean of the rows of {@code hidden} whose mask is non-zero, scaled to unit length, per batch element.
     *
     * @param hidden [B, L, D] row-major
     * @param mask   [B, L]
     * @return B vectors of D floats; a text with no unmasked token (cannot happen with [CLS]/[SEP]) or a zero mean
     *         gives a zero vector
     */
    static List<float[]> meanNormalised(float[] hidden, long[] mask, int b, int l, int d) {
        List<float[]> out = new ArrayList<>(b);
        double[] sum = new double[d];
        for (int i = 0; i < b; i++) {
            java.util.Arrays.fill(sum, 0);
            long count = 0;
            for (int t = 0; t < l; t++) {
                if (mask[i * l + t] == 0) continue;
                count++;
                int row = (i * l + t) * d;
                for (int k = 0; k < d; k++) sum[k] += hidden[row + k];
            }
            double norm = 0;
            for (int k = 0; k < d; k++) {
                sum[k] = count == 0 ? 0 : sum[k] / count;
                norm += sum[k] * sum[k];
            }
            double inv = norm == 0 ? 0 : 1 / Math.sqrt(norm);
            float[] v = new float[d];
            for (int k = 0; k < d; k++) v[k] = (float) (sum[k] * inv);
            out.add(v);
        }
        return out;
    }
}
