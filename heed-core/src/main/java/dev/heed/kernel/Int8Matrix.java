package dev.heed.kernel;

import dev.heed.HeedException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A row-major int8 / uint8 matrix {@code B[K, N]} read in place from a memory segment (a memory-mapped weight or a
 * heap array wrapped by {@link MemorySegment#ofArray(byte[])}): {@code B[p, j]} is the byte at
 * {@code offset + p·ld + j}. Holds the smallest and largest element, scanned once by {@link #of}, which bound the
 * partial sums of {@link IntGemm#gemmExactFloat}. No copy of the elements is made.
 *
 * <pre>{@code
 * Int8Matrix w = Int8Matrix.of(mapped, 0, 384, 1536, 1536, false);   // s8 [K=384, N=1536], scanned once
 * }</pre>
 *
 * @param segment  the bytes
 * @param offset   byte offset of {@code B[0, 0]}
 * @param k        rows (the reduction length)
 * @param n        columns
 * @param ld       bytes between rows, {@code >= n}
 * @param unsigned uint8 elements (else int8)
 * @param min      smallest element value (0 for an empty matrix)
 * @param max      largest element value (0 for an empty matrix)
 */
public record Int8Matrix(MemorySegment segment, long offset, int k, int n, int ld, boolean unsigned, int min, int max) {

    /**
     * Checks the sizes against the segment (the range fields are taken as given; {@link #of} computes them).
     *
     * @throws dev.heed.HeedException INVALID_ARGUMENT for negative sizes, {@code ld < n}, or a matrix that does not
     *                                fit the segment
     */
    public Int8Matrix {
        if (k < 0 || n < 0 || offset < 0 || (k > 0 && ld < n)) {
            throw HeedException.invalid("Int8Matrix", "[" + k + ", " + n + "] with offset " + offset + " and leading dimension "
                    + ld + ": sizes and offset must be >= 0 and ld >= n");
        }
        long need = k == 0 || n == 0 ? 0 : offset + (long) (k - 1) * ld + n;
        if (need > segment.byteSize()) {
            throw HeedException.invalid("Int8Matrix", "[" + k + ", " + n + "] with offset " + offset + " and leading dimension "
                    + ld + " needs " + need + " bytes, the segment has " + segment.byteSize());
        }
    }

    /**
     * Wraps the matrix and scans its elements once for their range.
     *
     * @param segment  the bytes
     * @param offset   byte offset of {@code B[0, 0]}
     * @param k        rows (the reduction length)
     * @param n        columns
     * @param ld       bytes between rows, {@code >= n}
     * @param unsigned uint8 elements (else int8)
     * @return the matrix with its smallest and largest element
     * @throws dev.heed.HeedException INVALID_ARGUMENT for negative sizes, {@code ld < n}, or a matrix that does not
     *                                fit the segment
     */
    public static Int8Matrix of(MemorySegment segment, long offset, int k, int n, int ld, boolean unsigned) {
        new Int8Matrix(segment, offset, k, n, ld, unsigned, 0, 0);      // validates before reading
        int lo = Integer.MAX_VALUE, hi = Integer.MIN_VALUE;
        for (int p = 0; p < k; p++) {
            long row = offset + (long) p * ld;
            for (int j = 0; j < n; j++) {
                byte b = segment.get(ValueLayout.JAVA_BYTE, row + j);
                int v = unsigned ? b & 0xff : b;
                if (v < lo) lo = v;
                if (v > hi) hi = v;
            }
        }
        if (lo > hi) lo = hi = 0;
        return new Int8Matrix(segment, offset, k, n, ld, unsigned, lo, hi);
    }

    /**
     * One element.
     *
     * @param p row, {@code 0 <= p < k}
     * @param j column, {@code 0 <= j < n}
     * @return {@code B[p, j]} as an int (0…255 for uint8, −128…127 for int8)
     */
    public int get(int p, int j) {
        byte b = segment.get(ValueLayout.JAVA_BYTE, offset + (long) p * ld + j);
        return unsigned ? b & 0xff : b;
    }

    /**
     * The bound on {@code |B − zb|} that {@link IntGemm#gemmExactFloat} checks.
     *
     * @param zb zero points: one, or one per column
     * @return the largest {@code |B[p, j] − zb_j|} over the matrix (from the element range, so an upper bound)
     */
    public int maxAbsShifted(int[] zb) {
        int m = 0;
        for (int j = 0; j < (zb.length == 1 ? 1 : n); j++) {
            int z = zb[j];
            m = Math.max(m, Math.max(Math.abs(max - z), Math.abs(min - z)));
        }
        return m;
    }
}
