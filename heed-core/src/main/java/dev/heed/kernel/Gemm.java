package dev.heed.kernel;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.DType;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Storage;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * General matrix multiplication, the workhorse of linear layers, attention projections and convolutions.
 *
 * <p>{@link #gemm} is the BLAS-style entry on row-major float arrays with leading dimensions and a fused
 * epilogue (accumulate, bias, {@link Activation}); {@link #matmul} is ONNX/NumPy {@code MatMul} on tensors.
 * The fast path ({@code GemmVector}: packed, cache- and register-blocked Vector API kernel) runs when
 * {@link VectorSupport#available()}; otherwise the float64 reference ({@link #gemmReference}) computes the
 * same contract. A B that many calls share (a constant weight) can be packed once with {@link #pack} into a
 * {@link PackedMatrix}; the {@code gemm} / {@code matmul} overloads that take it skip all B packing.
 *
 * <pre>{@code
 * // y[128, 1536] = gelu(x[128, 384] · w[384, 1536] + b[1536])
 * Gemm.gemm(ctx, false, false, 128, 1536, 384, x, 0, 384, w, 0, 1536, y, 0, 1536, false, b, Activation.GELU_ERF);
 * Tensor scores = Gemm.matmul(ctx, q, k.transpose(-1, -2));   // [B, H, L, E] · [B, H, E, S] -> [B, H, L, S]
 * PackedMatrix wp = Gemm.pack(false, 384, 1536, w, 0, 1536);   // once
 * Gemm.gemm(ctx, false, 128, x, 0, 384, wp, y, 0, 1536, false, b, Activation.GELU_ERF);   // same y, no B packing
 * }</pre>
 */
public final class Gemm {
    private Gemm() {}

    /**
     * Tolerance of {@link #gemm} against {@link #gemmReference}: {@code |c - c_ref| / (1 + Σ_p |a_ip·b_pj| +
     * |c_in| + |bias_j|)} per element. float32 FMA accumulation along K (in blocks of 512) gives errors of a few 1e-7 of
     * that scale for the sizes tested (K up to 1100); the activations' float32 approximations add at
     * most ~2e-7.
     */
    public static final double TOLERANCE = 1e-5;

    /**
     * {@code C[M,N] = op(A)[M,K] · op(B)[K,N] (+ C if accumulate) (+ bias[N] if non-null)}, then {@code act}.
     * Row-major with leading dimensions: {@code op(A)[i,p] = transA ? a[aOff + p·lda + i] : a[aOff + i·lda + p]},
     * likewise B; {@code C[i,j] = c[cOff + i·ldc + j]}. Any of M, N, K may be 0 (K = 0 gives bias, or C, or 0,
     * through the activation).
     *
     * @param ctx        the threads to run on
     * @param transA     read {@code a} transposed
     * @param transB     read {@code b} transposed
     * @param m          rows of op(A) and C, ≥ 0
     * @param n          columns of op(B) and C, ≥ 0
     * @param k          the shared dimension, ≥ 0
     * @param a          A's array
     * @param aOff       index of A's element [0, 0]
     * @param lda        A's leading dimension (elements between stored rows)
     * @param b          B's array
     * @param bOff       index of B's element [0, 0]
     * @param ldb        B's leading dimension
     * @param c          C's array, written (and read first when {@code accumulate})
     * @param cOff       index of C's element [0, 0]
     * @param ldc        C's leading dimension, ≥ n
     * @param accumulate add the product to C's previous contents instead of overwriting them
     * @param bias       {@code [N]} added to every row, or null
     * @param act        the activation applied last ({@link Activation#NONE} for none)
     * @throws HeedException naming the operand when a size, leading dimension or array length does not fit
     */
    public static void gemm(ExecutionContext ctx, boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, boolean accumulate, float[] bias, Activation act) {
        check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias, act);
        gemmUnchecked(ctx, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc,
                accumulate, bias, 0, false, act);
    }

    /**
     * {@link #gemm(ExecutionContext, boolean, boolean, int, int, int, float[], int, int, float[], int, int, float[],
     * int, int, boolean, float[], Activation) gemm} on {@link MatrixOperand} views: {@code C[M,N] = op(A)[M,K] ·
     * op(B)[K,N]} (+ C) (+ bias), then {@code act}.
     *
     * @param ctx        the threads to run on
     * @param a          op(A) {@code [M, K]}
     * @param b          op(B) {@code [K, N]}
     * @param m          rows of op(A) and C
     * @param n          columns of op(B) and C
     * @param k          the shared dimension
     * @param c          C's array, written (and read first when {@code accumulate})
     * @param cOff       index of C's element [0, 0]
     * @param ldc        C's leading dimension, ≥ n
     * @param accumulate add the product to C's previous contents instead of overwriting them
     * @param bias       {@code [N]} added to every row, or null
     * @param act        the activation applied last
     * @throws HeedException naming the operand when a size, leading dimension or array length does not fit
     */
    public static void gemm(ExecutionContext ctx, MatrixOperand a, MatrixOperand b, int m, int n, int k,
                            float[] c, int cOff, int ldc, boolean accumulate, float[] bias, Activation act) {
        gemm(ctx, a.trans(), b.trans(), m, n, k, a.data(), a.offset(), a.ld(), b.data(), b.offset(), b.ld(),
                c, cOff, ldc, accumulate, bias, act);
    }

    /**
     * {@link #gemm(ExecutionContext, MatrixOperand, MatrixOperand, int, int, int, float[], int, int, boolean, float[], Activation)}
     * with a pre-packed B; K and N are taken from {@code b}.
     *
     * @param ctx        the threads to run on
     * @param a          op(A) {@code [M, K]}
     * @param m          rows of op(A) and C
     * @param b          op(B) {@code [K, N]}, packed by {@link #pack}
     * @param c          C's array, written (and read first when {@code accumulate})
     * @param cOff       index of C's element [0, 0]
     * @param ldc        C's leading dimension, ≥ N
     * @param accumulate add the product to C's previous contents instead of overwriting them
     * @param bias       {@code [N]} added to every row, or null
     * @param act        the activation applied last
     * @throws HeedException naming the operand when a size, leading dimension or array length does not fit
     */
    public static void gemm(ExecutionContext ctx, MatrixOperand a, int m, PackedMatrix b,
                            float[] c, int cOff, int ldc, boolean accumulate, float[] bias, Activation act) {
        gemm(ctx, a.trans(), m, a.data(), a.offset(), a.ld(), b, c, cOff, ldc, accumulate, bias, act);
    }

    /**
     * Packs {@code op(b)[K, N]} of a {@link MatrixOperand} view (see {@link #pack(boolean, int, int, float[], int, int)}).
     *
     * @param b the operand
     * @param k rows of op(b)
     * @param n columns of op(b)
     * @return an independent packed copy
     * @throws HeedException when a size, the leading dimension or the array length does not fit
     */
    public static PackedMatrix pack(MatrixOperand b, int k, int n) {
        return pack(b.trans(), k, n, b.data(), b.offset(), b.ld());
    }

    /**
     * The float64 reference of {@link #gemm} (same contract; slow): the oracle of the tests.
     *
     * @param ctx        unused by the arithmetic (single-threaded); kept for the same signature
     * @param transA     read {@code a} transposed
     * @param transB     read {@code b} transposed
     * @param m          rows of op(A) and C, ≥ 0
     * @param n          columns of op(B) and C, ≥ 0
     * @param k          the shared dimension, ≥ 0
     * @param a          A's array
     * @param aOff       index of A's element [0, 0]
     * @param lda        A's leading dimension (elements between stored rows)
     * @param b          B's array
     * @param bOff       index of B's element [0, 0]
     * @param ldb        B's leading dimension
     * @param c          C's array, written (and read first when {@code accumulate})
     * @param cOff       index of C's element [0, 0]
     * @param ldc        C's leading dimension, ≥ n
     * @param accumulate add the product to C's previous contents instead of overwriting them
     * @param bias       {@code [N]} added to every row, or null
     * @param act        the activation applied last ({@link Activation#NONE} for none)
     * @throws HeedException naming the operand when a size, leading dimension or array length does not fit
     */
    public static void gemmReference(ExecutionContext ctx, boolean transA, boolean transB, int m, int n, int k,
                                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                     float[] c, int cOff, int ldc, boolean accumulate, float[] bias, Activation act) {
        check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, bias, act);
        GemmReference.gemm(ctx, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc,
                accumulate, bias, 0, false, act);
    }

    /**
     * The shared entry of {@link #gemm} and the convolutions, after validation. {@code ctx == null} means the
     * calling thread only. With {@code biasPerRow} the bias is {@code bias[biasOff + i]}, else {@code bias[biasOff + j]}.
     */
    static void gemmUnchecked(ExecutionContext ctx, boolean transA, boolean transB, int m, int n, int k,
                              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc, boolean accumulate,
                              float[] bias, int biasOff, boolean biasPerRow, Activation act) {
        if (m == 0 || n == 0) return;
        if (k == 0) {
            noDepth(m, n, c, cOff, ldc, accumulate, bias, biasOff, biasPerRow, act);
            return;
        }
        if (VectorSupport.available()) {
            GemmVector.gemm(ctx, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc,
                    accumulate, bias, biasOff, biasPerRow, act);
        } else {
            GemmReference.gemm(ctx, transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc,
                    accumulate, bias, biasOff, biasPerRow, act);
        }
    }

    /** K = 0: {@code C = act((accumulate ? C : 0) + bias)}. */
    private static void noDepth(int m, int n, float[] c, int cOff, int ldc, boolean accumulate,
                                float[] bias, int biasOff, boolean biasPerRow, Activation act) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int ci = cOff + i * ldc + j;
                float v = accumulate ? c[ci] : 0f;
                if (bias != null) v += bias[biasOff + (biasPerRow ? i : j)];
                c[ci] = act.apply(v);
            }
        }
    }

    // ------------------------------------------------------------------------------------------- packed B

    /**
     * Packs {@code op(B)[K, N]} ({@code op(B)[p,j] = transB ? b[bOff + j·ldb + p] : b[bOff + p·ldb + j]}) once for
     * many {@link #gemm(ExecutionContext, boolean, int, float[], int, int, PackedMatrix, float[], int, int, boolean,
     * float[], Activation) gemm} / {@link #matmul(ExecutionContext, Tensor, PackedMatrix) matmul} calls. Costs one
     * pass over B; the result is an independent copy.
     *
     * @param transB read {@code b} transposed
     * @param k      rows of op(B), the shared dimension
     * @param n      columns of op(B)
     * @param b      B's array (not kept)
     * @param bOff   index of B's element [0, 0]
     * @param ldb    B's leading dimension
     * @return the packed matrix
     * @throws HeedException when a size, the leading dimension or the array length does not fit
     */
    public static PackedMatrix pack(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        if (k < 0 || n < 0) throw HeedException.invalid("gemm.pack", "sizes must be >= 0, got k=" + k + " n=" + n);
        checkOperand("gemm.pack", "b", transB ? "B^T" : "B", transB ? n : k, transB ? k : n, b, bOff, ldb, "ldb");
        if ((long) k * (n + 63) > Integer.MAX_VALUE - 64) {      // panels pad N to a multiple of NR (<= 64)
            throw HeedException.invalid("gemm.pack", "b [" + k + ", " + n + "] is too large to pack into one float array");
        }
        if (VectorSupport.available() && k > 0 && n > 0) {
            return PackedMatrix.ofPanels(k, n, GemmVector.PackedB.pack(new GemmVector.DenseB(transB, b, bOff, ldb), k, n));
        }
        float[] dense = new float[k * n];
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) dense[p * n + j] = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
        }
        return PackedMatrix.ofDense(k, n, dense);
    }

    /**
     * Packs a 2-D float32 tensor {@code b[K, N]} (any layout, heap or memory-mapped) as the B operand.
     *
     * @param b the matrix {@code [K, N]}
     * @return the packed matrix
     * @throws HeedException {@code SHAPE_MISMATCH} unless {@code b} is 2-D; {@code DTYPE_MISMATCH} unless float32
     */
    public static PackedMatrix pack(Tensor b) {
        if (b.dtype() != DType.FLOAT32) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, "gemm.pack: b" + b.shape() + " must be float32, got " + b.dtype());
        }
        if (b.rank() != 2) throw HeedException.shape("gemm.pack", "b" + b.shape() + " must be 2-D [K, N]");
        int k = b.dim(0), n = b.dim(1);
        return pack(false, k, n, b.toFloatArray(), 0, Math.max(1, n));
    }

    /**
     * {@link #gemm(ExecutionContext, boolean, boolean, int, int, int, float[], int, int, float[], int, int, float[],
     * int, int, boolean, float[], Activation) gemm} with a pre-packed {@code op(B)}: {@code C[M,N] = op(A)[M,K] · B[K,N]
     * (+ C) (+ bias[N])}, then {@code act}, with K and N taken from {@code b}. Bitwise equal to the unpacked call.
     *
     * @param ctx        the threads to run on
     * @param transA     read {@code a} transposed
     * @param m          rows of op(A) and C
     * @param a          A's array
     * @param aOff       index of A's element [0, 0]
     * @param lda        A's leading dimension
     * @param b          op(B) {@code [K, N]}, packed by {@link #pack}
     * @param c          C's array, written (and read first when {@code accumulate})
     * @param cOff       index of C's element [0, 0]
     * @param ldc        C's leading dimension, ≥ N
     * @param accumulate add the product to C's previous contents instead of overwriting them
     * @param bias       {@code [N]} added to every row, or null
     * @param act        the activation applied last
     * @throws HeedException naming the operand when a size, leading dimension or array length does not fit
     */
    public static void gemm(ExecutionContext ctx, boolean transA, int m, float[] a, int aOff, int lda, PackedMatrix b,
                            float[] c, int cOff, int ldc, boolean accumulate, float[] bias, Activation act) {
        if (b == null) throw HeedException.invalid("gemm", "packed b is null");
        int n = b.n(), k = b.k();
        if (m < 0) throw HeedException.invalid("gemm", "sizes must be >= 0, got m=" + m);
        if (act == null) throw HeedException.invalid("gemm", "activation is null; use Activation.NONE");
        checkOperand("gemm", "a", transA ? "A^T" : "A", transA ? k : m, transA ? m : k, a, aOff, lda, "lda");
        checkOperand("gemm", "c", "C", m, n, c, cOff, ldc, "ldc");
        if (bias != null && bias.length < n) {
            throw HeedException.shape("gemm", "bias[" + bias.length + "] is shorter than n=" + n + " of " + b);
        }
        gemmPackedUnchecked(ctx, transA, m, a, aOff, lda, b, c, cOff, ldc, accumulate, bias, act);
    }

    private static void gemmPackedUnchecked(ExecutionContext ctx, boolean transA, int m, float[] a, int aOff, int lda,
                                            PackedMatrix b, float[] c, int cOff, int ldc, boolean accumulate,
                                            float[] bias, Activation act) {
        int n = b.n(), k = b.k();
        if (m == 0 || n == 0) return;
        if (k == 0) {
            noDepth(m, n, c, cOff, ldc, accumulate, bias, 0, false, act);
        } else if (b.panels() != null) {
            GemmVector.gemmPacked(ctx, transA, m, a, aOff, lda, (GemmVector.PackedB) b.panels(), c, cOff, ldc,
                    accumulate, bias, act);
        } else {
            GemmReference.gemm(ctx, transA, false, m, n, k, a, aOff, lda, b.dense(), 0, n, c, cOff, ldc,
                    accumulate, bias, 0, false, act);
        }
    }

    // ------------------------------------------------------------------------------------------- validation

    private static void check(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                              float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, float[] bias, Activation act) {
        if (m < 0 || n < 0 || k < 0) {
            throw HeedException.invalid("gemm", "sizes must be >= 0, got m=" + m + " n=" + n + " k=" + k);
        }
        if (act == null) throw HeedException.invalid("gemm", "activation is null; use Activation.NONE");
        checkOperand("gemm", "a", transA ? "A^T" : "A", transA ? k : m, transA ? m : k, a, aOff, lda, "lda");
        checkOperand("gemm", "b", transB ? "B^T" : "B", transB ? n : k, transB ? k : n, b, bOff, ldb, "ldb");
        checkOperand("gemm", "c", "C", m, n, c, cOff, ldc, "ldc");
        if (bias != null && bias.length < n) {
            throw HeedException.shape("gemm", "bias[" + bias.length + "] is shorter than n=" + n);
        }
    }

    /** A stored matrix {@code [rows, cols]} at {@code off} with leading dimension {@code ld} must fit its array. */
    private static void checkOperand(String op, String name, String what, int rows, int cols, float[] arr, int off,
                                     int ld, String ldName) {
        String shape = name + " stored as [" + rows + ", " + cols + "] (" + what + ")";
        if (ld < Math.max(1, cols)) {
            throw HeedException.invalid(op, shape + ": " + ldName + "=" + ld + " must be >= max(1, " + cols + ")");
        }
        if (rows == 0 || cols == 0) return;
        if (arr == null) throw HeedException.invalid(op, shape + ": array is null");
        long end = (long) off + (long) (rows - 1) * ld + cols;
        if (off < 0 || end > arr.length) {
            throw HeedException.shape(op, shape + " with offset " + off + " and " + ldName + "=" + ld + " needs "
                    + end + " elements but the array has " + arr.length);
        }
    }

    // ------------------------------------------------------------------------------------------- matmul

    /** Per-operand description of a 2-D matrix inside a (possibly strided) tensor. */
    private record Operand(float[] data, boolean trans, int ld, long offset, int[] batchStrides) {}

    /**
     * ONNX / NumPy {@code MatMul}: {@code a[..., M, K] · b[..., K, N] -> [..., M, N]}. A 1-D {@code a} is treated
     * as {@code [1, K]} and a 1-D {@code b} as {@code [K, 1]}, the added axis removed from the result; batch
     * axes broadcast. Transposed or otherwise strided views are read in place when their last two axes have a
     * unit stride; other layouts (and memory-mapped storage) are copied first. The result is a new contiguous
     * float32 tensor.
     *
     * @param ctx the threads to run on
     * @param a   {@code [..., M, K]} or {@code [K]}, float32
     * @param b   {@code [..., K, N]} or {@code [K]}, float32
     * @return {@code [..., M, N]} with the broadcast batch axes
     * @throws HeedException {@code SHAPE_MISMATCH} naming both shapes and the rule;
     *                       {@code DTYPE_MISMATCH} for non-float32 operands
     */
    public static Tensor matmul(ExecutionContext ctx, Tensor a, Tensor b) {
        matmulShape("matmul", "a", "b", a, b);
        boolean aVec = a.rank() == 1, bVec = b.rank() == 1;
        Tensor a2 = aVec ? a.unsqueeze(0) : a;
        Tensor b2 = bVec ? b.unsqueeze(1) : b;
        int m = a2.dim(-2), k = a2.dim(-1), n = b2.dim(-1);
        Shape batch = Shape.broadcast("matmul", Shape.of(Arrays.copyOf(a2.shape().dims(), a2.rank() - 2)),
                Shape.of(Arrays.copyOf(b2.shape().dims(), b2.rank() - 2)));
        int[] outDims = new int[batch.rank() + 2];
        System.arraycopy(batch.dims(), 0, outDims, 0, batch.rank());
        outDims[batch.rank()] = m;
        outDims[batch.rank() + 1] = n;
        dev.heed.exec.MemoryBudget.reserve(ctx, "matmul: output", DType.FLOAT32, outDims);
        Tensor out = Tensor.zeros(DType.FLOAT32, outDims);
        float[] c = out.floatArrayOrNull();
        int batchCount = (int) batch.numel();

        if (batchCount > 0 && m > 0 && n > 0) {
            Operand oa = operand(a2, batch.rank(), m, k);
            Operand ob = operand(b2, batch.rank(), k, n);
            boolean bShared = allZero(ob.batchStrides);
            if (bShared && !oa.trans && foldable(batch.dims(), oa, m)) {
                // one GEMM over all batches: a's batch and row axes collapse into one of M·batch rows
                gemmUnchecked(ctx, false, ob.trans, batchCount * m, n, k, oa.data, (int) oa.offset, oa.ld,
                        ob.data, (int) ob.offset, ob.ld, c, 0, n, false, null, 0, false, Activation.NONE);
            } else {
                int[] bdims = batch.dims();
                long perBatchFlops = 2L * m * n * k;
                boolean parallelBatches = ctx != null && ctx.threads() > 1 && batchCount >= ctx.threads()
                        && perBatchFlops < 8_000_000L;
                ExecutionContext inner = parallelBatches ? null : ctx;
                ExecutionContext.RangeTask task = (s, e) -> {
                    int[] idx = new int[bdims.length];
                    for (int t = s; t < e; t++) {
                        unravel(t, bdims, idx);
                        long ao = oa.offset, bo = ob.offset;
                        for (int d = 0; d < idx.length; d++) {
                            ao += (long) idx[d] * oa.batchStrides[d];
                            bo += (long) idx[d] * ob.batchStrides[d];
                        }
                        gemmUnchecked(inner, oa.trans, ob.trans, m, n, k, oa.data, (int) ao, oa.ld, ob.data, (int) bo,
                                ob.ld, c, t * m * n, n, false, null, 0, false, Activation.NONE);
                    }
                };
                if (parallelBatches) ctx.parallelFor(batchCount, 1, task);
                else task.run(0, batchCount);
            }
        }
        if (aVec && bVec) return out.reshape(Arrays.copyOf(outDims, outDims.length - 2));
        if (aVec) return out.reshape(dropAxis(outDims, outDims.length - 2));
        if (bVec) return out.reshape(dropAxis(outDims, outDims.length - 1));
        return out;
    }

    /**
     * The shape of {@link #matmul(ExecutionContext, Tensor, Tensor) matmul(a, b)} after validating dtypes, ranks,
     * the inner dimension and the batch broadcast; messages read {@code op: A[..] · B[..]: rule} with the given
     * operand names, so an adapter (ONNX MatMul's "A" and "B") reports in its own terms.
     *
     * @param op    the operation's name for messages
     * @param aName the first operand's name for messages
     * @param bName the second operand's name for messages
     * @param a     the first operand
     * @param b     the second operand
     * @return the result's dimensions
     * @throws HeedException {@code SHAPE_MISMATCH} naming both shapes and the rule; {@code DTYPE_MISMATCH}
     */
    public static int[] matmulShape(String op, String aName, String bName, Tensor a, Tensor b) {
        String shapes = aName + a.shape() + " · " + bName + b.shape();
        if (a.dtype() != DType.FLOAT32 || b.dtype() != DType.FLOAT32) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, op + ": " + shapes + ": operands must be float32, got "
                    + a.dtype() + " and " + b.dtype());
        }
        if (a.rank() == 0 || b.rank() == 0) throw HeedException.shape(op, shapes + ": operands must have rank >= 1");
        boolean aVec = a.rank() == 1, bVec = b.rank() == 1;
        int k = a.dim(-1), kb = bVec ? b.dim(0) : b.dim(-2);
        if (k != kb) {
            throw HeedException.shape(op, shapes + ": " + aName + ".dim(-1)=" + k + " != " + bName + ".dim("
                    + (bVec ? "0" : "-2") + ")=" + kb);
        }
        int[] aBatch = aVec ? new int[0] : Arrays.copyOf(a.shape().dims(), a.rank() - 2);
        int[] bBatch = bVec ? new int[0] : Arrays.copyOf(b.shape().dims(), b.rank() - 2);
        Shape batch;
        try {
            batch = Shape.broadcast(op, Shape.of(aBatch), Shape.of(bBatch));
        } catch (HeedException e) {
            throw HeedException.shape(op, shapes + ": batch axes " + Arrays.toString(aBatch) + " and "
                    + Arrays.toString(bBatch) + " do not broadcast (sizes must be equal or 1)");
        }
        int r = batch.rank();
        int[] out = Arrays.copyOf(batch.dims(), r + (aVec ? 0 : 1) + (bVec ? 0 : 1));
        if (!aVec) out[r] = a.dim(-2);
        if (!bVec) out[out.length - 1] = b.dim(-1);
        return out;
    }

    /**
     * {@code MatMul} by a pre-packed constant: {@code a[..., M, K] · b[K, N] -> [..., M, N]} (a 1-D {@code a} is
     * {@code [K] -> [N]}), bitwise equal to {@link #matmul(ExecutionContext, Tensor, Tensor)} with the unpacked
     * {@code b}. All batch rows go through one GEMM when {@code a}'s rows are evenly strided (contiguous
     * activations always are), so B is streamed once per call.
     *
     * @param ctx the threads to run on
     * @param a   {@code [..., M, K]} or {@code [K]}, float32
     * @param b   the packed constant {@code [K, N]}
     * @return {@code [..., M, N]} (or {@code [N]})
     * @throws HeedException {@code SHAPE_MISMATCH} naming both shapes; {@code DTYPE_MISMATCH} for non-float32 a
     */
    public static Tensor matmul(ExecutionContext ctx, Tensor a, PackedMatrix b) {
        String shapes = "a" + a.shape() + " · b" + Shape.of(b.k(), b.n()) + " (packed)";
        if (a.dtype() != DType.FLOAT32) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, "matmul: " + shapes + ": a must be float32, got " + a.dtype());
        }
        if (a.rank() == 0) throw HeedException.shape("matmul", shapes + ": a must have rank >= 1");
        boolean aVec = a.rank() == 1;
        Tensor a2 = aVec ? a.unsqueeze(0) : a;
        int m = a2.dim(-2), k = a2.dim(-1), n = b.n();
        if (k != b.k()) throw HeedException.shape("matmul", shapes + ": a.dim(-1)=" + k + " != b.dim(0)=" + b.k());
        int[] outDims = a2.shape().dims().clone();
        outDims[outDims.length - 1] = n;
        dev.heed.exec.MemoryBudget.reserve(ctx, "matmul: output", DType.FLOAT32, outDims);
        Tensor out = Tensor.zeros(DType.FLOAT32, outDims);
        float[] c = out.floatArrayOrNull();
        int[] batch = Arrays.copyOf(a2.shape().dims(), a2.rank() - 2);
        int batchCount = (int) Shape.of(batch).numel();
        if (batchCount > 0 && m > 0 && n > 0) {
            Operand oa = operand(a2, batch.length, m, k);
            if (!oa.trans && foldable(batch, oa, m)) {
                gemmPackedUnchecked(ctx, false, batchCount * m, oa.data, (int) oa.offset, oa.ld, b, c, 0, n,
                        false, null, Activation.NONE);
            } else {
                int[] idx = new int[batch.length];
                for (int t = 0; t < batchCount; t++) {
                    unravel(t, batch, idx);
                    long ao = oa.offset;
                    for (int d = 0; d < idx.length; d++) ao += (long) idx[d] * oa.batchStrides[d];
                    gemmPackedUnchecked(ctx, oa.trans, m, oa.data, (int) ao, oa.ld, b, c, t * m * n, n,
                            false, null, Activation.NONE);
                }
            }
        }
        return aVec ? out.reshape(n) : out;
    }

    /** How to read the last two axes {@code [rows, cols]} of {@code t} as a GEMM operand, copying if needed. */
    private static Operand operand(Tensor t, int batchRank, int rows, int cols) {
        Tensor src = t.storage() instanceof Storage.FloatArray ? t : t.contiguous();
        int[] st = src.strides();
        int r = src.rank();
        int sr = st[r - 2], sc = st[r - 1];
        Boolean trans = null;
        int ld = 0;
        if ((cols == 1 || sc == 1) && (rows == 1 || sr >= Math.max(1, cols))) {
            trans = false;
            ld = rows == 1 ? Math.max(1, cols) : sr;
        } else if ((rows == 1 || sr == 1) && (cols == 1 || sc >= Math.max(1, rows))) {
            trans = true;
            ld = cols == 1 ? Math.max(1, rows) : sc;
        }
        boolean negativeBatch = false;
        for (int d = 0; d < r - 2; d++) negativeBatch |= st[d] < 0;
        if (trans == null || negativeBatch) {
            src = src.copy();
            st = src.strides();
            trans = false;
            ld = Math.max(1, cols);
        }
        // batch strides aligned to the broadcast batch rank (0 for missing or size-1 axes)
        int[] bs = new int[batchRank];
        int lead = batchRank - (r - 2);
        for (int d = 0; d < r - 2; d++) bs[lead + d] = src.dim(d) == 1 ? 0 : st[d];
        float[] data = ((Storage.FloatArray) src.storage()).data();
        return new Operand(data, trans, ld, src.offset(), bs);
    }

    /** True when a's batch axes and rows form one run of rows with stride {@code ld}, so the batches fold into M. */
    private static boolean foldable(int[] outBatch, Operand oa, int m) {
        long expect = (long) oa.ld * m;
        for (int d = outBatch.length - 1; d >= 0; d--) {
            if (outBatch[d] == 1) continue;
            if (oa.batchStrides[d] != expect) return false;
            expect *= outBatch[d];
        }
        return true;
    }

    private static boolean allZero(int[] v) {
        for (int x : v) if (x != 0) return false;
        return true;
    }

    private static void unravel(int t, int[] dims, int[] idx) {
        for (int d = dims.length - 1; d >= 0; d--) {
            idx[d] = t % dims[d];
            t /= dims[d];
        }
    }

    private static int[] dropAxis(int[] dims, int axis) {
        int[] r = new int[dims.length - 1];
        for (int i = 0, j = 0; i < dims.length; i++) if (i != axis) r[j++] = dims[i];
        return r;
    }

    // ------------------------------------------------------------------------------------------- self-check

    /**
     * Small calls until the fast kernel runs compiled (C2 intrinsifies the Vector API; interpreted it is ~100
     * times slower), at most 10 s (a busy machine compiles slowly), so that the GFLOP/s of {@link #selfCheck} measure the kernel, not the JIT.
     */
    private static void warmUp(ExecutionContext ctx, SplittableRandom rnd) {
        int m = 24, n = 64, k = 192;
        float[] a = MatrixChecks.random(rnd, m * k), b = MatrixChecks.random(rnd, k * n), c = new float[m * n];
        PackedMatrix pb = pack(false, k, n, b, 0, n);
        long start = System.nanoTime(), fast = 0;
        while (System.nanoTime() - start < 10_000_000_000L && fast < 200) {
            long t0 = System.nanoTime();
            gemm(ctx, false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, false, null, Activation.NONE);
            gemm(ctx, true, true, m, n, k, a, 0, m, b, 0, k, c, 0, n, true, b, Activation.GELU_ERF);
            gemm(ctx, false, m, a, 0, k, pb, c, 0, n, false, null, Activation.NONE);
            if (System.nanoTime() - t0 < 200_000L) fast++;   // compiled: 3 × 0.6 MFLOP well under 0.2 ms
        }
    }

    /**
     * Runs {@link #gemm} on random data for a few shapes (odd sizes, transposes, epilogues, a packed B) and compares with
     * {@link #gemmReference}; one {@link KernelCheck} per shape, with the fast kernel's GFLOP/s.
     *
     * @param ctx  the threads the fast kernel runs on
     * @param seed seed of the random data
     * @return one check per shape
     */
    public static List<KernelCheck> selfCheck(ExecutionContext ctx, long seed) {
        record Case(int m, int n, int k, boolean ta, boolean tb, boolean acc, boolean bias, Activation act, boolean packed) {
            Case(int m, int n, int k, boolean ta, boolean tb, boolean acc, boolean bias, Activation act) {
                this(m, n, k, ta, tb, acc, bias, act, false);
            }
        }
        List<Case> cases = List.of(
                new Case(65, 63, 129, false, false, false, false, Activation.NONE),
                new Case(257, 129, 63, true, false, false, true, Activation.GELU_ERF),
                new Case(31, 17, 300, false, true, true, true, Activation.RELU),
                new Case(17, 100, 5, true, true, false, true, Activation.SILU),
                new Case(128, 384, 384, false, false, false, true, Activation.GELU_TANH),
                new Case(128, 1536, 384, false, true, false, true, Activation.GELU_ERF, true));
        SplittableRandom rnd = new SplittableRandom(seed);
        warmUp(ctx, rnd);
        List<KernelCheck> out = new ArrayList<>();
        for (Case cs : cases) {
            int lda = cs.ta ? cs.m : cs.k, ldb = cs.tb ? cs.k : cs.n;
            float[] a = MatrixChecks.random(rnd, (cs.ta ? cs.k : cs.m) * lda);
            float[] b = MatrixChecks.random(rnd, (cs.tb ? cs.n : cs.k) * ldb);
            float[] bias = cs.bias ? MatrixChecks.random(rnd, cs.n) : null;
            float[] c0 = MatrixChecks.random(rnd, cs.m * cs.n);
            float[] c = c0.clone(), ref = c0.clone();
            PackedMatrix pb = cs.packed ? pack(cs.tb, cs.k, cs.n, b, 0, ldb) : null;
            if (cs.packed) gemm(ctx, cs.ta, cs.m, a, 0, lda, pb, c, 0, cs.n, cs.acc, bias, cs.act);
            else gemm(ctx, cs.ta, cs.tb, cs.m, cs.n, cs.k, a, 0, lda, b, 0, ldb, c, 0, cs.n, cs.acc, bias, cs.act);
            gemmReference(ctx, cs.ta, cs.tb, cs.m, cs.n, cs.k, a, 0, lda, b, 0, ldb, ref, 0, cs.n, cs.acc, bias, cs.act);
            double err = MatrixChecks.gemmError(cs.ta, cs.tb, cs.m, cs.n, cs.k, a, 0, lda, b, 0, ldb,
                    c, ref, 0, cs.n, cs.acc ? c0 : null, bias);
            float[] scratch = new float[cs.m * cs.n];
            // the best single call after at least 0.3 s of calls and 30 calls in a row that did not improve it by
            // 2 % (JIT done, preemptions filtered out), at most 3 s per case
            long best = Long.MAX_VALUE;
            long start = System.nanoTime();
            for (int sinceBetter = 0; (sinceBetter < 30 || System.nanoTime() - start < 300_000_000L)
                    && System.nanoTime() - start < 3_000_000_000L; ) {
                long t0 = System.nanoTime();
                if (cs.packed) gemm(ctx, cs.ta, cs.m, a, 0, lda, pb, scratch, 0, cs.n, false, bias, cs.act);
                else gemm(ctx, cs.ta, cs.tb, cs.m, cs.n, cs.k, a, 0, lda, b, 0, ldb, scratch, 0, cs.n, false, bias, cs.act);
                long t = System.nanoTime() - t0;
                sinceBetter = t < best * 0.98 ? 0 : sinceBetter + 1;
                best = Math.min(best, t);
            }
            double gflops = 2.0 * cs.m * cs.n * cs.k / best;
            String name = "gemm " + cs.m + "x" + cs.n + "x" + cs.k + (cs.ta ? " A^T" : "") + (cs.tb ? " B^T" : "")
                    + (cs.acc ? " +C" : "") + (cs.bias ? " +bias" : "") + (cs.act != Activation.NONE ? " " + cs.act : "")
                    + (cs.packed ? " packed B" : "");
            out.add(new KernelCheck(name, err, TOLERANCE, "abs/(1+Σ|a·b|)", gflops));
        }
        return out;
    }
}
