package dev.heed.spark;

import static dev.heed.spark.SparkTestData.RTDETR;
import static dev.heed.spark.SparkTestData.VIT;
import static dev.heed.spark.SparkTestData.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.SessionOptions;
import dev.heed.vision.Classification;
import dev.heed.vision.Classifier;
import dev.heed.vision.ClassifierOptions;
import dev.heed.vision.Detection;
import dev.heed.vision.Detections;
import dev.heed.vision.Detector;
import dev.heed.vision.DetectorOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HeedObjectDetector} and {@link HeedImageClassifier} in local[2] against the in-process {@link Detector} and
 * {@link Classifier} on the shared sample images (bus.jpg, zidane.jpg) with the test fixtures (random weights): the
 * same detections (names, classes, order exactly; scores within 1e-5, boxes within 1e-3 px) from binaryFile's content
 * and from a path column, and the same top-5 classes.
 */
class HeedVisionTransformersTest {
    static final List<String> IMAGES = List.of("bus.jpg", "zidane.jpg");
    /**
     * Scores and boxes (pixels) may differ in the last float bits: observed here, two runs of the one shared model on
     * the same image while another task ran it too differed by up to ~6e-5 px and ~1e-6 in score (an engine matter,
     * reported; heed-spark adds no arithmetic). Names, classes, counts and order must be equal.
     */
    static final float SCORE_TOLERANCE = 1e-5f, BOX_TOLERANCE = 1e-3f;
    static SparkSession spark;

    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        spark = SparkTestData.spark();
        for (String n : IMAGES) Files.copy(image(n), dir.resolve(n));
    }

    static Dataset<Row> binaryFiles() {
        return spark.read().format("binaryFile").load(dir.toString());
    }

    static Dataset<Row> pathColumn() {
        List<Row> rows = new ArrayList<>();
        for (String n : IMAGES) rows.add(RowFactory.create(dir.resolve(n).toString()));
        return spark.createDataFrame(rows, new StructType().add("file", DataTypes.StringType));
    }

    static String nameOf(String pathOrUri) {
        return pathOrUri.substring(pathOrUri.lastIndexOf('/') + 1);
    }

    static Map<String, Detections> inProcessDetections() {
        Map<String, Detections> m = new HashMap<>();
        DetectorOptions o = DetectorOptions.defaults().withSession(SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(1)));
        try (Detector d = Detector.open(RTDETR, o)) {
            for (String n : IMAGES) m.put(n, d.detect(image(n)));
        }
        return m;
    }

    static void assertSameDetections(Detections expected, List<Row> got, String what) {
        assertEquals(expected.size(), got.size(), what + ": number of detections");
        for (int i = 0; i < got.size(); i++) {
            Detection e = expected.get(i);
            Row r = got.get(i);
            Row box = r.getStruct(3);
            assertEquals(e.name(), r.getString(0), what + " #" + i + " name");
            assertEquals(e.classId(), r.getInt(1), what + " #" + i + " class");
            assertEquals(e.confidence(), r.getFloat(2), SCORE_TOLERANCE, what + " #" + i + " confidence");
            assertEquals(e.x1(), box.getFloat(0), BOX_TOLERANCE, what + " #" + i + " x1");
            assertEquals(e.y1(), box.getFloat(1), BOX_TOLERANCE, what + " #" + i + " y1");
            assertEquals(e.x2(), box.getFloat(2), BOX_TOLERANCE, what + " #" + i + " x2");
            assertEquals(e.y2(), box.getFloat(3), BOX_TOLERANCE, what + " #" + i + " y2");
        }
    }

    @Test
    void detectorOnBinaryFilesEqualsInProcessDetector() {
        Map<String, Detections> expected = inProcessDetections();
        Dataset<Row> out = new HeedObjectDetector().setModel(RTDETR.toString()).setThreads(1).transform(binaryFiles());
        assertEquals(HeedObjectDetector.DETECTION, ((org.apache.spark.sql.types.ArrayType) out.schema().apply("detections").dataType()).elementType());
        List<Row> rows = out.select("path", "detections", "error").collectAsList();
        assertEquals(IMAGES.size(), rows.size());
        int total = 0;
        for (Row r : rows) {
            String n = nameOf(r.getString(0));
            assertNull(r.getString(2), n + ": " + r.getString(2));
            List<Row> got = r.getList(1);
            assertSameDetections(expected.get(n), got, n);
            total += got.size();
        }
        assertEquals(27, total, "15 on bus.jpg + 12 on zidane.jpg at conf 0.25 (DetectorEndToEndTest goldens)");
    }

    @Test
    void detectorOnPathColumnEqualsInProcessDetector() {
        Map<String, Detections> expected = inProcessDetections();
        List<Row> rows = new HeedObjectDetector().setModel(RTDETR.toString()).setInputCol("file").setThreads(1)
                .transform(pathColumn()).collectAsList();
        for (Row r : rows) {
            String n = nameOf(r.getString(0));
            assertNull(r.getString(2), n + ": " + r.getString(2));
            assertSameDetections(expected.get(n), r.getList(1), n + " (path column)");
        }
    }

    @Test
    void detectorParamsFilterLikeTheInProcessOptions() {
        DetectorOptions o = DetectorOptions.defaults().withConf(0.3f).withClasses(java.util.Set.of(0)).withMaxDet(3)
                .withSession(SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(1)));
        Map<String, Detections> expected = new HashMap<>();
        try (Detector d = Detector.open(RTDETR, o)) {
            for (String n : IMAGES) expected.put(n, d.detect(image(n)));
        }
        List<Row> rows = new HeedObjectDetector().setModel(RTDETR.toString()).setConf(0.3f).setClasses(0).setMaxDet(3)
                .setThreads(1).transform(binaryFiles()).select("path", "detections").collectAsList();
        for (Row r : rows) assertSameDetections(expected.get(nameOf(r.getString(0))), r.getList(1), nameOf(r.getString(0)) + " filtered");
    }

    @Test
    void classifierEqualsInProcessClassifier() {
        Map<String, List<Classification>> expected = new HashMap<>();
        ClassifierOptions o = ClassifierOptions.defaults().withSession(SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(1)));
        try (Classifier c = Classifier.open(VIT, o)) {
            for (String n : IMAGES) expected.put(n, c.classify(image(n), 5).top());
        }
        List<Row> rows = new HeedImageClassifier().setModel(VIT.toString()).setThreads(1).transform(binaryFiles())
                .select("path", "classes", "error").collectAsList();
        assertEquals(IMAGES.size(), rows.size());
        for (Row r : rows) {
            String n = nameOf(r.getString(0));
            assertNull(r.getString(2), n + ": " + r.getString(2));
            List<Row> got = r.getList(1);
            List<Classification> e = expected.get(n);
            assertEquals(5, got.size(), n + ": top 5");
            for (int i = 0; i < 5; i++) {
                assertEquals(e.get(i).name(), got.get(i).getString(0), n + " #" + i);
                assertEquals(e.get(i).classId(), got.get(i).getInt(1), n + " #" + i);
                assertEquals(e.get(i).probability(), got.get(i).getDouble(2), SCORE_TOLERANCE, n + " #" + i);
            }
        }
        assertTrue(rows.size() == 2);
    }
}
