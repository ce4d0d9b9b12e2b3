package dev.heed.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code heed bench …}: micro-benchmarks of Heed's kernels and models. */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks: time, GFLOP/s and memory of Heed's kernels.",
        subcommands = {})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
