package dev.heed.vision;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;

import static dev.heed.vision.VisionTestData.*;
import static org.junit.jupiter.api.Assertions.*;

/** Image reading: formats, OpenCV-equivalent conversions, EXIF orientation, and hostile inputs. */
class ImagesTest {
    @TempDir Path tmp;

    private static HeedException refused(ErrorCode code, Path p) {
        HeedException e = assertThrows(HeedException.class, () -> Images.read(p));
        assertEquals(code, e.code(), e.getMessage());
        System.out.println("refused as expected: " + e.getMessage());
        return e;
    }

    // ------------------------------------------------------------------------------------- hostile inputs

    @Test
    void zeroByteFile() throws IOException {
        Path p = Files.write(tmp.resolve("empty.jpg"), new byte[0]);
        assertTrue(refused(ErrorCode.MALFORMED_INPUT, p).getMessage().contains("empty"));
    }

    @Test
    void textFileNamedJpg() throws IOException {
        Path p = Files.writeString(tmp.resolve("notes.jpg"), "hello, this is not a picture\n");
        String m = refused(ErrorCode.MALFORMED_INPUT, p).getMessage();
        assertTrue(m.contains("not a readable image") && m.contains("hello, t"), m);
    }

    @Test
    void truncatedJpeg() throws IOException {
        byte[] all = Files.readAllBytes(sharedImage("bus.jpg"));
        for (double frac : new double[] {0.4, 0.9, 0.999}) {
            Path p = Files.write(tmp.resolve("cut.jpg"), Arrays.copyOf(all, (int) (all.length * frac)));
            refused(ErrorCode.MALFORMED_INPUT, p);
        }
        Path headerOnly = Files.write(tmp.resolve("head.jpg"), Arrays.copyOf(all, 30));
        refused(ErrorCode.MALFORMED_INPUT, headerOnly);
    }

    @Test
    void truncatedPng() throws IOException {
        byte[] all = Files.readAllBytes(resource("synth_1000x333.png"));
        Path p = Files.write(tmp.resolve("cut.png"), Arrays.copyOf(all, all.length / 2));
        refused(ErrorCode.MALFORMED_INPUT, p);
    }

    @Test
    void missingFile() {
        refused(ErrorCode.IO, tmp.resolve("nope.png"));
    }

    @Test
    void hugePngHeaderIsRefusedBeforeDecoding() throws IOException {
        Path p = Files.write(tmp.resolve("huge.png"), pngHeaderOnly(60_000, 60_000));
        long t0 = System.nanoTime();
        HeedException e = refused(ErrorCode.MEMORY_LIMIT, p);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.getMessage().contains("60000x60000"), e.getMessage());
        assertTrue(ms < 2000, "refusal took " + ms + " ms");
    }

    @Test
    void pixelLimitIsConfigurable() {
        Path bus = sharedImage("bus.jpg");                               // 810 x 1080 = 874,800 pixels
        HeedException e = assertThrows(HeedException.class, () -> Images.read(bus, 874_799));
        assertEquals(ErrorCode.MEMORY_LIMIT, e.code());
        assertEquals(810, Images.read(bus, 874_800).width());
        assertThrows(HeedException.class, () -> Images.read(bus, 0));
    }

    // ------------------------------------------------------------------------------------- formats

    @Test
    void onePixelImage() {
        RgbImage img = Images.read(resource("synth_1x1.png"));
        assertEquals(1, img.width());
        assertEquals(1, img.height());
        assertArrayEquals(new byte[] {(byte) 200, 30, 90}, img.rgb());
        assertArrayEquals(new int[] {1, 3, 640, 640}, Preprocess.stretchToSquare(img, 640).shape().dims());
    }

    @Test
    void grayscaleIsReplicatedLikeOpenCv() {
        assertWithin(referenceImage("cvdec_synth_gray_101x77.npy"), Images.read(resource("synth_gray_101x77.png")), 0, "gray png");
    }

    @Test
    void alphaIsDroppedLikeOpenCv() {
        assertWithin(referenceImage("cvdec_synth_rgba_50x40.npy"), Images.read(resource("synth_rgba_50x40.png")), 0, "rgba png");
    }

    @Test
    void cmykJpegLikeOpenCv() {
        RgbImage img = Images.read(resource("synth_cmyk_64x48.jpg"));
        assertWithin(referenceImage("cvdec_synth_cmyk_64x48.npy"), img, 1, "cmyk jpeg");
    }

    @Test
    void webpThroughPlugin() {
        RgbImage webp = Images.read(resource("synth_37x23_lossless.webp"));
        RgbImage png = Images.read(resource("synth_37x23.png"));
        assertArrayEquals(png.rgb(), webp.rgb());
    }

    /**
     * Lossy WebP is decoded by TwelveMonkeys' pure-Java VP8 decoder, whose chroma upsampling and YUV to RGB
     * conversion differ from libwebp's (what OpenCV links): measured 7/255 at most on this smooth image.
     * Lossless WebP is exact (see webpThroughPlugin).
     */
    static final int TOL_LOSSY_WEBP = 8;

    @Test
    void lossyWebpCloseToOpenCv() {
        RgbImage img = Images.read(resource("synth_lossy_64x48.webp"));
        assertWithin(referenceImage("cvdec_synth_lossy_64x48.npy"), img, TOL_LOSSY_WEBP, "lossy webp");
    }

    @Test
    void bmpAndSixteenBitPng() throws IOException {
        BufferedImage bgr = new BufferedImage(5, 3, BufferedImage.TYPE_3BYTE_BGR);
        bgr.setRGB(1, 2, 0x123456);
        Path bmp = tmp.resolve("a.bmp");
        assertTrue(ImageIO.write(bgr, "bmp", bmp.toFile()));
        RgbImage b = Images.read(bmp);
        assertEquals(0x12, b.get(1, 2, 0));
        assertEquals(0x34, b.get(1, 2, 1));
        assertEquals(0x56, b.get(1, 2, 2));

        BufferedImage g16 = new BufferedImage(4, 2, BufferedImage.TYPE_USHORT_GRAY);
        WritableRaster r = g16.getRaster();
        r.setSample(3, 1, 0, 0xABCD);
        r.setSample(0, 0, 0, 0x00FF);
        Path png = tmp.resolve("g16.png");
        assertTrue(ImageIO.write(g16, "png", png.toFile()));
        RgbImage g = Images.read(png);
        assertEquals(0xAB, g.get(3, 1, 0), "16-bit samples keep their high byte, like libpng's strip_16");
        assertEquals(0xAB, g.get(3, 1, 2));
        assertEquals(0, g.get(0, 0, 1));
    }

    @Test
    void decodeFromBytes() throws IOException {
        byte[] png = Files.readAllBytes(resource("synth_37x23.png"));
        assertArrayEquals(Images.read(resource("synth_37x23.png")).rgb(), Images.decode(png, "mem", 10_000).rgb());
        assertEquals(ErrorCode.MEMORY_LIMIT, assertThrows(HeedException.class, () -> Images.decode(png, "mem", 100)).code());
        assertEquals(ErrorCode.MALFORMED_INPUT, assertThrows(HeedException.class, () -> Images.decode(new byte[0], "mem", 100)).code());
    }

    // ------------------------------------------------------------------------------------- orientation

    /** 3x2 image whose pixel (x, y) has R = x, G = y. */
    private static RgbImage coords(int w, int h) {
        byte[] b = new byte[w * h * 3];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) { b[(y * w + x) * 3] = (byte) x; b[(y * w + x) * 3 + 1] = (byte) y; }
        return new RgbImage(w, h, b);
    }

    @Test
    void allEightOrientationsFollowTheExifDefinition() {
        int w = 3, h = 2;
        RgbImage s = coords(w, h);
        for (int o = 1; o <= 8; o++) {
            RgbImage d = Orientation.apply(s, o);
            boolean swap = o >= 5;
            assertEquals(swap ? h : w, d.width(), "orientation " + o);
            for (int y = 0; y < d.height(); y++) {
                for (int x = 0; x < d.width(); x++) {
                    // where the displayed pixel (x, y) comes from in the stored image, per the EXIF spec
                    int[] src = switch (o) {
                        case 1 -> new int[] {x, y};
                        case 2 -> new int[] {w - 1 - x, y};
                        case 3 -> new int[] {w - 1 - x, h - 1 - y};
                        case 4 -> new int[] {x, h - 1 - y};
                        case 5 -> new int[] {y, x};
                        case 6 -> new int[] {y, h - 1 - x};
                        case 7 -> new int[] {w - 1 - y, h - 1 - x};
                        default -> new int[] {w - 1 - y, x};
                    };
                    assertEquals(src[0], d.get(x, y, 0), "orientation " + o + " at " + x + "," + y);
                    assertEquals(src[1], d.get(x, y, 1), "orientation " + o + " at " + x + "," + y);
                }
            }
        }
        assertSame(s, Orientation.apply(s, 0));
        assertSame(s, Orientation.apply(s, 9));
    }

    @Test
    void pngExifOrientationLikeOpenCv() {
        RgbImage img = Images.read(resource("synth_exif6_30x20.png"));
        assertEquals(20, img.width());
        assertWithin(referenceImage("cvdec_synth_exif6_30x20.npy"), img, 0, "png eXIf 6");
    }

    @Test
    void exifParsingBothByteOrders() {
        for (boolean big : new boolean[] {true, false}) {
            for (int o = 1; o <= 8; o++) assertEquals(o, Orientation.jpegExifOrientation(jpegWithExif(o, big)));
        }
        assertEquals(1, Orientation.jpegExifOrientation(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9}));
        byte[] garbled = jpegWithExif(6, true);
        garbled[garbled.length - 10] = 0x7F;                             // corrupt the IFD entry count
        assertDoesNotThrow(() -> Orientation.jpegExifOrientation(garbled));
        assertDoesNotThrow(() -> Orientation.jpegExifOrientation(Arrays.copyOf(jpegWithExif(6, false), 20)));
    }

    // ------------------------------------------------------------------------------------- builders

    /** SOI + APP1(Exif, IFD0 with one Orientation entry) + EOI. */
    static byte[] jpegWithExif(int orientation, boolean big) {
        ByteArrayOutputStream tiff = new ByteArrayOutputStream();
        java.util.function.IntConsumer u16 = v -> { if (big) { tiff.write(v >> 8); tiff.write(v); } else { tiff.write(v); tiff.write(v >> 8); } };
        tiff.writeBytes(big ? new byte[] {'M', 'M'} : new byte[] {'I', 'I'});
        u16.accept(42);
        if (big) tiff.writeBytes(new byte[] {0, 0, 0, 8}); else tiff.writeBytes(new byte[] {8, 0, 0, 0});
        u16.accept(1);                 // one entry
        u16.accept(0x0112);
        u16.accept(3);                 // SHORT
        if (big) tiff.writeBytes(new byte[] {0, 0, 0, 1}); else tiff.writeBytes(new byte[] {1, 0, 0, 0});
        u16.accept(orientation);
        u16.accept(0);
        tiff.writeBytes(new byte[4]);  // next IFD = 0
        byte[] t = tiff.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1});
        int len = 2 + 6 + t.length;
        out.write(len >> 8);
        out.write(len);
        out.writeBytes(new byte[] {'E', 'x', 'i', 'f', 0, 0});
        out.writeBytes(t);
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD9});
        return out.toByteArray();
    }

    /** A PNG signature, an IHDR declaring w x h RGB 8-bit, and IEND: no pixel data at all. */
    static byte[] pngHeaderOnly(int w, int h) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bos);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(ihdr);
        d.writeInt(w);
        d.writeInt(h);
        d.write(new byte[] {8, 2, 0, 0, 0});
        chunk(out, "IHDR", ihdr.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return bos.toByteArray();
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        out.writeInt(data.length);
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
