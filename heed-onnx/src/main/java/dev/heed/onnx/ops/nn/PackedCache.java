package dev.heed.onnx.ops.nn;

import dev.heed.kernel.Gemm;
import dev.heed.kernel.MatrixOperand;
import dev.heed.kernel.PackedMatrix;
import dev.heed.onnx.ops.TensorMemo;
import dev.heed.tensor.DType;
import dev.heed.tensor.Storage;
import dev.heed.tensor.Tensor;

/**
 * Per-node memo of a read-only memory-mapped 2-D weight packed as a GEMM B operand ({@link Gemm#pack}), under
 * the rules of {@link dev.heed.onnx.ops.HeapCache}: only read-only segments (initializers) are packed and
 * cached, since heap and writable tensors may change between runs. Concurrent runs see either nothing (and
 * pack) or a complete packing ({@link TensorMemo}). Packed GEMMs are bitwise equal to unpacked ones.
 */
final class PackedCache {
    private final boolean trans;
    private final TensorMemo<PackedMatrix> memo = new TensorMemo<>();

    /** {@code trans}: the node reads its weight t [N, K] as op(t) = tᵀ (Gemm transB), fixed per node. */
    PackedCache(boolean trans) {
        this.trans = trans;
    }

    /** op(t) packed when t is a non-empty read-only mapped 2-D float32 tensor, else null. */
    PackedMatrix of(Tensor t) {
        if (t == null || t.rank() != 2 || t.numel() == 0 || t.dtype() != DType.FLOAT32
                || !(t.storage() instanceof Storage.Segment s) || !s.segment().isReadOnly()) {
            return null;
        }
        return memo.get(t, this::pack);
    }

    private PackedMatrix pack(Tensor t) {
        int r = t.dim(0), c = t.dim(1);
        return trans ? Gemm.pack(MatrixOperand.of(t, true), c, r) : Gemm.pack(MatrixOperand.of(t, false), r, c);
    }
}
