package dev.heed.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.HeedException;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** transformSchema: the output columns it adds, and messages that name the column and the expected type. */
class SchemaValidationTest {
    static final StructType TEXT = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
    static final StructType FILES = new StructType().add("path", DataTypes.StringType).add("content", DataTypes.BinaryType);

    static String fails(Runnable r) {
        return assertThrows(HeedException.class, r::run).getMessage();
    }

    @Test
    void embedderAddsItsColumns() {
        StructType out = new HeedTextEmbedder().transformSchema(TEXT);
        assertEquals(new ArrayType(DataTypes.FloatType, false), out.apply("embedding").dataType());
        assertEquals(DataTypes.StringType, out.apply("error").dataType());
        assertEquals(SQLDataTypes.VectorType(), new HeedTextEmbedder().setOutputType("vector").transformSchema(TEXT).apply("embedding").dataType());
    }

    @Test
    void embedderNamesTheColumnAndTheType() {
        String m = fails(() -> new HeedTextEmbedder().setInputCol("id").transformSchema(TEXT));
        assertEquals("HeedTextEmbedder: input column 'id' has type bigint; expected string", m);
        m = fails(() -> new HeedTextEmbedder().setInputCol("body").transformSchema(TEXT));
        assertTrue(m.startsWith("HeedTextEmbedder: input column 'body' does not exist; expected a column of type string; "
                + "the columns are [id: bigint, text: string]"), m);
        m = fails(() -> new HeedTextEmbedder().setOutputCol("id").transformSchema(TEXT));
        assertTrue(m.contains("outputCol 'id' already exists"), m);
        m = fails(() -> new HeedTextEmbedder().setOutputType("matrix").transformSchema(TEXT));
        assertTrue(m.contains("outputType 'matrix'") && m.contains("[array, vector]"), m);
        m = fails(() -> new HeedTextEmbedder().setBatchSize(0).transformSchema(TEXT));
        assertTrue(m.contains("batchSize must be 1 to 65536, got 0"), m);
    }

    @Test
    void imageTransformersNameTheColumnAndTheTypes() {
        StructType out = new HeedObjectDetector().setModel("m.onnx").transformSchema(FILES);
        assertEquals(new ArrayType(HeedObjectDetector.DETECTION, false), out.apply("detections").dataType());
        assertEquals(new ArrayType(HeedImageClassifier.CLASS, false),
                new HeedImageClassifier().setModel("m.onnx").transformSchema(FILES).apply("classes").dataType());
        String m = fails(() -> new HeedObjectDetector().setModel("m.onnx").setInputCol("id").transformSchema(TEXT));
        assertEquals("HeedObjectDetector: input column 'id' has type bigint; expected binary (the content column of "
                + "spark.read().format(\"binaryFile\")) or string (a local image path)", m);
        m = fails(() -> new HeedObjectDetector().transformSchema(FILES));
        assertTrue(m.startsWith("HeedObjectDetector: param 'model' is not set"), m);
        m = fails(() -> new HeedObjectDetector().setModel("m.onnx").setConf(1.5f).transformSchema(FILES));
        assertTrue(m.contains("conf must be in [0, 1], got 1.5"), m);
        m = fails(() -> new HeedImageClassifier().setModel("m.onnx").setTopK(0).transformSchema(FILES));
        assertTrue(m.contains("topK must be >= 1, got 0"), m);
    }
}
