package dev.heed.spark;

import dev.heed.text.TextEncoder;
import java.io.Serial;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;

/** {@link HeedTextEmbedder}'s work on one partition: the valid texts of each batch in one {@code embedAll}. */
final class EmbedPartition extends PartitionJob<TextEncoder> {
    @Serial
    private static final long serialVersionUID = 1L;

    private final TextModels.Spec spec;
    private final boolean normalize;
    private final boolean vector;

    EmbedPartition(TextModels.Spec spec, int inputIndex, String inputCol, String errorCol, int width, int batchSize,
                   int threads, boolean failOnError, boolean normalize, boolean vector) {
        super("HeedTextEmbedder", inputIndex, inputCol, errorCol, width, batchSize, threads, failOnError);
        this.spec = spec;
        this.normalize = normalize;
        this.vector = vector;
    }

    /**
     * Rows per {@code embedAll} call: {@value #BATCHES_PER_STEP} model batches' worth. {@code embedAll} sorts its texts
     * by length before cutting them into batches of {@code batchSize}, so a long step pads little; a step of one
     * batch in input order would pad every short text to the longest of its neighbours (measured: 3x slower on the
     * tokenizer corpus).
     */
    @Override
    int rowsPerStep() {
        return (int) Math.min(1 << 16, (long) batchSize * BATCHES_PER_STEP);
    }

    static final int BATCHES_PER_STEP = 32;

    @Override
    ModelKey key(int threads) {
        return spec.key(batchSize, threads);
    }

    @Override
    TextEncoder open(int threads) {
        return spec.open(batchSize, threads);
    }

    @Override
    void run(TextEncoder encoder, List<Row> batch, Object[] values, String[] errors) {
        List<String> texts = new ArrayList<>(batch.size());
        List<Integer> rows = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Row r = batch.get(i);
            String t = r.isNullAt(inputIndex) ? null : r.getString(inputIndex);
            if (t == null) errors[i] = "null text in column '" + inputCol + "'";
            else if (t.isEmpty()) errors[i] = "empty text in column '" + inputCol + "'";
            else {
                texts.add(t);
                rows.add(i);
            }
        }
        if (texts.isEmpty()) return;
        List<float[]> vectors = encoder.embedAll(texts);
        boolean rescale = normalize && !encoder.card().normalize();
        for (int k = 0; k < texts.size(); k++) {
            float[] v = vectors.get(k);
            if (rescale) v = unit(v);
            values[rows.get(k)] = vector ? Vectors.dense(widen(v)) : v;     // float[] is what a Row holds for array<float>
        }
    }

    /** {@code v / ||v||} (computed in double); a zero vector stays zero. */
    static float[] unit(float[] v) {
        double s = 0;
        for (float x : v) s += (double) x * x;
        if (s == 0) return v;
        double inv = 1 / Math.sqrt(s);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) (v[i] * inv);
        return out;
    }

    private static double[] widen(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }
}
