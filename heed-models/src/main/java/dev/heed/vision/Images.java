package dev.heed.vision;

import dev.heed.ErrorCode;
import dev.heed.HeedException;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/**
 * Reads images into {@link RgbImage} the way OpenCV's {@code cv2.imread(path)} (IMREAD_COLOR) does, so that
 * pre-processing downstream sees the same pixels as the Python reference:
 * <ul>
 *   <li>JPEG, PNG, BMP, GIF through ImageIO; CMYK/YCCK JPEG and WebP through the TwelveMonkeys plugins;</li>
 *   <li>the EXIF orientation tag of a JPEG (APP1) or PNG ({@code eXIf} chunk) is applied like OpenCV 4.6's
 *       {@code ApplyExifOrientation} (transpose and/or flips); WebP, BMP and GIF are left as stored, as OpenCV does;</li>
 *   <li>grayscale is replicated to three channels; alpha is dropped without compositing; 16-bit samples keep
 *       their high byte;</li>
 *   <li>the declared size is checked against a pixel limit <em>before</em> any pixel is decoded, so a
 *       60,000 x 60,000 header costs nothing;</li>
 *   <li>the declared size is also checked against what the input's bytes can encode at the format's best
 *       compression ({@link #maxPixelsPerByte}), so a 42-byte file cannot declare 10,000 x 10,000 pixels;</li>
 *   <li>decoding is bounded in time ({@link #decodeDeadlineNanos}: 2 s plus 50 ns per declared pixel) and reads
 *       past the end of the data are counted: a decoder that keeps reading nothing is stopped, and one that
 *       quietly fills a truncated GIF, PNG, JPEG or WebP with zeros is reported as truncated;</li>
 *   <li>empty, truncated and non-image files give a {@link HeedException} with {@link ErrorCode#MALFORMED_INPUT};
 *       a decoder running out of heap gives {@link ErrorCode#MEMORY_LIMIT}.</li>
 * </ul>
 *
 * <pre>{@code
 * RgbImage img = Images.read(Path.of("bus.jpg"));                 // default limit: 100 megapixels
 * RgbImage small = Images.read(Path.of("x.png"), 4_000_000);      // refuse anything above 4 MP
 * }</pre>
 */
public final class Images {
    private Images() {}

    /** Default pixel limit (width x height): 100 megapixels, i.e. a 300 MB RGB raster at most. */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;

    /** The hard ceiling: a packed RGB raster must fit one Java array. */
    static final long ABSOLUTE_MAX_PIXELS = (Integer.MAX_VALUE - 16) / 3;

    /** How many leading bytes are scanned for the JPEG APP1 (EXIF) segment. */
    private static final int EXIF_SCAN_BYTES = 1 << 18;

    /**
     * Reads {@code file} with the default pixel limit ({@value #DEFAULT_MAX_PIXELS}), EXIF orientation applied.
     *
     * @param file a JPEG, PNG or other image ImageIO reads
     * @return the image
     * @throws HeedException {@link dev.heed.ErrorCode#IO} when the file cannot be read, {@link dev.heed.ErrorCode#MALFORMED_INPUT} for a
     *                       damaged, truncated or unknown image, {@link dev.heed.ErrorCode#MEMORY_LIMIT} for an image over the
     *                       pixel limit
     */
    public static RgbImage read(Path file) {
        return read(file, DEFAULT_MAX_PIXELS);
    }

    /**
     * Reads {@code file}, refusing images whose declared width x height exceeds {@code maxPixels} before decoding them;
     * EXIF orientation applied.
     *
     * @param file      a JPEG, PNG or other image ImageIO reads
     * @param maxPixels the most pixels accepted, ≥ 1
     * @return the image
     * @throws HeedException {@link dev.heed.ErrorCode#IO} when the file cannot be read, {@link dev.heed.ErrorCode#MALFORMED_INPUT} for a
     *                       damaged, truncated or unknown image, {@link dev.heed.ErrorCode#MEMORY_LIMIT} for an image over the
     *                       pixel limit, {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code maxPixels < 1}
     */
    public static RgbImage read(Path file, long maxPixels) {
        String name = file.toString();
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(EXIF_SCAN_BYTES);
        } catch (NoSuchFileException e) {
            throw new HeedException(ErrorCode.IO, "image: " + name + ": no such file", e);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "image: cannot read " + name + ": " + e.getMessage(), e);
        }
        if (head.length == 0) throw malformed(name, "the file is empty (0 bytes)");
        try (ImageInputStream iis = new FileImageInputStream(file.toFile())) {
            return decode(iis, head, iis.length(), name, maxPixels);
        } catch (OutOfMemoryError e) {
            throw outOfHeap(name, e);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "image: cannot read " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Decodes an encoded image held in memory; EXIF orientation applied.
     *
     * @param encoded   the file's bytes
     * @param name      what to call the image in error messages
     * @param maxPixels the most pixels accepted, ≥ 1
     * @return the image
     * @throws HeedException {@link dev.heed.ErrorCode#MALFORMED_INPUT} for empty, damaged, truncated or unknown data,
     *                       {@link dev.heed.ErrorCode#MEMORY_LIMIT} for an image over the pixel limit
     */
    public static RgbImage decode(byte[] encoded, String name, long maxPixels) {
        if (encoded.length == 0) throw malformed(name, "the data is empty (0 bytes)");
        try (ImageInputStream iis = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            return decode(iis, encoded, encoded.length, name, maxPixels);
        } catch (OutOfMemoryError e) {
            throw outOfHeap(name, e);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "image: cannot read " + name + ": " + e.getMessage(), e);
        }
    }

    /** {@return the format names the installed ImageIO readers understand (lower case, sorted)} */
    public static List<String> readableFormats() {
        TreeSet<String> s = new TreeSet<>();
        for (String f : ImageIO.getReaderFormatNames()) s.add(f.toLowerCase(java.util.Locale.ROOT));
        return List.copyOf(s);
    }

    // ------------------------------------------------------------------------------------------- decoding

    /**
     * The most pixels one byte of {@code format} can encode at the format's best compression, with a margin:
     * PNG 8 pixels of 1 bit per byte of deflate output times deflate's 1032:1 ceiling; GIF ≤ 4,096 pixels per
     * LZW code of ≥ 3 bits; JPEG ≥ 1 Huffman bit per 8 x 8 block of the full-resolution component (512, x 2
     * margin); WBMP 8 (1 bit per pixel, uncompressed). WebP lossless, BMP RLE and TIFF can code a pixel in 0
     * bits (single-symbol prefix codes, end-of-bitmap), so for them this is a policy: 256 pixels per byte for WebP
     * (photographs take 1 to 16 pixels per byte; a 40 KB file may declare 10 megapixels, a 42-byte one 10,752
     * pixels), 4,096 for BMP, TIFF and any other format (a 1 KB file may declare 4 megapixels). The WebP policy
     * is tighter because TwelveMonkeys' decoder needs about half a microsecond per pixel of garbage.
     */
    static long maxPixelsPerByte(String format) {
        return switch (format.toLowerCase(java.util.Locale.ROOT)) {
            case "png" -> 8L * 1032;
            case "gif" -> 4096L * 8 / 3;
            case "jpeg", "jpg" -> 1024;
            case "wbmp" -> 8;
            case "webp" -> 256;
            default -> 4096;
        };
    }

    /** When decoding an image of {@code pixels} must be done: 1 s plus 30 ns per pixel (12 MP: 1.4 s; 100 MP: 4 s). */
    static long decodeDeadlineNanos(long startNanos, long pixels) {
        return startNanos + 1_000_000_000L + 30L * pixels;
    }

    /**
     * Reads past the end that a complete file of {@code format} may cause (measured: the JPEG reader probes past
     * EOI once or twice, TwelveMonkeys' lossless WebP bit reader prefetches about ten times); more mean the
     * decoder ran out of data. PNG and GIF readers never read past a complete file.
     */
    static int pastEndTolerance(String format) {
        return switch (format.toLowerCase(java.util.Locale.ROOT)) {
            case "jpeg", "jpg" -> 8;
            case "webp" -> 32;
            case "png", "gif" -> 0;
            default -> 8;
        };
    }

    private static RgbImage decode(ImageInputStream input, byte[] head, long inputBytes, String name, long maxPixels) throws IOException {
        if (maxPixels < 1) throw HeedException.invalid("image", "maxPixels must be >= 1, got " + maxPixels);
        long limit = Math.min(maxPixels, ABSOLUTE_MAX_PIXELS);
        GuardedImageStream iis = new GuardedImageStream(input, decodeDeadlineNanos(System.nanoTime(), 0));
        Iterator<ImageReader> it = ImageIO.getImageReaders(iis);
        if (!it.hasNext()) {
            throw malformed(name, "not a readable image: no decoder recognises its first bytes " + describeMagic(head)
                    + "; readable formats: " + readableFormats());
        }
        ImageReader reader = it.next();
        String format = reader.getOriginatingProvider() == null ? "?" : reader.getOriginatingProvider().getFormatNames()[0];
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((IIOReadWarningListener) (source, warning) -> warnings.add(warning));
        try {
            reader.setInput(iis, true, true);
            int w, h;
            try {
                w = reader.getWidth(0);
                h = reader.getHeight(0);
            } catch (IOException | RuntimeException e) {
                throw malformed(name, format + " header is unreadable: " + message(e), e);
            }
            if (w < 1 || h < 1) throw malformed(name, format + " header declares an empty image " + w + "x" + h);
            long pixels = (long) w * h;
            if (pixels > limit) {
                throw new HeedException(ErrorCode.MEMORY_LIMIT, "image: " + name + ": " + format + " declares " + w + "x" + h
                        + " = " + pixels + " pixels, more than the limit of " + limit + " (refused before decoding)");
            }
            long encodable = inputBytes < 0 ? Long.MAX_VALUE : Math.multiplyHigh(inputBytes, maxPixelsPerByte(format)) != 0
                    ? Long.MAX_VALUE : inputBytes * maxPixelsPerByte(format);
            if (pixels > encodable) {
                throw malformed(name, format + " declares " + w + "x" + h + " = " + pixels + " pixels, but " + inputBytes
                        + " bytes of " + format + " can encode at most " + encodable + " (" + maxPixelsPerByte(format)
                        + " pixels per byte): the data is truncated or forged");
            }
            iis.deadline(decodeDeadlineNanos(System.nanoTime(), pixels));
            boolean jpeg = "jpeg".equalsIgnoreCase(format) || "jpg".equalsIgnoreCase(format);
            JpegInfo info = jpeg ? JpegInfo.scan(head) : new JpegInfo(1, 0, -1);
            // CMYK JPEG: OpenCV takes libjpeg's raw (Adobe-inverted) CMYK and applies its own formula, with no
            // colour management; do the same from the plugin's raw raster. YCCK keeps the plugin's conversion.
            boolean rawCmyk = jpeg && info.components() == 4 && info.adobeTransform() != 2;
            Raster raw = null;
            BufferedImage bi = null;
            try {
                if (rawCmyk) raw = reader.readRaster(0, null);
                else bi = reader.read(0);
            } catch (OutOfMemoryError e) {
                throw new HeedException(ErrorCode.MEMORY_LIMIT, "image: " + name + ": the " + format + " decoder ran out of heap on a "
                        + w + "x" + h + " image (" + e.getMessage() + "); give the JVM more heap (-Xmx) or lower the pixel limit", e);
            } catch (IOException | RuntimeException e) {
                for (Throwable c = e; c != null; c = c.getCause()) {
                    if (c instanceof OutOfMemoryError oom) throw outOfHeap(name, oom); // the PNG reader wraps it in an IIOException
                }
                if (iis.overtime()) {
                    throw malformed(name, format + " decoding of " + w + "x" + h + " pixels exceeded its time bound of "
                            + (decodeDeadlineNanos(0, pixels) / 1_000_000) + " ms: the data is corrupt or hostile", e);
                }
                if (iis.pastEnd() > pastEndTolerance(format)) throw malformed(name, format + " data is truncated: " + message(e), e);
                if (e instanceof IIOException) throw malformed(name, format + " data is corrupt or truncated: " + message(e), e);
                throw malformed(name, format + " data could not be decoded: " + message(e), e);
            }
            if (iis.pastEnd() > pastEndTolerance(format)) {
                throw malformed(name, format + " data is truncated: the decoder read past the end of the " + inputBytes
                        + " bytes " + iis.pastEnd() + " times while decoding " + w + "x" + h + " pixels");
            }
            for (String wmsg : warnings) {
                String lw = wmsg.toLowerCase(java.util.Locale.ROOT);
                // only truncation is fatal: libjpeg's "Corrupt JPEG data: extraneous bytes" is common and OpenCV reads such files
                if (lw.contains("premature") || lw.contains("truncat") || lw.contains("end of")) {
                    throw malformed(name, format + " data is truncated or corrupt (decoder warning: " + wmsg + ")");
                }
            }
            RgbImage img = raw != null ? cmykLikeOpenCv(raw) : toRgb(bi, name);
            if (jpeg) img = Orientation.apply(img, info.orientation());
            else if ("png".equalsIgnoreCase(format)) img = Orientation.apply(img, Orientation.pngExifOrientation(head));
            return img;
        } finally {
            reader.dispose();
        }
    }

    /**
     * OpenCV's icvCvt_CMYK2BGR_8u_C4C3R on libjpeg's raw samples (Adobe CMYK is stored inverted, so these
     * are 255 - ink): {@code r = k - ((255 - c) * k >> 8)}, likewise g from m and b from y.
     */
    static RgbImage cmykLikeOpenCv(Raster raw) {
        int w = raw.getWidth(), h = raw.getHeight();
        if (raw.getNumBands() != 4) throw new HeedException(ErrorCode.INTERNAL, "image: expected 4 CMYK bands, got " + raw.getNumBands());
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int[] row = new int[w * 4];
        for (int y = 0; y < h; y++) {
            raw.getPixels(raw.getMinX(), raw.getMinY() + y, w, 1, row);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                int c = row[4 * x], m = row[4 * x + 1], ye = row[4 * x + 2], k = row[4 * x + 3];
                out[o] = (byte) (k - ((255 - c) * k >> 8));
                out[o + 1] = (byte) (k - ((255 - m) * k >> 8));
                out[o + 2] = (byte) (k - ((255 - ye) * k >> 8));
            }
        }
        return new RgbImage(w, h, out);
    }

    /**
     * Packs any decoded image into RGB bytes. Component images (gray, RGB, with or without alpha, 8 or 16 bits)
     * are copied sample by sample without colour management, as libjpeg/libpng hand them to OpenCV; anything
     * else (palettes, packed ints, CMYK converted by the plugin) goes through {@code getRGB}.
     */
    static RgbImage toRgb(BufferedImage bi, String name) {
        int w = bi.getWidth(), h = bi.getHeight();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        Raster r = bi.getRaster();
        int type = bi.getColorModel().getColorSpace().getType();
        int bands = r.getNumBands();
        int dt = r.getDataBuffer().getDataType();
        boolean component = bi.getColorModel() instanceof ComponentColorModel
                && (dt == DataBuffer.TYPE_BYTE || dt == DataBuffer.TYPE_USHORT)
                && ((type == ColorSpace.TYPE_GRAY && bands <= 2) || (type == ColorSpace.TYPE_RGB && bands >= 3));
        if (component) {
            int[] row = new int[w * bands];
            boolean gray = type == ColorSpace.TYPE_GRAY;
            int[] shift = new int[bands];
            for (int b = 0; b < bands; b++) shift[b] = Math.max(0, r.getSampleModel().getSampleSize(b) - 8);
            for (int y = 0; y < h; y++) {
                r.getPixels(0, y, w, 1, row);
                int o = y * w * 3;
                for (int x = 0; x < w; x++, o += 3) {
                    int p = x * bands;
                    if (gray) {
                        byte v = (byte) (row[p] >> shift[0]);
                        out[o] = v;
                        out[o + 1] = v;
                        out[o + 2] = v;
                    } else {
                        out[o] = (byte) (row[p] >> shift[0]);
                        out[o + 1] = (byte) (row[p + 1] >> shift[1]);
                        out[o + 2] = (byte) (row[p + 2] >> shift[2]);
                    }
                }
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                bi.getRGB(0, y, w, 1, row, 0, w);
                int o = y * w * 3;
                for (int x = 0; x < w; x++, o += 3) {
                    int argb = row[x];
                    out[o] = (byte) (argb >> 16);
                    out[o + 1] = (byte) (argb >> 8);
                    out[o + 2] = (byte) argb;
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static String describeMagic(byte[] head) {
        int n = Math.min(8, head.length);
        StringBuilder hex = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int b = head[i] & 0xff;
            hex.append(String.format("%02x", b)).append(i + 1 < n ? " " : "");
            text.append(b >= 32 && b < 127 ? (char) b : '.');
        }
        return "[" + hex + "] (\"" + text + "\")";
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** A decoder that exhausts the heap is a memory limit, not a malformed file. */
    private static HeedException outOfHeap(String name, OutOfMemoryError e) {
        return new HeedException(ErrorCode.MEMORY_LIMIT, "image: " + name + ": the decoder ran out of heap (" + e.getMessage()
                + "); give the JVM more heap (-Xmx) or lower the pixel limit", e);
    }

    private static HeedException malformed(String name, String rule) {
        return new HeedException(ErrorCode.MALFORMED_INPUT, "image: " + name + ": " + rule);
    }

    private static HeedException malformed(String name, String rule, Throwable cause) {
        return new HeedException(ErrorCode.MALFORMED_INPUT, "image: " + name + ": " + rule, cause);
    }
}
