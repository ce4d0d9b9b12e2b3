package dev.heed.kernel;

import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Tensor;

/**
 * How the elementwise kernels walk one to three input tensors broadcast to an output shape: the output
 * (always fresh and contiguous) is cut into {@code rows × inner}, where {@code inner} is the innermost run
 * after merging every pair of adjacent axes that all inputs can walk with one stride. Each input then has
 * one inner stride (1 = contiguous run, 0 = broadcast scalar, other = gather) and a base position per row,
 * which a {@link Cursor} advances with an odometer over the outer axes.
 *
 * <p>Example: {@code [B, L, E] + [E]} merges to rows {@code B·L}, inner {@code E}, strides {@code (1, 1)} —
 * fully vectorised; {@code [3, 1, 5] + [4, 1]} stays {@code [3, 4, 5]} with inner strides {@code (1, 0)}.
 * Work is handed out in units of (row, tile of {@link #TILE} elements) so a single long row still spreads
 * over all threads.
 *
 * <p>When an input must be gathered (inner stride not 0 or 1, e.g. {@code x + y^T}) and there are several rows,
 * {@link #forEachBlock} walks blocks of {@link #BLOCK_ROWS} rows × {@link #BLOCK_COLS} columns instead: the
 * gathered input is copied into a small contiguous buffer column by column, so for a transposed input each
 * read touches consecutive addresses (its outer stride is 1) instead of one cache line per element.
 */
final class StridedWalk {
    /** Elements of one work unit at most. */
    static final int TILE = 8192;
    /** Roughly how many elements a thread should get at least before a loop goes parallel (compute-bound ops). */
    static final int GRAIN_ELEMENTS = 1 << 15;
    /**
     * The same for memory-bound ops (arithmetic, relu, …): one core streams ~3 Gelem/s on this class of machine,
     * so a 200k-element add takes ~60 µs and a fork/join hand-off (~20–50 µs) would eat any gain (measured:
     * [1, 128, 1536] · [1, 128, 1536] 55 µs on one thread, 100 µs on two).
     */
    static final int GRAIN_ELEMENTS_STREAMING = 1 << 18;

    /** Rows and columns of one block of {@link #forEachBlock}: 16 × 256 floats = 16 KB per gathered input. */
    static final int BLOCK_ROWS = 16, BLOCK_COLS = 256;

    final int[] outer;     // coalesced outer dims (may be empty)
    final int inner;       // innermost coalesced dim
    final long rows;       // product of outer
    final int[][] outerStrides; // [input][outer axis]
    final int[] innerStride;    // [input]
    final long[] base;          // [input] storage offset of element 0
    final int tilesPerRow;

    private StridedWalk(int[] outer, int inner, int[][] outerStrides, int[] innerStride, long[] base) {
        this.outer = outer;
        this.inner = inner;
        long r = 1;
        for (int d : outer) r *= d;
        this.rows = r;
        this.outerStrides = outerStrides;
        this.innerStride = innerStride;
        this.base = base;
        this.tilesPerRow = Math.max(1, (inner + TILE - 1) / TILE);
    }

    /** A walk over {@code out} with each input broadcast to it (NumPy rules, already checked by the caller). */
    static StridedWalk of(Shape out, Tensor... inputs) {
        int r = out.rank();
        int[] d = out.dims();
        int k = inputs.length;
        int[][] s = new int[k][];
        long[] base = new long[k];
        for (int i = 0; i < k; i++) {
            s[i] = inputs[i].expand(d).strides();
            base[i] = inputs[i].offset();
        }
        // keep axes of size != 1, then merge neighbours whose strides chain for every input
        int[] cd = new int[r];
        int[][] cs = new int[k][r];
        int n = 0;
        for (int a = 0; a < r; a++) {
            if (d[a] == 1) continue;
            if (n > 0) {
                boolean merge = true;
                for (int i = 0; i < k && merge; i++) merge = (long) s[i][a] * d[a] == cs[i][n - 1];
                if (merge) {
                    cd[n - 1] *= d[a];
                    for (int i = 0; i < k; i++) cs[i][n - 1] = s[i][a];
                    continue;
                }
            }
            cd[n] = d[a];
            for (int i = 0; i < k; i++) cs[i][n] = s[i][a];
            n++;
        }
        if (n == 0) { // every axis has size 1 (or a scalar)
            int[] inner = new int[k];
            return new StridedWalk(new int[0], out.numel() == 0 ? 0 : 1, new int[k][0], inner, base);
        }
        int[] outer = java.util.Arrays.copyOf(cd, n - 1);
        int[][] os = new int[k][];
        int[] is = new int[k];
        for (int i = 0; i < k; i++) {
            os[i] = java.util.Arrays.copyOf(cs[i], n - 1);
            is[i] = cs[i][n - 1];
        }
        // a zero-sized axis anywhere makes the walk empty
        int inner = out.numel() == 0 ? 0 : cd[n - 1];
        return new StridedWalk(outer, inner, os, is, base);
    }

    /** Number of work units (row, tile); 0 for an empty output. */
    int units() {
        if (inner == 0 || rows == 0) return 0;
        long u = rows * tilesPerRow;  // [rows, tiles]
        if (u > Integer.MAX_VALUE) throw new IllegalStateException("too many work units: " + u);
        return (int) u;
    }

    /** Work units a thread should get at least, for at least {@code minElements} elements per thread. */
    int grainUnits(int minElements) {
        return Math.max(1, minElements / Math.max(1, Math.min(inner, TILE)));
    }

    /** True when some input needs a gather (inner stride not 0 or 1). */
    boolean gathers() {
        for (int st : innerStride) if (st != 0 && st != 1) return true;
        return false;
    }

    /** One row's run of {@link #forEachBlock}: input {@code i} is read at {@code src[i][off[i] + j·stride[i]]}, stride 0 or 1. */
    @FunctionalInterface
    interface RowRun {
        void run(float[][] src, int[] off, int[] stride, int yo, int n);
    }

    /**
     * The blocked walk: blocks of {@link #BLOCK_ROWS} rows × {@link #BLOCK_COLS} columns, split over threads in
     * contiguous ranges; gathered inputs are first copied into a per-thread buffer ({@code [BLOCK_ROWS, BLOCK_COLS]})
     * reading down the rows, then {@code run} is called once per row of the block.
     */
    void forEachBlock(ExecutionContext ctx, float[][] data, int minElementsPerThread, RowRun run) {
        if (inner == 0 || rows == 0) return;
        int k = data.length;
        int colTiles = (inner + BLOCK_COLS - 1) / BLOCK_COLS;
        long rowBlocks = (rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
        long units = rowBlocks * colTiles;   // [rowBlocks, colTiles]
        if (units > Integer.MAX_VALUE) throw new IllegalStateException("too many work units: " + units);
        int perUnit = BLOCK_ROWS * Math.min(inner, BLOCK_COLS);
        ctx.parallelFor((int) units, Math.max(1, minElementsPerThread / perUnit), (s, e) -> {
            Cursor c = cursor();
            long[][] pos = new long[k][BLOCK_ROWS];        // [input][row in block] base position
            float[][] buf = new float[k][];
            for (int i = 0; i < k; i++) if (innerStride[i] != 0 && innerStride[i] != 1) buf[i] = new float[BLOCK_ROWS * BLOCK_COLS];
            float[][] src = new float[k][];
            int[] off = new int[k], stride = new int[k];
            long block = -1;
            int nr = 0;
            for (int u = s; u < e; u++) {
                long rb = u / colTiles;
                if (rb != block) {
                    long r0 = rb * BLOCK_ROWS;
                    nr = (int) Math.min(BLOCK_ROWS, rows - r0);
                    if (block < 0) c.jump(r0);
                    for (int r = 0; r < nr; r++) {
                        c.seek(r0 + r);
                        for (int i = 0; i < k; i++) pos[i][r] = c.pos[i];
                    }
                    block = rb;
                }
                int c0 = (u % colTiles) * BLOCK_COLS;
                int n = Math.min(BLOCK_COLS, inner - c0);
                for (int i = 0; i < k; i++) if (buf[i] != null) gatherBlock(data[i], pos[i], nr, innerStride[i], c0, n, buf[i]);
                for (int r = 0; r < nr; r++) {
                    for (int i = 0; i < k; i++) {
                        if (buf[i] != null) {
                            src[i] = buf[i];
                            off[i] = r * BLOCK_COLS;
                            stride[i] = 1;
                        } else {
                            src[i] = data[i];
                            off[i] = (int) (pos[i][r] + (long) c0 * innerStride[i]);
                            stride[i] = innerStride[i];
                        }
                    }
                    run.run(src, off, stride, (int) ((block * BLOCK_ROWS + r) * inner + c0), n);
                }
            }
        });
    }

    /** {@code dst[r·BLOCK_COLS + j] = src[pos[r] + (c0 + j)·stride]}, walking down the rows for each column. */
    private static void gatherBlock(float[] src, long[] pos, int nr, int stride, int c0, int n, float[] dst) {
        for (int j = 0; j < n; j++) {
            long o = (long) (c0 + j) * stride;
            for (int r = 0; r < nr; r++) dst[r * BLOCK_COLS + j] = src[(int) (pos[r] + o)];
        }
    }

    /** A new cursor at row 0 (one per parallel chunk; not shared between threads). */
    Cursor cursor() {
        return new Cursor();
    }

    /** Base positions of each input at the current row; {@link #seek} moves forward only cheaply. */
    final class Cursor {
        final long[] pos = base.clone();
        private final int[] idx = new int[outer.length];
        private long row;

        /** Moves to {@code target} (cheap when moving forward by one). */
        void seek(long target) {
            if (target < row) reset();
            while (row < target) next();
        }

        private void reset() {
            System.arraycopy(base, 0, pos, 0, pos.length);
            java.util.Arrays.fill(idx, 0);
            row = 0;
        }

        private void next() {
            row++;
            for (int a = outer.length - 1; a >= 0; a--) {
                idx[a]++;
                for (int i = 0; i < pos.length; i++) pos[i] += outerStrides[i][a];
                if (idx[a] < outer[a]) return;
                for (int i = 0; i < pos.length; i++) pos[i] -= (long) outerStrides[i][a] * idx[a];
                idx[a] = 0;
            }
        }

        /** Jumps straight to {@code target} by decomposing it (used at the start of a chunk). */
        void jump(long target) {
            reset();
            long rem = target;
            for (int a = outer.length - 1; a >= 0; a--) {
                int i0 = (int) (rem % outer[a]);
                rem /= outer[a];
                idx[a] = i0;
                for (int i = 0; i < pos.length; i++) pos[i] += (long) outerStrides[i][a] * i0;
            }
            row = target;
        }
    }
}
