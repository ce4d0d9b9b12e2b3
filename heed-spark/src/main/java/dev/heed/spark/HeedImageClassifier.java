package dev.heed.spark;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.SessionOptions;
import dev.heed.vision.Classification;
import dev.heed.vision.Classifier;
import dev.heed.vision.ClassifierOptions;
import dev.heed.vision.RgbImage;
import java.io.Serial;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
 * Image classification (a ViT-style ONNX model: {@code [1, 3, S, S]} in, logits out) as a Spark ML
 * {@code Transformer}: an image column in, the top-k classes as {@code array<struct<name, class, confidence>>} out
 * (best first; confidence is the softmax probability), computed by Heed's {@code Classifier}, one model per
 * executor JVM.
 *
 * <pre>{@code
 * Dataset<Row> labelled = new HeedImageClassifier().setModel("/models/vit_b_16.onnx").setTopK(3)
 *         .transform(spark.read().format("binaryFile").load("/data/images"));
 * }</pre>
 *
 * <p>Params: {@code model}, {@code topK} (5), {@code maxPixels}, {@code threads}, {@code batchSize}, and the shared
 * {@code inputCol} / {@code outputCol} / {@code errorCol} / {@code failOnError}.
 */
public final class HeedImageClassifier extends HeedImageTransformer<HeedImageClassifier> {
    private static final long serialVersionUID = 1L;

    /** One class: {@code struct<name, class, confidence>}. */
    public static final StructType CLASS = new StructType()
            .add("name", DataTypes.StringType, false)
            .add("class", DataTypes.IntegerType, false)
            .add("confidence", DataTypes.DoubleType, false);

    /** Param {@code topK}: how many classes to keep per image, at least 1. */
    private final IntParam topK;

    /**
     * A classifier with a random uid and the defaults: {@code inputCol} {@code content}, {@code outputCol}
     * {@code classes}, {@code topK} 5, {@code batchSize} 8, no {@code model} (set it before {@code transform}).
     */
    public HeedImageClassifier() {
        this(Identifiable$.MODULE$.randomUID("heedImageClassifier"));
    }

    /**
     * A classifier with the given uid and the same defaults as {@link #HeedImageClassifier()}; Spark's reader uses
     * this to restore a saved stage.
     *
     * @param uid this stage's unique id
     */
    public HeedImageClassifier(String uid) {
        super(uid, "classes");
        topK = new IntParam(this, "topK", "how many of the most probable classes to keep");
        setDefault(topK, 5);
    }

    /**
     * The {@code topK} param (default 5): how many of the most probable classes each image keeps, best first; at
     * least 1 (a value above the model's class count keeps them all).
     *
     * @return the param
     */
    public IntParam topK() { return topK; }

    /**
     * Classes kept per image.
     *
     * @return {@code topK}, set or default (5)
     */
    public int getTopK() { return (Integer) getOrDefault(topK); }

    /**
     * Sets {@code topK}; checked by {@link #transformSchema} (it must be at least 1).
     *
     * @param v how many classes to keep per image, at least 1
     * @return this classifier
     */
    public HeedImageClassifier setTopK(int v) { set(topK, v); return this; }

    @Override
    DataType resultType() {
        return DataTypes.createArrayType(CLASS, false);
    }

    @Override
    void checkParams() {
        super.checkParams();
        if (getTopK() < 1) throw HeedException.invalid("HeedImageClassifier", "topK must be >= 1, got " + getTopK());
    }

    @Override
    PartitionJob<?> job(StructType schema, int inputIndex) {
        return new Job(getModel(), getTopK(), inputIndex, getInputCol(), getErrorCol(), schema.size(), getBatchSize(),
                getThreads(), getFailOnError(), binaryInput(schema), pathIndex(schema), getMaxPixels());
    }

    /**
     * Reads a saved {@code HeedImageClassifier} (what {@link #load} uses).
     *
     * @return Spark's default params reader for this class
     */
    public static MLReader<HeedImageClassifier> read() {
        return new DefaultParamsReader<>();
    }

    /**
     * Loads a {@code HeedImageClassifier} saved with {@code write().save(path)}.
     *
     * @param path the directory it was saved to (any Hadoop file system path)
     * @return the classifier, with its saved uid and params
     */
    public static HeedImageClassifier load(String path) {
        return read().load(path);
    }

    /** The classifier's work on one partition. */
    static final class Job extends ImagePartition<Classifier> {
        @Serial
        private static final long serialVersionUID = 1L;
        private final String model;
        private final int topK;

        Job(String model, int topK, int inputIndex, String inputCol, String errorCol, int width, int batchSize, int threads,
            boolean failOnError, boolean binary, int pathIndex, long maxPixels) {
            super("HeedImageClassifier", inputIndex, inputCol, errorCol, width, batchSize, threads, failOnError, binary,
                    pathIndex, maxPixels);
            this.model = model;
            this.topK = topK;
        }

        @Override
        ModelKey key(int threads) {
            Path file = ModelFiles.resolve(model, "HeedImageClassifier");
            return new ModelKey("classifier", file.toString(), ExecutorModels.sha256(file),
                    "maxPixels=" + maxPixels + " threads=" + threads);
        }

        @Override
        Classifier open(int threads) {
            ClassifierOptions o = ClassifierOptions.defaults().withMaxPixels(maxPixels)
                    .withSession(SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(threads)));
            return Classifier.open(ModelFiles.resolve(model, "HeedImageClassifier"), o);
        }

        @Override
        Object predict(Classifier classifier, RgbImage image) {
            List<Row> out = new ArrayList<>();
            for (Classification c : classifier.classify(image, topK).top()) {
                out.add(RowFactory.create(c.name(), c.classId(), c.probability()));
            }
            return CollectionConverters.asScala(out);   // a Row holds array<struct> as a Scala Seq
        }
    }
}
