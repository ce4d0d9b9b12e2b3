package dev.heed.onnx.ops;

import dev.heed.tensor.Storage;
import dev.heed.tensor.Tensor;

/**
 * Per-node memo of the heap copy of a read-only memory-mapped input (a weight). Heap tensors are passed
 * through (their arrays may change between runs, so they are never cached); a writable segment is copied on
 * every call. Concurrent runs see either nothing (and copy) or a complete copy ({@link TensorMemo}). Shared by
 * the op adapters; not an API for users.
 */
public final class HeapCache {
    private final TensorMemo<Tensor> memo = new TensorMemo<>();

    /** An empty cache; an op adapter keeps one per weight input it reads. */
    public HeapCache() {}

    /**
     * The tensor on the heap.
     *
     * @param t a tensor, or null
     * @return {@code t} itself when heap-backed (or null), else a contiguous heap copy (cached when the segment is
     *         read-only)
     */
    public Tensor of(Tensor t) {
        if (t == null || !(t.storage() instanceof Storage.Segment s)) return t;
        return s.segment().isReadOnly() ? memo.get(t, HeapCache::copy) : copy(t);
    }

    private static Tensor copy(Tensor t) {
        Tensor h = Tensor.zeros(t.dtype(), t.shape().dims());
        Data.copyAll(t, h);
        return h;
    }
}
