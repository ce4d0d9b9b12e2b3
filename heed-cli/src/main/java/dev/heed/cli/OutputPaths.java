package dev.heed.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Checks output paths before a command does any work, so that an unwritable path fails at once (exit 2) instead of
 * after the model ran, and nothing is written. A probe file is created in the directory that will receive the
 * output and deleted at once: permission bits alone do not tell (root, read-only mounts, /proc).
 */
final class OutputPaths {
    private OutputPaths() {}

    /** {@code file} can be created or overwritten: not a directory, and its directory (or nearest ancestor) writable. */
    static void checkFile(CommandSpec spec, String option, Path file) {
        if (Files.isDirectory(file)) throw Check.usage(spec, option + " " + file + " is a directory; give a file name");
        if (Files.exists(file) && !Files.isWritable(file)) throw Check.usage(spec, option + " " + file + " is not writable");
        Path parent = file.toAbsolutePath().getParent();
        probe(spec, option, file, parent);
    }

    /** {@code dir} is a writable directory, or can be created (its nearest existing ancestor is a writable directory). */
    static void checkDir(CommandSpec spec, String option, Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw Check.usage(spec, option + " " + dir + " is not a directory");
        probe(spec, option, dir, dir.toAbsolutePath());
    }

    /** Creates the directories that the checked output needs (after the checks passed). */
    static void createParents(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
    }

    private static void probe(CommandSpec spec, String option, Path given, Path dir) {
        Path d = dir;
        while (d != null && !Files.exists(d)) d = d.getParent();
        if (d == null || !Files.isDirectory(d)) {
            throw Check.usage(spec, option + " " + given + ": " + (d == null ? "no existing directory above it" : d + " is not a directory"));
        }
        try {
            Path p = Files.createTempFile(d, ".heed-write-check", ".tmp");
            Files.delete(p);
        } catch (IOException | SecurityException e) {
            throw Check.usage(spec, option + " " + given + " cannot be written (" + d + " is not writable)");
        }
    }
}
