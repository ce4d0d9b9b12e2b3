package dev.heed.bench;

import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.kernel.Activation;
import dev.heed.kernel.Gemm;
import dev.heed.kernel.Int8Matrix;
import dev.heed.kernel.IntGemm;
import dev.heed.kernel.PackedInt8;
import dev.heed.kernel.PackedMatrix;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The formulations of the u8 × s8 → exact integer product of a quantised linear layer ({@code MxKxN}, the
 * all-MiniLM-L6-v2 shapes at sequence 128), against the float GEMM on a packed float B (what the float model runs):
 * <pre>
 * float        Gemm.gemm on a pre-packed float B (the float model's layer; not an integer product)
 * int32        IntGemm.gemm: bytes widened to int lanes, IntVector multiply-add (vpmulld + vpaddd)
 * exact-float  IntGemm.gemmExactFloat: a' as floats, B bytes widened to floats per micro-panel, float FMA
 * s16-dot      a benchmark-local scalar loop written as the pair sum C2's auto-vectoriser turns into
 *              MulAddS2I → vpmaddwd (vpdpwssd with AVX512-VNNI): s += a[2q]·b[2q] + a[2q+1]·b[2q+1] over
 *              short rows of A and of Bᵀ, four columns per pass, one thread (whatever C2 makes of it)
 * </pre>
 * Report with {@code LatencyReport}-free plain JMH output: µs per call; MAC/s = M·N·K / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class IntGemmBench {
    @Param({"128x384x384", "128x384x1536", "128x1536x384"})
    public String shape;

    @Param({"1"})
    public int threads;

    @Param({"float", "int32", "exact-float", "s16-dot"})
    public String impl;

    private int m, k, n;
    private ExecutionContext ctx;
    private float[] af, c, bf;
    private byte[] aq;
    private int za;
    private PackedMatrix packedFloat;
    private PackedInt8 packedInt;
    private Int8Matrix int8;
    private int[] acc;
    private short[] as, bts;

    @Setup(Level.Trial)
    public void setup() {
        String[] p = shape.split("x");
        m = Integer.parseInt(p[0]);
        k = Integer.parseInt(p[1]);
        n = Integer.parseInt(p[2]);
        SplittableRandom r = new SplittableRandom(3);
        ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(threads));
        za = 120;
        aq = new byte[m * k];
        af = new float[m * k];
        as = new short[m * k];
        for (int i = 0; i < aq.length; i++) {
            int q = Math.max(0, Math.min(255, (int) Math.round(r.nextGaussian() * 20 + za)));   // activations around their zero point
            aq[i] = (byte) q;
            af[i] = q - za;
            as[i] = (short) (q - za);
        }
        byte[] b = new byte[k * n];
        bf = new float[k * n];
        bts = new short[n * k];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Math.max(-127, Math.min(127, (int) Math.round(r.nextGaussian() * 30)));
            bf[i] = b[i];
            bts[(i % n) * k + i / n] = b[i];
        }
        c = new float[m * n];
        acc = new int[m * n];
        packedFloat = Gemm.pack(false, k, n, bf, 0, n);
        packedInt = IntGemm.pack(b, 0, n, k, n, false);
        int8 = Int8Matrix.of(MemorySegment.ofArray(b), 0, k, n, n, false);
        // every formulation must compute the same integers before it is timed
        int[] want = new int[m * n], got = new int[m * n];
        IntGemm.gemm(ctx, m, aq, 0, k, true, new int[] {za}, packedInt, new int[] {0}, want, 0, n);
        s16(m, n, k, as, bts, got);
        if (!java.util.Arrays.equals(want, got)) throw new IllegalStateException("s16-dot differs from IntGemm");
        if (!IntGemm.gemmExactFloat(ctx, m, af, 0, k, int8, new int[] {0}, c, 0, n)) throw new IllegalStateException("bound");
        for (int i = 0; i < want.length; i++) {
            if (c[i] != want[i]) throw new IllegalStateException("exact-float differs from IntGemm at " + i);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ctx.close();
    }

    @Benchmark
    public float product() {
        switch (impl) {
            case "float" -> Gemm.gemm(ctx, false, m, af, 0, k, packedFloat, c, 0, n, false, null, Activation.NONE);
            case "int32" -> {
                IntGemm.gemm(ctx, m, aq, 0, k, true, new int[] {za}, packedInt, new int[] {0}, acc, 0, n);
                return acc[0];
            }
            case "exact-float" -> {
                if (!IntGemm.gemmExactFloat(ctx, m, af, 0, k, int8, new int[] {0}, c, 0, n)) throw new IllegalStateException("bound");
            }
            case "s16-dot" -> {
                s16(m, n, k, as, bts, acc);
                return acc[0];
            }
            default -> throw new IllegalArgumentException("impl " + impl + "; expected float, int32, exact-float or s16-dot");
        }
        return c[0];
    }

    /** C[i, j] = Σ_p A[i, p]·Bᵀ[j, p] on shorts, pairs of p per step (C2: MulAddS2I), four columns per pass. */
    static void s16(int m, int n, int k, short[] a, short[] bt, int[] c) {
        int half = k / 2;
        for (int i = 0; i < m; i++) {
            int ao = i * k, j = 0;
            for (; j + 4 <= n; j += 4) {
                int b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
                int s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int q = 0; q < half; q++) {
                    s0 += a[ao + 2 * q] * bt[b0 + 2 * q] + a[ao + 2 * q + 1] * bt[b0 + 2 * q + 1];
                    s1 += a[ao + 2 * q] * bt[b1 + 2 * q] + a[ao + 2 * q + 1] * bt[b1 + 2 * q + 1];
                    s2 += a[ao + 2 * q] * bt[b2 + 2 * q] + a[ao + 2 * q + 1] * bt[b2 + 2 * q + 1];
                    s3 += a[ao + 2 * q] * bt[b3 + 2 * q] + a[ao + 2 * q + 1] * bt[b3 + 2 * q + 1];
                }
                c[i * n + j] = s0;
                c[i * n + j + 1] = s1;
                c[i * n + j + 2] = s2;
                c[i * n + j + 3] = s3;
            }
            for (; j < n; j++) {
                int s = 0;
                for (int p = 0; p < k; p++) s += a[ao + p] * bt[j * k + p];
                c[i * n + j] = s;
            }
        }
    }
}
