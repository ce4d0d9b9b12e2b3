package dev.heed.spark;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of this JVM, one per {@link ModelKey}: opened lazily by the first task that needs one, shared by every
 * later task of every stage on the same executor, closed when the JVM exits.
 *
 * <p>This is Heed's one piece of static mutable state, on purpose: an executor JVM is the unit Spark gives for
 * sharing (tasks are threads in it, each deserialising its own copy of the closure), and loading all-MiniLM-L6-v2
 * per task would cost more than embedding a partition. Each load is logged once at INFO, for example
 * {@code Heed: loaded model catalog:all-minilm-l6-v2 [...] into JVM pid 4242 (load 1 of this JVM) in 812 ms},
 * which is what an executor's log shows (and what the cluster test counts).
 *
 * <pre>{@code
 * TextEncoder enc = ExecutorModels.get(key, () -> TextEncoder.open(dir, options));   // the same object for every task
 * }</pre>
 */
public final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    /** The line each load logs starts with this. */
    public static final String LOADED = "Heed: loaded model ";

    private static final Map<ModelKey, AutoCloseable> MODELS = new ConcurrentHashMap<>();
    private static final Map<String, String> CHECKSUMS = new ConcurrentHashMap<>();   // "path|size|mtime" -> sha256
    private static final AtomicInteger LOADS = new AtomicInteger();

    static {
        Thread hook = new Thread(ExecutorModels::closeAll, "heed-close-models");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private ExecutorModels() {}

    /**
     * The model for {@code key}, opened with {@code open} the first time any thread of this JVM asks; concurrent
     * first requests wait for the one load. A failed load is not remembered: the next task tries again.
     *
     * @param <M>  the model's type
     * @param key  the model's identity on this JVM (kind, location, checksum, options)
     * @param open opens the model; called at most once per key while that model stays loaded
     * @return the model for {@code key}, shared with every other caller of this JVM; callers must not close it (a
     *         key first loaded as another type fails the caller's cast with a {@code ClassCastException})
     * @throws RuntimeException whatever {@code open} throws (typically a {@code HeedException}), unwrapped
     */
    @SuppressWarnings("unchecked")
    public static <M extends AutoCloseable> M get(ModelKey key, Supplier<M> open) {
        AutoCloseable m = MODELS.computeIfAbsent(key, k -> {
            long t0 = System.nanoTime();
            M opened = open.get();
            int n = LOADS.incrementAndGet();
            LOG.info("{}{} into JVM pid {} (load {} of this JVM) in {} ms", LOADED, k, ProcessHandle.current().pid(), n,
                    (System.nanoTime() - t0) / 1_000_000);
            return opened;
        });
        return (M) m;
    }

    /**
     * How many models this JVM has loaded so far (each key counts once).
     *
     * @return the number of successful loads since the JVM started
     */
    public static int loads() {
        return LOADS.get();
    }

    /**
     * Whether a model for {@code key} is open in this JVM.
     *
     * @param key the model's identity
     * @return true if a load for {@code key} has finished and the model is still held
     */
    public static boolean isLoaded(ModelKey key) {
        return MODELS.containsKey(key);
    }

    /**
     * The SHA-256 of a file, computed once per (path, size, modification time) in this JVM: a model's identity in
     * its {@link ModelKey}, so that a file replaced under the same name is a new model.
     *
     * @param file the file to hash (relative paths resolve against the working directory)
     * @return the digest as 64 lower-case hexadecimal digits
     * @throws HeedException with {@code ErrorCode.IO} if the file cannot be read (the message names it), or
     *                       {@code ErrorCode.INTERNAL} if this JDK has no SHA-256
     */
    public static String sha256(Path file) {
        try {
            Path abs = file.toAbsolutePath().normalize();
            String stamp = abs + "|" + Files.size(abs) + "|" + Files.getLastModifiedTime(abs).toMillis();
            String cached = CHECKSUMS.get(stamp);
            if (cached != null) return cached;
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            try (InputStream in = Files.newInputStream(abs)) {
                for (int r; (r = in.read(buf)) > 0; ) md.update(buf, 0, r);
            }
            String sha = HexFormat.of().formatHex(md.digest());
            CHECKSUMS.put(stamp, sha);
            return sha;
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "heed-spark: cannot read model file " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new HeedException(ErrorCode.INTERNAL, "heed-spark: this JDK has no SHA-256", e);
        }
    }

    /** Closes every model (the JVM is exiting). */
    static void closeAll() {
        List<AutoCloseable> all = new ArrayList<>(MODELS.values());
        MODELS.clear();
        for (AutoCloseable m : all) {
            try {
                m.close();
            } catch (Exception e) {
                LOG.warn("Heed: closing a model at JVM exit failed: {}", e.toString());
            }
        }
    }
}
