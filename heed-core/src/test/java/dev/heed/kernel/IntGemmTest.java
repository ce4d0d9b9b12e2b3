package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The integer GEMM against its scalar twin: exact (tolerance 0), every signedness, per-tensor and per-row/column zero points. */
class IntGemmTest {
    static ExecutionContext one, two;

    @BeforeAll
    static void open() {
        one = ExecutionContext.singleThreaded();
        two = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void close() {
        one.close();
        two.close();
    }

    @Test
    void equalsTheScalarTwinBitForBit() {
        SplittableRandom r = new SplittableRandom(15);
        int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {4, 16, 33}, {7, 17, 64}, {13, 40, 129}, {64, 96, 384}, {5, 3, 0}};
        for (int[] s : sizes) {
            int m = s[0], n = s[1], k = s[2];
            for (int variant = 0; variant < 8; variant++) {
                boolean au = (variant & 1) != 0, bu = (variant & 2) != 0, perAxis = (variant & 4) != 0;
                int lda = k + 2, ldb = n + 3, ldc = n + 1;
                byte[] a = bytes(r, 1 + m * lda), b = bytes(r, 2 + Math.max(k, 1) * ldb);
                int[] za = zeros(r, perAxis ? m : 1, au), zb = zeros(r, perAxis ? n : 1, bu);
                int[] want = new int[m * ldc + 1], got = new int[m * ldc + 1];
                IntGemm.gemmReference(m, n, k, a, 1, lda, au, za, b, 2, ldb, bu, zb, want, 1, ldc);
                PackedInt8 p = IntGemm.pack(b, 2, ldb, k, n, bu);
                for (ExecutionContext ctx : new ExecutionContext[] {one, two}) {
                    java.util.Arrays.fill(got, 0);
                    IntGemm.gemm(ctx, m, a, 1, lda, au, za, p, zb, got, 1, ldc);
                    assertArrayEquals(want, got, "m=" + m + " n=" + n + " k=" + k + " variant " + variant);
                }
            }
        }
    }

    @Test
    void referenceMatchesHandComputedValues() {
        // A u8 [1, 2] = {200, 3}, za = 128; B s8 [2, 1] = {-128, 127}, zb = -1: (72)(-127) + (-125)(128) = -25144
        int[] c = new int[1];
        IntGemm.gemmReference(1, 1, 2, new byte[] {(byte) 200, 3}, 0, 2, true, new int[] {128},
                new byte[] {-128, 127}, 0, 1, false, new int[] {-1}, c, 0, 1);
        assertEquals(72 * -127 + -125 * 128, c[0]);
    }

    @Test
    void refusesZeroPointsOfTheWrongLength() {
        PackedInt8 p = IntGemm.pack(new byte[6], 0, 3, 2, 3, false);
        HeedException e = assertThrows(HeedException.class,
                () -> IntGemm.gemm(one, 2, new byte[4], 0, 2, true, new int[] {0}, p, new int[] {0, 0}, new int[6], 0, 3));
        assertEquals(true, e.getMessage().contains("zb must hold 1 or 3"), e.getMessage());
    }

    private static byte[] bytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) r.nextInt(256);
        return b;
    }

    private static int[] zeros(SplittableRandom r, int n, boolean unsigned) {
        int[] z = new int[n];
        for (int i = 0; i < n; i++) z[i] = unsigned ? r.nextInt(256) : r.nextInt(256) - 128;
        return z;
    }
}
