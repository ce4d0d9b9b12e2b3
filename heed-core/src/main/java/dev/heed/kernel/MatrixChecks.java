package dev.heed.kernel;

import java.util.SplittableRandom;

/**
 * Error metrics of the GEMM and convolution kernels against their float64 references, shared by
 * {@code selfCheck} and the tests. The error of one output is measured relative to the magnitude of what was
 * summed into it, {@code 1 + Σ|x·w| + |c_in| + |bias|}, because float32 rounding error scales with that sum,
 * not with the (possibly cancelled) result.
 */
final class MatrixChecks {
    private MatrixChecks() {}

    /** Uniform values in [-1, 1). */
    static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextDouble() * 2 - 1);
        return v;
    }

    /**
     * Largest {@code |c - ref| / (1 + Σ_p |op(A)[i,p]·op(B)[p,j]| + |c0[i,j]| + |bias[j]|)} over the {@code m×n}
     * outputs; {@code c0} is C before an accumulating call (null otherwise). NaN anywhere gives NaN.
     */
    static double gemmError(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                            float[] b, int bOff, int ldb, float[] c, float[] ref, int cOff, int ldc,
                            float[] c0, float[] bias) {
        double worst = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int ci = cOff + i * ldc + j;
                double scale = 1 + GemmReference.absDot(transA, transB, k, a, aOff, lda, b, bOff, ldb, i, j);
                if (c0 != null) scale += Math.abs(c0[ci]);
                if (bias != null) scale += Math.abs(bias[j]);
                double e = Math.abs((double) c[ci] - ref[ci]) / scale;
                if (Double.isNaN(e) || Double.isNaN(c[ci]) != Double.isNaN(ref[ci])) return Double.NaN;
                worst = Math.max(worst, e);
            }
        }
        return worst;
    }

    /** Largest {@code |y - ref| / (1 + scale)} element-wise, with {@code scale} the per-output Σ|x·w| + |bias|. */
    static double scaledError(float[] y, float[] ref, double[] scale) {
        double worst = 0;
        for (int i = 0; i < y.length; i++) {
            double e = Math.abs((double) y[i] - ref[i]) / (1 + scale[i]);
            if (Double.isNaN(e)) return Double.NaN;
            worst = Math.max(worst, e);
        }
        return worst;
    }
}
