package dev.heed.spark;

import static dev.heed.spark.SparkTestData.CACHE;
import static dev.heed.spark.SparkTestData.floats;
import static dev.heed.spark.SparkTestData.maxDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.exec.ExecutionOptions;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link HeedTextEmbedder} in local[2] against Heed's in-process {@link TextEncoder}: the whole tokenizer corpus
 * (1,262 lines: scripts, emoji, control characters, long lines), every component within {@value #TOLERANCE}, rows
 * in input order; the empty lines get a null embedding and an error instead.
 */
class HeedTextEmbedderTest {
    /** Largest allowed |spark − in-process| per component (the batches differ, so padding differs: float rounding). */
    static final double TOLERANCE = 1e-6;
    static final StructType SCHEMA = new StructType().add("id", DataTypes.IntegerType, false).add("text", DataTypes.StringType, true);

    static SparkSession spark;
    static List<String> corpus;
    static TextEncoder reference;

    @BeforeAll
    static void setUp() throws Exception {
        spark = SparkTestData.spark();
        corpus = SparkTestData.corpus();
        reference = TextEncoder.defaultModel(TextEncoderOptions.defaults(CACHE).withExecution(ExecutionOptions.defaults().withThreads(2)));
    }

    @AfterAll
    static void tearDown() {
        if (reference != null) reference.close();
    }

    static Dataset<Row> frame(List<String> texts) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) rows.add(RowFactory.create(i, texts.get(i)));
        return spark.createDataFrame(rows, SCHEMA);
    }

    @Test
    void corpusEqualsInProcessEmbeddingsInInputOrder() {
        Dataset<Row> in = frame(corpus);
        int partitions = in.rdd().getNumPartitions();
        assertTrue(partitions >= 2, "local[2] should split the corpus over 2 tasks, got " + partitions);
        // a batch size no other test uses: a model key of its own, so the load count below is this transform's
        HeedTextEmbedder embed = new HeedTextEmbedder().setCacheDir(CACHE.toString()).setBatchSize(31);
        int loadsBefore = ExecutorModels.loads();
        long t0 = System.nanoTime();
        List<Row> out = embed.transform(in).collectAsList();
        double sparkMs = (System.nanoTime() - t0) / 1e6;
        assertEquals(1, ExecutorModels.loads() - loadsBefore, "one model for both tasks of this JVM");

        List<String> nonEmpty = corpus.stream().filter(s -> !s.isEmpty()).toList();
        t0 = System.nanoTime();
        List<float[]> expected = reference.embedAll(nonEmpty);
        double refMs = (System.nanoTime() - t0) / 1e6;

        assertEquals(corpus.size(), out.size());
        double worst = 0;
        int k = 0, empty = 0;
        for (int i = 0; i < corpus.size(); i++) {
            Row r = out.get(i);
            assertEquals(i, r.getInt(0), "row order");
            assertEquals(corpus.get(i), r.getString(1), "row " + i + " text");
            if (corpus.get(i).isEmpty()) {
                empty++;
                assertTrue(r.isNullAt(r.fieldIndex("embedding")), "row " + i + ": an empty text has no embedding");
                assertEquals("empty text in column 'text'", r.getString(r.fieldIndex("error")));
                continue;
            }
            assertNull(r.getString(r.fieldIndex("error")), "row " + i);
            float[] got = floats(r, "embedding");
            assertEquals(384, got.length);
            double d = maxDiff(expected.get(k++), got);
            worst = Math.max(worst, d);
            assertTrue(d <= TOLERANCE, "row " + i + ": max |spark - in-process| = " + d + " > " + TOLERANCE);
        }
        assertTrue(empty > 0, "the corpus has empty lines (the error path is exercised)");
        System.out.printf("HeedTextEmbedder local[2] on %d lines (%d partitions): max |spark - in-process| = %.3g; "
                + "%.0f ms in Spark, %.0f ms in process%n", corpus.size(), partitions, worst, sparkMs, refMs);
    }

    @Test
    void vectorOutputHoldsTheSameValues() {
        List<String> texts = corpus.subList(0, 64).stream().filter(s -> !s.isEmpty()).toList();
        HeedTextEmbedder arrays = new HeedTextEmbedder().setCacheDir(CACHE.toString());
        HeedTextEmbedder vectors = new HeedTextEmbedder().setCacheDir(CACHE.toString()).setOutputType("vector").setOutputCol("v");
        Dataset<Row> both = vectors.setErrorCol("verror").transform(arrays.transform(frame(texts)));
        assertEquals(SQLDataTypes.VectorType(), both.schema().apply("v").dataType());
        assertEquals(DataTypes.createArrayType(DataTypes.FloatType, false), both.schema().apply("embedding").dataType());
        for (Row r : both.collectAsList()) {
            float[] a = floats(r, "embedding");
            Vector v = r.getAs("v");
            assertEquals(a.length, v.size());
            for (int i = 0; i < a.length; i++) assertEquals(a[i], v.apply(i), 0.0, "component " + i);
        }
    }

    @Test
    void maxLengthTruncatesAsTheEncoderDoes() {
        List<String> texts = corpus.stream().filter(s -> reference.tokenizer().encode(s).length() > 40).limit(20).toList();
        assertTrue(texts.size() >= 5, "the corpus has lines of more than 40 tokens");
        List<Row> out = new HeedTextEmbedder().setCacheDir(CACHE.toString()).setMaxLength(16).transform(frame(texts)).collectAsList();
        try (TextEncoder short16 = TextEncoder.defaultModel(TextEncoderOptions.defaults(CACHE).withMaxTokens(16))) {
            List<float[]> expected = short16.embedAll(texts);
            for (int i = 0; i < texts.size(); i++) {
                double d = maxDiff(expected.get(i), floats(out.get(i), "embedding"));
                assertTrue(d <= TOLERANCE, "text " + i + ": " + d);
            }
            double full = maxDiff(reference.embed(texts.getFirst()), floats(out.getFirst(), "embedding"));
            assertTrue(full > 1e-3, "16 tokens give another embedding than 128 (diff " + full + ")");
        }
    }
}
