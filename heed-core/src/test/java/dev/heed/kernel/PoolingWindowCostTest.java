package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 (found by the ONNX fuzz campaign: a MaxPool input ran 14 s): a window that is mostly padding costs
 * the taps that land inside the input, not its full kernel size.
 */
class PoolingWindowCostTest {

    /** x [1, 1, 4, 4] holding 0 … 15 in row-major order. */
    private static Tensor ramp4x4() {
        float[] v = new float[16];
        for (int i = 0; i < 16; i++) v[i] = i;
        return Tensor.of(v, 1, 1, 4, 4);
    }

    /** MaxPool and AveragePool (padding not counted) of x, both together in under a second (a bound, not a benchmark). */
    private static Tensor[] maxAndAverageWithinASecond(Tensor x, Pooling.Window w) {
        long t0 = System.nanoTime();
        Tensor max = Pooling.maxPool(ExecutionContext.singleThreaded(), x, w);
        Tensor avg = Pooling.averagePool(ExecutionContext.singleThreaded(), x, w, false);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 1000, "took " + ms + " ms");
        return new Tensor[] {max, avg};
    }

    @Test
    void aHugeKernelOverHugePadsReadsOnlyTheInput() {
        // x [1, 1, 4, 4]; kernel 8192 x 8192 over pads of 4096: 5 x 5 outputs, 67 M taps each if every tap were visited
        Tensor x = ramp4x4();
        Pooling.Window w = new Pooling.Window(new int[] {8192, 8192}, new int[] {1, 1}, new int[] {4096, 4096, 4096, 4096},
                new int[] {1, 1}, false);
        Tensor[] pooled = maxAndAverageWithinASecond(x, w);
        Tensor max = pooled[0], avg = pooled[1];
        assertArrayEquals(new int[] {1, 1, 5, 5}, max.shape().dims());
        // output (2, 2) covers the whole input; (0, 0) covers rows/cols [-4096, 4095]: the whole input too
        assertEquals(15f, max.toFloatArray()[12]);
        assertEquals(15f, max.toFloatArray()[0]);
        assertEquals(7.5f, avg.toFloatArray()[12], 1e-6f);
    }

    /** The guided ONNX fuzzer's find: a kernel of 2^30 over pads of 2^29 kept the 2-D path looping over every tap. */
    @Test
    void aKernelOfTwoToTheThirtyIsAsCheap() {
        Tensor x = ramp4x4();
        Pooling.Window w = new Pooling.Window(new int[] {1 << 30, 3}, new int[] {1, 1}, new int[] {1 << 29, 1, 1 << 29, 1},
                new int[] {1, 1}, false);
        Tensor[] pooled = maxAndAverageWithinASecond(x, w);
        Tensor max = pooled[0], avg = pooled[1];
        assertArrayEquals(new int[] {1, 1, 5, 4}, max.shape().dims());
        // every output row spans all 4 input rows; column 0 covers input columns 0..1
        assertEquals(13f, max.toFloatArray()[0]);
        assertEquals((0 + 1 + 4 + 5 + 8 + 9 + 12 + 13) / 8f, avg.toFloatArray()[0], 1e-6f);
    }

    @Test
    void clippedWindowsMatchABruteForceMaxOnOrdinaryPads() {
        float[] v = new float[2 * 3 * 7 * 6];
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(i * 0.37);
        Tensor x = Tensor.of(v, 2, 3, 7, 6);
        Pooling.Window w = new Pooling.Window(new int[] {3, 4}, new int[] {2, 1}, new int[] {1, 2, 2, 1}, new int[] {2, 1}, true);
        Tensor max = Pooling.maxPool(ExecutionContext.singleThreaded(), x, w);
        // brute force over the full window
        int[] out = Pooling.outputSpatial("MaxPool", new int[] {7, 6}, w);
        float[] m = max.toFloatArray();
        int q = 0;
        for (int p = 0; p < 6; p++) {
            for (int oy = 0; oy < out[0]; oy++) {
                for (int ox = 0; ox < out[1]; ox++, q++) {
                    float best = Float.NEGATIVE_INFINITY;
                    for (int ky = 0; ky < 3; ky++) {
                        for (int kx = 0; kx < 4; kx++) {
                            int y = oy * 2 - 1 + ky * 2, xx = ox - 2 + kx;
                            if (y < 0 || y >= 7 || xx < 0 || xx >= 6) continue;
                            float val = v[p * 42 + y * 6 + xx];
                            best = Math.max(best, val);
                        }
                    }
                    assertEquals(best, m[q], 0f, "max at plane " + p + " (" + oy + ", " + ox + ")");
                }
            }
        }
    }
}
