package dev.heed.cli;

import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.RunOptions;
import dev.heed.onnx.RunResult;
import dev.heed.onnx.Session;
import dev.heed.onnx.SessionOptions;
import dev.heed.tensor.Tensor;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code heed bench MODEL.onnx}: p50/p90/p99 latency of a model after warm-up; {@code heed bench attention …}: the
 * attention kernels.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks a model (p50/p90/p99 latency after warm-up) or, with a subcommand, Heed's kernels.",
        subcommands = {BenchAttentionCommand.class})
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL.onnx", description = "The model to time.")
    Path model;

    @Option(names = "--input", paramLabel = "NAME=FILE.npy", description = "An input tensor (repeatable); others get random valid values.")
    List<String> inputs;

    @Option(names = "--dim", paramLabel = "NAME=SIZE", description = "Size of a symbolic dimension for random inputs, 1 to 1048576; NAME must be one of the model's (repeatable).")
    List<String> dims;

    @CommandLine.Mixin
    ThreadsOption threads;

    @Option(names = "--warmup", defaultValue = "5", description = "Untimed runs first, 0 to 100000 (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--iterations", defaultValue = "30", description = "Timed runs, 1 to 1000000 (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--profile", description = "After the timed runs, one profiled run: time per operator type, largest first.")
    boolean profile;

    @Option(names = "--memory", description = "After the timed runs, the memory of one run: its peak (the run's own "
            + "tensors and scratch held at once), the model's constants (weights) and this process's peak resident set, in MiB.")
    boolean memory;

    @Option(names = "--no-fusion", description = "Run the graph as exported, without attention fusion.")
    boolean noFusion;

    @Option(names = "--no-graph-fusion", description = "Without the MatMul+bias+activation, LayerNorm and GELU fusions.")
    boolean noGraphFusion;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (model == null) {
            if (memory) throw Check.usage(spec, "--memory measures a model run: give MODEL.onnx (bench attention has no --memory)");
            spec.commandLine().usage(out);
            return 0;
        }
        Check.range(spec, "--warmup", warmup, 0, 100_000);
        Check.range(spec, "--iterations", iterations, 1, 1_000_000);
        ExecutionOptions exec = threads.execution();
        Map<String, Integer> dimSizes = ModelInputs.dimSizes(spec, dims);
        Map<String, String> inputFiles = ModelInputs.pairs(inputs, "--input");
        SessionOptions so = SessionOptions.defaults().withExecution(exec).withAttentionFusion(!noFusion)
                .withGraphFusion(!noGraphFusion);
        try (Session s = Session.open(model, so)) {
            ModelInputs.checkDimNames(spec, s.inputs(), dimSizes);
            Map<String, Tensor> feeds = ModelInputs.read(inputFiles, exec.memoryLimitBytes());
            ModelInputs.fillRandom(s.inputs(), feeds, dimSizes, 1);
            for (int i = 0; i < warmup; i++) s.run(feeds);
            double[] ms = new double[iterations];
            for (int i = 0; i < iterations; i++) {
                long t = System.nanoTime();
                s.run(feeds);
                ms[i] = (System.nanoTime() - t) / 1e6;
            }
            Arrays.sort(ms);
            out.printf("%s, %d thread(s), %d warm-up + %d timed runs%n", model, exec.threads(), warmup, iterations);
            feeds.forEach((k, v) -> out.printf("  input %-20s %s%s%n", k, v.dtype(), v.shape()));
            out.printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  min %.3f  max %.3f%n",
                    pct(ms, 50), pct(ms, 90), pct(ms, 99), ms[0], ms[ms.length - 1]);
            // one more run, untimed, for the profile and the memory ledger's peak
            RunResult once = profile || memory ? s.run(feeds, RunOptions.defaults().withProfile(profile)) : null;
            if (profile) printProfile(out, once);
            if (memory) printMemory(out, once.peakBytes(), s.constantBytes(), residentPeakBytes());
        }
        out.flush();
        return 0;
    }

    /**
     * The memory block of {@code --memory}: each figure in MiB with what it counts.
     *
     * @param runPeak      {@link RunResult#peakBytes()} of one run
     * @param constants    {@link Session#constantBytes()}
     * @param residentPeak the process's peak resident set in bytes, or -1 when unknown
     */
    static void printMemory(PrintWriter out, long runPeak, long constants, long residentPeak) {
        out.println("memory:");
        out.printf("  run peak     %13s  one run's own tensors at most at once: outputs still to be read + the running op's scratch (no weights, no inputs)%n", mib(runPeak));
        out.printf("  constants    %13s  the model's weights and folded constants, heap or memory-mapped, each buffer once%n", mib(constants));
        out.printf("  process peak %13s  this JVM's peak resident set (VmHWM): heap, code, weights read from the file, everything%n",
                residentPeak < 0 ? "n/a" : mib(residentPeak));
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.3f MiB", bytes / (1024.0 * 1024.0));
    }

    /** {@return this process's peak resident set (VmHWM in /proc/self/status) in bytes, or -1 when it cannot be read} */
    static long residentPeakBytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (!line.startsWith("VmHWM:")) continue;
                String[] f = line.substring(6).trim().split("\\s+"); // "1234 kB"
                return f.length == 2 && f[1].equals("kB") ? Math.multiplyExact(Long.parseLong(f[0]), 1024L) : -1;
            }
        } catch (java.io.IOException | RuntimeException e) {
            return -1; // not Linux, or /proc not mounted or not readable: reported as n/a
        }
        return -1;
    }

    /** Time per operator type of one run, largest first, with node counts and shares. */
    static void printProfile(PrintWriter out, RunResult r) {
        Map<String, long[]> byOp = new java.util.TreeMap<>(); // op type -> {nanos, nodes}
        long total = 0;
        for (var t : r.profile()) {
            long[] a = byOp.computeIfAbsent(t.opType(), k -> new long[2]);
            a[0] += t.nanos();
            a[1]++;
            total += t.nanos();
        }
        out.printf("profile of one run: %.3f ms in %d nodes%n", total / 1e6, r.profile().size());
        long all = Math.max(1, total);
        byOp.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0])).forEach(e ->
                out.printf("  %-22s %4d nodes %9.3f ms %5.1f%%%n", e.getKey(), e.getValue()[1], e.getValue()[0] / 1e6, 100.0 * e.getValue()[0] / all));
    }

    /** Nearest-rank percentile of sorted values. */
    static double pct(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
