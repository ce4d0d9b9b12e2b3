package dev.heed.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.heed.vision.Images;

/**
 * Fuzzes image decoding (PNG, JPEG, GIF, BMP, WebP, ... through ImageIO and TwelveMonkeys): any bytes give an
 * image or a HeedException (not INTERNAL) within 2 s. Seeds: {@code ImageFuzzTestInputs/image/}.
 */
class ImageFuzzTest {
    /** 16 megapixels: the honest seeds are tiny; the bound keeps a single input from decoding for seconds. */
    static final long MAX_PIXELS = 16_000_000;

    static {
        // load (and, when fuzzing, instrument) every decoder once, outside the 2 s bound of a single input
        FuzzContract.warmUp(() -> {
            java.nio.file.Path dir = java.nio.file.Path.of("src/test/resources/dev/heed/fuzz/ImageFuzzTestInputs/image");
            if (!java.nio.file.Files.isDirectory(dir)) return;
            try (var files = java.nio.file.Files.list(dir)) {
                for (java.nio.file.Path p : files.sorted().toList()) {
                    try { Images.decode(java.nio.file.Files.readAllBytes(p), "warm-up", MAX_PIXELS); } catch (dev.heed.HeedException e) { /* forged seeds */ }
                }
            }
        });
    }

    static String one(byte[] data) {
        return FuzzContract.check("image", () -> Images.decode(data, "fuzz", MAX_PIXELS));
    }

    @FuzzTest(maxDuration = "30s")
    void image(byte[] data) {
        one(data);
    }
}
