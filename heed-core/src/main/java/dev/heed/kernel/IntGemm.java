package dev.heed.kernel;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;

/**
 * Integer matrix multiplication for quantised models: {@code C[M,N] (int32) = Σ_p (A[i,p] − za_i)·(B[p,j] − zb_j)}
 * with A and B int8 or uint8 (u8 × s8, s8 × s8, u8 × u8, s8 × u8), zero points per tensor (one value) or per row
 * of A / per column of B. Catalogue:
 * <ul>
 *   <li>{@link IntGemmReference} — the scalar twin, three loops, int32 arithmetic (the oracle and the fallback);</li>
 *   <li>{@code IntGemmVector} — B packed once into column panels of bytes ({@link PackedInt8}), the bytes widened
 *       to int lanes in registers, four rows of A per pass, zero points folded in afterwards as
 *       {@code Σ_p a'·b − zb_j·Σ_p a'} (a' = a − za), N panels spread over the threads.</li>
 *   <li>{@code IntGemmFloat} ({@link #gemmExactFloat}) — the same integer product on the float GEMM: A' as floats,
 *       B read in place as bytes ({@link Int8Matrix}) and widened to floats per micro-panel; exact (equal to the
 *       int32 result) whenever {@code max_i Σ_p |a'[i,p]| · max|b − zb| < 2^24}, checked per call. The Vector
 *       API has no VNNI byte dot product, and its widened int multiply-add ({@code vpmulld}) issues a quarter of
 *       the float FMA rate, so the float units are the fastest exact integer multiplier it offers (measured:
 *       BENCHMARKS.md, int8 section).</li>
 * </ul>
 * Cost M·N·K multiply-adds. Results are exact (int32 wraps as in ONNX Runtime; it cannot for K &lt; 33 000).
 * The Vector API has no VNNI / {@code vpdpbusd} operation, so the widened int multiply-add is what it offers.
 *
 * <pre>{@code
 * PackedInt8 w = IntGemm.pack(weights, 0, 384, 384, 1536, false);   // s8 [K=384, N=1536], once
 * IntGemm.gemm(ctx, m, x, 0, 384, true, new int[] {xZero}, w, new int[] {0}, out, 0, 1536);
 * }</pre>
 */
public final class IntGemm {
    private IntGemm() {}

    /**
     * Packs the row-major {@code B[K, N]} ({@code b[bOff + p·ldb + j]}) into {@link PackedInt8} column panels of
     * {@link #panelWidth()} columns, padded with zeros.
     *
     * @param b        the elements
     * @param bOff     index of {@code B[0, 0]}
     * @param ldb      elements between rows, {@code >= n}
     * @param k        rows (the reduction length)
     * @param n        columns
     * @param unsigned uint8 elements (else int8)
     * @return the packed copy (K·⌈N/width⌉·width bytes)
     * @throws dev.heed.HeedException INVALID_ARGUMENT when the offset, sizes or leading dimension do not fit {@code b}
     */
    public static PackedInt8 pack(byte[] b, int bOff, int ldb, int k, int n, boolean unsigned) {
        check("IntGemm.pack", "B", b.length, bOff, ldb, k, n);
        int w = panelWidth();
        int panels = (n + w - 1) / w;
        byte[] data = new byte[Math.multiplyExact(Math.multiplyExact(panels, k), w)];
        for (int pn = 0; pn < panels; pn++) {
            int j0 = pn * w, cols = Math.min(w, n - j0);
            for (int p = 0; p < k; p++) {
                System.arraycopy(b, bOff + p * ldb + j0, data, (pn * k + p) * w, cols);
            }
        }
        return new PackedInt8(k, n, w, unsigned, data);
    }

    /**
     * Columns per packed panel.
     *
     * @return the int lanes of the widest vector (16 on AVX-512, 8 on AVX2), 8 without the Vector API
     */
    public static int panelWidth() {
        return VectorSupport.available() ? IntGemmVector.lanes() : 8;
    }

    /**
     * {@code c[cOff + i·ldc + j] = Σ_p (A[i,p] − za) · (B[p,j] − zb)} for the row-major {@code A[M, K]}
     * ({@code a[aOff + i·lda + p]}) and the packed B. {@code za} holds 1 or M values, {@code zb} 1 or N.
     *
     * @param ctx       threads (null: the calling thread only)
     * @param m         rows of A and C
     * @param a         A's elements
     * @param aOff      index of {@code A[0, 0]}
     * @param lda       elements between A's rows, {@code >= K}
     * @param aUnsigned uint8 A (else int8)
     * @param za        A's zero points: one, or one per row
     * @param b         B packed by {@link #pack}
     * @param zb        B's zero points: one, or one per column
     * @param c         C, overwritten
     * @param cOff      index of {@code C[0, 0]}
     * @param ldc       elements between C's rows, {@code >= N}
     * @throws dev.heed.HeedException INVALID_ARGUMENT when an offset, size or leading dimension does not fit its
     *                                array, SHAPE_MISMATCH for a zero-point array of the wrong length
     */
    public static void gemm(ExecutionContext ctx, int m, byte[] a, int aOff, int lda, boolean aUnsigned, int[] za,
                            PackedInt8 b, int[] zb, int[] c, int cOff, int ldc) {
        int k = b.k(), n = b.n();
        check("IntGemm", "A", a.length, aOff, lda, m, k);
        check("IntGemm", "C", c.length, cOff, ldc, m, n);
        zeroPoints("za", za, m);
        zeroPoints("zb", zb, n);
        if (m == 0 || n == 0) return;
        if (VectorSupport.available()) {
            IntGemmVector.gemm(ctx, m, a, aOff, lda, aUnsigned, za, b, zb, c, cOff, ldc);
        } else {
            IntGemmReference.gemmPacked(m, a, aOff, lda, aUnsigned, za, b, zb, c, cOff, ldc);
        }
    }

    /**
     * {@code c[cOff + i·ldc + j] = Σ_p a'[i,p] · (B[p,j] − zb_j)} as floats, for an A' whose elements
     * ({@code a[aOff + i·lda + p]}) are integers of magnitude at most 255 (a quantised activation minus its zero
     * point), on the float GEMM. When {@code max_i Σ_p |a'[i,p]| · max|B − zb|} is below 2^24 every partial sum
     * is an integer that float represents exactly, so the result equals the int32 product of {@link #gemm}
     * converted to float, bit for bit, and this returns true. Otherwise, or without the Vector API, it returns
     * false and leaves C untouched: the caller runs {@link #gemm}. {@code zb} holds 1 or N values.
     *
     * @param ctx  threads (null: the calling thread only)
     * @param m    rows of A' and C
     * @param a    A' as floats (integers, |a'| ≤ 255)
     * @param aOff index of {@code A'[0, 0]}
     * @param lda  elements between A' rows, {@code >= K}
     * @param b    B, read in place
     * @param zb   B's zero points: one, or one per column
     * @param c    C, overwritten when this returns true
     * @param cOff index of {@code C[0, 0]}
     * @param ldc  elements between C's rows, {@code >= N}
     * @return true when C holds the exact product; false when the bound does not hold or the Vector API is absent
     * @throws dev.heed.HeedException INVALID_ARGUMENT when an offset, size or leading dimension does not fit its
     *                                array, SHAPE_MISMATCH for a zero-point array of the wrong length
     */
    public static boolean gemmExactFloat(ExecutionContext ctx, int m, float[] a, int aOff, int lda, Int8Matrix b, int[] zb,
                                         float[] c, int cOff, int ldc) {
        int k = b.k(), n = b.n();
        check("IntGemm.exactFloat", "A", a.length, aOff, lda, m, k);
        check("IntGemm.exactFloat", "C", c.length, cOff, ldc, m, n);
        zeroPoints("zb", zb, n);
        if (!VectorSupport.available()) return false;
        if (m == 0 || n == 0) return true;
        if (k == 0) {
            for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            return true;
        }
        if (IntGemmFloat.maxRowAbsSum(m, k, a, aOff, lda) * b.maxAbsShifted(zb) >= IntGemmFloat.EXACT) return false;
        IntGemmFloat.gemm(ctx, m, a, aOff, lda, b, zb, c, cOff, ldc);
        return true;
    }

    /**
     * The same contract as {@link #gemm} on an unpacked row-major {@code B[K, N]}, computed by the scalar twin.
     *
     * @param m         rows of A and C
     * @param n         columns of B and C
     * @param k         the reduction length
     * @param a         A's elements
     * @param aOff      index of {@code A[0, 0]}
     * @param lda       elements between A's rows
     * @param aUnsigned uint8 A (else int8)
     * @param za        A's zero points: one, or one per row
     * @param b         B's elements
     * @param bOff      index of {@code B[0, 0]}
     * @param ldb       elements between B's rows
     * @param bUnsigned uint8 B (else int8)
     * @param zb        B's zero points: one, or one per column
     * @param c         C, overwritten
     * @param cOff      index of {@code C[0, 0]}
     * @param ldc       elements between C's rows
     * @throws dev.heed.HeedException as {@link #gemm}
     */
    public static void gemmReference(int m, int n, int k, byte[] a, int aOff, int lda, boolean aUnsigned, int[] za,
                                     byte[] b, int bOff, int ldb, boolean bUnsigned, int[] zb, int[] c, int cOff, int ldc) {
        check("IntGemm.reference", "A", a.length, aOff, lda, m, k);
        check("IntGemm.reference", "B", b.length, bOff, ldb, k, n);
        check("IntGemm.reference", "C", c.length, cOff, ldc, m, n);
        zeroPoints("za", za, m);
        zeroPoints("zb", zb, n);
        IntGemmReference.gemm(m, n, k, a, aOff, lda, aUnsigned, za, b, bOff, ldb, bUnsigned, zb, c, cOff, ldc);
    }

    private static void zeroPoints(String what, int[] z, int count) {
        if (z == null || (z.length != 1 && z.length != count)) {
            throw HeedException.shape("IntGemm", what + " must hold 1 or " + count + " zero points, it holds "
                    + (z == null ? "none (null)" : z.length));
        }
    }

    private static void check(String op, String what, int length, int off, int ld, int rows, int cols) {
        if (rows < 0 || cols < 0 || off < 0) {
            throw HeedException.invalid(op, what + ": negative size or offset (rows " + rows + ", cols " + cols + ", offset " + off + ")");
        }
        if (rows > 0 && ld < cols) {
            throw HeedException.invalid(op, what + ": leading dimension " + ld + " < columns " + cols);
        }
        long need = rows == 0 || cols == 0 ? 0 : off + (long) (rows - 1) * ld + cols;
        if (need > length) {
            throw HeedException.invalid(op, what + "[" + rows + ", " + cols + "] with offset " + off + " and leading dimension "
                    + ld + " needs " + need + " elements, the array has " + length);
        }
    }
}
