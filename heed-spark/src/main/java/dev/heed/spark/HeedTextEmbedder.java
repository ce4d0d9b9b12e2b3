package dev.heed.spark;

import dev.heed.HeedException;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Sentence embeddings as a Spark ML {@code Transformer}: a string column in, {@code array<float>} (or an ML
 * {@code Vector} with {@code outputType=vector}) out, computed by Heed's {@code TextEncoder} inside
 * {@code mapPartitions}, in batches of {@code batchSize} rows, one model per executor JVM.
 *
 * <pre>{@code
 * Dataset<Row> docs = spark.read().parquet("docs.parquet");                 // a string column "text"
 * HeedTextEmbedder embed = new HeedTextEmbedder().setInputCol("text").setOutputCol("embedding");
 * Dataset<Row> out = embed.transform(docs);                                 // + embedding: array<float>, error: string
 * new Pipeline().setStages(new PipelineStage[] {embed}).fit(docs).write().save("pipeline");   // loads back
 * }</pre>
 *
 * <p>Params: {@code model} (a built-in name, default {@code all-minilm-l6-v2}, which is inside Heed's jar; or a
 * directory with {@code model.onnx} and {@code tokenizer.json} that every executor can read, or its name after
 * {@code SparkContext.addFile(dir, true)}); {@code batchSize} (32); {@code maxLength} (tokens, 0 = the tokenizer's
 * truncation, 128 for all-MiniLM-L6-v2); {@code normalize} (true: unit-length output even when the model's card does
 * not normalise; false: as the model's card says); {@code threads}; {@code outputType} ({@code array} or
 * {@code vector}); {@code cacheDir} (where the built-in model's ONNX file is copied once per executor; default the
 * executor's SparkFiles directory). A null or empty text gives a null embedding and a message in {@code errorCol}.
 */
public final class HeedTextEmbedder extends HeedTransformer<HeedTextEmbedder> {
    private static final long serialVersionUID = 1L;
    /** The {@code outputType} values. */
    public static final List<String> OUTPUT_TYPES = List.of("array", "vector");

    private final IntParam maxLength;
    private final BooleanParam normalize;
    private final Param<String> outputType;
    private final Param<String> cacheDir;

    public HeedTextEmbedder() {
        this(Identifiable$.MODULE$.randomUID("heedTextEmbedder"));
    }

    public HeedTextEmbedder(String uid) {
        super(uid, "text", "embedding", TextModels.DEFAULT, 32);
        maxLength = new IntParam(this, "maxLength", "truncate texts to this many tokens; 0 keeps the tokenizer's truncation");
        normalize = new BooleanParam(this, "normalize", "true: unit-length embeddings; false: as the model's card says");
        outputType = new Param<>(this, "outputType", "array (array<float>) or vector (an ML Vector)");
        cacheDir = new Param<>(this, "cacheDir", "where executors copy the built-in model's ONNX file; empty: SparkFiles' directory");
        setDefault(maxLength, 0);
        setDefault(normalize, true);
        setDefault(outputType, "array");
        setDefault(cacheDir, "");
    }

    public IntParam maxLength() { return maxLength; }

    public BooleanParam normalize() { return normalize; }

    public Param<String> outputType() { return outputType; }

    public Param<String> cacheDir() { return cacheDir; }

    public int getMaxLength() { return (Integer) getOrDefault(maxLength); }

    public boolean getNormalize() { return (Boolean) getOrDefault(normalize); }

    public String getOutputType() { return getOrDefault(outputType); }

    public String getCacheDir() { return getOrDefault(cacheDir); }

    public HeedTextEmbedder setMaxLength(int v) { set(maxLength, v); return this; }

    public HeedTextEmbedder setNormalize(boolean v) { set(normalize, v); return this; }

    public HeedTextEmbedder setOutputType(String v) { set(outputType, v); return this; }

    public HeedTextEmbedder setCacheDir(String v) { set(cacheDir, v); return this; }

    @Override
    DataType resultType() {
        return getOutputType().equals("vector") ? SQLDataTypes.VectorType() : DataTypes.createArrayType(DataTypes.FloatType, false);
    }

    @Override
    boolean acceptsInput(DataType t) {
        return t instanceof org.apache.spark.sql.types.StringType;
    }

    @Override
    String expectedInput() {
        return "string";
    }

    @Override
    void checkParams() {
        if (!OUTPUT_TYPES.contains(getOutputType())) {
            throw HeedException.unsupported("HeedTextEmbedder: outputType '" + getOutputType() + "'", OUTPUT_TYPES.toArray());
        }
        int m = getMaxLength();
        if (m < 0 || m > 8192) throw HeedException.invalid("HeedTextEmbedder", "maxLength must be 0 (the tokenizer's) to 8192, got " + m);
        getModel();
    }

    @Override
    PartitionJob<?> job(StructType schema, int inputIndex) {
        return new EmbedPartition(new TextModels.Spec(getModel(), getMaxLength(), getCacheDir()), inputIndex, getInputCol(),
                getErrorCol(), schema.size(), getBatchSize(), getThreads(), getFailOnError(), getNormalize(),
                getOutputType().equals("vector"));
    }

    /** Reads a saved {@code HeedTextEmbedder} (what {@code HeedTextEmbedder.load(path)} uses). */
    public static MLReader<HeedTextEmbedder> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads a {@code HeedTextEmbedder} saved with {@code write().save(path)}. */
    public static HeedTextEmbedder load(String path) {
        return read().load(path);
    }
}
