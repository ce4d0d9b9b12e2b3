package dev.heed.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** The shared local[2] session and the test data: the tokenizer corpus, the sample images, the model fixtures. */
final class SparkTestData {
    private SparkTestData() {}

    /** Where the bundled model is copied for the tests (and for the in-process reference). */
    static final Path CACHE = Path.of("target", "heed-cache").toAbsolutePath();
    static final Path MODELS = Path.of("../heed-onnx/src/test/resources/models").toAbsolutePath().normalize();
    static final Path RTDETR = MODELS.resolve("rtdetr_tiny_opset17.onnx");
    static final Path VIT = MODELS.resolve("vit_opset17.onnx");
    static final Path CORPUS = Path.of("../heed-models/src/test/resources/text/corpus.txt").toAbsolutePath().normalize();

    /**
     * The local[2] session every test class of this JVM shares (Spark allows one SparkContext per JVM); created on
     * first use (or again, if a test stopped it), stopped when the JVM exits.
     */
    static SparkSession spark() {
        return SparkSession.builder().master("local[2]").appName("heed-spark tests")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
    }

    /** The tokenizer corpus (heed-models' test resource): 1,262 lines, '\n' only separates them. */
    static List<String> corpus() throws IOException {
        assertTrue(Files.isRegularFile(CORPUS), "missing " + CORPUS);
        List<String> lines = new ArrayList<>(Arrays.asList(Files.readString(CORPUS, StandardCharsets.UTF_8).split("\n", -1)));
        lines.removeLast();
        return List.copyOf(lines);
    }

    /** ../shared/data/images/NAME beside the repository (as heed-models' tests find it), else /work/shared. */
    static Path image(String name) {
        Path dir = Path.of("").toAbsolutePath();
        for (int i = 0; i < 5 && dir != null; i++, dir = dir.getParent()) {
            Path p = dir.resolveSibling("shared").resolve("data/images").resolve(name);
            if (Files.isRegularFile(p)) return p;
            p = dir.resolve("shared/data/images").resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        Path abs = Path.of("/work/shared/data/images", name);
        if (Files.isRegularFile(abs)) return abs;
        throw new AssertionError("sample image " + name + " not found in ../shared/data/images");
    }

    /** Max |a - b| over components; fails on a length mismatch. */
    static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length, "embedding length");
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

    /** A Row's array<float> value as float[] (Spark hands arrays back as Scala sequences). */
    static float[] floats(org.apache.spark.sql.Row r, String col) {
        List<Float> l = r.getList(r.fieldIndex(col));
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) f[i] = l.get(i);
        return f;
    }
}
