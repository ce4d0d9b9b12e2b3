package dev.heed.bench;

import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.kernel.Activation;
import dev.heed.kernel.Conv2d;
import dev.heed.tensor.Tensor;
import java.util.Map;
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
 * RT-DETR-like convolutions (with bias): Heed's {@link Conv2d#conv2d} against ONNX Runtime's Conv, same
 * shapes and thread counts. {@link RatioReport} turns the times into GFLOP/s and Heed/ORT ratios.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ConvBench {
    /**
     * x [N, C, H, W], w [M, C/g, kH, kW], stride, pads (top, left, bottom, right), groups. Keep in step with the
     * generator ({@code make_matmul_conv_graphs.py}).
     */
    record Spec(int[] x, int[] w, int stride, int[] pads, int groups) {
        Spec(int[] x, int[] w, int stride, int pad, int groups) {
            this(x, w, stride, new int[] {pad, pad, pad, pad}, groups);
        }

        int oh() { return (x[2] + pads[0] + pads[2] - w[2]) / stride + 1; }
        int ow() { return (x[3] + pads[1] + pads[3] - w[3]) / stride + 1; }
    }

    /**
     * The cells. The first five are RT-DETR-like mid-network shapes; the rest are the shapes of RT-DETR-l's HGNetv2
     * backbone (heed-bench/src/main/python/make_vision_models.py, 640² input): its stem (3→32 3×3/2 at 640²;
     * 32→16 and 16→32 2×2 with the right/bottom pad of 1 folded into the convolution's pads; 64→32 3×3/2 at 320²),
     * the 48-channel 3×3 layers of stage 1 at 160², the depthwise 3×3/2 downsample into stage 2 and the
     * depthwise 5×5 of stage 3's light layers.
     */
    static final Map<String, Spec> SPECS = Map.ofEntries(
            Map.entry("c64_160_k3", new Spec(new int[] {1, 64, 160, 160}, new int[] {64, 64, 3, 3}, 1, 1, 1)),
            Map.entry("c128_80_k3", new Spec(new int[] {1, 128, 80, 80}, new int[] {128, 128, 3, 3}, 1, 1, 1)),
            Map.entry("c128_80_k3s2", new Spec(new int[] {1, 128, 80, 80}, new int[] {128, 128, 3, 3}, 2, 1, 1)),
            Map.entry("c256_40_k1", new Spec(new int[] {1, 256, 40, 40}, new int[] {256, 256, 1, 1}, 1, 0, 1)),
            Map.entry("dw128_80_k3", new Spec(new int[] {1, 128, 80, 80}, new int[] {128, 1, 3, 3}, 1, 1, 128)),
            Map.entry("c3_640_k3s2", new Spec(new int[] {1, 3, 640, 640}, new int[] {32, 3, 3, 3}, 2, 1, 1)),
            Map.entry("c32_320_k2", new Spec(new int[] {1, 32, 320, 320}, new int[] {16, 32, 2, 2}, 1, new int[] {0, 0, 1, 1}, 1)),
            Map.entry("c16_320_k2", new Spec(new int[] {1, 16, 320, 320}, new int[] {32, 16, 2, 2}, 1, new int[] {0, 0, 1, 1}, 1)),
            Map.entry("c64_320_k3s2", new Spec(new int[] {1, 64, 320, 320}, new int[] {32, 64, 3, 3}, 2, 1, 1)),
            Map.entry("c48_160_k3", new Spec(new int[] {1, 48, 160, 160}, new int[] {48, 48, 3, 3}, 1, 1, 1)),
            Map.entry("dw128_160_k3s2", new Spec(new int[] {1, 128, 160, 160}, new int[] {128, 1, 3, 3}, 2, 1, 128)),
            Map.entry("dw192_40_k5", new Spec(new int[] {1, 192, 40, 40}, new int[] {192, 1, 5, 5}, 1, 2, 192)));

    @Param({"c64_160_k3", "c128_80_k3", "c128_80_k3s2", "c256_40_k1", "dw128_80_k3", "c3_640_k3s2", "c32_320_k2",
            "c16_320_k2", "c64_320_k3s2", "c48_160_k3", "dw128_160_k3s2", "dw192_40_k5"})
    public String conv;

    @Param({"1", "2"})
    public int threads;

    @Param({"heed", "ort"})
    public String impl;

    private Tensor x, w, bias;
    private Conv2d.Params params;
    private ExecutionContext ctx;
    private OrtRunner ort;

    /** Floating-point operations (multiply and add) of one convolution {@code name}. */
    public static double flops(String name) {
        Spec s = SPECS.get(name);
        return 2.0 * s.x[0] * s.w[0] * s.oh() * s.ow() * s.w[1] * s.w[2] * s.w[3];
    }

    @Setup(Level.Trial)
    public void setup() {
        Spec s = SPECS.get(conv);
        SplittableRandom rnd = new SplittableRandom(2);
        float[] xd = random(rnd, s.x[0] * s.x[1] * s.x[2] * s.x[3]);
        float[] wd = random(rnd, s.w[0] * s.w[1] * s.w[2] * s.w[3]);
        float[] bd = random(rnd, s.w[0]);
        x = Tensor.of(xd, s.x);
        w = Tensor.of(wd, s.w);
        bias = Tensor.of(bd, s.w[0]);
        params = new Conv2d.Params(s.stride, s.stride, s.pads[0], s.pads[1], s.pads[2], s.pads[3], 1, 1, s.groups);
        switch (impl) {
            case "heed" -> ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(threads));
            case "ort" -> ort = new OrtRunner("conv_" + conv + ".onnx", threads)
                    .input("X", xd, toLong(s.x)).input("W", wd, toLong(s.w)).input("B", bd, s.w[0]);
            default -> throw new IllegalArgumentException("impl " + impl + "; expected one of [heed, ort]");
        }
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextDouble(-1, 1);
        return v;
    }

    private static long[] toLong(int[] d) {
        long[] r = new long[d.length];
        for (int i = 0; i < d.length; i++) r[i] = d[i];
        return r;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (ctx != null) ctx.close();
        if (ort != null) ort.close();
    }

    @Benchmark
    public Object conv2d() {
        if (ort != null) return ort.run();
        return Conv2d.conv2d(ctx, x, w, bias, params, Activation.NONE);
    }
}
