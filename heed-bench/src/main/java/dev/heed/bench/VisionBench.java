package dev.heed.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.SessionOptions;
import dev.heed.tensor.Tensor;
import dev.heed.vision.ClassNames;
import dev.heed.vision.Classification;
import dev.heed.vision.Classifier;
import dev.heed.vision.ClassifierOptions;
import dev.heed.vision.DetectionPostprocess;
import dev.heed.vision.Detector;
import dev.heed.vision.DetectorOptions;
import dev.heed.vision.Images;
import dev.heed.vision.RgbImage;
import dev.heed.vision.RtDetrPipeline;
import dev.heed.vision.ViTPreprocess;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
 * Milliseconds per image for the two vision fixtures, pre- and post-processing included, Heed against ONNX Runtime
 * in the same run: {@code rtdetr} is the RT-DETR-like fixture ({@code rtdetr_tiny_opset17.onnx}, 640², output0
 * [1, 300, 84]) through {@link Detector#detect(RgbImage)}; {@code vit} is the torchvision ViT fixture
 * ({@code vit_opset17.onnx}, 224²) through {@link Classifier#classify(RgbImage, int)} with top-5. The ORT variant runs
 * exactly the same Java pre- and post-processing ({@link RtDetrPipeline} with ORT as the model function;
 * {@link ViTPreprocess} + {@link Classification#topK}); its input copy into ORT is counted. Both engines get 2
 * intra-op threads; one JMH caller thread. The image is decoded once in setup (decoding is not measured).
 *
 * <p>Run from the repository root (paths are relative to it) — not part of any test:
 * <pre>
 * flock /tmp/heed-build.lock ./mvnw -q -Pbench -pl heed-bench -am package -DskipTests
 * java -jar heed-bench/target/benchmarks.jar VisionBench -p threads=2
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class VisionBench {
    @Param({"rtdetr", "vit"})
    public String model;

    @Param({"heed", "ort"})
    public String impl;

    @Param({"2"})
    public int threads;

    @Param({"heed-onnx/src/test/resources/models"})
    public String modelDir;

    @Param({"../shared/data/images/bus.jpg"})
    public String image;

    private RgbImage img;
    private Detector detector;
    private Classifier classifier;
    private RtDetrPipeline pipeline;
    private final ViTPreprocess vitPre = ViTPreprocess.imagenet();
    private final ClassNames imagenet = ClassNames.imagenet1k();
    private OrtEnvironment env;
    private OrtSession ort;

    @Setup(Level.Trial)
    public void setup() throws OrtException {
        img = Images.read(Path.of(image));
        Path file = Path.of(modelDir, model.equals("rtdetr") ? "rtdetr_tiny_opset17.onnx" : "vit_opset17.onnx");
        SessionOptions so = SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(threads));
        switch (impl) {
            case "heed" -> {
                if (model.equals("rtdetr")) detector = Detector.open(file, DetectorOptions.defaults().withSession(so));
                else classifier = Classifier.open(file, ClassifierOptions.defaults().withSession(so));
            }
            case "ort" -> {
                env = OrtEnvironment.getEnvironment();
                try (OrtSession.SessionOptions o = OrtRunner.peerOptions(threads)) {
                    ort = env.createSession(file.toString(), o);
                }
                pipeline = new RtDetrPipeline(640, DetectionPostprocess.defaults(), ClassNames.coco80());
            }
            default -> throw new IllegalArgumentException("impl " + impl + "; expected one of [heed, ort]");
        }
    }

    /** One image end to end; returns the number of detections (rtdetr) or the best class id (vit). */
    @Benchmark
    public int perImage() {
        if (model.equals("rtdetr")) {
            return impl.equals("heed") ? detector.detect(img).size() : pipeline.predict(img, x -> ortRun("images", x)).size();
        }
        if (impl.equals("heed")) return classifier.classify(img, 5).top().getFirst().classId();
        Tensor logits = ortRun("pixel_values", vitPre.apply(img));
        List<Classification> top = Classification.topK(logits, 5, imagenet);
        return top.getFirst().classId();
    }

    /** ORT on one float input; the first output copied back into a Heed tensor (as a caller would need it). */
    private Tensor ortRun(String input, Tensor x) {
        long[] shape = Arrays.stream(x.shape().dims()).asLongStream().toArray();
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.toFloatArray()), shape);
             OrtSession.Result r = ort.run(Map.of(input, in))) {
            OnnxTensor y = (OnnxTensor) r.get(0);
            FloatBuffer fb = y.getFloatBuffer();
            float[] a = new float[fb.remaining()];
            fb.get(a);
            return Tensor.of(a, Arrays.stream(y.getInfo().getShape()).mapToInt(Math::toIntExact).toArray());
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        if (detector != null) detector.close();
        if (classifier != null) classifier.close();
        if (ort != null) ort.close();
    }
}
