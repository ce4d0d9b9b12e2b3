package dev.heed.cli;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.Session;
import dev.heed.onnx.SessionOptions;
import dev.heed.vision.Annotator;
import dev.heed.vision.ClassNames;
import dev.heed.vision.Detections;
import dev.heed.vision.Detector;
import dev.heed.vision.DetectorOptions;
import dev.heed.vision.Images;
import dev.heed.vision.RgbImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code heed detect IMAGE|DIR… --model rtdetr-l.onnx}: RT-DETR detection. Prints Ultralytics' summary line per
 * image ({@code bus.jpg: 640x640 4 persons, 1 bus, 123.4ms}) and {@code Detected N objects in K images}; with
 * {@code --out DIR} writes each annotated image there, with {@code --json} the Ultralytics {@code tojson()} list
 * (to {@code DIR/NAME.json} with --out, else to standard output after the summary line). A bad image is reported
 * and skipped; the exit code is then 2.
 */
@Command(name = "detect", mixinStandardHelpOptions = true,
        description = "Detects objects with an RT-DETR ONNX model (Ultralytics export): summary lines, annotated images, JSON.")
final class DetectCommand implements Callable<Integer> {
    private static final int BAR_WIDTH = 80;

    @Parameters(arity = "1..*", paramLabel = "IMAGE|DIR", description = "Image files, or directories of images.")
    List<Path> sources;

    @Option(names = "--model", required = true, paramLabel = "MODEL.onnx", description = "The RT-DETR model (input images [1, 3, S, S], output output0 [1, Q, 4 + nc]).")
    Path model;

    @Option(names = "--conf", defaultValue = "0.25", description = "Keep detections with a score above this (default: ${DEFAULT-VALUE}).")
    float conf;

    @Option(names = "--classes", split = ",", paramLabel = "ID|NAME", description = "Keep only these classes, by id or name (comma-separated or repeated).")
    List<String> classes;

    @Option(names = "--max-det", defaultValue = "300", description = "At most this many detections per image (default: ${DEFAULT-VALUE}).")
    int maxDet;

    @Option(names = "--out", paramLabel = "DIR", description = "Write annotated images (and JSON with --json) into DIR.")
    Path out;

    @Option(names = "--json", description = "Write the detections as Ultralytics tojson() JSON.")
    boolean json;

    @CommandLine.Mixin
    ThreadsOption threads;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        ImageSources.Listing listing = ImageSources.list(sources);
        DetectorOptions opts = DetectorOptions.defaults().withSession(SessionOptions.defaults().withExecution(threads.execution())).withConf(conf).withMaxDet(maxDet);
        if (classes != null && !classes.isEmpty()) {
            // names are needed before the detector exists: read them from the model's metadata (no planning)
            ClassNames names = ClassNames.fromMetadata(Session.inspect(model).metadata());
            opts = opts.withClasses(resolveClasses(classes, names));
        }
        try (Detector det = Detector.open(model, opts)) {
            return run(det, listing, stdout, err);
        }
    }

    private int run(Detector det, ImageSources.Listing listing, PrintWriter stdout, PrintWriter err) {
        List<Path> files = listing.files();
        boolean progress = listing.fromDirectory() && files.size() > 1;
        if (out != null) {
            try {
                Files.createDirectories(out);
            } catch (IOException e) {
                throw new HeedException(ErrorCode.IO, "detect: cannot create the output directory " + out + ": " + e.getMessage(), e);
            }
        }
        int objects = 0, done = 0, failed = 0;
        try (ProgressBar bar = progress ? progressBar(files.size(), err) : null) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                try {
                    RgbImage img = Images.read(f, det.options().maxPixels());
                    Detections r = det.detect(img);
                    if (bar != null) clearLine(err);
                    stdout.println(r.summary(name, det.inputSize(), det.inputSize()));
                    if (out != null) Annotator.write(new Annotator().draw(img, r), out.resolve(annotatedName(f)));
                    if (json && out != null) writeJson(out.resolve(ImageSources.stem(f) + ".json"), r.toJson());
                    else if (json) stdout.println(r.toJson());
                    objects += r.size();
                    done++;
                } catch (HeedException e) {
                    if (bar != null) clearLine(err);
                    err.println("heed: " + e.code() + ": " + e.getMessage());
                    failed++;
                }
                stdout.flush();
                err.flush();
                if (bar != null) bar.step();
            }
        }
        if (progress) err.println();
        stdout.printf(Locale.ROOT, "Detected %d objects in %d image%s%s%n", objects, done, done == 1 ? "" : "s",
                failed > 0 ? " (" + failed + " failed)" : "");
        if (out != null) stdout.println("Results saved to " + out);
        stdout.flush();
        err.flush();
        return failed > 0 ? 2 : 0;
    }

    private static void writeJson(Path file, String json) {
        try {
            Files.writeString(file, json);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "detect: cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Blanks the progress bar's line so that a result line does not start in the middle of it. */
    private static void clearLine(PrintWriter err) {
        err.print("\r" + " ".repeat(BAR_WIDTH) + "\r");
        err.flush();
    }

    private static ProgressBar progressBar(int n, PrintWriter err) {
        return new ProgressBarBuilder().setTaskName("detect").setInitialMax(n).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new DelegatingProgressBarConsumer(line -> {
                    err.print("\r" + line);
                    err.flush();
                }, BAR_WIDTH)).build();
    }

    /** The annotated copy keeps the file name; formats other than PNG/JPEG are written as JPEG. */
    static String annotatedName(Path f) {
        String n = f.getFileName().toString(), l = n.toLowerCase(Locale.ROOT);
        return l.endsWith(".png") || l.endsWith(".jpg") || l.endsWith(".jpeg") ? n : ImageSources.stem(f) + ".jpg";
    }

    /** Class ids from ids or names (case-insensitive); an unknown name lists the model's names. */
    static Set<Integer> resolveClasses(List<String> given, ClassNames names) {
        Set<Integer> ids = new LinkedHashSet<>();
        for (String g : given) {
            String s = g.trim();
            if (s.isEmpty()) continue;
            if (s.matches("\\d+")) {
                ids.add(Integer.parseInt(s));
                continue;
            }
            Integer id = null;
            for (Map.Entry<Integer, String> e : names.asMap().entrySet()) if (e.getValue().equalsIgnoreCase(s)) id = e.getKey();
            if (id == null) throw HeedException.unsupported("--classes: no class named '" + s + "' in the model", names.asMap().values().toArray());
            ids.add(id);
        }
        return ids;
    }
}
