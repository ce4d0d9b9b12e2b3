package dev.heed.bench;

import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.kernel.Activation;
import dev.heed.kernel.Gemm;
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
 * {@code Y[M,N] = A[M,K] · B[K,N]}: Heed's {@link Gemm#gemm} against ONNX Runtime's MatMul on the same shapes
 * and thread counts. Shapes are {@code MxKxN}: square 1024/2048 and the all-MiniLM-L6-v2 projections at
 * sequence length 128. {@link RatioReport} turns the times into GFLOP/s and Heed/ORT ratios.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemmBench {
    @Param({"1024x1024x1024", "2048x2048x2048", "128x384x384", "128x384x1536", "128x1536x384"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    @Param({"heed", "ort"})
    public String impl;

    private int m, k, n;
    private float[] a, b, c;
    private ExecutionContext ctx;
    private OrtRunner ort;

    /** Floating-point operations of one multiplication of {@code MxKxN}. */
    public static double flops(String shape) {
        String[] p = shape.split("x");
        return 2.0 * Long.parseLong(p[0]) * Long.parseLong(p[1]) * Long.parseLong(p[2]);
    }

    @Setup(Level.Trial)
    public void setup() {
        String[] p = shape.split("x");
        m = Integer.parseInt(p[0]);
        k = Integer.parseInt(p[1]);
        n = Integer.parseInt(p[2]);
        SplittableRandom rnd = new SplittableRandom(1);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextDouble(-1, 1);
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextDouble(-1, 1);
        switch (impl) {
            case "heed" -> ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(threads));
            case "ort" -> ort = new OrtRunner("matmul_" + shape + ".onnx", threads).input("A", a, m, k).input("B", b, k, n);
            default -> throw new IllegalArgumentException("impl " + impl + "; expected one of [heed, ort]");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (ctx != null) ctx.close();
        if (ort != null) ort.close();
    }

    @Benchmark
    public float matmul() {
        if (ort != null) return ort.run();
        Gemm.gemm(ctx, false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, false, null, Activation.NONE);
        return c[0];
    }
}
