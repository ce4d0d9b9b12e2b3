package dev.heed.kernel;

import dev.heed.HeedException;
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
 * subtracted, integer values as floats) is packed like any float A; B stays int8 / uint8 in place
 * ({@link Int8Matrix}) and each {@code kc × NR} micro-panel is widened to floats ({@code B − zb}) right before the
 * micro-kernel uses it, so the weights take one byte per element in memory and the conversion costs K·N per
 * row block against M·N·K fused multiply-adds.
 *
 * <p>Why it is exact: every product {@code a'·b'} is an integer of at most 255·255 &lt; 2^24 and every partial sum
 * of a chain is an integer bounded by {@code Σ_p |a'[i,p]| · max|b'|}; when that bound is below 2^24 every
 * intermediate value is representable in float, so each fused multiply-add is exact and C equals the int32 result
 * converted to float, whatever the order of the sums. The bound is checked per call; a call that fails it is cut
 * into K chunks that each keep it ({@link #chunks}), their exact results summed in int32.
 *
 * <p>Memory: A' comes from an {@link Operand}, either a float array that holds it or the float activations it is
 * quantised from while the GEMM packs its panels ({@link Quantized}); the rows run in slabs of one GEMM row block, so
 * the packed copy of A' (the one scratch array that grows with M·K) holds one slab, and K chunks reuse C's rows for
 * each chunk's product. Loaded only when {@link VectorSupport#available()}.
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

    /**
     * A' as the exact product reads it: its rows (for the exactness bound) and its packed panels (for the GEMM). Either
     * a float array that holds A' ({@link Dense}) or the float activations it is quantised from on the fly
     * ({@link Quantized}), which spares the caller an {@code [M, K]} copy of A'.
     */
    sealed interface Operand extends GemmVector.ASource permits Dense, Quantized {
        /** Writes {@code A'[i, p0 .. p0+len)} to {@code dst[0, len)}. */
        void row(int i, int p0, int len, float[] dst);

        /** A bound on every {@code |a'|} known without reading A' (infinite when only a scan can tell). */
        double maxAbs();
    }

    /** A' held in {@code a} ({@code A'[i, p] = a[off + i·ld + p]}), integers of magnitude at most 255. */
    record Dense(float[] a, int off, int ld) implements Operand {
        @Override
        public void row(int i, int p0, int len, float[] dst) {
            System.arraycopy(a, off + i * ld + p0, dst, 0, len);
        }

        @Override
        public double maxAbs() {
            return Double.POSITIVE_INFINITY;                                  // the caller's values: scanned
        }

        @Override
        public void packA(int i0, int rows, int p0, int kc, int mr, float[] dst, int dOff) {
            new GemmVector.DenseA(false, a, off, ld).packA(i0, rows, p0, kc, mr, dst, dOff);
        }
    }

    /**
     * A' = {@code q(x) − zp} quantised from the float activations {@code x[off + i·ld + p]} by
     * {@link QuantizeVector#shifted} (scale, zero point), row run by row run: the same values as quantising the whole
     * tensor in one call (the kernel is elementwise, its vector and scalar parts round alike), written straight into
     * the GEMM's packed panels through one panel-sized buffer ({@code [mr, kc]}, in L1).
     */
    record Quantized(float[] x, int off, int ld, float scale, int zp) implements Operand {
        @Override
        public void row(int i, int p0, int len, float[] dst) {
            QuantizeVector.shifted(x, off + i * ld + p0, len, scale, zp, dst, 0);
        }

        @Override
        public double maxAbs() {
            return Math.max(zp, 255 - zp);                                   // q ∈ [0, 255]
        }

        @Override
        public void packA(int i0, int rows, int p0, int kc, int mr, float[] dst, int dOff) {
            float[] panel = new float[mr * kc];                              // [mr, kc] one panel's rows of A'
            GemmVector.DenseA dense = new GemmVector.DenseA(false, panel, 0, kc);
            for (int ib = 0, d = dOff; ib < rows; ib += mr, d += kc * mr) {
                int h = Math.min(mr, rows - ib);
                for (int r = 0; r < h; r++) QuantizeVector.shifted(x, off + (i0 + ib + r) * ld + p0, kc, scale, zp, panel, r * kc);
                dense.packA(0, h, 0, kc, mr, dst, d);
            }
        }
    }

    /** {@code a} with its rows shifted by {@code i0} and its columns by {@code p0}: a slab of rows, a chunk of K. */
    private static GemmVector.ASource shifted(Operand a, int i0, int p0) {
        return (i, rows, p, kc, mr, dst, off) -> a.packA(i0 + i, rows, p0 + p, kc, mr, dst, off);
    }

    /**
     * Largest {@code Σ_{p ∈ chunk} |a'[i,p]|} over the rows and the {@code chunks} equal K chunks (one chunk: the whole
     * row), exact: integer values, float lane sums flushed before they could round, summed in double.
     */
    static double maxChunkAbsSum(int m, int k, int chunks, Operand a) {
        float[] row = new float[k];                                          // [K] one row of A'
        double worst = 0;
        for (int i = 0; i < m; i++) {
            a.row(i, 0, k, row);
            for (int q = 0; q < chunks; q++) {
                int p0 = chunkStart(k, chunks, q), p1 = chunkStart(k, chunks, q + 1);
                worst = Math.max(worst, absSum(row, p0, p1 - p0));
            }
        }
        return worst;
    }

    /** {@code Σ |x[o .. o+len)|} for integer-valued x of magnitude ≤ 255, exactly. */
    private static double absSum(float[] x, int o, int len) {
        FloatVector s = FloatVector.zero(F);
        double sum = 0;
        int p = 0;
        for (; p + L <= len; p += L) {
            s = s.add(FloatVector.fromArray(F, x, o + p).abs());
            if ((p & 4095) == 4096 - L) {          // keep the lane sums exact: at most 4096/L·255 per lane between flushes
                sum += LaneSum.sum(s);
                s = FloatVector.zero(F);
            }
        }
        sum += LaneSum.sum(s);
        for (; p < len; p++) sum += Math.abs(x[o + p]);
        return sum;
    }

    /** Start of chunk {@code q} of {@code chunks} equal chunks of K. */
    static int chunkStart(int k, int chunks, int q) {
        return (int) ((long) k * q / chunks);
    }

    /**
     * The fewest equal K chunks that each keep {@code max_i Σ_{p ∈ chunk} |a'[i,p]| · maxB} below 2^24: 1 when the
     * whole reduction does (without a scan when {@code K · maxAbs · maxB} is below 2^24: K = 384 for quantised
     * activations and int8 weights), else from the estimate {@code ⌈whole / 2^24⌉} up by a quarter at a time until every
     * chunk does (one column alone always does, 255·255 &lt; 2^24, so this ends for a valid A').
     *
     * @throws dev.heed.HeedException INVALID_ARGUMENT when even one column exceeds the bound (A' not integers ≤ 255)
     */
    static int chunks(int m, int k, Operand a, double maxB) {
        if (k * a.maxAbs() * maxB < EXACT) return 1;                         // inside the bound for any values: no scan
        double whole = maxChunkAbsSum(m, k, 1, a) * maxB;
        if (whole < EXACT) return 1;
        int chunks = (int) Math.min(k, Math.max(2, Math.ceil(whole / EXACT)));
        while (maxChunkAbsSum(m, k, chunks, a) * maxB >= EXACT) {
            if (chunks == k) throw HeedException.invalid("IntGemm.exactFloatChunked", "A' holds a value beyond ±255 or not an integer: one column alone exceeds the exactness bound");
            chunks = Math.min(k, chunks + Math.max(1, chunks / 4));
        }
        return chunks;
    }

    /**
     * {@code C[M,N] = A'·(B − zb)} exactly, over {@code chunks} equal K chunks (the caller chose them with
     * {@link #chunks}). The rows run in slabs of about one GEMM row block ({@link GemmBlocking#mc()}), so the GEMM's
     * packed copy of A' holds one slab, not all of M (a slab is the row block the GEMM would have cut anyway, so B is
     * widened as often as before). One chunk: the float GEMM writes C. Several: each chunk's exact product is written
     * to the slab's rows of C, added into int32 sums (wrapping as the integer kernel does), and the sums are written
     * back as floats. Every element is the exact integer product, so slabs and chunks change no bit.
     */
    static void product(ExecutionContext ctx, int m, Operand a, Int8Matrix b, int[] zb, int chunks,
                        float[] c, int cOff, int ldc) {
        product(ctx, m, a, b, zb, chunks, c, cOff, ldc, null, null, Activation.NONE);
    }

    /**
     * {@link #product} then, when {@code scale} is not null, the quantised layer's epilogue
     * {@code c = act((c * scale[j]) + bias[j])} ({@link #epilogueTile}): with one K chunk the GEMM runs it on each
     * tile right after the tile's last K block, while the tile is in cache; with several, on each slab's rows once
     * its sums are written back. The same float32 operations on the same exact products as {@link IntGemm#epilogue}
     * after the product, so the result is the same bit for bit.
     */
    static void product(ExecutionContext ctx, int m, Operand a, Int8Matrix b, int[] zb, int chunks,
                        float[] c, int cOff, int ldc, float[] scale, float[] bias, Activation act) {
        float[] z = null;
        boolean anyZero = false;
        for (int v : zb) anyZero |= v != 0;
        if (anyZero) {
            z = new float[((b.n() + GemmVector.NR - 1) / GemmVector.NR) * GemmVector.NR];
            for (int j = 0; j < b.n(); j++) z[j] = zb[zb.length == 1 ? 0 : j];
        }
        int k = b.k(), n = b.n(), mr = GemmVector.MACHINE.mr();
        int tiles = (m + mr - 1) / mr, perSlab = Math.max(1, GemmVector.MACHINE.mc() / mr);
        int slabs = (tiles + perSlab - 1) / perSlab, slabRows = (tiles + slabs - 1) / slabs * mr;
        int[] acc = chunks == 1 ? null : new int[Math.multiplyExact(Math.min(m, slabRows), n)];   // [slab rows, N] int32 sums
        for (int i0 = 0; i0 < m; i0 += slabRows) {
            int rows = Math.min(slabRows, m - i0), c0 = cOff + i0 * ldc;
            if (chunks == 1) {
                // with scale null (and so no bias nor activation) this is the plain product
                GemmVector.runScaled(ctx, rows, n, k, shifted(a, i0, 0), new Widen(b, z), c, c0, ldc, scale, bias, act);
                continue;
            }
            java.util.Arrays.fill(acc, 0);
            for (int q = 0; q < chunks; q++) {
                int p0 = chunkStart(k, chunks, q), p1 = chunkStart(k, chunks, q + 1);
                Int8Matrix sub = new Int8Matrix(b.segment(), b.offset() + (long) p0 * b.ld(), p1 - p0, n, b.ld(), b.unsigned(),
                        b.min(), b.max());                                  // rows [p0, p1): the range still bounds them
                GemmVector.run(ctx, rows, n, p1 - p0, shifted(a, i0, p0), new Widen(sub, z), c, c0, ldc, false, null, 0, false,
                        Activation.NONE);
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < n; j++) acc[i * n + j] += (int) c[c0 + i * ldc + j];   // exact integers below 2^24
                }
            }
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < n; j++) c[c0 + i * ldc + j] = (float) acc[i * n + j];
            }
            if (scale != null) epilogueTile(c, c0, ldc, rows, n, scale, bias, 0, act);
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
        epilogueTile(c, cOff + i0 * ldc, ldc, i1 - i0, n, scale, bias, 0, act);
    }

    /**
     * The same epilogue on the {@code rows×cols} tile of C at {@code c0} whose first column is column {@code j0}:
     * {@code c = act((c * scale[j0+j]) + bias[j0+j])}. The GEMM runs it on each tile right after the tile's last K
     * block ({@link GemmVector#runScaled}); every element goes through the same float32 operations wherever the tile
     * starts (masked lanes compute as full ones), so the result does not depend on the tiling.
     */
    static void epilogueTile(float[] c, int c0, int ldc, int rows, int cols, float[] scale, float[] bias, int j0, Activation act) {
        UnaryOp op = act.unaryOp();
        int bound = F.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int o = c0 + r * ldc, j = 0;
            for (; j < bound; j += L) {
                FloatVector v = FloatVector.fromArray(F, c, o + j).mul(FloatVector.fromArray(F, scale, j0 + j));
                if (bias != null) v = v.add(FloatVector.fromArray(F, bias, j0 + j));
                v.intoArray(c, o + j);
            }
            if (j < cols) {
                VectorMask<Float> mask = F.indexInRange(j, cols);
                FloatVector v = FloatVector.fromArray(F, c, o + j, mask).mul(FloatVector.fromArray(F, scale, j0 + j, mask));
                if (bias != null) v = v.add(FloatVector.fromArray(F, bias, j0 + j, mask));
                v.intoArray(c, o + j, mask);
            }
            if (op != null) ElementwiseVector.unary(op, c, o, c, o, cols);
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
