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

    /** Param {@code conf}: the score threshold in [0, 1]; detections with score &gt; conf are kept. */
    private final FloatParam conf;
    /** Param {@code classes}: the class ids (each &gt;= 0) to keep; empty keeps every class. */
    private final IntArrayParam classes;
    /** Param {@code maxDet}: the most detections per image, at least 1. */
    private final IntParam maxDet;

    /**
     * A detector with a random uid and the defaults (Ultralytics'): {@code inputCol} {@code content},
     * {@code outputCol} {@code detections}, {@code conf} 0.25, {@code classes} empty (all), {@code maxDet} 300,
     * {@code batchSize} 8, no {@code model} (set it before {@code transform}).
     */
    public HeedObjectDetector() {
        this(Identifiable$.MODULE$.randomUID("heedObjectDetector"));
    }

    /**
     * A detector with the given uid and the same defaults as {@link #HeedObjectDetector()}; Spark's reader uses this
     * to restore a saved stage.
     *
     * @param uid this stage's unique id
     */
    public HeedObjectDetector(String uid) {
        super(uid, "detections");
        conf = new FloatParam(this, "conf", "keep detections whose score is above this");
        classes = new IntArrayParam(this, "classes", "class ids to keep; empty keeps all");
        maxDet = new IntParam(this, "maxDet", "most detections per image");
        setDefault(conf, 0.25f);
        setDefault(classes, new int[0]);
        setDefault(maxDet, 300);
    }

    /**
     * The {@code conf} param (default 0.25): a detection is kept when its score (the best class probability, in
     * [0, 1]) is strictly above it; must be in [0, 1].
     *
     * @return the param
     */
    public FloatParam conf() { return conf; }

    /**
     * The {@code classes} param (default empty): the class ids to keep, each &gt;= 0; empty keeps every class.
     *
     * @return the param
     */
    public IntArrayParam classes() { return classes; }

    /**
     * The {@code maxDet} param (default 300): the most detections kept per image (the highest scores), at least 1.
     *
     * @return the param
     */
    public IntParam maxDet() { return maxDet; }

    /**
     * The score threshold.
     *
     * @return {@code conf}, set or default (0.25)
     */
    public float getConf() { return (Float) getOrDefault(conf); }

    /**
     * The class ids kept.
     *
     * @return {@code classes}, set or default (empty: all); the param's own array, not a copy
     */
    public int[] getClasses() { return getOrDefault(classes); }

    /**
     * The per-image detection limit.
     *
     * @return {@code maxDet}, set or default (300)
     */
    public int getMaxDet() { return (Integer) getOrDefault(maxDet); }

    /**
     * Sets {@code conf}; checked by {@link #transformSchema} (NaN or outside [0, 1] is refused).
     *
     * @param v the score threshold in [0, 1]; detections with a score strictly above it are kept
     * @return this detector
     */
    public HeedObjectDetector setConf(float v) { set(conf, v); return this; }

    /**
     * Sets {@code classes}; checked by {@link #transformSchema} (a negative id is refused).
     *
     * @param v the class ids to keep, each &gt;= 0; none keeps every class
     * @return this detector
     */
    public HeedObjectDetector setClasses(int... v) { set(classes, v); return this; }

    /**
     * Sets {@code maxDet}; checked by {@link #transformSchema} (it must be at least 1).
     *
     * @param v the most detections kept per image, at least 1
     * @return this detector
     */
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

    /**
     * Reads a saved {@code HeedObjectDetector} (what {@link #load} uses).
     *
     * @return Spark's default params reader for this class
     */
    public static MLReader<HeedObjectDetector> read() {
        return new DefaultParamsReader<>();
    }

    /**
     * Loads a {@code HeedObjectDetector} saved with {@code write().save(path)}.
     *
     * @param path the directory it was saved to (any Hadoop file system path)
     * @return the detector, with its saved uid and params
     */
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
