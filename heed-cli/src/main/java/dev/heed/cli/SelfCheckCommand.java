package dev.heed.cli;

import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.kernel.KernelCheck;
import dev.heed.kernel.MachineProbe;
import dev.heed.kernel.VectorSupport;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code heed selfcheck}: runs every fast kernel against its float64 reference on random data, prints a table
 * of max errors and GFLOP/s, and exits 1 when any kernel is outside its tolerance.
 */
@Command(name = "selfcheck", mixinStandardHelpOptions = true,
        description = "Runs every kernel against its float64 reference on random data; prints max errors and GFLOP/s.")
final class SelfCheckCommand implements Callable<Integer> {

    @CommandLine.Mixin
    ThreadsOption threads;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ExecutionOptions opts = threads.execution();
        out.printf("Heed selfcheck — %s, %d thread(s), seed %d%n", VectorSupport.describe(), opts.threads(), seed);
        out.println("Every fast kernel runs on random data and is compared with its float64 reference twin; the speeds are");
        out.println("from a second pass (the first one warms up the JIT compiler) and depend on the machine's load.");
        MachineProbe.FmaPeak peak = MachineProbe.fmaPeak();
        out.printf("CPU: %s%n%s; %s%n", MachineProbe.machine().describe(), peak.describe(), MachineProbe.gemmBlocking());
        double peakAll = peak.gflops() * opts.threads();
        out.flush();
        List<KernelCheck> checks = new ArrayList<>();
        try (ExecutionContext ctx = ExecutionContext.create(opts)) {
            for (KernelSuite suite : KernelSuite.all()) suite.run(ctx, seed);          // warm-up pass, discarded
            for (KernelSuite suite : KernelSuite.all()) checks.addAll(suite.run(ctx, seed));
        }
        if (checks.isEmpty()) {
            out.println("no kernels were checked");
            out.flush();
            return 1;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"kernel", "error", "tolerance", "metric", "speed", "% peak", ""});
        int failed = 0;
        for (KernelCheck c : checks) {
            boolean ok = c.passed();
            if (!ok) failed++;
            rows.add(new String[] {c.kernel(), String.format(Locale.ROOT, "%.2e", c.maxError()), String.format(Locale.ROOT, "%.0e", c.tolerance()),
                    c.metric(), speed(c), percentOfPeak(c, peakAll), ok ? "ok" : "FAIL"});
        }
        int[] w = new int[7];
        for (String[] r : rows) for (int i = 0; i < 7; i++) w[i] = Math.max(w[i], r[i].length());
        for (String[] r : rows) {
            String line = String.format(Locale.ROOT, "%-" + w[0] + "s  %" + w[1] + "s  %" + w[2] + "s  %-" + w[3] + "s  %" + w[4] + "s  %" + w[5] + "s  %s",
                    (Object[]) r);
            out.println(line.stripTrailing());
        }
        out.println("metrics (a kernel passes when error <= tolerance):");
        List<String> metrics = checks.stream().map(KernelCheck::metric).distinct().toList();
        int mw = metrics.stream().mapToInt(String::length).max().orElse(4);
        for (String m : metrics) out.printf("  %-" + mw + "s  %s%n", m, explain(m));
        out.printf("%d kernels checked, %d passed, %d failed%n", checks.size(), checks.size() - failed, failed);
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    /** Elementwise kernels report elements per second, the others floating-point operations per second. */
    /** GFLOP/s as a share of the measured FMA peak of the threads used; only for kernels counted in FLOPs. */
    static String percentOfPeak(KernelCheck c, double peakGflops) {
        boolean elements = c.metric().equals("tol") || c.metric().equals("mismatches");
        if (elements || Double.isNaN(c.gflops()) || !(peakGflops > 0)) return "-";
        return String.format(Locale.ROOT, "%.0f%%", 100 * c.gflops() / peakGflops);
    }

    static String speed(KernelCheck c) {
        if (Double.isNaN(c.gflops())) return "-";
        boolean elements = c.metric().equals("tol") || c.metric().equals("mismatches");
        return String.format(Locale.ROOT, "%.1f %s", c.gflops(), elements ? "Gelem/s" : "GFLOP/s");
    }

    /** What an error metric means, in one line. */
    static String explain(String metric) {
        return switch (metric) {
            case "rel" -> "max |fast - reference| / max(1, max |reference|) over the output";
            case "tol" -> "the worst element's error in units of the op's own tolerance (rel·|reference| + abs): 0.36 is 36% of what is allowed";
            case "mismatches" -> "elements that differ from the reference (an exact op: must be 0)";
            default -> metric.startsWith("abs/") ? "max |fast - reference| / (1 + Σ|products|) per output element: the error relative to the sum's magnitude"
                    : "as the kernel's self-check defines it";
        };
    }

    /** A family of kernels that can check itself. */
    @FunctionalInterface
    interface KernelSuite {
        List<KernelCheck> run(ExecutionContext ctx, long seed);

        static List<KernelSuite> all() {
            return List.of(dev.heed.kernel.Gemm::selfCheck, dev.heed.kernel.Conv2d::selfCheck,
                    dev.heed.kernel.ElementwiseChecks::selfCheck,
                    dev.heed.attention.AttentionChecks::selfCheck);
        }
    }
}
