package dev.heed.spark;

import static dev.heed.spark.SparkTestData.CACHE;
import static dev.heed.spark.SparkTestData.RTDETR;
import static dev.heed.spark.SparkTestData.floats;
import static dev.heed.spark.SparkTestData.image;
import static dev.heed.spark.SparkTestData.maxDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code heed spark} jobs in local[2]: embed (text and CSV in, Parquet and JSON out), detect, and bad usage. */
class HeedSparkJobTest {
    static SparkSession spark;

    @TempDir
    Path tmp;

    @BeforeAll
    static void setUp() {
        spark = SparkTestData.spark();
    }

    /** Runs the job; its exit code and standard error. */
    static Object[] run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = HeedSparkJob.run(args);
            return new Object[] {code, buf.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setErr(old);
        }
    }

    @Test
    void embedTextFileToParquet() throws Exception {
        List<String> lines = List.of("A man is playing a guitar.", "", "Ein Mann spielt Gitarre.", "The weather is lovely today.");
        Path in = tmp.resolve("docs.txt");
        Files.writeString(in, String.join("\n", lines) + "\n");
        Path out = tmp.resolve("out");
        Object[] r = run("embed", "--input", in.toString(), "--output", out.toString(), "--master", "local[2]",
                "--cache-dir", CACHE.toString());
        assertEquals(0, r[0], (String) r[1]);
        String err = (String) r[1];
        assertTrue(err.contains("heed spark: stage"), "a progress line per stage:\n" + err);
        assertTrue(err.contains("heed spark embed: 4 rows (1 with an error)"), err);
        List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
        assertEquals(4, rows.size());
        try (TextEncoder enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(CACHE))) {
            for (Row row : rows) {
                String t = row.getString(row.fieldIndex("text"));
                if (t.isEmpty()) {
                    assertEquals("empty text in column 'text'", row.getString(row.fieldIndex("error")));
                } else {
                    assertTrue(maxDiff(enc.embed(t), floats(row, "embedding")) <= 1e-6, t);
                }
            }
        }
        // the output exists now: refused without --overwrite (exit 2), replaced with it
        r = run("embed", "--input", in.toString(), "--output", out.toString(), "--master", "local[2]");
        assertEquals(2, r[0]);
        assertTrue(((String) r[1]).contains("exists; add --overwrite"), (String) r[1]);
        r = run("embed", "--input", in.toString(), "--output", out.toString(), "--master", "local[2]", "--overwrite",
                "--cache-dir", CACHE.toString());
        assertEquals(0, r[0], (String) r[1]);
    }

    @Test
    void embedCsvColumnToJson() throws Exception {
        Path in = tmp.resolve("docs.csv");
        Files.writeString(in, "id,body\n1,\"First, with a comma.\"\n2,Second line\n");
        Path out = tmp.resolve("out-json");
        Object[] r = run("embed", "--input", in.toString(), "--output", out.toString(), "--text-column", "body",
                "--format", "json", "--master", "local[2]", "--cache-dir", CACHE.toString());
        assertEquals(0, r[0], (String) r[1]);
        List<Row> rows = spark.read().json(out.toString()).orderBy("id").collectAsList();
        assertEquals(2, rows.size());
        assertEquals("First, with a comma.", rows.get(0).getString(rows.get(0).fieldIndex("body")));
        assertEquals(384, rows.get(0).getList(rows.get(0).fieldIndex("embedding")).size());
    }

    @Test
    void detectImageFolder() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images/sub"));
        Files.copy(image("bus.jpg"), tmp.resolve("images/bus.jpg"));
        Files.copy(image("zidane.jpg"), images.resolve("zidane.jpg"));
        Files.writeString(tmp.resolve("images/notes.txt"), "not an image: skipped by the file filter");
        Path out = tmp.resolve("found");
        Object[] r = run("detect", "--input", tmp.resolve("images").toString(), "--output", out.toString(),
                "--model", RTDETR.toString(), "--master", "local[2]");
        assertEquals(0, r[0], (String) r[1]);
        List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
        assertEquals(2, rows.size());
        int total = 0;
        for (Row row : rows) total += row.getList(row.fieldIndex("detections")).size();
        assertEquals(27, total, "15 on bus.jpg + 12 on zidane.jpg at conf 0.25");
    }

    @Test
    void badUsageExitsWithTwo() {
        Object[] r = run("embed", "--input", tmp.resolve("missing.txt").toString(), "--output", tmp.resolve("o").toString(),
                "--format", "xml");
        assertEquals(2, r[0]);
        assertTrue(((String) r[1]).contains("--format 'xml'; expected one of [parquet, json]"), (String) r[1]);
        r = run("detect", "--input", "x");
        assertEquals(2, r[0], "picocli: missing required options");
    }
}
