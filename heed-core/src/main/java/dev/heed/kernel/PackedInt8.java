package dev.heed.kernel;

/**
 * An int8 / uint8 matrix {@code B[K, N]} packed by {@link IntGemm#pack} for {@link IntGemm#gemm}: column panels of
 * {@code width} columns (the last padded with zeros), each panel K rows of {@code width} bytes,
 * {@code data[(panel·K + p)·width + (j − panel·width)] = B[p, j]}. Immutable once built (the array is not
 * exposed for writing by Heed); K·⌈N/width⌉·width bytes.
 *
 * @param k        rows of B (the reduction length)
 * @param n        columns of B
 * @param width    columns per panel
 * @param unsigned true for uint8 elements, false for int8
 * @param data     the panels
 */
public record PackedInt8(int k, int n, int width, boolean unsigned, byte[] data) {

    /**
     * The memory the panels take.
     *
     * @return bytes held
     */
    public long bytes() {
        return data.length;
    }
}
