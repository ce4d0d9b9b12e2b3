package dev.heed.cli;

import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.RunOptions;
import dev.heed.onnx.RunResult;
import dev.heed.onnx.Session;
import dev.heed.onnx.RunOptions;
import dev.heed.onnx.SessionOptions;
import dev.heed.tensor.Tensor;
import dev.heed.tensor.io.Npy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code heed run MODEL.onnx --input NAME=FILE.npy …}: runs a model once and writes every output as NAME.npy. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Runs an ONNX model on .npy inputs and writes each output as NAME.npy.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.onnx")
    Path model;

    @Option(names = "--input", paramLabel = "NAME=FILE.npy", description = "An input tensor (repeatable). Inputs not given get random valid values.")
    List<String> inputs;

    @Option(names = "--dim", paramLabel = "NAME=SIZE", description = "Size of a symbolic dimension for random inputs, 1 to 1048576; NAME must be one of the model's (repeatable).")
    List<String> dims;

    @Option(names = "--output-dir", paramLabel = "DIR", defaultValue = ".", description = "Where outputs go (default: current directory).")
    Path outputDir;

    @CommandLine.Mixin
    ThreadsOption threads;

    @Option(names = "--profile", description = "Print the ten slowest nodes.")
    boolean profile;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for random inputs.")
    long seed;

    // ---- per-run capture (issue 17)
    @Option(names = "--capture", paramLabel = "NAME|/REGEX/", description = "Also write an intermediate value as NAME.npy beside the outputs: an exact value name, or /REGEX/ for every value whose whole name matches (repeatable). Values inside fused patterns do not exist after optimisation.")
    List<String> capture;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        ExecutionOptions exec = threads.execution();
        Map<String, Integer> dimSizes = ModelInputs.dimSizes(spec, dims);
        Map<String, String> inputFiles = ModelInputs.pairs(inputs, "--input");
        OutputPaths.checkDir(spec, "--output-dir", outputDir);
        SessionOptions opts = SessionOptions.defaults().withExecution(exec);
        long t0 = System.nanoTime();
        try (Session s = Session.open(model, opts)) {
            long loaded = System.nanoTime();
            ModelInputs.checkDimNames(spec, s.inputs(), dimSizes);
            Map<String, Tensor> feeds = ModelInputs.read(inputFiles, exec.memoryLimitBytes());
            ModelInputs.fillRandom(s.inputs(), feeds, dimSizes, seed);
            long start = System.nanoTime();
            RunResult r = s.run(feeds, runOptions());
            long ran = System.nanoTime();
            Files.createDirectories(outputDir);
            out.printf("loaded %s in %.1f ms; ran in %.1f ms%n", model, (loaded - t0) / 1e6, (ran - start) / 1e6);
            for (var e : r.outputs().entrySet()) {
                Path file = outputDir.resolve(e.getKey().replaceAll("[^A-Za-z0-9._-]", "_") + ".npy");
                Npy.write(file, e.getValue());
                out.printf("  %-24s %-8s %-20s -> %s%n", e.getKey(), e.getValue().dtype(), e.getValue().shape(), file);
            }
            for (var e : r.captured().entrySet()) {                    // issue 17: captured values beside the outputs
                if (r.outputs().containsKey(e.getKey())) continue;
                Path file = outputDir.resolve(e.getKey().replaceAll("[^A-Za-z0-9._-]", "_") + ".npy");
                Npy.write(file, e.getValue());
                out.printf("  %-24s %-8s %-20s -> %s (captured)%n", e.getKey(), e.getValue().dtype(), e.getValue().shape(), file);
            }
            if (profile) {
                out.println("slowest nodes:");
                r.profile().stream().sorted(Comparator.comparingLong(RunResult.NodeTiming::nanos).reversed()).limit(10)
                        .forEach(n -> out.printf("  %8.3f ms  %-20s %s%n", n.nanos() / 1e6, n.opType(), n.node()));
            }
        }
        out.flush();
        return 0;
    }

    /** Profiling and the --capture names and patterns (issue 17). */
    private RunOptions runOptions() {
        RunOptions o = RunOptions.defaults().withProfile(profile);
        List<String> regexes = new java.util.ArrayList<>();
        for (String c : capture == null ? List.<String>of() : capture) {
            if (c.length() >= 2 && c.startsWith("/") && c.endsWith("/")) regexes.add("(?:" + c.substring(1, c.length() - 1) + ")");
            else if (c.isEmpty()) throw Check.usage(spec, "--capture needs a value name or /REGEX/");
            else o = o.withCapture(c);
        }
        if (!regexes.isEmpty()) {
            try {
                o = o.withCapture(java.util.regex.Pattern.compile(String.join("|", regexes)));
            } catch (java.util.regex.PatternSyntaxException e) {
                throw Check.usage(spec, "--capture: bad regular expression: " + e.getDescription());
            }
        }
        return o;
    }
}
