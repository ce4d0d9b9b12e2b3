package dev.heed.spark;

import dev.heed.HeedException;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What Heed's Spark ML transformers share: the params {@code inputCol}, {@code outputCol}, {@code errorCol},
 * {@code failOnError}, {@code model}, {@code threads}, {@code batchSize}; schema validation with messages that name
 * the column and the expected type; and {@link #transform}, which runs a {@link PartitionJob} over each partition
 * with {@code mapPartitions} and keeps the rows in their input order.
 *
 * <p>Bad rows (a null or empty text, a corrupt image, an image over the pixel limit) never kill the job by default:
 * their result is null and {@code errorCol} says why. With {@code failOnError=true} the first one fails its task,
 * and so the job, with that message.
 *
 * @param <T> the concrete transformer (setters return it)
 */
public abstract class HeedTransformer<T extends HeedTransformer<T>> extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> errorCol;
    private final BooleanParam failOnError;
    private final Param<String> model;
    private final IntParam threads;
    private final IntParam batchSize;

    protected HeedTransformer(String uid, String defaultInput, String defaultOutput, String defaultModel, int defaultBatch) {
        this.uid = uid;
        this.inputCol = new Param<>(this, "inputCol", "input column name");
        this.outputCol = new Param<>(this, "outputCol", "output column name");
        this.errorCol = new Param<>(this, "errorCol", "column for the message of a row that has no result (null otherwise)");
        this.failOnError = new BooleanParam(this, "failOnError", "fail the task at the first bad row instead of writing a null result and errorCol");
        this.model = new Param<>(this, "model", "the model: a built-in name or a path every executor can read (or a name added with SparkContext.addFile)");
        this.threads = new IntParam(this, "threads", "Heed threads per task; 0 follows spark.task.cpus");
        this.batchSize = new IntParam(this, "batchSize", "rows per model run");
        setDefault(inputCol, defaultInput);
        setDefault(outputCol, defaultOutput);
        setDefault(errorCol, "error");
        setDefault(failOnError, false);
        if (defaultModel != null) setDefault(model, defaultModel);
        setDefault(threads, 0);
        setDefault(batchSize, defaultBatch);
    }

    @Override
    public String uid() {
        return uid;
    }

    @SuppressWarnings("unchecked")
    final T self() {
        return (T) this;
    }

    // ---------------------------------------------------------------- params

    public Param<String> inputCol() { return inputCol; }

    public Param<String> outputCol() { return outputCol; }

    public Param<String> errorCol() { return errorCol; }

    public BooleanParam failOnError() { return failOnError; }

    public Param<String> model() { return model; }

    public IntParam threads() { return threads; }

    public IntParam batchSize() { return batchSize; }

    public String getInputCol() { return getOrDefault(inputCol); }

    public String getOutputCol() { return getOrDefault(outputCol); }

    public String getErrorCol() { return getOrDefault(errorCol); }

    public boolean getFailOnError() { return (Boolean) getOrDefault(failOnError); }

    public String getModel() {
        if (!isDefined(model)) {
            throw HeedException.invalid(getClass().getSimpleName(), "param 'model' is not set: " + model.doc());
        }
        return getOrDefault(model);
    }

    public int getThreads() { return (Integer) getOrDefault(threads); }

    public int getBatchSize() { return (Integer) getOrDefault(batchSize); }

    public T setInputCol(String v) { set(inputCol, v); return self(); }

    public T setOutputCol(String v) { set(outputCol, v); return self(); }

    public T setErrorCol(String v) { set(errorCol, v); return self(); }

    public T setFailOnError(boolean v) { set(failOnError, v); return self(); }

    public T setModel(String v) { set(model, v); return self(); }

    public T setThreads(int v) { set(threads, v); return self(); }

    public T setBatchSize(int v) { set(batchSize, v); return self(); }

    // ---------------------------------------------------------------- what each transformer adds

    /** The output column's type. */
    abstract DataType resultType();

    /** Whether the input column may have this type. */
    abstract boolean acceptsInput(DataType t);

    /** The accepted input types, for messages ("string", "binary (binaryFile's content) or string (a path)"). */
    abstract String expectedInput();

    /** Checks this transformer's own params (ranges, choices); throws naming the param. */
    abstract void checkParams();

    /** The job one partition runs, for input rows of {@code schema}. */
    abstract PartitionJob<?> job(StructType schema, int inputIndex);

    // ---------------------------------------------------------------- Transformer

    @Override
    public StructType transformSchema(StructType schema) {
        String name = getClass().getSimpleName();
        String in = getInputCol(), out = getOutputCol(), err = getErrorCol();
        int t = getThreads(), b = getBatchSize();
        if (t < 0 || t > 4096) throw HeedException.invalid(name, "threads must be 0 (spark.task.cpus) to 4096, got " + t);
        if (b < 1 || b > 65536) throw HeedException.invalid(name, "batchSize must be 1 to 65536, got " + b);
        checkParams();
        StructField field = Arrays.stream(schema.fields()).filter(f -> f.name().equals(in)).findFirst()
                .orElseThrow(() -> HeedException.invalid(name, "input column '" + in + "' does not exist; expected a column of "
                        + "type " + expectedInput() + "; the columns are " + columns(schema)));
        if (!acceptsInput(field.dataType())) {
            throw HeedException.invalid(name, "input column '" + in + "' has type " + field.dataType().simpleString()
                    + "; expected " + expectedInput());
        }
        for (String[] c : new String[][] {{"outputCol", out}, {"errorCol", err}}) {
            if (Arrays.asList(schema.fieldNames()).contains(c[1])) {
                throw HeedException.invalid(name, c[0] + " '" + c[1] + "' already exists in the input; choose another name "
                        + "(the columns are " + columns(schema) + ")");
            }
        }
        if (out.equals(err)) throw HeedException.invalid(name, "outputCol and errorCol are both '" + out + "'");
        return schema.add(out, resultType(), true).add(err, DataTypes.StringType, true);
    }

    private static String columns(StructType schema) {
        return Arrays.stream(schema.fields()).map(f -> f.name() + ": " + f.dataType().simpleString())
                .collect(Collectors.joining(", ", "[", "]"));
    }

    /** Appends {@code outputCol} and {@code errorCol}; rows keep their order. */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType in = dataset.schema();
        StructType out = transformSchema(in);
        PartitionJob<?> job = job(in, in.fieldIndex(getInputCol()));
        return dataset.toDF().mapPartitions(job, Encoders.row(out));
    }

    @Override
    public T copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
