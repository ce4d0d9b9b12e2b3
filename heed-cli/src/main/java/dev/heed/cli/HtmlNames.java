package dev.heed.cli;

import java.nio.file.Path;

/** Where {@code --html FILE} goes per image: FILE itself for one image, FILE with {@code -NAME} before its extension for several. */
final class HtmlNames {
    private HtmlNames() {}

    static Path forImage(Path file, String stem, boolean several) {
        if (!several) return file;
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        String named = dot > 0 ? n.substring(0, dot) + "-" + stem + n.substring(dot) : n + "-" + stem;
        return file.resolveSibling(named);
    }
}
