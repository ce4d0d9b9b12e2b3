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
import dev.heed.vision.explain.DetrExplanation;
import dev.heed.viz.DetectionExplanationPng;
import dev.heed.viz.ImageExplanationHtml;
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
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
    @Parameters(arity = "1..*", paramLabel = "IMAGE|DIR", description = "Image files, or directories of images.")
    List<Path> sources;

    @Option(names = "--model", required = true, paramLabel = "MODEL.onnx", description = "The RT-DETR model (input images [1, 3, S, S], output output0 [1, Q, 4 + nc]).")
    Path model;

    @Option(names = "--conf", defaultValue = "0.25", description = "Keep detections with a score above this, greater than 0 and at most 1 (default: ${DEFAULT-VALUE}).")
    float conf;

    @Option(names = "--classes", split = ",", paramLabel = "ID|NAME", description = "Keep only these classes, by id or name (comma-separated or repeated).")
    List<String> classes;

    @Option(names = "--max-det", defaultValue = "300", description = "At most this many detections per image, 1 to 100000 (default: ${DEFAULT-VALUE}).")
    int maxDet;

    @Option(names = "--out", paramLabel = "DIR", description = "Write annotated images (and JSON with --json) into DIR.")
    Path out;

    @Option(names = "--json", description = "Write the detections as Ultralytics tojson() JSON: DIR/NAME.json with --out, else one JSON line per image on standard output ({\"image\": NAME, \"detections\": [...]}) with the summary lines on standard error.")
    boolean json;

    @CommandLine.Mixin
    ThreadsOption threads;

    // ---- explanations (issue 17; owned by the explain work, kept apart from the options above)
    @Option(names = "--explain", arity = "0..1", fallbackValue = ".", paramLabel = "DIR",
            description = "Also show what each detection looked at (the last decoder layer's deformable-attention sampling points): write NAME.explain.png and NAME.explain.json ({query, points: [{x, y, weight, level, head}]}) into DIR (default: the current directory).")
    Path explain;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write a self-contained HTML viewer (click a detection: its sampling points per head and level); with several images FILE gets -NAME before its extension.")
    Path html;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Check.aboveAtMost(spec, "--conf", conf, 0f, 1f);
        Check.range(spec, "--max-det", maxDet, 1, 100_000);
        var exec = threads.execution();
        if (out != null) OutputPaths.checkDir(spec, "--out", out);
        if (explain != null) OutputPaths.checkDir(spec, "--explain", explain);   // explanations (issue 17)
        if (html != null) OutputPaths.checkFile(spec, "--html", html);
        ImageSources.Listing listing = ImageSources.list(sources);
        DetectorOptions opts = DetectorOptions.defaults().withSession(SessionOptions.defaults().withExecution(exec)).withConf(conf).withMaxDet(maxDet);
        if (classes != null) {
            // names are needed before the detector exists: read them from the model's metadata (no planning)
            ClassNames names = ClassNames.fromMetadata(Session.inspect(model).metadata());
            Set<Integer> ids = resolveClasses(classes, names);
            if (ids.isEmpty()) throw Check.usage(spec, "--classes is empty; give class ids or names, e.g. --classes person,car");
            opts = opts.withClasses(ids);
        }
        try (Detector det = Detector.open(model, opts)) {
            return run(det, listing, stdout, err);
        }
    }

    private int run(Detector det, ImageSources.Listing listing, PrintWriter stdout, PrintWriter err) {
        List<Path> files = listing.files();
        boolean progress = listing.fromDirectory() && files.size() > 1;
        // machine output (JSON lines) owns stdout when it goes there; the human lines then go to stderr
        PrintWriter human = json && out == null ? err : stdout;
        int objects = 0, done = 0, failed = 0;
        try (Progress bar = progress ? Progress.start(err, HeedCli.stderrTerminal(spec), "detect", "images", files.size()) : null) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                try {
                    RgbImage img = Images.read(f, det.options().maxPixels());
                    Detections r = det.detect(img);
                    if (bar != null) bar.clearLine();
                    human.println(r.summary(name, det.inputSize(), det.inputSize()));
                    if (out != null) createOut();                  // only once there is something to save
                    if (out != null) Annotator.write(new Annotator().draw(img, r), out.resolve(annotatedName(f)));
                    if (json && out != null) writeJson(out.resolve(ImageSources.stem(f) + ".json"), r.toJson());
                    else if (json) stdout.println(jsonLine(name, r.toJson()));
                    if (explain != null || html != null) explainOne(det, img, f, human, files.size() > 1);   // explanations (issue 17)
                    objects += r.size();
                    done++;
                } catch (HeedException e) {
                    if (bar != null) bar.clearLine();
                    err.println("heed: " + e.code() + ": " + e.getMessage());
                    failed++;
                }
                stdout.flush();
                err.flush();
                if (bar != null) bar.stepBy(1);
            }
        }
        human.printf(Locale.ROOT, "Detected %d objects in %d image%s%s%n", objects, done, done == 1 ? "" : "s",
                failed > 0 ? " (" + failed + " failed)" : "");
        if (out != null && done > 0) human.println("Results saved to " + out);
        stdout.flush();
        err.flush();
        return failed > 0 ? 2 : 0;
    }

    // ---- explanations (issue 17)

    private void explainOne(Detector det, RgbImage img, Path f, PrintWriter human, boolean several) {
        DetrExplanation e = det.explain(img);
        String stem = ImageSources.stem(f);
        if (html != null) {
            Path page = HtmlNames.forImage(html, stem, several);
            ImageExplanationHtml.write(e, f.getFileName().toString(), page);
            human.println("  explain: wrote " + page);
        }
        if (explain == null) return;
        try {
            Files.createDirectories(explain);
        } catch (IOException io) {
            throw new HeedException(ErrorCode.IO, "detect --explain: cannot create " + explain + ": " + io.getMessage(), io);
        }
        Path png = explain.resolve(stem + ".explain.png"), js = explain.resolve(stem + ".explain.json");
        DetectionExplanationPng.render(e, png);
        writeJson(js, e.toJson());
        human.printf(Locale.ROOT, "  explain: %d detections × %d sampling points (last of %d decoder layers); wrote %s, %s%n",
                e.detections().size(), e.heads() * e.levels() * e.pointsPerLevel(), e.decoderLayers(), png, js);
    }

    private static void writeJson(Path file, String json) {
        try {
            Files.writeString(file, json);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "detect: cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private void createOut() {
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "detect: cannot create the output directory " + out + ": " + e.getMessage(), e);
        }
    }

    /** One compact JSON line: {@code {"image": NAME, "detections": [...]}} around Ultralytics' tojson() list. */
    static String jsonLine(String image, String detectionsJson) {
        try {
            ObjectMapper om = new ObjectMapper();
            ObjectNode o = om.createObjectNode();
            o.put("image", image);
            o.set("detections", om.readTree(detectionsJson));
            return om.writeValueAsString(o);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.INTERNAL, "detect: cannot re-encode the detections as one JSON line: " + e.getMessage(), e);
        }
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
            if (s.matches("-?\\d+")) {
                int id;
                try {
                    id = Integer.parseInt(s);
                } catch (NumberFormatException e) {
                    id = -1;
                }
                if (!names.asMap().containsKey(id)) {
                    throw HeedException.invalid("detect", "--classes " + s + ": the model has no class with that id; its ids are "
                            + names.asMap().keySet().stream().min(Integer::compare).orElse(0) + " to "
                            + names.asMap().keySet().stream().max(Integer::compare).orElse(0));
                }
                ids.add(id);
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
