package dev.heed.spark;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * What a Heed transformer does to one partition, shipped to the executors in place of the transformer (a plain
 * serialisable description: no model, no Spark params): find this JVM's model ({@link ExecutorModels}), cut the rows
 * into batches ({@link RowBatches}), run the model on each batch, and append the result and error columns.
 *
 * <p>Threads: {@code threads > 0} is used as given; 0 means {@code spark.task.cpus} of the running task, so a
 * task never uses more cores than the scheduler gave it.
 *
 * @param <M> the model type
 */
abstract class PartitionJob<M extends AutoCloseable> implements MapPartitionsFunction<Row, Row>, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    final String stage;          // "HeedTextEmbedder", for messages
    final int inputIndex;        // the input column in the input rows
    final String inputCol;
    final String errorCol;
    final int width;             // input columns
    final int batchSize;
    final int threads;           // 0: spark.task.cpus
    final boolean failOnError;

    PartitionJob(String stage, int inputIndex, String inputCol, String errorCol, int width, int batchSize, int threads,
                 boolean failOnError) {
        this.stage = stage;
        this.inputIndex = inputIndex;
        this.inputCol = inputCol;
        this.errorCol = errorCol;
        this.width = width;
        this.batchSize = batchSize;
        this.threads = threads;
        this.failOnError = failOnError;
    }

    /** The key of the model this job runs with {@code threads} threads (the file is resolved on this JVM). */
    abstract ModelKey key(int threads);

    /** Input rows handed to {@link #run} at once (default: {@code batchSize}). */
    int rowsPerStep() {
        return batchSize;
    }

    /** Opens the model (called once per JVM and key). */
    abstract M open(int threads);

    /**
     * Runs the model on a batch: sets {@code values[i]} (the output column's value, in Spark's external form) or
     * {@code errors[i]} (why row i has no result) for every row.
     */
    abstract void run(M model, List<Row> batch, Object[] values, String[] errors);

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        TaskContext task = TaskContext.get();
        int t = threads > 0 ? threads : task == null ? 1 : Math.max(1, task.cpus());
        int partition = task == null ? 0 : task.partitionId();
        M model = ExecutorModels.get(key(t), () -> open(t));
        long[] seen = {0};
        return new RowBatches(rows, rowsPerStep(), batch -> {
            int n = batch.size();
            Object[] values = new Object[n];
            String[] errors = new String[n];
            run(model, batch, values, errors);
            List<Row> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                if (errors[i] != null && failOnError) {
                    throw new HeedException(ErrorCode.INVALID_ARGUMENT, stage + ": row " + (seen[0] + i) + " of partition "
                            + partition + ": " + errors[i] + " (failOnError=true; with failOnError=false the row gets a "
                            + "null result and this message in column '" + errorCol + "')");
                }
                Row r = batch.get(i);
                Object[] v = new Object[width + 2];
                for (int c = 0; c < width; c++) v[c] = r.get(c);
                v[width] = errors[i] == null ? values[i] : null;
                v[width + 1] = errors[i];
                out.add(RowFactory.create(v));
            }
            seen[0] += n;
            return out;
        });
    }
}
