package dev.heed.kernel;

import dev.heed.tensor.Tensor;
import java.util.Arrays;

/** Float64 reference twin of {@link Norms}: fallback row kernels and whole-tensor oracles. */
final class NormsReference {
    private NormsReference() {}

    static void layerNormRow(float[] x, int xo, float[] g, float[] b, float eps, float[] y, int yo, int n) {
        double[] r = layerNormRowDouble(x, xo, g, b, eps, n);
        for (int i = 0; i < n; i++) y[yo + i] = (float) r[i];
    }

    static double[] layerNormRowDouble(float[] x, int xo, float[] g, float[] b, float eps, int n) {
        double mean = 0;
        for (int i = 0; i < n; i++) mean += x[xo + i];
        mean /= n;
        double var = 0;
        for (int i = 0; i < n; i++) var += (x[xo + i] - mean) * (x[xo + i] - mean);
        var /= n;
        double rs = 1.0 / Math.sqrt(var + eps);
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = (x[xo + i] - mean) * rs * (g == null ? 1.0 : g[i]) + (b == null ? 0.0 : b[i]);
        }
        return r;
    }

    static void affineRow(float[] x, int xo, float mu, float a, float c, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] = (float) (((double) x[xo + i] - mu) * a + c);
    }

    /** Layer norm in double, row-major. */
    static double[] layerNorm(Tensor x, Tensor gamma, Tensor beta, int axis, float eps) {
        int ax = axis < 0 ? axis + x.rank() : axis;
        int[] nd = Arrays.copyOfRange(x.shape().dims(), ax, x.rank());
        float[] g = gamma == null ? null : gamma.expand(nd).toFloatArray();
        float[] b = beta == null ? null : beta.expand(nd).toFloatArray();
        float[] v = x.toFloatArray();
        int n = 1;
        for (int d : nd) n *= d;
        double[] out = new double[v.length];
        for (int r = 0; n > 0 && r < v.length / n; r++) System.arraycopy(layerNormRowDouble(v, r * n, g, b, eps, n), 0, out, r * n, n);
        return out;
    }

    /** Batch norm in double (everything from the definition, nothing precomputed in float). */
    static double[] batchNorm(Tensor x, Tensor scale, Tensor bias, Tensor mean, Tensor var, float eps) {
        float[] v = x.toFloatArray(), s = scale.toFloatArray(), b = bias.toFloatArray(), m = mean.toFloatArray(), q = var.toFloatArray();
        int c = x.dim(1);
        int spatial = (int) (x.numel() / Math.max(1, (long) x.dim(0) * c));
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            int ch = (i / spatial) % c;
            out[i] = (v[i] - (double) m[ch]) / Math.sqrt((double) q[ch] + eps) * s[ch] + b[ch];
        }
        return out;
    }
}
