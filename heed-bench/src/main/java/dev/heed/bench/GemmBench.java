package dev.heed.bench;

import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.kernel.Activation;
import dev.heed.kernel.Gemm;
import dev.heed.kernel.PackedMatrix;
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
 * and thread counts. Shapes are {@code MxKxN}: square 1024/2048 and the all-MiniLM-L6-v2 projections
 * (384×384, 384×1536, 1536×384) at M = 128 (one sentence of 128 tokens), 768 (32 × 24) and 4096 (32 × 128).
 * A shape ending in {@code p} ({@code 768x384x1536p}) runs Heed with B packed once in the setup
 * ({@link Gemm#pack}, as a model's constant weights are); ORT runs the same graph as for the plain shape (B a graph
 * input, packed by ORT on every call), so those rows favour Heed by the B packing cost.
 * {@link RatioReport} turns the times into GFLOP/s and Heed/ORT ratios.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemmBench {
    @Param({"1024x1024x1024", "2048x2048x2048", "128x384x384", "128x384x1536", "128x1536x384",
            "768x384x384", "768x384x1536", "768x1536x384", "4096x384x384", "4096x384x1536", "4096x1536x384",
            "1024x1024x1024p", "128x384x1536p", "768x384x384p", "768x384x1536p", "768x1536x384p",
            "4096x384x384p", "4096x384x1536p", "4096x1536x384p"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    @Param({"heed", "ort"})
    public String impl;

    private int m, k, n;
    private float[] a, b, c;
    private PackedMatrix packedB;
    private ExecutionContext ctx;
    private OrtRunner ort;

    /** Floating-point operations of one multiplication of {@code MxKxN}. */
    public static double flops(String shape) {
        String[] p = plain(shape).split("x");
        return 2.0 * Long.parseLong(p[0]) * Long.parseLong(p[1]) * Long.parseLong(p[2]);
    }

    /** The shape without its packed-B marker: {@code "768x384x1536p"} → {@code "768x384x1536"}. */
    static String plain(String shape) {
        return shape.endsWith("p") ? shape.substring(0, shape.length() - 1) : shape;
    }

    @Setup(Level.Trial)
    public void setup() {
        String[] p = plain(shape).split("x");
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
            case "heed" -> {
                ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(threads));
                if (shape.endsWith("p")) packedB = Gemm.pack(false, k, n, b, 0, n);
            }
            case "ort" -> ort = new OrtRunner("matmul_" + plain(shape) + ".onnx", threads).input("A", a, m, k).input("B", b, k, n);
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
        if (packedB != null) {
            Gemm.gemm(ctx, false, m, a, 0, k, packedB, c, 0, n, false, null, Activation.NONE);
            return c[0];
        }
        Gemm.gemm(ctx, false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, false, null, Activation.NONE);
        return c[0];
    }
}
