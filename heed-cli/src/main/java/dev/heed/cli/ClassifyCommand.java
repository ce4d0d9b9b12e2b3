package dev.heed.cli;

import dev.heed.HeedException;
import dev.heed.onnx.SessionOptions;
import dev.heed.vision.Classification;
import dev.heed.vision.ClassNames;
import dev.heed.vision.Classifications;
import dev.heed.vision.Classifier;
import dev.heed.vision.ClassifierOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code heed classify IMAGE… --model vit.onnx [--top 5] [--labels FILE]}: image classification (torchvision
 * Resize/CenterCrop/Normalize pre-processing). Prints Ultralytics' classify summary line per image and the top-k
 * table (probability, name, class id). A bad image is reported and skipped; the exit code is then 2.
 */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Classifies images with an ONNX image classifier (e.g. a torchvision ViT export): top-k classes.")
final class ClassifyCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files, or directories of images.")
    List<Path> sources;

    @Option(names = "--model", required = true, paramLabel = "MODEL.onnx", description = "The classifier (input [1, 3, S, S], output logits [1, nc]).")
    Path model;

    @Option(names = "--top", defaultValue = "5", description = "How many classes to show, 1 to 1000 (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--labels", paramLabel = "FILE", description = "Class names, one per line (default: the model's metadata names, else ImageNet-1k).")
    Path labels;

    @CommandLine.Mixin
    ThreadsOption threads;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Check.range(spec, "--top", top, 1, 1000);
        ClassifierOptions opts = ClassifierOptions.defaults().withSession(SessionOptions.defaults().withExecution(threads.execution()));
        if (labels != null) opts = opts.withLabels(ClassNames.fromFile(labels));
        List<Path> files = ImageSources.list(sources).files();
        int failed = 0;
        try (Classifier c = Classifier.open(model, opts)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                try {
                    Classifications r = c.classify(f, top);
                    stdout.println(r.summary(name));
                    for (Classification k : r.top()) {
                        stdout.printf(Locale.ROOT, "  %.4f  %s (%d)%n", k.probability(), k.name(), k.classId());
                    }
                } catch (HeedException e) {
                    err.println("heed: " + e.code() + ": " + e.getMessage());
                    failed++;
                }
                stdout.flush();
                err.flush();
            }
        }
        return failed > 0 ? 2 : 0;
    }
}
