package dev.heed.bench;

import dev.heed.attention.AttentionImpl;
import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.Session;
import dev.heed.onnx.SessionOptions;
import dev.heed.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Two variants of a BERT-style encoder timed call by call in turn, in one JVM, so that the machine's drift (this VM's
 * speed moves by ±20 % within minutes, more between JVM forks) lands on both alike: per round, {@code calls} pairs
 * (A then B on the same random word-piece inputs), the p50 of each and their ratio; at the end the median ratio over
 * the rounds. A variant is a model file, optionally with {@code @flash} / {@code @exact} to pin the attention kernel.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp heed-bench/target/benchmarks.jar dev.heed.bench.AlternatedLatency \
 *     minilm minilmq [--batch 1] [--seq 128] [--threads 2] [--rounds 8] [--calls 60]
 * </pre>
 * {@code minilm}, {@code minilmq} and {@code bge} name the models ModelBench uses (langchain4j's artifacts on the
 * class path); anything else is a path to an {@code .onnx} file.
 */
public final class AlternatedLatency {
    private AlternatedLatency() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: AlternatedLatency A B [--batch 1] [--seq 128] [--threads 2] [--rounds 8] [--calls 60]");
        }
        int batch = 1, seq = 128, threads = 2, rounds = 8, calls = 60;
        for (int i = 2; i < args.length; i++) {
            switch (args[i]) {
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--seq" -> seq = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--calls" -> calls = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --batch N --seq N --threads N --rounds N --calls N");
            }
        }
        Map<String, Tensor> feeds = ModelBench.bertInputs(batch, seq, new SplittableRandom(5));
        try (Session a = open(args[0], threads); Session b = open(args[1], threads)) {
            for (int w = 0; w < Math.max(20, calls / 2); w++) {
                a.run(feeds);
                b.run(feeds);
            }
            System.out.printf(Locale.ROOT, "A = %s, B = %s, inputs [%d, %d], %d threads, load average %.2f%n",
                    args[0], args[1], batch, seq, threads, CpuMeter.loadAverage());
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long[] ta = new long[calls], tb = new long[calls];
                for (int i = 0; i < calls; i++) {
                    long s = System.nanoTime();
                    a.run(feeds);
                    ta[i] = System.nanoTime() - s;
                    s = System.nanoTime();
                    b.run(feeds);
                    tb[i] = System.nanoTime() - s;
                }
                double pa = p50(ta), pb = p50(tb);
                ratio[r] = pb / pa;
                System.out.printf(Locale.ROOT, "round %d: A p50 %.2f ms, B p50 %.2f ms, B / A %.3f%n", r + 1, pa, pb, ratio[r]);
            }
            double[] sorted = ratio.clone();
            Arrays.sort(sorted);
            System.out.printf(Locale.ROOT, "B / A: median %.3f, lowest %.3f, highest %.3f over %d rounds; load average %.2f%n",
                    (sorted[(rounds - 1) / 2] + sorted[rounds / 2]) / 2, sorted[0], sorted[rounds - 1], rounds,
                    CpuMeter.loadAverage());
        }
    }

    static Session open(String variant, int threads) throws IOException {
        String name = variant, kernel = null;
        int at = variant.lastIndexOf('@');
        if (at > 0) {
            name = variant.substring(0, at);
            kernel = variant.substring(at + 1);
        }
        Path file = switch (name) {
            case "minilm" -> ModelBench.miniLm();
            case "minilmq" -> ModelBench.resource("all-minilm-l6-v2-q.onnx");
            case "bge" -> ModelBench.resource("bge-small-en-v1.5.onnx");
            default -> {
                Path p = Path.of(name);
                if (!Files.isRegularFile(p)) throw new IllegalArgumentException(name + ": not minilm, minilmq, bge or a file");
                yield p;
            }
        };
        SessionOptions o = SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(threads));
        if (kernel != null) {
            o = o.withAttention(switch (kernel) {
                case "flash" -> AttentionImpl.FLASH;
                case "exact" -> AttentionImpl.EXACT;
                default -> throw new IllegalArgumentException("@" + kernel + ": expected @flash or @exact");
            });
        }
        return Session.open(file, o);
    }

    private static double p50(long[] t) {
        long[] c = t.clone();
        Arrays.sort(c);
        return c[c.length / 2] / 1e6;
    }
}
