package dev.heed.spark;

import static dev.heed.spark.SparkTestData.CACHE;
import static dev.heed.spark.SparkTestData.RTDETR;
import static dev.heed.spark.SparkTestData.VIT;
import static dev.heed.spark.SparkTestData.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad rows, each case in both modes: by default a null result and the reason in {@code errorCol} while the good rows
 * beside it get their results; with {@code failOnError=true} the job fails with that reason. Cases: a null text, an
 * empty text, a null image, a corrupt image, an image over the pixel limit.
 */
class BadRowsTest {
    static SparkSession spark;
    static byte[] bus;

    @BeforeAll
    static void setUp() throws Exception {
        spark = SparkTestData.spark();
        bus = Files.readAllBytes(image("bus.jpg"));
    }

    static Dataset<Row> texts(String... texts) {
        List<Row> rows = new ArrayList<>();
        for (String t : texts) rows.add(RowFactory.create(t));
        return spark.createDataFrame(rows, new StructType().add("text", DataTypes.StringType, true)).coalesce(1);
    }

    static Dataset<Row> images(byte[]... contents) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < contents.length; i++) rows.add(RowFactory.create("image" + i + ".jpg", contents[i]));
        return spark.createDataFrame(rows, new StructType().add("path", DataTypes.StringType).add("content", DataTypes.BinaryType, true)).coalesce(1);
    }

    /** Every message in the cause chain of what {@code run} throws (Spark wraps the task's exception). */
    static String failure(Runnable run) {
        Throwable t = assertThrows(Exception.class, run::run);
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) sb.append(c).append('\n');
        return sb.toString();
    }

    static HeedTextEmbedder embedder() {
        return new HeedTextEmbedder().setCacheDir(CACHE.toString());
    }

    void textCase(String bad, String reason) {
        List<Row> out = embedder().transform(texts("a good sentence", bad, "another good one")).collectAsList();
        assertEquals(3, out.size());
        assertTrue(out.get(1).isNullAt(1), "no embedding for the bad row");
        assertEquals(reason, out.get(1).getString(2));
        for (int i : new int[] {0, 2}) {
            assertFalse(out.get(i).isNullAt(1), "good row " + i + " embedded");
            assertNull(out.get(i).getString(2));
        }
        String msg = failure(() -> embedder().setFailOnError(true).transform(texts("a good sentence", bad)).collect());
        assertTrue(msg.contains("HeedTextEmbedder: row 1 of partition 0: " + reason), msg);
    }

    @Test
    void nullText() {
        textCase(null, "null text in column 'text'");
    }

    @Test
    void emptyText() {
        textCase("", "empty text in column 'text'");
    }

    /** An image row in both modes: the error (containing {@code reason}) and, for failOnError, the job's failure. */
    void imageCase(HeedImageTransformer<?> t, byte[] bad, String reason) {
        List<Row> out = t.transform(images(bus, bad)).collectAsList();
        Row good = out.get(0), row = out.get(1);
        assertNull(good.getString(3), "bus.jpg: " + good.getString(3));
        assertFalse(good.isNullAt(2), "bus.jpg has a result");
        assertTrue(row.isNullAt(2), "no result for the bad image");
        String err = row.getString(3);
        assertTrue(err != null && err.contains(reason), "error '" + err + "' should say '" + reason + "'");
        String msg = failure(() -> t.setFailOnError(true).transform(images(bus, bad)).collect());
        assertTrue(msg.contains("row 1 of partition 0: " + err), msg);
    }

    @Test
    void nullImage() {
        imageCase(new HeedObjectDetector().setModel(RTDETR.toString()), null, "null image in column 'content'");
    }

    @Test
    void corruptImage() {
        byte[] truncated = Arrays.copyOf(bus, bus.length / 3);
        imageCase(new HeedObjectDetector().setModel(RTDETR.toString()), truncated, "image1.jpg");
        imageCase(new HeedImageClassifier().setModel(VIT.toString()), "not an image at all".getBytes(), "image1.jpg");
    }

    @Test
    void imageOverThePixelLimit() {
        // bus.jpg is 810 x 1080 = 874,800 pixels: fine under the default limit, refused under 500,000
        List<Row> ok = new HeedObjectDetector().setModel(RTDETR.toString()).transform(images(bus)).collectAsList();
        assertNull(ok.get(0).getString(3));
        HeedObjectDetector small = new HeedObjectDetector().setModel(RTDETR.toString()).setMaxPixels(500_000);
        List<Row> out = small.transform(images(bus)).collectAsList();
        String err = out.get(0).getString(3);
        assertTrue(err != null && err.contains("500000"), "the error names the limit: " + err);
        assertTrue(out.get(0).isNullAt(2));
        String msg = failure(() -> new HeedObjectDetector().setModel(RTDETR.toString()).setMaxPixels(500_000)
                .setFailOnError(true).transform(images(bus)).collect());
        assertTrue(msg.contains("row 0 of partition 0: " + err), msg);
    }
}
