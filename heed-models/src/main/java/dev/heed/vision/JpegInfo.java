package dev.heed.vision;

/**
 * What a JPEG's markers before the first scan say, read by hand from the leading bytes: the EXIF orientation
 * (first {@code Exif} APP1), the number of colour components (SOFn) and the Adobe APP14 colour transform
 * (0 none/CMYK, 1 YCbCr, 2 YCCK; -1 without an Adobe marker).
 *
 * @param orientation    EXIF orientation 1..8 (1 when absent)
 * @param components     components of the frame, 0 if no SOF marker was found in the bytes scanned
 * @param adobeTransform the APP14 transform flag, or -1
 */
record JpegInfo(int orientation, int components, int adobeTransform) {

    static JpegInfo scan(byte[] b) {
        int orientation = 0, components = 0, transform = -1;
        if (b.length < 4 || (b[0] & 0xff) != 0xFF || (b[1] & 0xff) != 0xD8) return new JpegInfo(1, 0, -1);
        int p = 2;
        while (p + 4 <= b.length) {
            if ((b[p] & 0xff) != 0xFF) break;
            int marker = b[p + 1] & 0xff;
            if (marker == 0xFF) { p++; continue; }                     // fill byte
            if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) { p += 2; continue; }
            if (marker == 0xDA || marker == 0xD9) break;                 // start of scan / end of image
            int len = Orientation.u16(b, p + 2, true);
            if (len < 2) break;
            int start = p + 4, end = Math.min(b.length, p + 2 + len);
            if (marker == 0xE1 && orientation == 0) {
                orientation = Orientation.fromApp1(b, start, end);
            } else if (marker == 0xEE && end - start >= 12 && b[start] == 'A' && b[start + 1] == 'd' && b[start + 2] == 'o'
                    && b[start + 3] == 'b' && b[start + 4] == 'e') {
                transform = b[start + 11] & 0xff;
            } else if (isSof(marker) && end - start >= 6) {
                components = b[start + 5] & 0xff;
            }
            p += 2 + len;
        }
        return new JpegInfo(orientation == 0 ? 1 : orientation, components, transform);
    }

    private static boolean isSof(int m) {
        return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    }
}
