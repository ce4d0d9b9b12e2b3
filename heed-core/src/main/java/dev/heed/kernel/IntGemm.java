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
 *       BENCHMARKS.md, int8 section). {@link #gemmExactFloatChunked} cuts K into chunks that each keep the bound and
 *       sums their exact results in int32, so the float formulation serves every call (no packed copy of B);
 *       {@link #gemmExactFloatQuantizing} quantises float activations (DynamicQuantizeLinear) straight into the
 *       GEMM's packed panels, a row block at a time, so no {@code [M, K]} copy of A' is kept; its overload with
 *       scale, bias and activation runs {@link #epilogue}'s arithmetic on each tile of C as the GEMM finishes it.</li>
 *   <li>{@link #epilogue} — what a quantised linear layer does to the product: {@code act(c·scale_j + bias_j)} in
 *       one vector pass over C in place, rows spread over the threads ({@code IntGemmFloat}); its twins are a
 *       scalar float32 loop (the fallback, and the exact expression of the unfused Mul / Add nodes) and a
 *       float64 loop ({@link #epilogueReference}), the oracle.</li>
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
        IntGemmFloat.Operand op = new IntGemmFloat.Dense(a, aOff, lda);
        if (IntGemmFloat.maxChunkAbsSum(m, k, 1, op) * b.maxAbsShifted(zb) >= IntGemmFloat.EXACT) return false;
        IntGemmFloat.product(ctx, m, op, b, zb, 1, c, cOff, ldc);
        return true;
    }

    /**
     * The same exact product as {@link #gemmExactFloat} for any K: when the whole reduction would leave the exactness
     * bound, K is cut into chunks that each stay inside it ({@code max_i Σ_{p ∈ chunk} |a'[i,p]| · max|B − zb| < 2^24},
     * checked on the data; at most ⌈K / 258⌉ chunks), each chunk runs on the float GEMM exactly, and the chunks'
     * integer results are summed in int32 (wrapping as the integer kernel does) and written as floats. So C equals
     * the int32 product of {@link #gemm} converted to float, bit for bit, for every call, without a packed copy of B;
     * a call inside the bound is one {@link #gemmExactFloat} call. Returns false (C untouched) only without the
     * Vector API.
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
     * @return true when C holds the exact product; false without the Vector API
     * @throws dev.heed.HeedException as {@link #gemmExactFloat}, and INVALID_ARGUMENT when an element of A' is not
     *                                an integer of magnitude at most 255 where the chunking relies on it
     */
    public static boolean gemmExactFloatChunked(ExecutionContext ctx, int m, float[] a, int aOff, int lda, Int8Matrix b, int[] zb,
                                                float[] c, int cOff, int ldc) {
        int k = b.k(), n = b.n();
        check("IntGemm.exactFloat", "A", a.length, aOff, lda, m, k);
        check("IntGemm.exactFloat", "C", c.length, cOff, ldc, m, n);
        zeroPoints("zb", zb, n);
        return exactChunked(ctx, m, new IntGemmFloat.Dense(a, aOff, lda), b, zb, c, cOff, ldc, null, null, Activation.NONE);
    }

    /**
     * The exact product of {@link #gemmExactFloatChunked} with A' quantised on the fly from float activations, as
     * ONNX's DynamicQuantizeLinear followed by the subtraction of its zero point:
     * {@code a'[i,p] = clamp(round_half_even(x[xOff + i·ldx + p] / xScale) + xZero, 0, 255) − xZero} (NaN → 0),
     * exactly the values {@link Quantize#shifted} writes. A' is written straight into the float GEMM's packed panels
     * (no {@code [M, K]} copy of it is made), and the GEMM's own packed copy holds one row block at a time, so a call
     * keeps no scratch that grows with M·K beyond a row block. C equals the int32 product of {@link #gemm} on the
     * quantised bytes converted to float, bit for bit. Returns false (C untouched) only without the Vector API.
     *
     * <pre>{@code
     * Quantize.range(x, 0, m * k, mm);   // then scale and zero point as DynamicQuantizeLinear
     * IntGemm.gemmExactFloatQuantizing(ctx, m, x, 0, k, scale, zp, w, wz, y, 0, n);   // x [M, K] float → y [M, N]
     * }</pre>
     *
     * @param ctx    threads (null: the calling thread only)
     * @param m      rows of x and C
     * @param x      the float activations
     * @param xOff   index of {@code x[0, 0]}
     * @param ldx    elements between x's rows, {@code >= K}
     * @param xScale the quantisation step (positive)
     * @param xZero  the uint8 zero point, 0 … 255
     * @param b      B, read in place
     * @param zb     B's zero points: one, or one per column
     * @param c      C, overwritten when this returns true
     * @param cOff   index of {@code C[0, 0]}
     * @param ldc    elements between C's rows, {@code >= N}
     * @return true when C holds the exact product; false without the Vector API
     * @throws dev.heed.HeedException INVALID_ARGUMENT when an offset, size or leading dimension does not fit its array
     *                                or the zero point is outside 0 … 255, SHAPE_MISMATCH for a zero-point array of
     *                                the wrong length
     */
    public static boolean gemmExactFloatQuantizing(ExecutionContext ctx, int m, float[] x, int xOff, int ldx, float xScale, int xZero,
                                                   Int8Matrix b, int[] zb, float[] c, int cOff, int ldc) {
        checkQuantizing(m, x, xOff, ldx, xZero, b, zb);
        check("IntGemm.exactFloatQuantizing", "C", c.length, cOff, ldc, m, b.n());
        return exactChunked(ctx, m, new IntGemmFloat.Quantized(x, xOff, ldx, xScale, xZero), b, zb, c, cOff, ldc,
                null, null, Activation.NONE);
    }

    /**
     * {@link #gemmExactFloatQuantizing(ExecutionContext, int, float[], int, int, float, int, Int8Matrix, int[], float[], int, int)}
     * followed by {@link #epilogue}: {@code C = act(product · scale[j] + bias[j])}, but with the epilogue run by the
     * GEMM on each tile of C right after the tile's last K block (while it is in cache) instead of as a pass over C
     * afterwards (with K cut into chunks: on each row slab once its sums are complete). The same float32 operations
     * on the same exact products, so C equals the product then {@link #epilogue} bit for bit. Returns false (C
     * untouched, the epilogue not run) only without the Vector API.
     *
     * <pre>{@code
     * IntGemm.gemmExactFloatQuantizing(ctx, m, x, 0, k, xs, zp, w, wz, y, 0, n, xsTimesWs, bias, Activation.GELU_ERF);
     * }</pre>
     *
     * @param ctx    the threads to run on
     * @param m      rows of x and C
     * @param x      the float activations {@code [M, K]}, quantised on the fly
     * @param xOff   index of {@code x[0, 0]}
     * @param ldx    elements between x's rows, {@code >= K}
     * @param xScale the quantisation step (positive)
     * @param xZero  the uint8 zero point, 0 … 255
     * @param b      B, read in place
     * @param zb     B's zero points: one, or one per column
     * @param c      C, overwritten when this returns true
     * @param cOff   index of {@code C[0, 0]}
     * @param ldc    elements between C's rows, {@code >= N}
     * @param scale  N per-column factors
     * @param bias   N per-column addends, or null for none
     * @param act    the activation applied last
     * @return true when C holds the result; false without the Vector API
     * @throws dev.heed.HeedException as the product and {@link #epilogue}
     */
    public static boolean gemmExactFloatQuantizing(ExecutionContext ctx, int m, float[] x, int xOff, int ldx, float xScale, int xZero,
                                                   Int8Matrix b, int[] zb, float[] c, int cOff, int ldc,
                                                   float[] scale, float[] bias, Activation act) {
        checkQuantizing(m, x, xOff, ldx, xZero, b, zb);
        checkEpilogue(m, b.n(), c, cOff, ldc, scale, bias);
        return exactChunked(ctx, m, new IntGemmFloat.Quantized(x, xOff, ldx, xScale, xZero), b, zb, c, cOff, ldc,
                scale, bias, java.util.Objects.requireNonNull(act, "act"));
    }

    /**
     * The chunked exact product on a checked operand, then (scale not null) the epilogue; false (C untouched) without
     * the Vector API.
     */
    private static boolean exactChunked(ExecutionContext ctx, int m, IntGemmFloat.Operand a, Int8Matrix b, int[] zb,
                                        float[] c, int cOff, int ldc, float[] scale, float[] bias, Activation act) {
        if (!VectorSupport.available()) return false;
        int k = b.k(), n = b.n();
        if (m == 0 || n == 0) return true;
        if (k == 0) {
            for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            if (scale != null) IntGemmFloat.epilogue(0, m, n, c, cOff, ldc, scale, bias, act);
            return true;
        }
        IntGemmFloat.product(ctx, m, a, b, zb, IntGemmFloat.chunks(m, k, a, b.maxAbsShifted(zb)), c, cOff, ldc, scale, bias, act);
        return true;
    }

    /**
     * Tolerance of {@link #epilogue} against {@link #epilogueReference}: {@code |got − want| ≤ EPILOGUE_TOLERANCE ·
     * (1 + |want|)}. Without an activation (and with ReLU) the float32 results are the exact float32 expression
     * {@code c·scale + bias} (two roundings, no fused multiply-add); the transcendental activations add the float32
     * approximation error of the elementwise kernels (erf: 1.3e-7 absolute) and the rounding of their argument.
     */
    public static final double EPILOGUE_TOLERANCE = 2e-6;

    /**
     * The epilogue of a quantised linear layer on {@code C[M, N]} in place:
     * {@code c[cOff + i·ldc + j] = act(c·scale[j] + bias[j])}, computed as the float32 expressions
     * {@code (c * scale) + bias} (two roundings, as the unfused {@code Mul} and {@code Add} nodes do) then the
     * activation by the elementwise kernel a stand-alone activation node runs ({@link Elementwise#unary}), row by
     * row while the row is in cache: so the fused layer's result equals the bias Add and activation nodes it
     * replaces bit for bit. Rows spread over the context's threads for large C; without the Vector API the scalar
     * float32 loop ({@link Activation#apply}).
     *
     * <pre>{@code
     * IntGemm.epilogue(ctx, m, n, y, 0, n, xScaleTimesWScale, bias, Activation.GELU_ERF);   // y [M, N]
     * }</pre>
     *
     * @param ctx   threads (null: the calling thread only)
     * @param m     rows of C
     * @param n     columns of C
     * @param c     C, overwritten
     * @param cOff  index of {@code C[0, 0]}
     * @param ldc   elements between C's rows, {@code >= N}
     * @param scale N per-column factors
     * @param bias  N per-column addends, or null for none
     * @param act   the activation applied last
     * @throws dev.heed.HeedException INVALID_ARGUMENT when C does not fit its array, SHAPE_MISMATCH when scale or bias
     *                                do not hold N values
     */
    public static void epilogue(ExecutionContext ctx, int m, int n, float[] c, int cOff, int ldc, float[] scale, float[] bias,
                                Activation act) {
        checkEpilogue(m, n, c, cOff, ldc, scale, bias);
        if (m == 0 || n == 0) return;
        if (!VectorSupport.available()) {
            IntGemmReference.epilogueFloat(0, m, n, c, cOff, ldc, scale, bias, act);
            return;
        }
        long elements = (long) m * n;
        int threads = ctx == null ? 1 : ctx.threads();
        if (threads > 1 && elements >= PARALLEL_EPILOGUE) {
            int grain = (int) Math.max(1, PARALLEL_EPILOGUE / 2 / n);
            ctx.parallelFor(m, grain, (s, e) -> IntGemmFloat.epilogue(s, e, n, c, cOff, ldc, scale, bias, act));
        } else {
            IntGemmFloat.epilogue(0, m, n, c, cOff, ldc, scale, bias, act);
        }
    }

    /** Smallest C (elements) whose epilogue is spread over threads: below it the hand-off costs more than the pass. */
    static final long PARALLEL_EPILOGUE = 1 << 16;

    /**
     * The float64 twin of {@link #epilogue}: {@code out[cOff + i·ldc + j] = act(c·scale[j] + bias[j])} evaluated in
     * double ({@link Activation#applyDouble}) from the same float32 inputs; {@code c} is not changed.
     *
     * @param m     rows of C
     * @param n     columns of C
     * @param c     C, read
     * @param cOff  index of {@code C[0, 0]}
     * @param ldc   elements between C's rows
     * @param scale N per-column factors
     * @param bias  N per-column addends, or null
     * @param act   the activation
     * @param out   the results, same layout as C (elements outside C are not written)
     * @throws dev.heed.HeedException as {@link #epilogue}
     */
    public static void epilogueReference(int m, int n, float[] c, int cOff, int ldc, float[] scale, float[] bias, Activation act,
                                         double[] out) {
        checkEpilogue(m, n, c, cOff, ldc, scale, bias);
        check("IntGemm.epilogue", "out", out.length, cOff, ldc, m, n);
        IntGemmReference.epilogueDouble(m, n, c, cOff, ldc, scale, bias, act, out);
    }

    /** The checks both {@code gemmExactFloatQuantizing} overloads make on x, its zero point and B's zero points. */
    private static void checkQuantizing(int m, float[] x, int xOff, int ldx, int xZero, Int8Matrix b, int[] zb) {
        check("IntGemm.exactFloatQuantizing", "x", x.length, xOff, ldx, m, b.k());
        zeroPoints("zb", zb, b.n());
        if (xZero < 0 || xZero > 255) throw HeedException.invalid("IntGemm.exactFloatQuantizing", "zero point " + xZero + " outside uint8 [0, 255]");
    }

    private static void checkEpilogue(int m, int n, float[] c, int cOff, int ldc, float[] scale, float[] bias) {
        check("IntGemm.epilogue", "C", c.length, cOff, ldc, m, n);
        if (scale == null || scale.length != n || (bias != null && bias.length != n)) {
            throw HeedException.shape("IntGemm.epilogue", "scale and bias must hold N=" + n + " values, they hold "
                    + (scale == null ? "none (null)" : scale.length) + " and " + (bias == null ? "none (no bias)" : bias.length));
        }
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
