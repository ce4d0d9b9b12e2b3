package dev.heed.spark;

import static dev.heed.spark.SparkTestData.CACHE;
import static dev.heed.spark.SparkTestData.maxDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heed.exec.ExecutionOptions;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spark standalone cluster, not local mode: a Master and two Workers as separate JVMs on 127.0.0.1 (from the
 * Maven-resolved Spark jars), the embedding job submitted with {@code spark-submit} (the application jar Maven just
 * packaged) to {@code spark://127.0.0.1:PORT} with two executors of one core each. Checks: the output equals the
 * same job's output in local[2] and Heed's in-process embeddings (within 1e-6, input order); each of the two
 * executor JVMs logged exactly one model load; every process is gone after the teardown, which runs even when a
 * check fails. Runs after {@code package} (failsafe), because it needs the application jar.
 */
class StandaloneClusterIT {
    static final int LINES = 240;
    static final double TOLERANCE = 1e-6;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static String property(String name) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) throw new AssertionError("system property " + name + " is not set (failsafe sets it in heed-spark/pom.xml)");
        return v;
    }

    @Test
    void embeddingJobOnTwoWorkersEqualsLocalAndLoadsOneModelPerExecutor() throws Exception {
        Path appJar = Path.of(property("heed.spark.appJar"));
        assertTrue(Files.isRegularFile(appJar), "the application jar " + appJar + " (built by package)");
        String sparkCp = Files.readString(Path.of(property("heed.spark.sparkClasspath"))).trim();
        List<String> flags = Arrays.stream(property("heed.spark.jvmFlags").trim().split("\\s+")).toList();

        // input: the first LINES lines of the tokenizer corpus as JSON lines {"id", "text"} (empty lines included)
        List<String> texts = SparkTestData.corpus().subList(0, LINES);
        Path input = tmp.resolve("input.json");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < texts.size(); i++) {
            ObjectNode o = JSON.createObjectNode().put("id", i).put("text", texts.get(i));
            sb.append(JSON.writeValueAsString(o)).append('\n');
        }
        Files.writeString(input, sb.toString(), StandardCharsets.UTF_8);
        // small file splits: several partitions in input order, so both executors get tasks
        List<String> jobArgs = List.of("embed", "--input", input.toString(), "--format", "json");
        String splits = "spark.sql.files.maxPartitionBytes=" + Math.max(4096, Files.size(input) / 8);

        List<ProcessHandle> started;
        Path clusterOut = tmp.resolve("cluster-out");
        long t0 = System.nanoTime();
        try (LocalStandaloneCluster cluster = new LocalStandaloneCluster(tmp.resolve("cluster"), sparkCp, flags)) {
            try {
                cluster.startMaster(120);
                cluster.startWorker(1, "1500m", 120);
                cluster.startWorker(1, "1500m", 120);
                System.out.printf("cluster up at %s in %.1f s%n", cluster.masterUrl(), (System.nanoTime() - t0) / 1e9);
                List<String> submit = new ArrayList<>(List.of(
                        "--master", cluster.masterUrl(), "--deploy-mode", "client",
                        "--class", "dev.heed.spark.HeedSparkJob",
                        "--conf", "spark.executor.cores=1", "--conf", "spark.cores.max=2",
                        "--conf", "spark.executor.memory=1g",
                        "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
                        "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=120s",
                        "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
                        "--conf", "spark.ui.enabled=false",
                        "--conf", "spark.executor.extraJavaOptions=--add-modules=jdk.incubator.vector",
                        "--conf", splits,
                        appJar.toString()));
                submit.addAll(jobArgs);
                submit.addAll(List.of("--output", clusterOut.toString()));
                int code = cluster.submit("submit", submit, 420);
                assertEquals(0, code, "spark-submit failed:\n" + cluster.tail("submit"));
                System.out.printf("job done on the cluster after %.1f s%n", (System.nanoTime() - t0) / 1e9);

                // each executor JVM (one per Worker) loaded the model exactly once
                List<Path> logs = cluster.executorLogs();
                assertEquals(2, logs.size(), "two executors, one per Worker: " + logs);
                List<String> pids = new ArrayList<>();
                for (Path log : logs) {
                    String text = Files.readString(log, StandardCharsets.UTF_8);
                    Matcher m = Pattern.compile(Pattern.quote(ExecutorModels.LOADED) + ".*? into JVM pid (\\d+)").matcher(text);
                    List<String> loads = new ArrayList<>();
                    while (m.find()) loads.add(m.group(1));
                    assertEquals(1, loads.size(), log + " should show exactly one model load:\n" + tailOf(text));
                    pids.add(loads.getFirst());
                }
                assertNotEquals(pids.get(0), pids.get(1), "two executor JVMs");
                String driver = cluster.log("submit");
                assertTrue(driver.contains("heed spark: stage"), "progress lines per stage");
                driver.lines().filter(l -> l.startsWith("heed spark")).forEach(l -> System.out.println("driver: " + l));
                for (Path log : logs) {
                    Files.readString(log).lines().filter(l -> l.contains(ExecutorModels.LOADED))
                            .forEach(l -> System.out.println("executor: " + l));
                }
            } finally {
                started = cluster.processTree();
            }
        }
        for (ProcessHandle h : started) {
            if (h.isAlive()) h.onExit().get(15, java.util.concurrent.TimeUnit.SECONDS);   // destroyForcibly is asynchronous
            assertFalse(h.isAlive(), "process " + h.pid() + " survived the teardown");
        }

        // the same job in local[2], in this JVM
        Path localOut = tmp.resolve("local-out");
        List<String> local = new ArrayList<>(jobArgs);
        local.addAll(List.of("--output", localOut.toString(), "--master", "local[2]"));
        String[] conf = splits.split("=");
        System.setProperty(conf[0], conf[1]);      // the same input partitions as on the cluster (SparkConf reads spark.*)
        try {
            assertEquals(0, HeedSparkJob.run(local.toArray(String[]::new)), "the job in local[2]");
        } finally {
            System.clearProperty(conf[0]);
        }

        List<JsonNode> onCluster = readJsonLines(clusterOut), onLocal = readJsonLines(localOut);
        assertEquals(LINES, onCluster.size());
        assertEquals(LINES, onLocal.size());
        List<float[]> expected;
        try (TextEncoder enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(CACHE).withExecution(ExecutionOptions.defaults().withThreads(2)))) {
            expected = enc.embedAll(texts.stream().filter(t -> !t.isEmpty()).toList());
        }
        double worst = 0;
        int k = 0;
        for (int i = 0; i < LINES; i++) {
            JsonNode c = onCluster.get(i), l = onLocal.get(i);
            assertEquals(i, c.get("id").asInt(), "cluster row order");
            assertEquals(i, l.get("id").asInt(), "local row order");
            assertEquals(texts.get(i), c.get("text").asText());
            if (texts.get(i).isEmpty()) {
                assertTrue(c.path("embedding").isMissingNode() || c.get("embedding").isNull(), "row " + i);
                assertEquals("empty text in column 'text'", c.get("error").asText());
                continue;
            }
            float[] fc = floats(c.get("embedding")), fl = floats(l.get("embedding"));
            double d = Math.max(maxDiff(fl, fc), maxDiff(expected.get(k++), fc));
            worst = Math.max(worst, d);
            assertTrue(d <= TOLERANCE, "row " + i + ": cluster vs local / in-process: " + d);
        }
        System.out.printf("standalone cluster (2 workers, 2 executors) = local[2] = in-process on %d lines: max diff %.3g; "
                + "%.1f s in all%n", LINES, worst, (System.nanoTime() - t0) / 1e9);
    }

    static String tailOf(String text) {
        String[] lines = text.split("\n");
        return String.join("\n", Arrays.copyOfRange(lines, Math.max(0, lines.length - 40), lines.length));
    }

    /** Spark's JSON output: part files in name order (= partition order), one object per line. */
    static List<JsonNode> readJsonLines(Path dir) throws Exception {
        List<Path> parts;
        try (Stream<Path> s = Files.list(dir)) {
            parts = s.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList();
        }
        List<JsonNode> rows = new ArrayList<>();
        for (Path p : parts) {
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) if (!line.isBlank()) rows.add(JSON.readTree(line));
        }
        return rows;
    }

    static float[] floats(JsonNode arr) {
        float[] f = new float[arr.size()];
        for (int i = 0; i < f.length; i++) f[i] = Float.parseFloat(arr.get(i).asText());
        return f;
    }
}
