package dev.heed.cli;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The image files behind the IMAGE|DIR arguments of {@code detect} and {@code classify}: a file is taken as given
 * (whatever its extension — a bad file then fails with its own clear error), a directory contributes its image files
 * (by extension, not recursive, sorted by name).
 */
final class ImageSources {
    static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff");

    private ImageSources() {}

    /** The files to process, in argument order; {@code fromDirectory} is set when any came from a directory. */
    record Listing(List<Path> files, boolean fromDirectory) {}

    static Listing list(List<Path> sources) {
        List<Path> files = new ArrayList<>();
        boolean dir = false;
        for (Path s : sources) {
            if (Files.isDirectory(s)) {
                dir = true;
                try (Stream<Path> st = Files.list(s)) {
                    List<Path> imgs = st.filter(Files::isRegularFile).filter(ImageSources::isImageName).sorted().toList();
                    if (imgs.isEmpty()) {
                        throw new HeedException(ErrorCode.INVALID_ARGUMENT, "no image files in directory " + s + "; looked for " + EXTENSIONS);
                    }
                    files.addAll(imgs);
                } catch (IOException e) {
                    throw new HeedException(ErrorCode.IO, "cannot list directory " + s + ": " + e.getMessage(), e);
                }
            } else {
                files.add(s);                                   // a missing file fails when it is read, with its name
            }
        }
        return new Listing(files, dir);
    }

    static boolean isImageName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
