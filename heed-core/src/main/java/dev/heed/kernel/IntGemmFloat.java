package dev.heed.kernel;

import dev.heed.exec.ExecutionContext;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The integer product of {@link IntGemm#gemmExactFloat} on the float GEMM ({@link GemmVector}): A' (zero point
 * already subtracted, integer values as floats) is packed like any float A; B stays int8 / uint8 in place
 * ({@link Int8Matrix}) and each {@code kc × NR} micro-panel is widened to floats ({@code B − zb}) right before the
 * micro-kernel uses it, so the weights take one byte per element in memory and the conversion costs K·N per
 * row block against M·N·K fused multiply-adds.
 *
 * <p>Why it is exact: every product {@code a'·b'} is an integer of at most 255·255 &lt; 2^24 and every partial sum
 * of a chain is an integer bounded by {@code Σ_p |a'[i,p]| · max|b'|}; when that bound is below 2^24 every
 * intermediate value is representable in float, so each fused multiply-add is exact and C equals the int32 result
 * converted to float, whatever the order of the sums. The bound is checked per call; a call that fails it is left to
 * the integer kernel. Loaded only when {@link VectorSupport#available()}.
 */
final class IntGemmFloat {
    private IntGemmFloat() {}

    private static final VectorSpecies<Float> F = VectorShapes.F;
    private static final int L = F.length();
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Byte> B = VectorShapes.BYTES;           // see there for 128-bit vectors
    private static final boolean PARTIAL = VectorShapes.BYTES_PARTIAL;
    private static final VectorMask<Byte> FIRST = VectorShapes.BYTE_LANES;
    /** Partial sums of integers stay exact in float below this magnitude. */
    static final double EXACT = 1 << 24;

    /** Largest {@code Σ_p |a[aOff + i·lda + p]|} over the rows (exact: integer values, double sum). */
    static double maxRowAbsSum(int m, int k, float[] a, int aOff, int lda) {
        double worst = 0;
        for (int i = 0; i < m; i++) {
            int o = aOff + i * lda, p = 0;
            FloatVector s = FloatVector.zero(F);
            double row = 0;
            for (; p + L <= k; p += L) {
                s = s.add(FloatVector.fromArray(F, a, o + p).abs());
                if ((p & 4095) == 4096 - L) {          // keep the lane sums exact: at most 4096/L·255 per lane between flushes
                    row += s.reduceLanes(VectorOperators.ADD);
                    s = FloatVector.zero(F);
                }
            }
            row += s.reduceLanes(VectorOperators.ADD);
            for (; p < k; p++) row += Math.abs(a[o + p]);
            worst = Math.max(worst, row);
        }
        return worst;
    }

    /** {@code C[M,N] = A'·(B − zb)} on the float GEMM; the caller has checked the exactness bound. */
    static void gemm(ExecutionContext ctx, int m, float[] a, int aOff, int lda, Int8Matrix b, int[] zb,
                     float[] c, int cOff, int ldc) {
        float[] z = null;
        boolean anyZero = false;
        for (int v : zb) anyZero |= v != 0;
        if (anyZero) {
            z = new float[((b.n() + GemmVector.NR - 1) / GemmVector.NR) * GemmVector.NR];
            for (int j = 0; j < b.n(); j++) z[j] = zb[zb.length == 1 ? 0 : j];
        }
        GemmVector.run(ctx, m, b.n(), b.k(), new GemmVector.DenseA(false, a, aOff, lda), new Widen(b, z),
                c, cOff, ldc, false, null, 0, false, Activation.NONE);
    }

    /** Start of chunk {@code q} of {@code chunks} equal chunks of K. */
    static int chunkStart(int k, int chunks, int q) {
        return (int) ((long) k * q / chunks);
    }

    /** True when each of {@code chunks} equal K chunks keeps {@code max_i Σ_{p ∈ chunk} |a'[i,p]| · maxB} below 2^24. */
    static boolean chunksExact(int m, int k, int chunks, float[] a, int aOff, int lda, double maxB) {
        for (int q = 0; q < chunks; q++) {
            int p0 = chunkStart(k, chunks, q), p1 = chunkStart(k, chunks, q + 1);
            if (maxRowAbsSum(m, p1 - p0, a, aOff + p0, lda) * maxB >= EXACT) return false;
        }
        return true;
    }

    /**
     * {@code C = A'·(B − zb)} over {@code chunks} equal K chunks, each exact on the float GEMM (the caller checked
     * {@link #chunksExact}), summed as int32 and written as floats.
     */
    static void gemmChunked(ExecutionContext ctx, int m, int chunks, float[] a, int aOff, int lda, Int8Matrix b, int[] zb,
                            float[] c, int cOff, int ldc) {
        int k = b.k(), n = b.n(), len = Math.multiplyExact(m, n);
        int[] acc = new int[len];                                                   // [M, N] int32 sums of the chunks
        float[] part = ctx != null ? ctx.borrowFloats(len) : new float[len];         // [M, N] one chunk's exact product
        try {
            for (int q = 0; q < chunks; q++) {
                int p0 = chunkStart(k, chunks, q), p1 = chunkStart(k, chunks, q + 1);
                Int8Matrix sub = new Int8Matrix(b.segment(), b.offset() + (long) p0 * b.ld(), p1 - p0, n, b.ld(), b.unsigned(),
                        b.min(), b.max());                                          // rows [p0, p1): the range still bounds them
                gemm(ctx, m, a, aOff + p0, lda, sub, zb, part, 0, n);
                for (int e = 0; e < len; e++) acc[e] += (int) part[e];              // exact integers below 2^24
            }
        } finally {
            if (ctx != null) ctx.giveBack(part);
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) c[cOff + i * ldc + j] = (float) acc[i * n + j];
        }
    }

    /**
     * Rows {@code [i0, i1)} of {@link IntGemm#epilogue}: {@code c = (c * scale) + bias} in one vector pass per row,
     * then the activation over the row while it is in L1, by the elementwise unary kernel
     * ({@link ElementwiseVector#unary}: the same code as a stand-alone Relu / Gelu / Tanh / Sigmoid node, so fusing
     * the activation changes no bit of the result; its polynomials round the same interpreted and compiled, where the
     * Vector API's lanewise EXP / TANH do not, and the quantisation of the next layer would amplify that).
     */
    static void epilogue(int i0, int i1, int n, float[] c, int cOff, int ldc, float[] scale, float[] bias, Activation act) {
        UnaryOp op = act.unaryOp();
        int bound = F.loopBound(n);
        for (int i = i0; i < i1; i++) {
            int o = cOff + i * ldc, j = 0;
            for (; j < bound; j += L) {
                FloatVector v = FloatVector.fromArray(F, c, o + j).mul(FloatVector.fromArray(F, scale, j));
                if (bias != null) v = v.add(FloatVector.fromArray(F, bias, j));
                v.intoArray(c, o + j);
            }
            if (j < n) {
                VectorMask<Float> mask = F.indexInRange(j, n);
                FloatVector v = FloatVector.fromArray(F, c, o + j, mask).mul(FloatVector.fromArray(F, scale, j, mask));
                if (bias != null) v = v.add(FloatVector.fromArray(F, bias, j, mask));
                v.intoArray(c, o + j, mask);
            }
            if (op != null) ElementwiseVector.unary(op, c, o, c, o, n);
        }
    }

    /** B panels widened from bytes: {@code dst[panel·kc·NR + p·NR + j] = B[p0+p, j0+j] − zb[j0+j]}, zero-padded. */
    private record Widen(Int8Matrix b, float[] zb) implements GemmVector.BSource {
        @Override
        public void packB(int p0, int kc, int j0, int cols, float[] dst) {
            int nr = GemmVector.NR;
            MemorySegment seg = b.segment();
            boolean u = b.unsigned();
            int d = 0;
            for (int jb = 0; jb < cols; jb += nr, d += kc * nr) {
                int w = Math.min(nr, cols - jb), j = j0 + jb;
                long src = b.offset() + (long) p0 * b.ld() + j;
                if (w == nr) {
                    FloatVector z0 = zb == null ? null : FloatVector.fromArray(F, zb, j);
                    FloatVector z1 = zb == null ? null : FloatVector.fromArray(F, zb, j + L);
                    for (int p = 0; p < kc; p++, src += b.ld()) {
                        FloatVector v0 = widen(seg, src, u), v1 = widen(seg, src + L, u);
                        if (z0 != null) {
                            v0 = v0.sub(z0);
                            v1 = v1.sub(z1);
                        }
                        v0.intoArray(dst, d + p * nr);
                        v1.intoArray(dst, d + p * nr + L);
                    }
                } else {
                    for (int p = 0; p < kc; p++, src += b.ld()) {
                        int o = d + p * nr;
                        for (int x = 0; x < w; x++) {
                            byte v = seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, src + x);
                            dst[o + x] = (u ? v & 0xff : v) - (zb == null ? 0f : zb[j + x]);
                        }
                        Arrays.fill(dst, o + w, o + nr, 0f);
                    }
                }
            }
        }

        private static FloatVector widen(MemorySegment seg, long off, boolean unsigned) {
            ByteVector v = PARTIAL ? ByteVector.fromMemorySegment(B, seg, off, ByteOrder.nativeOrder(), FIRST)
                    : ByteVector.fromMemorySegment(B, seg, off, ByteOrder.nativeOrder());
            if (!unsigned) return (FloatVector) v.convertShape(VectorOperators.B2F, F, 0);
            IntVector i = ((IntVector) v.convertShape(VectorOperators.B2I, I, 0)).and(0xff);
            return (FloatVector) i.convertShape(VectorOperators.I2F, F, 0);
        }
    }
}
