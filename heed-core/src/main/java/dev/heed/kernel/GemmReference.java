package dev.heed.kernel;

import dev.heed.exec.ExecutionContext;

/**
 * GEMM, float64 reference twin: the test oracle of {@link GemmVector} and the fallback when the Vector API is
 * absent.
 *
 * <p>Catalogue: one version, the textbook triple loop with a float64 accumulator per output; cost
 * {@code 2·M·N·K} flops, no blocking (memory-bound, a few GFLOP/s). Rows are spread over the context's
 * threads; each output is computed by one thread in a fixed order, so results do not depend on the thread
 * count.
 */
final class GemmReference {
    private GemmReference() {}

    /**
     * {@code C[M,N] = op(A)[M,K] · op(B)[K,N] (+ C) (+ bias)}, then {@code act}; arguments already validated.
     * With {@code biasPerRow} the bias is indexed by the row ({@code bias[biasOff + i]}), otherwise by the
     * column ({@code bias[biasOff + j]}).
     */
    static void gemm(ExecutionContext ctx, boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate,
                     float[] bias, int biasOff, boolean biasPerRow, Activation act) {
        if (m == 0 || n == 0) return;
        RowTask rows = (start, end) -> {
            for (int i = start; i < end; i++) {
                for (int j = 0; j < n; j++) {
                    double s = dot(transA, transB, k, a, aOff, lda, b, bOff, ldb, i, j);
                    int ci = cOff + i * ldc + j;
                    if (accumulate) s += c[ci];
                    if (bias != null) s += bias[biasOff + (biasPerRow ? i : j)];
                    c[ci] = (float) act.applyDouble(s);
                }
            }
        };
        if (ctx == null) rows.run(0, m);
        else ctx.parallelFor(m, Math.max(1, 32768 / Math.max(1, n * Math.max(1, k))), rows::run);
    }

    /** float64 dot product of row {@code i} of op(A) and column {@code j} of op(B). */
    static double dot(boolean transA, boolean transB, int k, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb, int i, int j) {
        double s = 0;
        for (int p = 0; p < k; p++) {
            float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
            float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
            s += (double) av * bv;
        }
        return s;
    }

    /** Σ_p |op(A)[i,p]|·|op(B)[p,j]| in float64: the scale the error of one output is measured against. */
    static double absDot(boolean transA, boolean transB, int k, float[] a, int aOff, int lda,
                         float[] b, int bOff, int ldb, int i, int j) {
        double s = 0;
        for (int p = 0; p < k; p++) {
            float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
            float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
            s += Math.abs((double) av * bv);
        }
        return s;
    }

    @FunctionalInterface
    private interface RowTask {
        void run(int start, int end);
    }
}
