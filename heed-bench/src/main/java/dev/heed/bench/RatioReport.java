package dev.heed.bench;

import dev.heed.kernel.MachineProbe;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;

/**
 * Runs JMH benchmarks that have an {@code impl} parameter ({@code heed} / {@code ort}) and prints one table
 * from that single run: time, GFLOP/s of each implementation, Heed's GFLOP/s as a fraction of the machine's
 * FMA peak ({@link MachineProbe#fmaPeak()} per core × threads, measured in this JVM after the run) and the
 * Heed/ORT throughput ratio, under a line naming the CPU.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp heed-bench/target/benchmarks.jar dev.heed.bench.RatioReport \
 *      'GemmBench|ConvBench' -f 1 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 * Arguments are ordinary JMH command-line options.
 */
public final class RatioReport {
    private RatioReport() {}

    public static void main(String[] args) throws RunnerException, Exception {
        Options opts = new CommandLineOptions(args);
        Collection<RunResult> results = new Runner(opts).run();
        // key: benchmark + params without impl -> impl -> microseconds per op
        Map<String, Map<String, Double>> table = new TreeMap<>();
        Map<String, Double> flops = new TreeMap<>();
        Map<String, Integer> threads = new TreeMap<>();
        for (RunResult r : results) {
            var p = r.getParams();
            String bench = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.', p.getBenchmark().lastIndexOf('.') - 1) + 1);
            String impl = p.getParam("impl");
            StringBuilder key = new StringBuilder(bench.substring(0, bench.indexOf('.')));
            String what = p.getParam("shape") != null ? p.getParam("shape") : p.getParam("conv");
            key.append(' ').append(what).append(" threads=").append(p.getParam("threads"));
            double us = r.getPrimaryResult().getScore();
            table.computeIfAbsent(key.toString(), x -> new TreeMap<>()).put(impl, us);
            threads.put(key.toString(), Integer.parseInt(p.getParam("threads")));
            flops.put(key.toString(), p.getParam("shape") != null ? GemmBench.flops(what) : ConvBench.flops(what));
        }
        MachineProbe.FmaPeak peak = MachineProbe.fmaPeak();
        System.out.println();
        System.out.println("CPU: " + MachineProbe.machine().describe() + "; " + peak.describe());
        System.out.println();
        System.out.println("| benchmark | Heed µs | ORT µs | Heed GFLOP/s | ORT GFLOP/s | Heed % of FMA peak | Heed/ORT |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (var e : table.entrySet()) {
            Double h = e.getValue().get("heed"), o = e.getValue().get("ort");
            double f = flops.get(e.getKey());
            double cores = threads.get(e.getKey());
            System.out.println(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |", e.getKey(),
                    fmt(h, 1), fmt(o, 1), h == null ? "—" : fmt(f / h / 1e3, 1), o == null ? "—" : fmt(f / o / 1e3, 1),
                    h == null || Double.isNaN(peak.gflops()) ? "—" : fmt(100 * f / h / 1e3 / (cores * peak.gflops()), 0) + " %",
                    h == null || o == null ? "—" : fmt(o / h, 2)));
        }
    }

    private static String fmt(Double v, int digits) {
        return v == null ? "—" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }
}
