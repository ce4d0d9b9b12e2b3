package dev.heed.server;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The web playground served at {@code GET /}: one self-contained page (inline CSS and JS, no external URL, works
 * offline) that calls the server's own routes — the attention viewer of {@code attention.html} itself (fetched whole
 * from {@code /v1/attention?format=html} into a frame, not a copy of it), {@code /similarity}, and {@code /v1/detect}
 * / {@code /v1/classify} with the detections drawn on the uploaded image beside a table of boxes.
 */
final class Playground {
    private static final String PAGE = "/dev/heed/server/playground.html";

    private Playground() {}

    /** The page's bytes (UTF-8). */
    static byte[] page() {
        try (InputStream in = Playground.class.getResourceAsStream(PAGE)) {
            if (in == null) throw new HeedException(ErrorCode.INTERNAL, "heed serve: resource " + PAGE + " is missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "heed serve: cannot read " + PAGE + ": " + e.getMessage(), e);
        }
    }
}
