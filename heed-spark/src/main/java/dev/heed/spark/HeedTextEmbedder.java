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

    /** Param {@code maxLength}: tokens per text, 0 to 8192; 0 (the default) keeps the tokenizer's truncation. */
    private final IntParam maxLength;
    /** Param {@code normalize}: true (the default) makes every embedding unit-length. */
    private final BooleanParam normalize;
    /** Param {@code outputType}: {@code array} (the default) or {@code vector}. */
    private final Param<String> outputType;
    /** Param {@code cacheDir}: where the built-in model's ONNX file is copied; empty (the default) = SparkFiles'. */
    private final Param<String> cacheDir;

    /**
     * An embedder with a random uid and the defaults: {@code inputCol} {@code text}, {@code outputCol}
     * {@code embedding}, {@code model} {@code all-minilm-l6-v2}, {@code batchSize} 32, {@code maxLength} 0,
     * {@code normalize} true, {@code outputType} {@code array}, {@code cacheDir} empty.
     */
    public HeedTextEmbedder() {
        this(Identifiable$.MODULE$.randomUID("heedTextEmbedder"));
    }

    /**
     * An embedder with the given uid and the same defaults as {@link #HeedTextEmbedder()}; Spark's reader uses this
     * to restore a saved stage.
     *
     * @param uid this stage's unique id
     */
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

    /**
     * The {@code maxLength} param (default 0): texts are truncated to this many tokens, 0 to 8192; 0 keeps the
     * tokenizer's own truncation (128 tokens for all-MiniLM-L6-v2).
     *
     * @return the param
     */
    public IntParam maxLength() { return maxLength; }

    /**
     * The {@code normalize} param (default true): true scales every embedding to unit L2 length (computed in double;
     * a zero vector stays zero) even when the model's card does not normalise; false leaves them as the card says.
     *
     * @return the param
     */
    public BooleanParam normalize() { return normalize; }

    /**
     * The {@code outputType} param (default {@code array}): {@code array} gives a non-null-element
     * {@code array<float>} column, {@code vector} an ML {@code Vector} (dense, double) column; one of
     * {@link #OUTPUT_TYPES}.
     *
     * @return the param
     */
    public Param<String> outputType() { return outputType; }

    /**
     * The {@code cacheDir} param (default empty): the directory on each executor into which the built-in model's
     * ONNX file is copied once per JVM; empty uses the executor's SparkFiles directory.
     *
     * @return the param
     */
    public Param<String> cacheDir() { return cacheDir; }

    /**
     * The token limit.
     *
     * @return {@code maxLength}, set or default (0: the tokenizer's truncation)
     */
    public int getMaxLength() { return (Integer) getOrDefault(maxLength); }

    /**
     * Whether embeddings are made unit-length.
     *
     * @return {@code normalize}, set or default (true)
     */
    public boolean getNormalize() { return (Boolean) getOrDefault(normalize); }

    /**
     * The output column's kind.
     *
     * @return {@code outputType}, set or default ({@code array})
     */
    public String getOutputType() { return getOrDefault(outputType); }

    /**
     * The executors' cache directory for the built-in model.
     *
     * @return {@code cacheDir}, set or default (empty: SparkFiles' directory)
     */
    public String getCacheDir() { return getOrDefault(cacheDir); }

    /**
     * Sets {@code maxLength}; the range is checked by {@link #transformSchema}.
     *
     * @param v tokens per text, 0 to 8192; 0 keeps the tokenizer's truncation
     * @return this embedder
     */
    public HeedTextEmbedder setMaxLength(int v) { set(maxLength, v); return this; }

    /**
     * Sets {@code normalize}.
     *
     * @param v true: unit-length embeddings; false: as the model's card says
     * @return this embedder
     */
    public HeedTextEmbedder setNormalize(boolean v) { set(normalize, v); return this; }

    /**
     * Sets {@code outputType}; checked by {@link #transformSchema}, which throws {@code UNSUPPORTED} listing
     * {@link #OUTPUT_TYPES} for another value.
     *
     * @param v {@code array} ({@code array<float>}) or {@code vector} (an ML {@code Vector})
     * @return this embedder
     */
    public HeedTextEmbedder setOutputType(String v) { set(outputType, v); return this; }

    /**
     * Sets {@code cacheDir}.
     *
     * @param v a directory every executor can write, or empty for the executor's SparkFiles directory
     * @return this embedder
     */
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

    /**
     * Reads a saved {@code HeedTextEmbedder} (what {@code HeedTextEmbedder.load(path)} uses).
     *
     * @return Spark's default params reader for this class
     */
    public static MLReader<HeedTextEmbedder> read() {
        return new DefaultParamsReader<>();
    }

    /**
     * Loads a {@code HeedTextEmbedder} saved with {@code write().save(path)}.
     *
     * @param path the directory it was saved to (any Hadoop file system path)
     * @return the embedder, with its saved uid and params
     */
    public static HeedTextEmbedder load(String path) {
        return read().load(path);
    }
}
