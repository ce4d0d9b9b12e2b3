package dev.heed.spark;

import dev.heed.HeedException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code heed spark} jobs, so that no one has to write Scala to use Heed on Spark: {@code embed} (a text column
 * to embeddings) and {@code detect} (a folder of images to detections), reading text / CSV / JSON / Parquet and
 * writing Parquet or JSON lines, with one progress line per finished stage. Run by {@code bin/heed spark ...}
 * (local mode, or any master), or by {@code spark-submit --class dev.heed.spark.HeedSparkJob heed-spark-*-app.jar ...}.
 *
 * <pre>
 * bin/heed spark embed --input docs.txt --output docs-embedded --master local[2]
 * bin/heed spark detect --input images/ --output found --model rtdetr-l.onnx --format json
 * </pre>
 */
@Command(name = "heed spark", mixinStandardHelpOptions = true,
        description = "Heed's models as Spark jobs: embed texts, detect objects in images.",
        subcommands = {HeedSparkJob.Embed.class, HeedSparkJob.Detect.class})
public final class HeedSparkJob implements Runnable {
    /** Creates the top-level command; {@link #run(String...)} makes one per call (explicit only to document it). */
    public HeedSparkJob() {}

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Prints the usage to standard output: {@code heed spark} was given no subcommand. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Runs the job and exits the JVM with its exit code: 0 (done), 2 (bad usage or input), 1 (the job failed).
     *
     * @param args the command line, for example {@code embed --input docs.txt --output out}
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * {@link #main} without the exit: parses {@code args}, runs the subcommand, prints errors to standard error
     * (with the stack trace when the environment variable {@code HEED_DEBUG} is set) and gives the exit code.
     *
     * @param args the command line, for example {@code detect --input images/ --output found --model rtdetr-l.onnx}
     * @return 0 when the job finished (or help was printed), 2 for bad usage or input (an unknown option, a missing
     *         path or column, a {@code HeedException} other than {@code INTERNAL}), 1 when the job failed otherwise
     */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new HeedSparkJob());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            Throwable root = e;
            while (!(root instanceof HeedException) && root.getCause() != null && root.getCause() != root) root = root.getCause();
            // a Spark analysis error (a missing path, an unknown column) is bad input too
            boolean analysis = e instanceof org.apache.spark.sql.AnalysisException;
            boolean bad = analysis || root instanceof HeedException h && h.code() != dev.heed.ErrorCode.INTERNAL;
            cmd.getErr().println("heed spark: error: " + (root instanceof HeedException || analysis ? root.getMessage() : e.toString()));
            if (System.getenv("HEED_DEBUG") != null) e.printStackTrace(cmd.getErr());
            return bad ? 2 : 1;
        });
        return cl.execute(args);
    }

    /** Options both jobs share. */
    abstract static class Common implements Callable<Integer> {
        @Option(names = "--input", required = true, paramLabel = "PATH", description = "Input file or directory.")
        String input;

        @Option(names = "--output", required = true, paramLabel = "PATH", description = "Output directory (Spark writes part files into it).")
        String output;

        @Option(names = "--format", paramLabel = "parquet|json", description = "Output format: parquet (default) or json (JSON lines).")
        String format = "parquet";

        @Option(names = "--master", paramLabel = "URL", description = "local[*] (default unless spark-submit set one), local[N], spark://host:port, ...")
        String master;

        @Option(names = "--partitions", paramLabel = "N", description = "Repartition the input into N partitions (default: as read).")
        int partitions;

        @Option(names = "--threads", paramLabel = "N", description = "Heed threads per task (default 0: spark.task.cpus).")
        int threads;

        @Option(names = "--batch-size", paramLabel = "N", description = "Rows per model run (default: 32 for texts, 8 for images).")
        Integer batchSize;

        @Option(names = "--overwrite", description = "Replace an existing output directory.")
        boolean overwrite;

        @Option(names = "--fail-on-error", description = "Fail at the first bad row instead of writing a null result and an error.")
        boolean failOnError;

        abstract String name();

        abstract Dataset<Row> build(SparkSession spark);

        @Override
        public Integer call() {
            if (!List.of("parquet", "json").contains(format)) throw HeedException.unsupported("--format '" + format + "'", "parquet", "json");
            if (partitions < 0) throw HeedException.invalid("heed spark", "--partitions must be >= 0, got " + partitions);
            Path local = ModelFiles.localPath(output);
            if (!overwrite && local != null && Files.exists(local)) {
                throw HeedException.invalid("heed spark", "--output " + output + " exists; add --overwrite to replace it");
            }
            PrintStream err = System.err;
            SparkConf conf = new SparkConf();
            SparkSession.Builder b = SparkSession.builder().appName("heed spark " + name())
                    .config("spark.ui.showConsoleProgress", "false");
            String m = master != null ? master : conf.contains("spark.master") ? conf.get("spark.master") : "local[*]";
            b.master(m);
            if (m.startsWith("local")) b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
            String execOpts = conf.get("spark.executor.extraJavaOptions", "");
            if (!execOpts.contains("jdk.incubator.vector")) {
                b.config("spark.executor.extraJavaOptions", (execOpts + " --add-modules=jdk.incubator.vector").trim());
            }
            long t0 = System.nanoTime();
            boolean existed = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
            SparkSession spark = b.getOrCreate();
            StageProgress progress = new StageProgress(err);
            spark.sparkContext().addSparkListener(progress);
            try {
                Dataset<Row> out = build(spark);
                err.printf("heed spark %s: %s -> %s (%s, master %s)%n", name(), input, output, format, m);
                var w = out.write().mode(overwrite ? "overwrite" : "errorifexists");
                if (format.equals("json")) w.json(output);
                else w.parquet(output);
                Dataset<Row> written = format.equals("json") ? spark.read().json(output) : spark.read().parquet(output);
                long rows = written.count();
                long errors = Arrays.asList(written.columns()).contains("error") ? written.filter(functions.col("error").isNotNull()).count() : 0;
                double s = (System.nanoTime() - t0) / 1e9;
                err.printf(Locale.ROOT, "heed spark %s: %d rows (%d with an error) in %.1f s, %.1f rows/s%n", name(), rows, errors, s, rows / s);
                return 0;
            } finally {
                spark.sparkContext().removeSparkListener(progress);
                if (!existed) spark.stop();   // a session that was there before (a caller's, a test's) stays up
            }
        }

        Dataset<Row> parts(Dataset<Row> d) {
            return partitions > 0 ? d.repartition(partitions) : d;
        }
    }

    @Command(name = "embed", mixinStandardHelpOptions = true,
            description = "Embed a text column (text, CSV with a header, JSON lines, Parquet) with HeedTextEmbedder.")
    static final class Embed extends Common {
        @Option(names = "--text-column", paramLabel = "NAME", description = "The column holding the texts (default text; a .txt input's lines are it).")
        String textColumn = "text";

        @Option(names = "--input-format", paramLabel = "FORMAT", description = "text, csv, json or parquet (default: from the input's file extension).")
        String inputFormat;

        @Option(names = "--model", paramLabel = "NAME|DIR", description = "A built-in model name (default all-minilm-l6-v2) or a directory with model.onnx and tokenizer.json.")
        String model = TextModels.DEFAULT;

        @Option(names = "--max-length", paramLabel = "N", description = "Truncate to N tokens (default 0: the tokenizer's).")
        int maxLength;

        @Option(names = "--output-type", paramLabel = "array|vector", description = "array<float> (default) or an ML Vector.")
        String outputType = "array";

        @Option(names = "--cache-dir", paramLabel = "DIR", description = "Where executors copy the built-in model (default: Spark's files directory).")
        String cacheDir = "";

        @Override
        String name() {
            return "embed";
        }

        @Override
        Dataset<Row> build(SparkSession spark) {
            String f = inputFormat != null ? inputFormat : InputFormats.guess(Path.of(input));
            Dataset<Row> in = switch (f) {
                case "text" -> spark.read().text(input).withColumnRenamed("value", textColumn);
                case "csv" -> spark.read().option("header", "true").option("multiLine", "true").csv(input);
                case "json" -> spark.read().json(input);
                case "parquet" -> spark.read().parquet(input);
                default -> throw HeedException.unsupported("--input-format '" + f + "'", "text", "csv", "json", "parquet");
            };
            HeedTextEmbedder e = new HeedTextEmbedder().setInputCol(textColumn).setModel(model).setMaxLength(maxLength)
                    .setOutputType(outputType).setThreads(threads).setFailOnError(failOnError).setCacheDir(cacheDir);
            if (batchSize != null) e.setBatchSize(batchSize);
            return e.transform(parts(in));
        }
    }

    @Command(name = "detect", mixinStandardHelpOptions = true,
            description = "Detect objects in a folder of images (jpg, jpeg, png, bmp, gif, webp; subfolders too) with HeedObjectDetector.")
    static final class Detect extends Common {
        @Option(names = "--model", required = true, paramLabel = "FILE.onnx", description = "An RT-DETR ONNX model every executor can read.")
        String model;

        @Option(names = "--conf", paramLabel = "P", description = "Keep detections scored above P (default 0.25).")
        float conf = 0.25f;

        @Option(names = "--classes", split = ",", paramLabel = "ID", description = "Keep only these class ids (comma-separated).")
        int[] classes = new int[0];

        @Option(names = "--max-det", paramLabel = "N", description = "Most detections per image (default 300).")
        int maxDet = 300;

        @Override
        String name() {
            return "detect";
        }

        @Override
        Dataset<Row> build(SparkSession spark) {
            Dataset<Row> images = spark.read().format("binaryFile")
                    .option("pathGlobFilter", "*.{jpg,jpeg,png,bmp,gif,webp,JPG,JPEG,PNG}")
                    .option("recursiveFileLookup", "true").load(input);
            Path local = ModelFiles.localPath(model);
            String where = local != null && Files.exists(local) ? local.toAbsolutePath().toString() : model;
            HeedObjectDetector d = new HeedObjectDetector().setModel(where).setConf(conf)
                    .setClasses(classes).setMaxDet(maxDet).setThreads(threads).setFailOnError(failOnError);
            if (batchSize != null) d.setBatchSize(batchSize);
            return d.transform(parts(images)).drop("content");
        }
    }

    /** Guessing an input format from file names. */
    static final class InputFormats {
        private InputFormats() {}

        /** text / csv / json / parquet from the file's (or, for a directory, its first data file's) extension. */
        static String guess(Path p) {
            String name = p.getFileName() == null ? "" : p.getFileName().toString();
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    name = s.map(x -> x.getFileName().toString()).filter(n -> !n.startsWith(".") && !n.startsWith("_"))
                            .sorted().findFirst().orElse("");
                } catch (java.io.IOException e) {
                    throw new HeedException(dev.heed.ErrorCode.IO, "heed spark: cannot list " + p + ": " + e.getMessage(), e);
                }
            }
            String n = name.toLowerCase(Locale.ROOT);
            if (n.endsWith(".parquet")) return "parquet";
            if (n.endsWith(".json") || n.endsWith(".jsonl") || n.endsWith(".ndjson")) return "json";
            if (n.endsWith(".csv")) return "csv";
            if (n.endsWith(".txt") || n.endsWith(".text")) return "text";
            throw HeedException.invalid("heed spark", "cannot tell the format of " + p + " from its name; give --input-format "
                    + "text, csv, json or parquet");
        }
    }
}
