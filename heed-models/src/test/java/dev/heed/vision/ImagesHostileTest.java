package dev.heed.vision;

import static dev.heed.vision.VisionTestData.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13, point 5: decoding is bounded by the input's size and by time, and truncation is reported. */
class ImagesHostileTest {
    @TempDir Path tmp;

    private static HeedException refused(byte[] data, String name) {
        long t0 = System.nanoTime();
        HeedException e = assertThrows(HeedException.class, () -> Images.decode(data, name, Images.DEFAULT_MAX_PIXELS),
                name + " (" + data.length + " bytes) decoded without an error");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 2000, name + ": refusal took " + ms + " ms");
        return e;
    }

    /** The committed 37x23 lossless WebP with its VP8L header patched to declare {@code w} x {@code h}. */
    static byte[] webpDeclaring(int w, int h, int keepBytes) throws IOException {
        byte[] b = Files.readAllBytes(resource("synth_37x23_lossless.webp"));
        assertEquals(0x2f, b[20] & 0xff, "VP8L signature");
        int bits = (b[21] & 0xff) | (b[22] & 0xff) << 8 | (b[23] & 0xff) << 16 | (b[24] & 0xff) << 24;
        bits = (bits & ~((1 << 28) - 1)) | (w - 1) | (h - 1) << 14;
        for (int k = 0; k < 4; k++) b[21 + k] = (byte) (bits >>> (8 * k));
        return Arrays.copyOf(b, Math.min(keepBytes, b.length));
    }

    @Test
    void a42ByteLosslessWebpDeclaring10000SquaredIsRefusedAtOnce() throws IOException {
        HeedException e = refused(webpDeclaring(10_000, 10_000, 42), "tiny.webp");
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("42 bytes"), e.getMessage());
    }

    @Test
    void a2000SquaredWebpWhoseDataEndsEarlyIsTruncatedNotGarbage() throws IOException {
        // 2656 bytes may declare 2000x2000 under the policy bound; the decoder then runs out of data
        HeedException e = refused(webpDeclaring(2000, 2000, Integer.MAX_VALUE), "forged.webp");
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code(), e.getMessage());
        // and a smaller forgery that used to "succeed" with garbage pixels
        HeedException small = refused(webpDeclaring(300, 200, Integer.MAX_VALUE), "forged-small.webp");
        assertEquals(ErrorCode.MALFORMED_INPUT, small.code(), small.getMessage());
    }

    private static byte[] encoded(String format, int w, int h, long seed) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, r.nextInt(1 << 24));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), format);
        return out.toByteArray();
    }

    @Test
    void truncatedGifPngJpegAreMalformed() throws IOException {
        for (String format : List.of("gif", "png", "jpeg")) {
            byte[] full = encoded(format, 64, 48, 7);
            assertEquals(64, Images.decode(full, "full." + format, Images.DEFAULT_MAX_PIXELS).width(), format);
            // cuts inside the pixel data (a PNG cut only inside its 12-byte IEND trailer still holds every pixel)
            for (int keep : new int[] {full.length * 2 / 3, full.length / 2, full.length - 40}) {
                HeedException e = refused(Arrays.copyOf(full, keep), "cut." + format);
                assertEquals(ErrorCode.MALFORMED_INPUT, e.code(), format + " cut at " + keep + ": " + e.getMessage());
            }
        }
    }

    @Test
    void theDeclaredSizeMustBeEncodableByTheInputsBytes() {
        assertTrue(Images.maxPixelsPerByte("png") > Images.maxPixelsPerByte("jpeg"));
        assertEquals(8, Images.maxPixelsPerByte("wbmp"));
    }

    /** Child JVM entry: decodes args[0] with the default limits and prints the outcome. */
    public static void main(String[] args) {
        try {
            RgbImage img = Images.read(Path.of(args[0]));
            System.out.println("OK " + img.width());
        } catch (HeedException e) {
            System.out.println(e.code() + " " + e.getMessage());
        } catch (OutOfMemoryError e) {
            System.out.println("OOM " + e);
        }
    }

    @Test
    void aDecoderRunningOutOfHeapIsMemoryLimitNotMalformed() throws Exception {
        // 6000 x 6000 solid PNG: a few KB, legal, but its 108 MB raster cannot fit a 48 MB heap
        BufferedImage img = new BufferedImage(6000, 6000, BufferedImage.TYPE_3BYTE_BGR);
        Path png = tmp.resolve("big.png");
        ImageIO.write(img, "png", png.toFile());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx48m", "-cp", System.getProperty("java.class.path"),
                ImagesHostileTest.class.getName(), png.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String last = out.lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("MEMORY_LIMIT"), out);
    }
}
