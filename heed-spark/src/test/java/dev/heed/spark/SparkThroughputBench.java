package dev.heed.spark;

import dev.heed.exec.ExecutionOptions;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The throughput of the embedding job (a benchmark, not a test: run by hand, see BENCHMARKS.md for the command):
 * N generated English sentences (default 100,000), embedded with all-MiniLM-L6-v2
 * <ol>
 *   <li>in process: {@code TextEncoder.embedAll}, 2 threads, batches of 32;</li>
 *   <li>in Spark local[2]: {@link HeedTextEmbedder} (2 tasks of 1 thread, batches of 32), written to the noop sink;</li>
 *   <li>in Spark local[2]: the same transformer shape with langchain4j's in-process model
 *       ({@link Langchain4jTextEmbedder}).</li>
 * </ol>
 * Each Spark run reads its input from a cached DataFrame and follows a warm-up run on 2,000 sentences (model loaded,
 * JIT warm); the in-process run follows a warm-up too. Prints sentences per second and the ratios.
 *
 * <p>Arguments: {@code [N [CACHE_DIR [spark-only]]]}; {@code spark-only} skips the in-process run (the two Spark runs
 * and their ratio only).
 */
public final class SparkThroughputBench {
    private SparkThroughputBench() {}

    static final String[] ADJ = {"quick", "lazy", "old", "young", "bright", "dark", "small", "large", "quiet", "noisy",
            "happy", "tired", "curious", "distant", "early", "late", "warm", "cold", "green", "silver"};
    static final String[] NOUN = {"fox", "dog", "river", "city", "teacher", "engine", "garden", "market", "storm", "train",
            "library", "window", "mountain", "student", "kitchen", "bridge", "forest", "museum", "harbour", "letter"};
    static final String[] VERB = {"crosses", "watches", "follows", "repairs", "paints", "describes", "visits", "finds",
            "carries", "remembers", "opens", "reaches", "builds", "explains", "ignores", "passes"};
    static final String[] TAIL = {"before the sun goes down", "after a long and difficult week", "in the middle of the night",
            "while everyone else is asleep", "without saying a single word", "for the first time this year", "again",
            "near the old station", "under a grey sky", "with great care"};

    /** {@code n} sentences from a fixed seed: 8 to 20 words each. */
    static List<String> sentences(int n) {
        Random r = new Random(42);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String s = "The " + ADJ[r.nextInt(ADJ.length)] + " " + NOUN[r.nextInt(NOUN.length)] + " " + VERB[r.nextInt(VERB.length)]
                    + " the " + ADJ[r.nextInt(ADJ.length)] + " " + NOUN[r.nextInt(NOUN.length)];
            if (r.nextBoolean()) s += " " + TAIL[r.nextInt(TAIL.length)];
            if (r.nextInt(3) == 0) s += ", and the " + NOUN[r.nextInt(NOUN.length)] + " " + VERB[r.nextInt(VERB.length)] + " it";
            out.add(s + ".");
        }
        return out;
    }

    static Dataset<Row> frame(SparkSession spark, List<String> texts) {
        List<Row> rows = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) rows.add(RowFactory.create(i, texts.get(i)));
        Dataset<Row> d = spark.createDataFrame(rows, new StructType().add("id", DataTypes.IntegerType).add("text", DataTypes.StringType))
                .repartition(2).cache();
        d.count();
        return d;
    }

    static double timeSpark(HeedTransformer<?> t, Dataset<Row> in) {
        long t0 = System.nanoTime();
        t.transform(in).write().format("noop").mode("overwrite").save();
        return (System.nanoTime() - t0) / 1e9;
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        Path cache = Path.of(args.length > 1 ? args[1] : "target/heed-cache").toAbsolutePath();
        List<String> texts = sentences(n);
        List<String> warm = sentences(2_000);
        System.out.printf(Locale.ROOT, "%d sentences, %d processors%n", n, Runtime.getRuntime().availableProcessors());

        boolean sparkOnly = args.length > 2 && args[2].equals("spark-only"); // skip the in-process run (peer ratio only)
        double inProcess = Double.NaN;
        if (!sparkOnly) try (TextEncoder enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(cache).withBatchSize(32)
                .withExecution(ExecutionOptions.defaults().withThreads(2)))) {
            enc.embedAll(warm);
            long t0 = System.nanoTime();
            enc.embedAll(texts);
            inProcess = (System.nanoTime() - t0) / 1e9;
        }
        if (!sparkOnly) {
            System.out.printf(Locale.ROOT, "in process (embedAll, 2 threads): %.1f s, %.0f sentences/s%n", inProcess, n / inProcess);
        }

        SparkSession spark = SparkSession.builder().master("local[2]").appName("heed-spark throughput")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        try {
            Dataset<Row> warmIn = frame(spark, warm), in = frame(spark, texts);
            HeedTextEmbedder heed = new HeedTextEmbedder().setCacheDir(cache.toString()).setBatchSize(32);
            timeSpark(heed, warmIn);
            double sparkHeed = timeSpark(heed, in);
            System.out.printf(Locale.ROOT, "Spark local[2], HeedTextEmbedder: %.1f s, %.0f sentences/s; Spark's overhead %+.1f %%%n",
                    sparkHeed, n / sparkHeed, 100 * (sparkHeed - inProcess) / inProcess);
            Langchain4jTextEmbedder peer = new Langchain4jTextEmbedder().setBatchSize(32);
            timeSpark(peer, warmIn);
            double sparkPeer = timeSpark(peer, in);
            System.out.printf(Locale.ROOT, "Spark local[2], langchain4j AllMiniLmL6V2EmbeddingModel: %.1f s, %.0f sentences/s; "
                    + "Heed / langchain4j = %.2fx%n", sparkPeer, n / sparkPeer, sparkPeer / sparkHeed);
        } finally {
            spark.stop();
        }
    }
}
