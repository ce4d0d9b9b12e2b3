package dev.heed.kernel;

import dev.heed.exec.ExecutionContext;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API integer GEMM behind {@link IntGemm#gemm}. Per panel of L = int lanes columns and per four rows of
 * A: four int accumulators; for each p one load of L packed bytes, widened to ints (sign-extended, masked to
 * 0…255 for uint8), times the broadcast A values (a − za, widened once per row into a small int array). The
 * column zero points are applied at the end as {@code acc_j − zb_j · Σ_p a'}. Loaded only when
 * {@link VectorSupport#available()}.
 */
final class IntGemmVector {
    private IntGemmVector() {}

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> B = VectorShapes.BYTES;           // see there for 128-bit vectors
    private static final boolean PARTIAL = VectorShapes.BYTES_PARTIAL;
    private static final VectorMask<Byte> FIRST = VectorShapes.BYTE_LANES;

    static int lanes() {
        return I.length();
    }

    static void gemm(ExecutionContext ctx, int m, byte[] a, int aOff, int lda, boolean aUnsigned, int[] za,
                     PackedInt8 b, int[] zb, int[] c, int cOff, int ldc) {
        int k = b.k(), w = b.width();
        if (w != I.length()) {
            IntGemmReference.gemmPacked(m, a, aOff, lda, aUnsigned, za, b, zb, c, cOff, ldc);
            return;
        }
        // a' = a − za as ints, [M, K], and the row sums Σ_p a' for the column zero points
        int[] ai = new int[Math.multiplyExact(m, Math.max(1, k))];
        int[] rowSum = new int[m];
        for (int i = 0; i < m; i++) {
            int z = za[za.length == 1 ? 0 : i], s = 0;
            for (int p = 0; p < k; p++) {
                int v = IntGemmReference.value(a[aOff + i * lda + p], aUnsigned) - z;
                ai[i * k + p] = v;
                s += v;
            }
            rowSum[i] = s;
        }
        int panels = (b.n() + w - 1) / w;
        ExecutionContext.RangeTask task = (p0, p1) -> {
            for (int pn = p0; pn < p1; pn++) panel(pn, m, k, ai, rowSum, b, zb, c, cOff, ldc);
        };
        long work = (long) m * k * b.n();
        if (ctx == null || ctx.threads() <= 1 || work < (1 << 18)) task.run(0, panels);
        else ctx.parallelFor(panels, 1, task);
    }

    private static void panel(int pn, int m, int k, int[] ai, int[] rowSum, PackedInt8 b, int[] zb,
                              int[] c, int cOff, int ldc) {
        int w = b.width(), n = b.n();
        int j0 = pn * w, cols = Math.min(w, n - j0);
        byte[] d = b.data();
        int base = pn * k * w;
        boolean u = b.unsigned();
        int[] tmp = new int[w];
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            IntVector c0 = IntVector.zero(I), c1 = c0, c2 = c0, c3 = c0;
            int r0 = i * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
            for (int p = 0; p < k; p++) {
                IntVector bv = load(d, base + p * w, u);
                c0 = bv.mul(ai[r0 + p]).add(c0);
                c1 = bv.mul(ai[r1 + p]).add(c1);
                c2 = bv.mul(ai[r2 + p]).add(c2);
                c3 = bv.mul(ai[r3 + p]).add(c3);
            }
            store(c0, i, j0, cols, rowSum, zb, c, cOff, ldc, tmp);
            store(c1, i + 1, j0, cols, rowSum, zb, c, cOff, ldc, tmp);
            store(c2, i + 2, j0, cols, rowSum, zb, c, cOff, ldc, tmp);
            store(c3, i + 3, j0, cols, rowSum, zb, c, cOff, ldc, tmp);
        }
        for (; i < m; i++) {
            IntVector c0 = IntVector.zero(I);
            int r0 = i * k;
            for (int p = 0; p < k; p++) c0 = load(d, base + p * w, u).mul(ai[r0 + p]).add(c0);
            store(c0, i, j0, cols, rowSum, zb, c, cOff, ldc, tmp);
        }
    }

    private static IntVector load(byte[] d, int off, boolean unsigned) {
        ByteVector bytes = PARTIAL ? ByteVector.fromArray(B, d, off, FIRST) : ByteVector.fromArray(B, d, off);
        IntVector v = (IntVector) bytes.convertShape(VectorOperators.B2I, I, 0);
        return unsigned ? v.and(0xff) : v;
    }

    private static void store(IntVector acc, int i, int j0, int cols, int[] rowSum, int[] zb,
                              int[] c, int cOff, int ldc, int[] tmp) {
        acc.intoArray(tmp, 0);
        int rs = rowSum[i];
        int o = cOff + i * ldc + j0;
        for (int j = 0; j < cols; j++) c[o + j] = tmp[j] - zb[zb.length == 1 ? 0 : j0 + j] * rs;
    }
}
