package dev.heed.bench;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.util.Statistics;

/**
 * Runs sample-time JMH benchmarks that have {@code impl} ({@code heed} / {@code ort}) and {@code model} parameters
 * and prints one table from that single run: p50 / p90 / p99 latency per implementation, items per second, and the
 * Heed/ORT ratio of the medians (below 1.0 means Heed is faster).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp heed-bench/target/benchmarks.jar dev.heed.bench.LatencyReport ModelBench
 * </pre>
 * Arguments are ordinary JMH command-line options.
 */
public final class LatencyReport {
    private LatencyReport() {}

    public static void main(String[] args) throws Exception {
        Collection<RunResult> results = new Runner(new CommandLineOptions(args)).run();
        Map<String, Map<String, Statistics>> table = new TreeMap<>();
        Map<String, Integer> items = new TreeMap<>();
        for (RunResult r : results) {
            var p = r.getParams();
            String bench = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.', p.getBenchmark().lastIndexOf('.') - 1) + 1);
            String model = p.getParam("model");
            String key = bench.substring(0, bench.indexOf('.')) + " " + model + " threads=" + p.getParam("threads");
            table.computeIfAbsent(key, k -> new TreeMap<>()).put(p.getParam("impl"), r.getPrimaryResult().getStatistics());
            items.put(key, ModelBench.itemsPerOp(model));
        }
        System.out.println();
        System.out.println("| workload | Heed p50 ms | p90 | p99 | ORT p50 ms | p90 | p99 | Heed items/s | ORT items/s | Heed/ORT (p50) |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (var e : table.entrySet()) {
            Statistics h = e.getValue().get("heed"), o = e.getValue().get("ort");
            int n = items.get(e.getKey());
            System.out.println(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", e.getKey(),
                    pct(h, 50), pct(h, 90), pct(h, 99), pct(o, 50), pct(o, 90), pct(o, 99),
                    h == null ? "—" : String.format(Locale.ROOT, "%.1f", n * 1000 / h.getPercentile(50)),
                    o == null ? "—" : String.format(Locale.ROOT, "%.1f", n * 1000 / o.getPercentile(50)),
                    h == null || o == null ? "—" : String.format(Locale.ROOT, "%.2f×", h.getPercentile(50) / o.getPercentile(50))));
        }
    }

    private static String pct(Statistics s, double p) {
        return s == null ? "—" : String.format(Locale.ROOT, "%.2f", s.getPercentile(p));
    }
}
