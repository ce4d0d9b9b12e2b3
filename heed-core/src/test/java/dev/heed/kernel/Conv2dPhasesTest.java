package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link Conv2dPhases} against its definition, element by element (exact: it only moves floats). */
class Conv2dPhasesTest {

    /** The definition: {@code dst[rowBase + ((i+shift) mod s)·wq + (i+shift)/s] = src[s0 + i]} where the index fits. */
    private static float[] expected(float[] src, int s0, int n, int s, int shift, int len, int rowBase, int wq) {
        float[] dst = new float[len];
        Arrays.fill(dst, -7f);
        for (int i = 0; i < n; i++) {
            int c = i + shift;
            if (c / s < wq) dst[rowBase + (c % s) * wq + c / s] = src[s0 + i];
        }
        return dst;
    }

    @Test
    void splitRowMatchesTheDefinition() {
        SplittableRandom rnd = new SplittableRandom(3);
        // strides 1..4; lengths around vector multiples (4, 8, 16 lanes); shifts (left padding) 0..3; wide and clipped rows
        for (int s = 1; s <= 4; s++) {
            for (int n : new int[] {1, 7, 31, 32, 33, 64, 97, 130}) {
                for (int shift = 0; shift <= 3; shift++) {
                    for (int extra : new int[] {0, 5, -3}) {
                        int wq = Math.max(1, (n + shift + s - 1) / s + extra);
                        int s0 = 3, rowBase = 2, len = rowBase + s * wq + 4;
                        float[] src = MatrixChecks.random(rnd, s0 + n + 2);
                        float[] dst = new float[len];
                        Arrays.fill(dst, -7f);
                        Conv2dPhases.splitRow(src, s0, n, s, shift, dst, rowBase, wq);
                        assertArrayEquals(expected(src, s0, n, s, shift, len, rowBase, wq), dst,
                                "s=" + s + " n=" + n + " shift=" + shift + " wq=" + wq);
                    }
                }
            }
        }
    }
}
