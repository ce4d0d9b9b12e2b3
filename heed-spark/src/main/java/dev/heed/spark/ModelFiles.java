package dev.heed.spark;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;

/**
 * Where an executor finds a model file: a path every executor can read (a shared or copied directory, a
 * {@code file:} URI), or a name given to {@code SparkContext.addFile}, which Spark copies into each executor's
 * {@link SparkFiles} directory.
 *
 * <pre>{@code
 * spark.sparkContext().addFile("/models/rtdetr-l.onnx");
 * new HeedObjectDetector().setModel("rtdetr-l.onnx");      // found through SparkFiles.get on every executor
 * }</pre>
 */
final class ModelFiles {
    private ModelFiles() {}

    /** The local file or directory {@code location} names on this JVM, or an IO error saying where it looked. */
    static Path resolve(String location, String what) {
        Path direct = localPath(location);
        if (direct != null && Files.exists(direct)) return direct.toAbsolutePath().normalize();
        String added = null;
        if (SparkEnv.get() != null && !location.contains("/")) {
            added = SparkFiles.get(location);
            if (Files.exists(Path.of(added))) return Path.of(added).toAbsolutePath().normalize();
        }
        throw new HeedException(ErrorCode.IO, what + ": model '" + location + "' not found on this JVM (looked at "
                + (direct == null ? location : direct.toAbsolutePath()) + (added == null ? "" : " and at " + added
                + ", where SparkContext.addFile puts it") + "); give a path every executor can read, or add the file "
                + "with SparkContext.addFile and give its name");
    }

    /** A local path for a plain path or a {@code file:} URI; {@code null} for other schemes. */
    static Path localPath(String s) {
        if (s.startsWith("file:")) return Path.of(URI.create(s));
        if (s.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) return null;   // hdfs://, s3a://: not a local file
        return Path.of(s);
    }

    /** This JVM's SparkFiles directory, where the bundled text model is copied when no cache directory is set. */
    static Path sparkFilesCache() {
        if (SparkEnv.get() == null) {
            throw HeedException.invalid("heed-spark", "no Spark environment in this JVM: set cacheDir on the transformer");
        }
        return Path.of(SparkFiles.getRootDirectory(), "heed-cache");
    }
}
