package dev.heed.bench;

import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.Session;
import dev.heed.onnx.SessionOptions;
import dev.heed.onnx.ir.ValueInfo;
import dev.heed.tensor.Tensor;
import dev.heed.text.ModelCatalog;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import javax.management.ObjectName;

/**
 * What a loaded model itself holds in memory, per model, each measured in a fresh JVM (the JVM with the Vector API
 * is ~110 MB resident before any model, so whole-process RSS cannot compare two models). For each model the child
 * JVM takes a snapshot before loading, after {@code Session.open}, after a few runs of batch 1 × 128, after a few
 * runs of batch 32 × 128, and after closing the session and letting the GC release it. A snapshot holds:
 * <ul>
 *   <li><b>heap</b>: the bytes of live Java objects (the total of the JVM's {@code GC.class_histogram}, taken after
 *       its full GC), i.e. what stays reachable: packed weight copies, the op memos, the session's kept scratch
 *       arrays, the graph; MemoryMXBean's heap used after several {@code System.gc()} calls is printed beside it;</li>
 *   <li><b>mapped</b>: resident pages (smaps {@code Rss}) of the mappings of the model file and of any other file in
 *       its directory (external data), from {@code /proc/self/smaps}; the weights a session reads in place;</li>
 *   <li><b>direct</b>: direct NIO buffers (BufferPoolMXBean "direct"; its "mapped" pool is shown apart: it counts
 *       the size of mapped files, resident or not, which the smaps figure already covers);</li>
 *   <li>for context, the process's {@code VmRSS} and {@code VmHWM} from {@code /proc/self/status}.</li>
 * </ul>
 * A model's total in a phase is {@code (heap − heap before loading) + mapped + (direct − direct before)}; the
 * "model only" heap is measured against the snapshot after closing instead, which leaves out what loading Heed's
 * own classes keeps (the same for every model). Inputs: random word pieces between [CLS] and [SEP], as ModelBench.
 * Models are named as for {@code bin/heed embed --model}: a catalogue name (resolved as the CLI does, from the
 * bundled model, {@code <cache>/models/NAME} or the class path; the bench jar carries all-minilm-l6-v2-q), a model
 * directory, or an .onnx file. Ratios are printed against the first model (put the float model first).
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC \
 *      -cp heed-bench/target/benchmarks.jar dev.heed.bench.ModelMemory all-minilm-l6-v2 all-minilm-l6-v2-q \
 *      [threads=2] [small=3] [large=2] [histogram=N]
 * </pre>
 * The child JVMs get this JVM's options (so {@code -Xmx}, the GC and the Vector API module carry over).
 */
public final class ModelMemory {
    private ModelMemory() {}

    private static final String CHILD = "--child";
    private static final String[] PHASES = {"before", "loaded", "small", "large", "closed"};

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals(CHILD)) {
            child(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]));
            return;
        }
        int threads = 2, small = 3, large = 2, histogram = 0;
        List<String> models = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("threads=")) threads = Integer.parseInt(a.substring(8));
            else if (a.startsWith("small=")) small = Integer.parseInt(a.substring(6));
            else if (a.startsWith("large=")) large = Integer.parseInt(a.substring(6));
            else if (a.startsWith("histogram=")) histogram = Integer.parseInt(a.substring(10));
            else models.add(a);
        }
        if (models.isEmpty()) {
            System.err.println("usage: ModelMemory MODEL... [threads=2] [small=3] [large=2] [histogram=N]   (MODEL: catalogue name,"
                    + " directory or .onnx; the first is the reference of the ratios; histogram: the N largest heap classes after the runs"
                    + " and after closing)");
            return;
        }
        String gcs = String.join(", ", ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).toList());
        System.out.printf(Locale.ROOT, "ModelMemory: %d thread(s), %d run(s) of 1x128 then %d of 32x128 per model, one JVM each; GC %s; max heap %d MB%n",
                threads, small, large, gcs, Runtime.getRuntime().maxMemory() >> 20);
        List<Result> results = new ArrayList<>();
        for (String m : models) {
            Path file = resolve(m);
            System.out.printf(Locale.ROOT, "%n%s: %s (%.1f MB file)%n", m, file, Files.size(file) / 1e6);
            Map<String, Snapshot> snaps = runChild(file, threads, small, large, histogram);
            Result r = new Result(m, file, snaps);
            r.print(small, large);
            results.add(r);
        }
        summary(results, small, large);
    }

    /** A catalogue name, a model directory or an .onnx file, resolved as {@code bin/heed embed --model} does. */
    static Path resolve(String model) throws IOException {
        Path p = Path.of(model);
        if (Files.isDirectory(p)) return p.resolve("model.onnx").toRealPath();
        if (Files.isRegularFile(p)) return p.toRealPath();
        if (ModelCatalog.find(model).isEmpty()) {
            throw new IllegalArgumentException(model + " is neither a file, a directory nor one of the catalogue names "
                    + ModelCatalog.entries().stream().map(ModelCatalog.Entry::name).toList());
        }
        try (TextEncoder e = ModelCatalog.open(model, TextEncoderOptions.defaults(cacheDir())
                .withExecution(ExecutionOptions.defaults().withThreads(1)))) {
            return e.modelFile().toRealPath();
        }
    }

    /** As the CLI: {@code $XDG_CACHE_HOME/heed} when set and absolute, else {@code ~/.cache/heed}. */
    static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) return Path.of(xdg, "heed");
        return Path.of(System.getProperty("user.home"), ".cache", "heed");
    }

    private static Map<String, Snapshot> runChild(Path file, int threads, int small, int large, int histogram)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ModelMemory.class.getName(), CHILD, file.toString(),
                Integer.toString(threads), Integer.toString(small), Integer.toString(large), Integer.toString(histogram)));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, Snapshot> snaps = new LinkedHashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("@ ")) {
                    Snapshot s = Snapshot.parse(line.substring(2));
                    snaps.put(s.phase, s);
                } else {
                    System.out.println("  " + line);
                }
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || snaps.size() != PHASES.length) {
            throw new IllegalStateException("the child JVM for " + file + " ended with " + rc + " after " + snaps.keySet());
        }
        return snaps;
    }

    // ---------------------------------------------------------------- child

    private static void child(Path file, int threads, int small, int large, int histogram) throws Exception {
        Map<String, Tensor> feedsSmall = ModelBench.bertInputs(1, 128, new SplittableRandom(5));
        Map<String, Tensor> feedsLarge = ModelBench.bertInputs(32, 128, new SplittableRandom(6));
        report(snapshot("before", file));
        Session s = Session.open(file, SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(threads)));
        report(snapshot("loaded", file));
        Map<String, Tensor> f1 = only(s, feedsSmall), f32 = only(s, feedsLarge);
        for (int i = 0; i < small; i++) s.run(f1);
        report(snapshot("small", file));
        for (int i = 0; i < large; i++) s.run(f32);
        report(snapshot("large", file));
        histogram("after the runs", histogram);
        Reference.reachabilityFence(s);
        s.close();
        s = null;
        f1 = f32 = null;
        Snapshot closed = snapshot("closed", file);
        // the mapping is released by the GC (automatic arena): give its cleaner a few rounds
        for (int i = 0; i < 20 && closed.mappedSize > 0; i++) {
            Thread.sleep(100);
            closed = snapshot("closed", file);
        }
        report(closed);
        histogram("closed, released", histogram);
    }

    /** The JVM's GC.class_histogram diagnostic command (a full GC, then every live class with its bytes). */
    private static String[] classHistogram() {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram", new Object[] {new String[0]}, new String[] {String[].class.getName()});
            return out.toString().split("\n");
        } catch (javax.management.JMException e) {
            throw new IllegalStateException("GC.class_histogram is not available in this JVM", e);
        }
    }

    /** Bytes of live objects: the histogram's "Total" line (exact, after its own full GC). */
    private static long liveHeap() {
        for (String line : classHistogram()) {
            String t = line.trim();
            if (t.startsWith("Total")) return Long.parseLong(t.split("\\s+")[2]);
        }
        throw new IllegalStateException("GC.class_histogram printed no Total line");
    }

    /** The {@code top} largest classes of the live heap. */
    private static void histogram(String when, int top) {
        if (top <= 0) return;
        String[] lines = classHistogram();
        System.out.println("heap histogram, " + when + ":");
        for (int i = 0; i < Math.min(lines.length, top + 2); i++) System.out.println("  " + lines[i]);
    }

    /** The feeds the session declares (all-MiniLM has token_type_ids; other encoders may not). */
    private static Map<String, Tensor> only(Session s, Map<String, Tensor> all) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (ValueInfo v : s.inputs()) {
            Tensor t = all.get(v.name());
            if (t == null) throw new IllegalStateException("no input for " + v.name() + "; ModelMemory feeds " + all.keySet());
            m.put(v.name(), t);
        }
        return m;
    }

    private static void report(Snapshot s) {
        System.out.println("@ " + s.format());
        System.out.flush();
    }

    private static Snapshot snapshot(String phase, Path file) throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(30);
        }
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long heap = liveHeap();
        long direct = 0, mappedPool = 0;
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) direct += b.getMemoryUsed();
            else if (b.getName().startsWith("mapped")) mappedPool += b.getMemoryUsed();
        }
        Path dir = file.getParent();
        long rss = 0, size = 0;
        TreeSet<String> files = new TreeSet<>();
        boolean in = false;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
                if (isHeader(line)) {
                    String path = mappingPath(line);
                    in = path != null && dir.equals(Path.of(path).getParent());   // the model file and its external data
                    if (in) files.add(Path.of(path).getFileName().toString());
                } else if (in && line.startsWith("Rss:")) {
                    rss += kilobytes(line) * 1024;
                } else if (in && line.startsWith("Size:")) {
                    size += kilobytes(line) * 1024;
                }
            }
            Map<String, Long> status = new LinkedHashMap<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:") || line.startsWith("VmHWM:")) status.put(line.substring(0, 5), kilobytes(line) * 1024);
            }
            return new Snapshot(phase, heap, used, rss, size, direct, mappedPool, status.getOrDefault("VmRSS", -1L),
                    status.getOrDefault("VmHWM", -1L), files.isEmpty() ? "-" : String.join(",", files));
        } catch (IOException e) {
            throw new UncheckedIOException("ModelMemory needs Linux's /proc/self/smaps and /proc/self/status", e);
        }
    }

    /** smaps mapping lines: {@code start-end perms offset dev inode [path]}. */
    private static boolean isHeader(String line) {
        int dash = line.indexOf('-'), space = line.indexOf(' ');
        if (dash <= 0 || space < dash) return false;
        for (int i = 0; i < space; i++) {
            char c = line.charAt(i);
            if (c != '-' && Character.digit(c, 16) < 0) return false;
        }
        return true;
    }

    /** The file of a mapping line, or null for anonymous memory and pseudo-paths such as [heap]. */
    private static String mappingPath(String header) {
        String[] f = header.trim().split("\\s+", 6);
        if (f.length < 6 || !f[5].startsWith("/")) return null;
        String p = f[5];
        return p.endsWith(" (deleted)") ? p.substring(0, p.length() - " (deleted)".length()) : p;
    }

    private static long kilobytes(String line) {
        String[] f = line.trim().split("\\s+");
        return Long.parseLong(f[1]);
    }

    // ---------------------------------------------------------------- results

    /** One snapshot of one phase (bytes). */
    private record Snapshot(String phase, long heap, long used, long mappedRss, long mappedSize, long direct, long mappedPool,
                            long vmRss, long vmHwm, String note) {
        String format() {
            return String.join(" ", phase, Long.toString(heap), Long.toString(used), Long.toString(mappedRss), Long.toString(mappedSize),
                    Long.toString(direct), Long.toString(mappedPool), Long.toString(vmRss), Long.toString(vmHwm), note);
        }

        static Snapshot parse(String s) {
            String[] f = s.split(" ", 10);
            return new Snapshot(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]),
                    Long.parseLong(f[5]), Long.parseLong(f[6]), Long.parseLong(f[7]), Long.parseLong(f[8]), f[9]);
        }
    }

    private record Result(String model, Path file, Map<String, Snapshot> snaps) {
        Snapshot at(String phase) {
            return snaps.get(phase);
        }

        long heapRetained(String phase) {
            return at(phase).heap - at("before").heap;
        }

        long heapModelOnly(String phase) {
            return at(phase).heap - at("closed").heap;
        }

        long direct(String phase) {
            return at(phase).direct - at("before").direct;
        }

        long total(String phase) {
            return heapRetained(phase) + at(phase).mappedRss + direct(phase);
        }

        long totalModelOnly(String phase) {
            return heapModelOnly(phase) + at(phase).mappedRss + direct(phase);
        }

        void print(int small, int large) {
            System.out.printf(Locale.ROOT, "  %-22s %9s %9s %10s %11s %16s %9s %11s %8s %8s%n", "phase", "live MB", "used MB", "Δlive MB",
                    "Δlive model", "mapped Rss/size", "direct Δ", "mapped pool", "VmRSS", "VmHWM");
            for (String ph : PHASES) {
                Snapshot s = at(ph);
                System.out.printf(Locale.ROOT, "  %-22s %9.1f %9.1f %10.1f %11.1f %9.1f/%-6.1f %9.1f %11.1f %8.1f %8.1f%n", label(ph, small, large),
                        mb(s.heap), mb(s.used), mb(heapRetained(ph)), mb(heapModelOnly(ph)), mb(s.mappedRss), mb(s.mappedSize), mb(direct(ph)),
                        mb(s.mappedPool), mb(s.vmRss), mb(s.vmHwm));
            }
            System.out.println("  (live: bytes of live objects, GC.class_histogram's total after its full GC; used: MemoryMXBean heap used"
                    + " after 4 System.gc(), which may also hold objects allocated since)");
            System.out.println("  (mapped pool: BufferPoolMXBean 'mapped', the size of mapped files, resident or not: not added to the total)");
            System.out.println("  mapped files of the model's directory after the runs: " + at("large").note);
        }
    }

    private static String label(String phase, int small, int large) {
        return switch (phase) {
            case "before" -> "before loading";
            case "loaded" -> "Session.open";
            case "small" -> "after " + small + " x 1x128";
            case "large" -> "after " + large + " x 32x128";
            case "closed" -> "closed, released";
            default -> phase;
        };
    }

    private static void summary(List<Result> results, int small, int large) {
        System.out.printf(Locale.ROOT, "%nPer model (MB): heap retained since before loading + mapped model pages resident + direct buffers;"
                + " 'model only' takes the heap against the closed-session snapshot instead.%n");
        System.out.printf(Locale.ROOT, "%-22s %-14s %9s %9s %8s %9s %8s %12s %8s%n", "model", "after", "heap", "mapped", "direct",
                "total", "÷ first", "model only", "÷ first");
        Result first = results.getFirst();
        for (Result r : results) {
            for (String ph : new String[] {"small", "large"}) {
                System.out.printf(Locale.ROOT, "%-22s %-14s %9.1f %9.1f %8.1f %9.1f %7.2fx %12.1f %7.2fx%n", r.model,
                        ph.equals("small") ? small + " x 1x128" : large + " x 32x128", mb(r.heapRetained(ph)), mb(r.at(ph).mappedRss),
                        mb(r.direct(ph)), mb(r.total(ph)), (double) r.total(ph) / first.total(ph),
                        mb(r.totalModelOnly(ph)), (double) r.totalModelOnly(ph) / first.totalModelOnly(ph));
            }
        }
    }

    private static double mb(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
