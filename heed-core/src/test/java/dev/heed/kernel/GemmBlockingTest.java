package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The per-machine blocking of the fast GEMM: how it is chosen, and that every blocking (both micro-kernel heights,
 * any K block depth) gives the same bits, within {@link Gemm#TOLERANCE} of the float64 reference.
 */
class GemmBlockingTest {
    static final int NR = GemmVector.NR;

    @Test
    void chosenFromRegistersAndCaches() {
        MachineProbe.Caches spr = new MachineProbe.Caches(48 * 1024, 2 * 1024 * 1024, 300L * 1024 * 1024, true);
        GemmBlocking b = GemmBlocking.choose(16, 32, spr);
        assertEquals(new GemmBlocking(12, 32, 384, 672, 672), b);            // 24 accumulators; A micro-panel = 3/8 L1d, B block = L2/2
        MachineProbe.Caches zen4 = new MachineProbe.Caches(32 * 1024, 1024 * 1024, 32L * 1024 * 1024, true);
        assertEquals(256, GemmBlocking.choose(16, 32, zen4).kc());           // 32 KiB · 3/8 / (12·4) = 256
        assertEquals(504, GemmBlocking.choose(16, 32, zen4).mc());           // 1 MiB / 2 / (256·4) = 512 → 504
        assertEquals(512, GemmBlocking.choose(16, 32, zen4).nc());
        GemmBlocking avx2 = GemmBlocking.choose(8, 16, zen4);                 // 16 registers: 6 rows, 12 accumulators
        assertEquals(6, avx2.mr());
        assertEquals(16, avx2.nr());
        assertEquals(512, avx2.kc());                                         // 32 KiB · 3/8 / (6·4)
        GemmBlocking tiny = GemmBlocking.choose(4, 16, new MachineProbe.Caches(1024, 4096, 8192, true));
        assertEquals(64, tiny.kc());                                          // clamped
        assertEquals(6, tiny.mc());
        assertEquals(8, tiny.nc());
        assertThrows(IllegalArgumentException.class, () -> new GemmBlocking(8, 32, 192, 1020, 4096));
    }

    @Test
    void machineBlockingUsesAnImplementedKernel() {
        GemmBlocking m = GemmVector.MACHINE;
        assertEquals(NR, m.nr());
        assertTrue(m.mr() == 6 || m.mr() == 12, m.describe());
        assertTrue(2 * m.mr() + 3 <= MachineProbe.machine().vectorRegisters(), m.describe());
    }

    /**
     * Every blocking gives bitwise the same C (one FMA chain per element in K order), on one and two threads. The
     * epilogue is RELU, which is exact: the Vector API's EXP differs in the last bit between C2's intrinsic and the
     * interpreter's lane-by-lane fallback, so a transcendental activation would compare JIT states, not blockings.
     */
    @Test
    void resultsDoNotDependOnTheBlocking() {
        List<GemmBlocking> blockings = List.of(
                new GemmBlocking(12, NR, 192, 1020, 4096), new GemmBlocking(6, NR, 192, 1020, 4096),
                new GemmBlocking(12, NR, 64, 24, NR), new GemmBlocking(6, NR, 80, 12, 2 * NR),
                new GemmBlocking(12, NR, 512, 120, 4 * NR));
        int[][] shapes = {{1, 1, 1}, {13, 33, 65}, {25, 70, 300}, {40, 129, 200}, {100, 65, 513}, {7, 300, 129}};
        try (ExecutionContext two = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2))) {
            for (int[] sh : shapes) {
                int m = sh[0], n = sh[1], k = sh[2];
                for (int t = 0; t < 4; t++) {
                    boolean ta = (t & 1) != 0, tb = (t & 2) != 0, acc = t == 3;
                    SplittableRandom rnd = new SplittableRandom(m * 31L + n * 7L + k + t);
                    int lda = ta ? m : k, ldb = tb ? k : n;
                    float[] a = MatrixChecks.random(rnd, (ta ? k : m) * lda), b = MatrixChecks.random(rnd, (tb ? n : k) * ldb);
                    float[] c0 = MatrixChecks.random(rnd, m * n), bias = MatrixChecks.random(rnd, n);
                    float[] ref = c0.clone();
                    Gemm.gemmReference(null, ta, tb, m, n, k, a, 0, lda, b, 0, ldb, ref, 0, n, acc, bias, Activation.RELU);
                    float[] first = null;
                    for (GemmBlocking bl : blockings) {
                        for (ExecutionContext ctx : new ExecutionContext[] {null, two}) {
                            for (boolean packedB : new boolean[] {false, true}) {
                                float[] c = c0.clone();
                                GemmVector.DenseB db = new GemmVector.DenseB(tb, b, 0, ldb);
                                GemmVector.run(ctx, bl, m, n, k, new GemmVector.DenseA(ta, a, 0, lda),
                                        packedB ? null : db, packedB ? GemmVector.PackedB.pack(db, k, n, bl.kc()) : null,
                                        c, 0, n, acc, bias, 0, false, Activation.RELU);
                                String what = m + "x" + n + "x" + k + " ta=" + ta + " tb=" + tb + " acc=" + acc + " "
                                        + bl.describe() + " threads=" + (ctx == null ? 1 : 2) + " packedB=" + packedB;
                                double e = MatrixChecks.gemmError(ta, tb, m, n, k, a, 0, lda, b, 0, ldb, c, ref, 0, n,
                                        acc ? c0 : null, bias);
                                assertTrue(e <= Gemm.TOLERANCE, what + ": error " + e);
                                if (first == null) first = c;
                                else assertArrayEquals(first, c, what);
                            }
                        }
                    }
                }
            }
        }
    }

    /** The micro-kernels alone, against a float64 product, with and without C loaded first and a strided B. */
    @Test
    void microKernelsMatchFloat64() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int mr : GemmBlocking.ROW_BLOCKS) {
            for (int kc : new int[] {1, 2, 17, 192}) {
                int bs = NR + 5, ldc = NR + 3;
                float[] a = MatrixChecks.random(rnd, 4 + kc * mr), b = MatrixChecks.random(rnd, 2 + kc * bs);
                float[] c0 = MatrixChecks.random(rnd, 1 + mr * ldc);
                for (boolean add : new boolean[] {false, true}) {
                    float[] c = c0.clone();
                    GemmVector.micro(mr, kc, a, 4, b, 2, bs, c, 1, ldc, add);
                    for (int r = 0; r < mr; r++) {
                        for (int j = 0; j < ldc; j++) {
                            int ci = 1 + r * ldc + j;
                            if (j >= NR) {
                                assertEquals(c0[ci], c[ci], "outside the tile");
                                continue;
                            }
                            double s = add ? c0[ci] : 0, scale = Math.abs(s);
                            for (int p = 0; p < kc; p++) {
                                double t = (double) a[4 + p * mr + r] * b[2 + p * bs + j];
                                s += t;
                                scale += Math.abs(t);
                            }
                            assertEquals(s, c[ci], Gemm.TOLERANCE * (1 + scale), "mr=" + mr + " kc=" + kc + " r=" + r + " j=" + j);
                        }
                    }
                }
            }
        }
    }
}
