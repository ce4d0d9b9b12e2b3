package dev.heed.spark;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.SessionOptions;
import dev.heed.vision.Detection;
import dev.heed.vision.Detector;
import dev.heed.vision.DetectorOptions;
import dev.heed.vision.RgbImage;
import java.io.Serial;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.ml.param.FloatParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * RT-DETR object detection as a Spark ML {@code Transformer}: an image column in (Spark's {@code binaryFile}
 * {@code content}, or local paths), {@code array<struct<name, class, confidence, box: struct<x1, y1, x2, y2>>>} out
 * (boxes in the image's pixels, as Ultralytics' {@code tojson()} names them), computed by Heed's {@code Detector},
 * one model per executor JVM.
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("/data/images");   // path, ..., content
 * Dataset<Row> found = new HeedObjectDetector().setModel("/models/rtdetr-l.onnx").setConf(0.5f).transform(images);
 * }</pre>
 *
 * <p>Params: {@code model} (an ONNX file every executor can read, or a name added with {@code SparkContext.addFile});
 * {@code conf} (keep scores above it, 0.25); {@code classes} (class ids to keep, empty = all); {@code maxDet} (300);
 * {@code maxPixels}; {@code threads}; {@code batchSize} (rows pulled per step). A null, corrupt or too large image
 * gives a null result and a message in {@code errorCol}.
 */
public final class HeedObjectDetector extends HeedImageTransformer<HeedObjectDetector> {
    private static final long serialVersionUID = 1L;

    /** One detection: {@code struct<name, class, confidence, box: struct<x1, y1, x2, y2>>}. */
    public static final StructType DETECTION = new StructType()
            .add("name", DataTypes.StringType, false)
            .add("class", DataTypes.IntegerType, false)
            .add("confidence", DataTypes.FloatType, false)
            .add("box", new StructType().add("x1", DataTypes.FloatType, false).add("y1", DataTypes.FloatType, false)
                    .add("x2", DataTypes.FloatType, false).add("y2", DataTypes.FloatType, false), false);

    private final FloatParam conf;
    private final IntArrayParam classes;
    private final IntParam maxDet;

    public HeedObjectDetector() {
        this(Identifiable$.MODULE$.randomUID("heedObjectDetector"));
    }

    public HeedObjectDetector(String uid) {
        super(uid, "detections");
        conf = new FloatParam(this, "conf", "keep detections whose score is above this");
        classes = new IntArrayParam(this, "classes", "class ids to keep; empty keeps all");
        maxDet = new IntParam(this, "maxDet", "most detections per image");
        setDefault(conf, 0.25f);
        setDefault(classes, new int[0]);
        setDefault(maxDet, 300);
    }

    public FloatParam conf() { return conf; }

    public IntArrayParam classes() { return classes; }

    public IntParam maxDet() { return maxDet; }

    public float getConf() { return (Float) getOrDefault(conf); }

    public int[] getClasses() { return getOrDefault(classes); }

    public int getMaxDet() { return (Integer) getOrDefault(maxDet); }

    public HeedObjectDetector setConf(float v) { set(conf, v); return this; }

    public HeedObjectDetector setClasses(int... v) { set(classes, v); return this; }

    public HeedObjectDetector setMaxDet(int v) { set(maxDet, v); return this; }

    @Override
    DataType resultType() {
        return DataTypes.createArrayType(DETECTION, false);
    }

    @Override
    void checkParams() {
        super.checkParams();
        float c = getConf();
        if (!(c >= 0 && c <= 1)) throw HeedException.invalid("HeedObjectDetector", "conf must be in [0, 1], got " + c);
        if (getMaxDet() < 1) throw HeedException.invalid("HeedObjectDetector", "maxDet must be >= 1, got " + getMaxDet());
        for (int k : getClasses()) if (k < 0) throw HeedException.invalid("HeedObjectDetector", "classes holds " + k + "; class ids are >= 0");
    }

    @Override
    PartitionJob<?> job(StructType schema, int inputIndex) {
        return new Job(getModel(), getConf(), getClasses(), getMaxDet(), inputIndex, getInputCol(), getErrorCol(),
                schema.size(), getBatchSize(), getThreads(), getFailOnError(), binaryInput(schema), pathIndex(schema),
                getMaxPixels());
    }

    /** Reads a saved {@code HeedObjectDetector}. */
    public static MLReader<HeedObjectDetector> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads a {@code HeedObjectDetector} saved with {@code write().save(path)}. */
    public static HeedObjectDetector load(String path) {
        return read().load(path);
    }

    /** The detector's work on one partition. */
    static final class Job extends ImagePartition<Detector> {
        @Serial
        private static final long serialVersionUID = 1L;
        private final String model;
        private final float conf;
        private final int[] classes;
        private final int maxDet;

        Job(String model, float conf, int[] classes, int maxDet, int inputIndex, String inputCol, String errorCol, int width,
            int batchSize, int threads, boolean failOnError, boolean binary, int pathIndex, long maxPixels) {
            super("HeedObjectDetector", inputIndex, inputCol, errorCol, width, batchSize, threads, failOnError, binary,
                    pathIndex, maxPixels);
            this.model = model;
            this.conf = conf;
            this.classes = classes.clone();
            this.maxDet = maxDet;
        }

        @Override
        ModelKey key(int threads) {
            Path file = ModelFiles.resolve(model, "HeedObjectDetector");
            return new ModelKey("detector", file.toString(), ExecutorModels.sha256(file), "conf=" + conf + " classes="
                    + Arrays.toString(classes) + " maxDet=" + maxDet + " maxPixels=" + maxPixels + " threads=" + threads);
        }

        @Override
        Detector open(int threads) {
            Set<Integer> keep = classes.length == 0 ? null : Arrays.stream(classes).boxed().collect(Collectors.toSet());
            DetectorOptions o = DetectorOptions.defaults().withConf(conf).withClasses(keep).withMaxDet(maxDet)
                    .withMaxPixels(maxPixels)
                    .withSession(SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(threads)));
            return Detector.open(ModelFiles.resolve(model, "HeedObjectDetector"), o);
        }

        @Override
        Object predict(Detector detector, RgbImage image) {
            List<Row> out = new ArrayList<>();
            for (Detection d : detector.detect(image)) {
                out.add(RowFactory.create(d.name(), d.classId(), d.confidence(),
                        RowFactory.create(d.x1(), d.y1(), d.x2(), d.y2())));
            }
            return CollectionConverters.asScala(out);   // a Row holds array<struct> as a Scala Seq
        }
    }
}
