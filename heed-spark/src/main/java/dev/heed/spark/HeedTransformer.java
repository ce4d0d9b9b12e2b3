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

    /** This stage's unique id in a pipeline (Spark's {@code uid}); saved and loaded with the stage. */
    private final String uid;
    /** Param {@code inputCol}: the name of the column read. */
    private final Param<String> inputCol;
    /** Param {@code outputCol}: the name of the result column appended. */
    private final Param<String> outputCol;
    /** Param {@code errorCol}: the name of the appended string column holding a bad row's message. */
    private final Param<String> errorCol;
    /** Param {@code failOnError}: fail the task at the first bad row (default false). */
    private final BooleanParam failOnError;
    /** Param {@code model}: a built-in model name, a path every executor can read, or an {@code addFile} name. */
    private final Param<String> model;
    /** Param {@code threads}: Heed threads per task, 0 to 4096; 0 (the default) follows {@code spark.task.cpus}. */
    private final IntParam threads;
    /** Param {@code batchSize}: rows per model run, 1 to 65536. */
    private final IntParam batchSize;

    /**
     * Declares the shared params and sets their defaults: {@code errorCol} {@code "error"}, {@code failOnError}
     * false, {@code threads} 0; the others as given.
     *
     * @param uid            this stage's unique id (Spark's {@code Identifiable.randomUID} for a new stage, the saved
     *                       id when loading)
     * @param defaultInput   the default {@code inputCol}
     * @param defaultOutput  the default {@code outputCol}
     * @param defaultModel   the default {@code model}, or {@code null} for none (then {@code model} must be set
     *                       before {@link #transform})
     * @param defaultBatch   the default {@code batchSize}, 1 to 65536
     */
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

    /**
     * The {@code inputCol} param: the name of the column to read. Its type must be what the concrete transformer
     * accepts ({@code string} for texts; {@code binary} or {@code string} for images).
     *
     * @return the param (for {@code ParamMap}s and {@code Pipeline} tooling)
     */
    public Param<String> inputCol() { return inputCol; }

    /**
     * The {@code outputCol} param: the name of the nullable result column appended to the rows; it must not exist in
     * the input and must differ from {@code errorCol}.
     *
     * @return the param
     */
    public Param<String> outputCol() { return outputCol; }

    /**
     * The {@code errorCol} param (default {@code "error"}): the name of the appended nullable {@code string} column,
     * null for a row with a result and the reason for a row without one. It must not exist in the input.
     *
     * @return the param
     */
    public Param<String> errorCol() { return errorCol; }

    /**
     * The {@code failOnError} param (default false): true fails the task, and so the job, at the first bad row
     * (with that row's message) instead of writing a null result and a message in {@code errorCol}.
     *
     * @return the param
     */
    public BooleanParam failOnError() { return failOnError; }

    /**
     * The {@code model} param: a built-in model name, a file or directory that every executor can read (a plain
     * path or a {@code file:} URI), or the name of a file added with {@code SparkContext.addFile}.
     *
     * @return the param
     */
    public Param<String> model() { return model; }

    /**
     * The {@code threads} param (default 0): Heed's threads per task, 0 to 4096; 0 uses the running task's
     * {@code spark.task.cpus}.
     *
     * @return the param
     */
    public IntParam threads() { return threads; }

    /**
     * The {@code batchSize} param: how many rows one model run takes, 1 to 65536 (the default depends on the
     * transformer: 32 for texts, 8 for images).
     *
     * @return the param
     */
    public IntParam batchSize() { return batchSize; }

    /**
     * The input column's name.
     *
     * @return {@code inputCol}, set or default
     */
    public String getInputCol() { return getOrDefault(inputCol); }

    /**
     * The result column's name.
     *
     * @return {@code outputCol}, set or default
     */
    public String getOutputCol() { return getOrDefault(outputCol); }

    /**
     * The error column's name.
     *
     * @return {@code errorCol}, set or default ({@code "error"})
     */
    public String getErrorCol() { return getOrDefault(errorCol); }

    /**
     * Whether a bad row fails the task.
     *
     * @return {@code failOnError}, set or default (false)
     */
    public boolean getFailOnError() { return (Boolean) getOrDefault(failOnError); }

    /**
     * The model location.
     *
     * @return {@code model}, set or default
     * @throws HeedException with {@code ErrorCode.INVALID_ARGUMENT} if {@code model} has neither a value nor a
     *                       default (the image transformers have no default)
     */
    public String getModel() {
        if (!isDefined(model)) {
            throw HeedException.invalid(getClass().getSimpleName(), "param 'model' is not set: " + model.doc());
        }
        return getOrDefault(model);
    }

    /**
     * Heed's threads per task.
     *
     * @return {@code threads}, set or default (0: {@code spark.task.cpus})
     */
    public int getThreads() { return (Integer) getOrDefault(threads); }

    /**
     * Rows per model run.
     *
     * @return {@code batchSize}, set or default
     */
    public int getBatchSize() { return (Integer) getOrDefault(batchSize); }

    /**
     * Sets {@code inputCol}. The column's existence and type are checked by {@link #transformSchema}, not here.
     *
     * @param v the name of the column to read
     * @return this transformer
     */
    public T setInputCol(String v) { set(inputCol, v); return self(); }

    /**
     * Sets {@code outputCol}; checked by {@link #transformSchema} (it must be new and differ from {@code errorCol}).
     *
     * @param v the name of the result column to append
     * @return this transformer
     */
    public T setOutputCol(String v) { set(outputCol, v); return self(); }

    /**
     * Sets {@code errorCol}; checked by {@link #transformSchema} (it must be new and differ from {@code outputCol}).
     *
     * @param v the name of the message column to append
     * @return this transformer
     */
    public T setErrorCol(String v) { set(errorCol, v); return self(); }

    /**
     * Sets {@code failOnError}.
     *
     * @param v true: the first bad row fails the task; false (the default): it gets a null result and a message
     * @return this transformer
     */
    public T setFailOnError(boolean v) { set(failOnError, v); return self(); }

    /**
     * Sets {@code model}. The location is resolved on each executor when its first task runs, so a missing file is
     * reported by the task, not here.
     *
     * @param v a built-in model name, a path every executor can read, or a name added with {@code SparkContext.addFile}
     * @return this transformer
     */
    public T setModel(String v) { set(model, v); return self(); }

    /**
     * Sets {@code threads}; the range is checked by {@link #transformSchema}.
     *
     * @param v Heed's threads per task, 0 to 4096; 0 uses {@code spark.task.cpus}
     * @return this transformer
     */
    public T setThreads(int v) { set(threads, v); return self(); }

    /**
     * Sets {@code batchSize}; the range is checked by {@link #transformSchema}.
     *
     * @param v rows per model run, 1 to 65536
     * @return this transformer
     */
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

    /**
     * Checks the params and the input schema, and gives the output schema.
     *
     * @param schema the input rows' schema
     * @return {@code schema} with {@code outputCol} (nullable, of this transformer's result type) and
     *         {@code errorCol} (nullable {@code string}) appended
     * @throws HeedException with {@code ErrorCode.INVALID_ARGUMENT} (or {@code UNSUPPORTED} for an unknown choice)
     *                       naming the param or column: {@code threads} or {@code batchSize} out of range, a
     *                       transformer param out of range, {@code model} unset, the input column missing or of the
     *                       wrong type, {@code outputCol} / {@code errorCol} already in the input or equal
     */
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

    /**
     * Appends {@code outputCol} and {@code errorCol}; rows keep their order. Lazy, like any Spark transformation:
     * models are loaded (once per executor JVM) and rows computed when an action runs.
     *
     * @param dataset the input rows, with {@code inputCol}
     * @return the input rows with the result and error columns appended
     * @throws HeedException as {@link #transformSchema} does, before any job runs
     */
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
