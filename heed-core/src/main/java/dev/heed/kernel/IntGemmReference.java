package dev.heed.kernel;

/**
 * The scalar twins of the integer GEMM ({@link IntGemm}): plain loops, int32 arithmetic on the zero-point-shifted
 * values, the oracle of the tests and the fallback without the Vector API; and the two scalar forms of its epilogue
 * (float32, the fallback; float64, the oracle).
 */
final class IntGemmReference {
    private IntGemmReference() {}

    static int value(byte v, boolean unsigned) {
        return unsigned ? v & 0xff : v;
    }

    /** {@code C[M,N] = Σ_p (A[i,p] − za)·(B[p,j] − zb)} on row-major A[M, K] and B[K, N]. */
    static void gemm(int m, int n, int k, byte[] a, int aOff, int lda, boolean aUnsigned, int[] za,
                     byte[] b, int bOff, int ldb, boolean bUnsigned, int[] zb, int[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int zai = za[za.length == 1 ? 0 : i];
            for (int j = 0; j < n; j++) {
                int zbj = zb[zb.length == 1 ? 0 : j];
                int s = 0;
                for (int p = 0; p < k; p++) {
                    s += (value(a[aOff + i * lda + p], aUnsigned) - zai) * (value(b[bOff + p * ldb + j], bUnsigned) - zbj);
                }
                c[cOff + i * ldc + j] = s;
            }
        }
    }

    /** The same on a packed B (the fallback path of {@link IntGemm#gemm}). */
    static void gemmPacked(int m, byte[] a, int aOff, int lda, boolean aUnsigned, int[] za,
                           PackedInt8 b, int[] zb, int[] c, int cOff, int ldc) {
        int k = b.k(), n = b.n(), w = b.width();
        byte[] d = b.data();
        for (int i = 0; i < m; i++) {
            int zai = za[za.length == 1 ? 0 : i];
            for (int j = 0; j < n; j++) {
                int zbj = zb[zb.length == 1 ? 0 : j];
                int base = (j / w) * k * w + j % w;
                int s = 0;
                for (int p = 0; p < k; p++) {
                    s += (value(a[aOff + i * lda + p], aUnsigned) - zai) * (value(d[base + p * w], b.unsigned()) - zbj);
                }
                c[cOff + i * ldc + j] = s;
            }
        }
    }

    /** The epilogue in float32, scalar: {@code c = act((c * scale) + bias)} for rows {@code [i0, i1)} (the fallback). */
    static void epilogueFloat(int i0, int i1, int n, float[] c, int cOff, int ldc, float[] scale, float[] bias, Activation act) {
        for (int i = i0; i < i1; i++) {
            int o = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                float v = c[o + j] * scale[j];
                if (bias != null) v = v + bias[j];
                c[o + j] = act.apply(v);
            }
        }
    }

    /** The epilogue in float64 (the oracle): {@code out = act(c·scale + bias)} from the float32 inputs. */
    static void epilogueDouble(int m, int n, float[] c, int cOff, int ldc, float[] scale, float[] bias, Activation act, double[] out) {
        for (int i = 0; i < m; i++) {
            int o = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                double v = (double) c[o + j] * scale[j] + (bias == null ? 0 : bias[j]);
                out[o + j] = act.applyDouble(v);
            }
        }
    }
}
