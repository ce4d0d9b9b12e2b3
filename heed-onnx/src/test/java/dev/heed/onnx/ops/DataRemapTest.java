package dev.heed.onnx.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Data#remap}'s run-wise copy (Pad, Tile) against its element-walk twin {@link Data#remapElements}: random
 * separable maps mixing padding (-1), consecutive runs, repeats and reversals, on contiguous and transposed float32
 * sources and on int64; results must be identical.
 */
class DataRemapTest {
    final ExecutionContext ctx = ExecutionContext.singleThreaded();

    @Test
    void runWiseCopyEqualsElementWalk() {
        Random rnd = new Random(8);
        for (int trial = 0; trial < 200; trial++) {
            int r = 1 + rnd.nextInt(4);
            int[] in = new int[r], out = new int[r];
            int[][] map = new int[r][];
            for (int ax = 0; ax < r; ax++) {
                in[ax] = 1 + rnd.nextInt(6);
                out[ax] = 1 + rnd.nextInt(9);
                map[ax] = new int[out[ax]];
                int kind = rnd.nextInt(4), begin = rnd.nextInt(3);
                for (int o = 0; o < out[ax]; o++) {
                    int s = o - begin;
                    map[ax][o] = switch (kind) {
                        case 0 -> s < 0 || s >= in[ax] ? -1 : s;           // constant pad / crop
                        case 1 -> Math.floorMod(o, in[ax]);                // tile / wrap
                        case 2 -> Math.min(in[ax] - 1, Math.max(0, s));    // edge
                        default -> rnd.nextInt(in[ax] + 1) - 1;            // anything, -1 included
                    };
                }
            }
            int n = 1;
            for (int d : in) n *= d;
            float[] v = new float[n];
            long[] l = new long[n];
            for (int i = 0; i < n; i++) { v[i] = rnd.nextFloat(); l[i] = rnd.nextLong(); }
            Tensor fill = Tensor.scalar(-3.5f);
            Tensor src = Tensor.of(v, in);
            check(src, out, map, fill, trial);
            if (r >= 2) {
                // a transposed view of the same data: last axis stride != 1
                int[] rev = new int[r];
                for (int i = 0; i < r; i++) rev[i] = r - 1 - i;
                int[] revIn = new int[r];
                for (int i = 0; i < r; i++) revIn[i] = in[rev[i]];
                Tensor view = Tensor.of(v, revIn).permute(rev);
                check(view, out, map, fill, trial);
            }
            check(Tensor.ofLongs(l, in), out, map, Tensor.ofLongs(new long[] {7}), trial);
        }
    }

    private void check(Tensor src, int[] out, int[][] map, Tensor fill, int trial) {
        Tensor fast = Data.remap(ctx, "Pad", src, out, map, fill);
        Tensor ref = Data.remapElements(Tensor.zeros(src.dtype(), out), src, out, map, fill);
        if (src.dtype() == DType.INT64) assertArrayEquals(ref.toLongArray(), fast.toLongArray(), "int64 trial " + trial);
        else assertArrayEquals(ref.toFloatArray(), fast.toFloatArray(), "float32 trial " + trial);
    }
}
