package dev.heed.cli;

import dev.heed.exec.ExecutionOptions;
import picocli.CommandLine.Option;

/**
 * The {@code --threads} option shared by the commands that run a model (a picocli mixin), and the
 * {@link ExecutionOptions} it stands for.
 */
final class ThreadsOption {
    @Option(names = "--threads", description = "Worker threads (default: all processors).")
    Integer threads;

    /** The default execution options, with {@code --threads} when given. */
    ExecutionOptions execution() {
        return execution(threads);
    }

    /** The default execution options with {@code threads} workers, or all processors when null. */
    static ExecutionOptions execution(Integer threads) {
        ExecutionOptions exec = ExecutionOptions.defaults();
        return threads == null ? exec : exec.withThreads(threads);
    }
}
