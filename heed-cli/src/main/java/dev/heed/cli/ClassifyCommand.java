package dev.heed.cli;

import dev.heed.HeedException;
import dev.heed.onnx.SessionOptions;
import dev.heed.vision.Classification;
import dev.heed.vision.ClassNames;
import dev.heed.vision.Classifications;
import dev.heed.vision.Classifier;
import dev.heed.vision.ClassifierOptions;
import dev.heed.ErrorCode;
import dev.heed.tensor.Tensor;
import dev.heed.tensor.io.Npy;
import dev.heed.vision.explain.HeadFusion;
import dev.heed.vision.explain.RolloutOptions;
import dev.heed.vision.explain.ViTExplanation;
import dev.heed.viz.ImageExplanationHtml;
import dev.heed.viz.ImageExplanationPng;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
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

    // ---- explanations (issue 17; owned by the explain work, kept apart from the options above)
    @Option(names = "--explain", arity = "0..1", fallbackValue = ".", paramLabel = "DIR",
            description = "Also explain each image by attention rollout: write NAME.explain.png (overlay, colour bar, top-k, last layer's heads) and NAME.rollout.npy ([grid_h, grid_w] float32) into DIR (default: the current directory).")
    Path explain;

    @Option(names = "--explain-fusion", defaultValue = "mean", paramLabel = "mean|max|min",
            description = "How rollout combines the heads of a layer: mean, max or min (default: ${DEFAULT-VALUE}).")
    String explainFusion;

    @Option(names = "--discard-ratio", defaultValue = "0", paramLabel = "R",
            description = "Rollout drops the weakest R of each layer's attention, 0 <= R < 1 (default: ${DEFAULT-VALUE}).")
    double discardRatio;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write a self-contained HTML viewer of the explanation (hover a patch: where it attends per layer and head); with several images FILE gets -NAME before its extension.")
    Path html;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Check.range(spec, "--top", top, 1, 1000);
        ClassifierOptions opts = ClassifierOptions.defaults().withSession(SessionOptions.defaults().withExecution(threads.execution()));
        if (labels != null) opts = opts.withLabels(ClassNames.fromFile(labels));
        List<Path> files = ImageSources.list(sources).files();
        Explain ex = explainSetup();
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
                    if (ex != null) explainOne(c, f, ex, stdout);
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

    // ---- explanations (issue 17)

    /** The checked explain settings, or null without --explain. */
    private record Explain(Path dir, RolloutOptions options, Path html, boolean several) {}

    private Explain explainSetup() {
        if (explain == null && html == null) {
            if (discardRatio != 0 || !explainFusion.equals("mean")) throw Check.usage(spec, "--explain-fusion and --discard-ratio need --explain or --html");
            return null;
        }
        if (!(discardRatio >= 0 && discardRatio < 1)) throw Check.usage(spec, "--discard-ratio must be in [0, 1), got " + discardRatio);
        HeadFusion fusion;
        try {
            fusion = HeadFusion.parse(explainFusion);
        } catch (HeedException e) {
            throw Check.usage(spec, "--explain-fusion: " + e.getMessage());
        }
        if (explain != null) OutputPaths.checkDir(spec, "--explain", explain);
        if (html != null) OutputPaths.checkFile(spec, "--html", html);
        return new Explain(explain, new RolloutOptions(fusion, discardRatio), html, ImageSources.list(sources).files().size() > 1);
    }

    private void explainOne(Classifier c, Path f, Explain ex, PrintWriter stdout) {
        ViTExplanation e = c.explain(f, top, ex.options());
        String stem = ImageSources.stem(f);
        if (ex.html() != null) {
            Path page = HtmlNames.forImage(ex.html(), stem, ex.several());
            ImageExplanationHtml.write(e, f.getFileName().toString(), page);
            stdout.println("  explain: wrote " + page);
        }
        if (ex.dir() == null) return;
        try {
            Files.createDirectories(ex.dir());
        } catch (IOException io) {
            throw new HeedException(ErrorCode.IO, "classify --explain: cannot create " + ex.dir() + ": " + io.getMessage(), io);
        }
        Path png = ex.dir().resolve(stem + ".explain.png"), npy = ex.dir().resolve(stem + ".rollout.npy");
        ImageExplanationPng.render(e, png);
        Npy.write(npy, Tensor.of(e.rollout(), e.gridH(), e.gridW()));
        int best = e.argmax();
        stdout.printf(Locale.ROOT, "  explain: rollout (%s, discard %s) peaks at patch row %d, col %d; wrote %s, %s%n",
                ex.options().fusion().label(), ex.options().discardRatio(), best / e.gridW(), best % e.gridW(), png, npy);
    }
}
