package dev.heed.kernel;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.tensor.DType;
import dev.heed.tensor.Storage;
import dev.heed.tensor.Tensor;

/**
 * A 2-D float32 matrix as a GEMM operand: the array, the offset of element [0, 0], the leading dimension and
 * whether the stored matrix is read transposed. {@code op(M)[i, j] = trans ? data[offset + j·ld + i]
 * : data[offset + i·ld + j]}. {@link #of} reads contiguous and transposed heap views in place and copies any
 * other layout (or memory-mapped storage) once.
 *
 * <pre>{@code
 * MatrixOperand a = MatrixOperand.of(x, false);               // x [M, K]
 * MatrixOperand b = MatrixOperand.of(w.transpose(0, 1), true); // a transposed view, read in place
 * Gemm.gemm(ctx, a, b, m, n, k, y, 0, n, false, bias, Activation.NONE);
 * }</pre>
 *
 * @param data   the backing array
 * @param offset index of the stored matrix's first element
 * @param ld     leading dimension of the stored matrix (≥ its column count, ≥ 1)
 * @param trans  true when the GEMM reads the stored matrix transposed
 */
public record MatrixOperand(float[] data, int offset, int ld, boolean trans) {

    /**
     * {@code t [r, c]} read as {@code op(t)}: {@code t} itself when {@code trans} is false, {@code tᵀ} otherwise.
     * A heap view whose rows or columns are contiguous is read in place (a transposed view flips {@code trans});
     * anything else is copied into a dense array.
     *
     * @param t     a 2-D float32 tensor {@code [r, c]}, any layout or storage
     * @param trans whether the GEMM reads {@code t} transposed
     * @return the operand; its array is shared with {@code t} when read in place
     * @throws HeedException {@code SHAPE_MISMATCH} unless t is 2-D; {@code DTYPE_MISMATCH} unless float32
     */
    public static MatrixOperand of(Tensor t, boolean trans) {
        if (t.dtype() != DType.FLOAT32) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, "gemm operand" + t.shape() + " must be float32, got " + t.dtype());
        }
        if (t.rank() != 2) throw HeedException.shape("gemm operand", "t" + t.shape() + " must be 2-D");
        int r = t.dim(0), c = t.dim(1);
        int[] st = t.strides();
        if (t.storage() instanceof Storage.FloatArray fa) {
            if (t.isContiguous()) return new MatrixOperand(fa.data(), (int) t.offset(), Math.max(1, c), trans);
            if (st[0] == 1 && st[1] >= Math.max(1, r)) return new MatrixOperand(fa.data(), (int) t.offset(), st[1], !trans);
        }
        return new MatrixOperand(t.toFloatArray(), 0, Math.max(1, c), trans);
    }

    /**
     * A dense row-major {@code [rows, cols]} array starting at {@code offset}, read as is or transposed.
     *
     * @param data   the backing array, not copied
     * @param offset index of element [0, 0]
     * @param cols   columns of the stored matrix (its leading dimension; 0 counts as 1)
     * @param trans  whether the GEMM reads it transposed
     * @return the operand
     */
    public static MatrixOperand dense(float[] data, int offset, int cols, boolean trans) {
        return new MatrixOperand(data, offset, Math.max(1, cols), trans);
    }
}
