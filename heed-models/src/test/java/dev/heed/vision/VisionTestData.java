package dev.heed.vision;

import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import dev.heed.tensor.io.Npy;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Locates the committed test data and the shared sample images; compares images with references. */
final class VisionTestData {
    private VisionTestData() {}

    static Path resource(String name) {
        try {
            var url = VisionTestData.class.getResource("/vision/" + name);
            if (url == null) throw new AssertionError("missing test resource vision/" + name
                    + " (regenerate with heed-models/src/test/python/vision_make_references.py)");
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** ../shared/data/images/NAME relative to the repository root; fails loudly when missing. */
    static Path sharedImage(String name) {
        Path dir = Path.of("").toAbsolutePath();
        for (int i = 0; i < 5 && dir != null; i++, dir = dir.getParent()) {
            Path p = dir.resolveSibling("shared").resolve("data/images").resolve(name);
            if (Files.isRegularFile(p)) return p;
            p = dir.resolve("shared/data/images").resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        Path abs = Path.of("/work/shared/data/images", name);
        if (Files.isRegularFile(abs)) return abs;
        throw new AssertionError("sample image " + name + " not found in ../shared/data/images");
    }

    /** A uint8 [H, W, 3] reference as an RgbImage. */
    static RgbImage referenceImage(String npy) {
        Tensor t = Npy.read(resource(npy));
        assertEquals(DType.UINT8, t.dtype());
        assertEquals(3, t.rank());
        assertEquals(3, t.dim(2));
        byte[] data = ((dev.heed.tensor.Storage.ByteArray) t.storage()).data();
        return new RgbImage(t.dim(1), t.dim(0), data);
    }

    /** Max |a - b| over all samples (0..255). */
    static int maxAbsDiff(RgbImage a, RgbImage b) {
        assertEquals(a.width(), b.width(), "width");
        assertEquals(a.height(), b.height(), "height");
        int m = 0;
        for (int i = 0; i < a.rgb().length; i++) m = Math.max(m, Math.abs((a.rgb()[i] & 0xff) - (b.rgb()[i] & 0xff)));
        return m;
    }

    /** Fraction of samples that differ. */
    static double fractionDifferent(RgbImage a, RgbImage b) {
        int n = 0;
        for (int i = 0; i < a.rgb().length; i++) if (a.rgb()[i] != b.rgb()[i]) n++;
        return n / (double) a.rgb().length;
    }

    static void assertWithin(RgbImage expected, RgbImage actual, int tol, String what) {
        int d = maxAbsDiff(expected, actual);
        System.out.printf("%s: max |heed - reference| = %d/255, %.4f%% of samples differ%n", what, d,
                100 * fractionDifferent(expected, actual));
        assertTrue(d <= tol, what + ": max |heed - reference| = " + d + "/255 > " + tol + "/255");
    }
}
