package dev.heed.cli;

import dev.heed.exec.ExecutionOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code --threads} option shared by every command that computes (a picocli mixin), and the
 * {@link ExecutionOptions} it stands for. At least 1; more than {@link #MAX_PER_PROCESSOR} per processor is capped
 * there with a note on standard error (beyond that threads only compete, and thousands of them exhaust the JVM).
 */
final class ThreadsOption {
    /** Threads allowed per available processor before the value is capped. */
    static final int MAX_PER_PROCESSOR = 4;

    @Option(names = "--threads", paramLabel = "N",
            description = "Worker threads, at least 1; above 4 per processor is capped (default: all processors).")
    Integer threads;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /** The validated thread count: null for the default (all processors). */
    Integer threads() {
        if (threads == null) return null;
        Check.range(mixee, "--threads", threads, 1, Integer.MAX_VALUE);
        int cap = cap();
        if (threads > cap) {
            mixee.commandLine().getErr().printf("heed: --threads %d capped at %d (%d per processor, %d processors)%n",
                    threads, cap, MAX_PER_PROCESSOR, Runtime.getRuntime().availableProcessors());
            mixee.commandLine().getErr().flush();
            threads = cap;
        }
        return threads;
    }

    /** The default execution options, with the validated {@code --threads} when given. */
    ExecutionOptions execution() {
        return execution(threads());
    }

    static int cap() {
        return MAX_PER_PROCESSOR * Runtime.getRuntime().availableProcessors();
    }

    /** The default execution options with {@code threads} workers, or all processors when null. */
    static ExecutionOptions execution(Integer threads) {
        ExecutionOptions exec = ExecutionOptions.defaults();
        return threads == null ? exec : exec.withThreads(threads);
    }
}
