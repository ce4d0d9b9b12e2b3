package dev.heed.vision;

/**
 * EXIF orientation (TIFF tag 0x0112): parsed by hand from a JPEG's APP1 segment or a PNG's eXIf chunk and applied exactly as
 * OpenCV's {@code ApplyExifOrientation}: values 5..8 transpose first, then 2..8 flip as the table says.
 * Values outside 1..8, or a missing/garbled EXIF block, mean "leave the image as stored".
 */
final class Orientation {
    private Orientation() {}

    /** The orientation value 1..8 from the first {@code Exif\0\0} APP1 segment of a JPEG, or 1. */
    static int jpegExifOrientation(byte[] b) {
        return JpegInfo.scan(b).orientation();
    }

    /**
     * The orientation from a PNG's {@code eXIf} chunk (raw TIFF) appearing before the first IDAT, or 1 —
     * OpenCV 4.6 applies it to PNGs too.
     */
    static int pngExifOrientation(byte[] b) {
        if (b.length < 8 || (b[0] & 0xff) != 0x89 || b[1] != 'P' || b[2] != 'N' || b[3] != 'G') return 1;
        long p = 8;
        while (p + 8 <= b.length) {
            int q = (int) p;
            long len = u32(b, q, true);
            String type = new String(b, q + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (type.equals("IDAT") || type.equals("IEND")) break;
            long end = p + 8 + len;
            if (end > b.length) break;
            if (type.equals("eXIf")) {
                int v = tiffOrientation(b, q + 8, (int) end);
                return v >= 1 && v <= 8 ? v : 1;
            }
            p = end + 4;                                               // skip the CRC
        }
        return 1;
    }

    /** Orientation from an APP1 payload starting at {@code start} (after the length), or 0 if it is not EXIF. */
    static int fromApp1(byte[] b, int start, int end) {
        if (end - start >= 14 && b[start] == 'E' && b[start + 1] == 'x' && b[start + 2] == 'i'
                && b[start + 3] == 'f' && b[start + 4] == 0 && b[start + 5] == 0) {
            int v = tiffOrientation(b, start + 6, end);
            return v >= 1 && v <= 8 ? v : 1;
        }
        return 0;
    }

    /** Reads tag 0x0112 from IFD0 of a TIFF block at {@code t} (bounded by {@code end}); 1 if absent. */
    private static int tiffOrientation(byte[] b, int t, int end) {
        if (t + 8 > end) return 1;
        boolean big;
        if (b[t] == 'M' && b[t + 1] == 'M') big = true;
        else if (b[t] == 'I' && b[t + 1] == 'I') big = false;
        else return 1;
        if (u16(b, t + 2, big) != 42) return 1;
        long ifd = u32(b, t + 4, big);
        if (ifd < 8 || t + ifd + 2 > end) return 1;
        int q = (int) (t + ifd);
        int count = u16(b, q, big);
        q += 2;
        for (int i = 0; i < count && q + 12 <= end; i++, q += 12) {
            if (u16(b, q, big) == 0x0112) {
                int type = u16(b, q + 2, big);
                if (type == 3) return u16(b, q + 8, big);              // SHORT, stored left-justified in the value field
                if (type == 4) return (int) u32(b, q + 8, big);        // LONG (seen in the wild)
                return 1;
            }
        }
        return 1;
    }

    static int u16(byte[] b, int i, boolean big) {
        int x = b[i] & 0xff, y = b[i + 1] & 0xff;
        return big ? (x << 8 | y) : (y << 8 | x);
    }

    private static long u32(byte[] b, int i, boolean big) {
        long v = 0;
        for (int k = 0; k < 4; k++) {
            int byteAt = b[i + (big ? k : 3 - k)] & 0xff;
            v = v << 8 | byteAt;
        }
        return v;
    }

    /** OpenCV's table: 2 flipH, 3 flip both, 4 flipV, 5 transpose, 6 transpose+flipH, 7 transpose+both, 8 transpose+flipV. */
    static RgbImage apply(RgbImage img, int orientation) {
        if (orientation <= 1 || orientation > 8) return img;
        RgbImage t = orientation >= 5 ? transpose(img) : img;
        return switch (orientation) {
            case 2, 6 -> flip(t, true, false);
            case 3, 7 -> flip(t, true, true);
            case 4, 8 -> flip(t, false, true);
            default -> t;                                             // 5: transpose only
        };
    }

    private static RgbImage transpose(RgbImage s) {
        int w = s.width(), h = s.height();
        byte[] src = s.rgb(), dst = new byte[src.length];
        // dst is [w, h, 3]: dst(y=x_s, x=y_s) = src(x_s, y_s)
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int si = (y * w + x) * 3, di = (x * h + y) * 3;
                dst[di] = src[si];
                dst[di + 1] = src[si + 1];
                dst[di + 2] = src[si + 2];
            }
        }
        return new RgbImage(h, w, dst);
    }

    private static RgbImage flip(RgbImage s, boolean horizontal, boolean vertical) {
        int w = s.width(), h = s.height();
        byte[] src = s.rgb(), dst = new byte[src.length];
        for (int y = 0; y < h; y++) {
            int sy = vertical ? h - 1 - y : y;
            for (int x = 0; x < w; x++) {
                int sx = horizontal ? w - 1 - x : x;
                int si = (sy * w + sx) * 3, di = (y * w + x) * 3;
                dst[di] = src[si];
                dst[di + 1] = src[si + 1];
                dst[di + 2] = src[si + 2];
            }
        }
        return new RgbImage(w, h, dst);
    }
}
