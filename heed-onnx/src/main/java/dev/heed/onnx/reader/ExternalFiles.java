package dev.heed.onnx.reader;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Confines the external-data files of a model to the model's directory.
 *
 * <p>Why more than a lexical check: {@code weights.bin -> /etc/passwd} is lexically inside the directory, and
 * so is {@code sub/weights.bin} when {@code sub} links to {@code /etc}. The rules, in order:
 * <ol>
 *   <li>the location is a relative path without NUL or other characters the platform cannot name;</li>
 *   <li>normalised against the model directory it stays inside it;</li>
 *   <li>no component below the model directory is a symbolic link (file or folder, even one pointing back
 *       inside: a link is the model asking to read something other than what it ships);</li>
 *   <li>the real path of the file lies inside the real path of the model directory;</li>
 *   <li>the file is opened with {@link LinkOption#NOFOLLOW_LINKS}, so a link swapped in after the check is
 *       not followed either (for the last component).</li>
 * </ol>
 * The model directory itself may be reached through links (a user's {@code ~/models} linked to a disk).
 *
 * <pre>{@code
 * Path f = ExternalFiles.confine("model.onnx: tensor 'w'", dir, "weights.bin");
 * MemorySegment s = ExternalFiles.map("model.onnx: tensor 'w'", f);
 * }</pre>
 */
final class ExternalFiles {
    private ExternalFiles() {}

    /**
     * The file {@code location} names below {@code baseDir}, checked by the rules above.
     *
     * @param what prefix for error messages (model and tensor)
     * @throws HeedException MALFORMED_INPUT naming the location and the rule it breaks; IO when it does not exist
     */
    static Path confine(String what, Path baseDir, String location) {
        Path rel;
        try {
            rel = Path.of(location);
        } catch (InvalidPathException e) {
            throw refuse(what, location, "is not a valid path (" + e.getReason() + ")");
        }
        if (rel.isAbsolute() || rel.getRoot() != null) throw refuse(what, location, "is absolute; it must be relative to the model directory");
        Path root;
        try {
            root = baseDir.toRealPath();
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, what + ": cannot resolve the model directory " + baseDir + ": " + e.getMessage(), e);
        }
        Path file = root.resolve(rel).normalize();
        if (!file.startsWith(root) || file.equals(root)) {
            throw refuse(what, location, "points outside the model directory " + root);
        }
        Path p = root;
        for (Path part : root.relativize(file)) {
            p = p.resolve(part);
            if (Files.isSymbolicLink(p)) {
                throw refuse(what, location, "goes through the symbolic link " + p
                        + "; external data must be a regular file inside the model directory " + root + ", not a link");
            }
        }
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new HeedException(ErrorCode.IO, what + ": external data file " + file + " does not exist");
        }
        Path real;
        try {
            real = file.toRealPath();
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, what + ": cannot resolve external data file " + file + ": " + e.getMessage(), e);
        }
        if (!real.startsWith(root)) {
            throw refuse(what, location, "resolves to " + real + ", outside the model directory " + root);
        }
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            throw refuse(what, location, "is not a regular file");
        }
        return real;
    }

    /** Maps a confined file read-only without following a link at its last component. */
    static MemorySegment map(String what, Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (size == 0) return MemorySegment.ofArray(new byte[0]);
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, what + ": cannot read external data file " + file + ": " + e.getMessage(), e);
        }
    }

    private static HeedException refuse(String what, String location, String rule) {
        return new HeedException(ErrorCode.MALFORMED_INPUT, what + ": external data location '" + location + "' " + rule);
    }
}
