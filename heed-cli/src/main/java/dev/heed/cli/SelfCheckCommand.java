package dev.heed.cli;

import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.kernel.KernelCheck;
import dev.heed.kernel.MachineProbe;
import dev.heed.kernel.VectorSupport;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
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

    @Option(names = "--threads", description = "Worker threads (default: all processors).")
    Integer threads;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ExecutionOptions opts = ExecutionOptions.defaults();
        if (threads != null) opts = opts.withThreads(threads);
        out.printf("Heed selfcheck — %s, %d thread(s), seed %d%n", VectorSupport.describe(), opts.threads(), seed);
        MachineProbe.FmaPeak peak = MachineProbe.fmaPeak();
        out.printf("CPU: %s%n%s; %s%n", MachineProbe.machine().describe(), peak.describe(), MachineProbe.gemmBlocking());
        double peakAll = peak.gflops() * opts.threads();
        List<KernelCheck> checks = new ArrayList<>();
        try (ExecutionContext ctx = ExecutionContext.create(opts)) {
            for (KernelSuite suite : KernelSuite.all()) {
                checks.addAll(suite.run(ctx, seed));
            }
        }
        int width = Math.max(6, checks.stream().mapToInt(c -> c.kernel().length()).max().orElse(6));
        String fmt = "%-" + width + "s  %12s  %10s  %-4s  %9s  %6s  %s%n";
        out.printf(fmt, "kernel", "max error", "tolerance", "", "GFLOP/s", "% peak", "");
        int failed = 0;
        for (KernelCheck c : checks) {
            boolean ok = c.passed();
            if (!ok) failed++;
            out.printf(fmt, c.kernel(), String.format("%.3e", c.maxError()), String.format("%.1e", c.tolerance()),
                    c.metric(), Double.isNaN(c.gflops()) ? "-" : String.format("%.1f", c.gflops()),
                    Double.isNaN(c.gflops() / peakAll) ? "-" : String.format("%.0f", 100 * c.gflops() / peakAll), ok ? "ok" : "FAIL");
        }
        out.printf("%d kernels checked, %d passed, %d failed%n", checks.size(), checks.size() - failed, failed);
        out.flush();
        if (checks.isEmpty()) { out.println("no kernels were checked"); out.flush(); return 1; }
        return failed == 0 ? 0 : 1;
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
