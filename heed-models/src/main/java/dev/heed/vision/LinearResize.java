package dev.heed.vision;

/*
 * Bilinear resize of packed 8-bit images — one kernel family, two members:
 *
 *   opencv(...)   OpenCV 4.x cv::resize(INTER_LINEAR) for CV_8U, reproduced bit for bit:
 *                 half-pixel centres fx = (dx + 0.5) * scale - 0.5 computed in double then float, edge clamping
 *                 as resizeGeneric_ does it, 11-bit weights (INTER_RESIZE_COEF_SCALE = 2048, rounded half to even
 *                 like saturate_cast<short>), an int horizontal pass, and the SIMD vertical pass of
 *                 VResizeLinearVec_32s8u: (h >> 4) * beta >> 16 per row, summed, (s + 2) >> 2. The build covers
 *                 the row tail with vector code too (checked against cv2 4.6 on 150 random size pairs, widths up to 1000: the scalar
 *                 FixedPtCast form, (h0*b0 + h1*b1 + 2^21) >> 22, rounds differently and is never used). An exact 2x downscale
 *                 takes OpenCV's INTER_AREA fast path ((a + b + c + d + 2) >> 2), as cv::resize does; equal
 *                 sizes are a copy. Cost: 2 MACs per output sample per pass, O(dstW*dstH*3 + srcW*3*rows).
 *
 *   pil(...)      Pillow 9.x Image.resize(BILINEAR) (ImagingResample, what torchvision's Resize does on a PIL
 *                 image): a triangle filter whose support grows with the downscale factor (antialiasing),
 *                 double coefficients normalised per output pixel and converted to 22-bit fixed point, a
 *                 horizontal pass to uint8, then a vertical pass to uint8, each rounding by + 2^21 >> 22.
 *
 * Reference: OpenCV modules/imgproc/src/resize.cpp (resize, resizeGeneric_, HResizeLinear, VResizeLinear);
 * Pillow src/libImaging/Resample.c (precompute_coeffs, normalize_coeffs_8bpc). Re-derived, not copied.
 */
final class LinearResize {
    private LinearResize() {}

    private static final int COEF_BITS = 11;
    private static final int COEF_SCALE = 1 << COEF_BITS;      // 2048
    private static final int PIL_BITS = 22;

    /** OpenCV INTER_LINEAR on [srcH, srcW, cn] uint8 → [dstH, dstW, cn]. */
    static byte[] opencv(byte[] src, int srcW, int srcH, int cn, int dstW, int dstH) {
        byte[] dst = new byte[dstW * dstH * cn];
        if (srcW == dstW && srcH == dstH) {
            System.arraycopy(src, 0, dst, 0, dst.length);
            return dst;
        }
        double invScaleX = (double) dstW / srcW, invScaleY = (double) dstH / srcH;
        double scaleX = 1.0 / invScaleX, scaleY = 1.0 / invScaleY;
        int iscaleX = (int) Math.rint(scaleX), iscaleY = (int) Math.rint(scaleY);
        boolean areaFast = Math.abs(scaleX - iscaleX) < Math.ulp(1.0) && Math.abs(scaleY - iscaleY) < Math.ulp(1.0);
        if (areaFast && iscaleX == 2 && iscaleY == 2) {
            area2x(src, srcW, cn, dst, dstW, dstH);
            return dst;
        }

        // ---- horizontal tables: xofs [dstW] (pixel index), alpha [dstW, 2]
        int[] xofs = new int[dstW];
        short[] alpha = new short[dstW * 2];
        for (int dx = 0; dx < dstW; dx++) {
            float fx = (float) ((dx + 0.5) * scaleX - 0.5);
            int sx = (int) Math.floor(fx);
            fx -= sx;
            if (sx < 0) { fx = 0; sx = 0; }
            if (sx + 1 >= srcW) {
                if (sx >= srcW - 1) { fx = 0; sx = srcW - 1; }
            }
            xofs[dx] = sx;
            alpha[dx * 2] = satShort((1.f - fx) * COEF_SCALE);
            alpha[dx * 2 + 1] = satShort(fx * COEF_SCALE);
        }
        // ---- vertical tables: yofs [dstH], beta [dstH, 2]; rows are clamped when fetched
        int[] yofs = new int[dstH];
        short[] beta = new short[dstH * 2];
        for (int dy = 0; dy < dstH; dy++) {
            float fy = (float) ((dy + 0.5) * scaleY - 0.5);
            int sy = (int) Math.floor(fy);
            fy -= sy;
            yofs[dy] = sy;
            beta[dy * 2] = satShort((1.f - fy) * COEF_SCALE);
            beta[dy * 2 + 1] = satShort(fy * COEF_SCALE);
        }

        int width = dstW * cn;
        int[] h0 = new int[width], h1 = new int[width];             // [dstW * cn] horizontal results of two rows
        int row0 = Integer.MIN_VALUE, row1 = Integer.MIN_VALUE;
        for (int dy = 0; dy < dstH; dy++) {
            int r0 = clamp(yofs[dy], srcH), r1 = clamp(yofs[dy] + 1, srcH);
            if (r0 != row0 && r0 == row1) {                       // slide the window down one row
                int[] t = h0; h0 = h1; h1 = t;
                row1 = row0;
                row0 = r0;
            }
            if (r0 != row0) {
                horizontal(src, srcW, cn, r0, xofs, alpha, h0, dstW);
                row0 = r0;
            }
            if (r1 != row1) {
                if (r1 == row0) System.arraycopy(h0, 0, h1, 0, width);
                else horizontal(src, srcW, cn, r1, xofs, alpha, h1, dstW);
                row1 = r1;
            }
            int b0 = beta[dy * 2], b1 = beta[dy * 2 + 1];
            int o = dy * width;
            for (int x = 0; x < width; x++) {
                // h <= 255 * 2048, so h >> 4 <= 32640 fits the int16 lanes without saturating
                int v = (((h0[x] >> 4) * b0) >> 16) + (((h1[x] >> 4) * b1) >> 16);
                v = (v + 2) >> 2;
                dst[o + x] = (byte) (v < 0 ? 0 : Math.min(v, 255));
            }
        }
        return dst;
    }

    private static void horizontal(byte[] src, int srcW, int cn, int row, int[] xofs, short[] alpha, int[] out, int dstW) {
        int base = row * srcW * cn;
        for (int dx = 0; dx < dstW; dx++) {
            int sx = xofs[dx];
            int a0 = alpha[dx * 2], a1 = alpha[dx * 2 + 1];
            int p0 = base + sx * cn;
            int p1 = sx + 1 < srcW ? p0 + cn : p0;                    // the weight is 0 there anyway
            int o = dx * cn;
            if (cn == 3) {
                out[o] = (src[p0] & 0xff) * a0 + (src[p1] & 0xff) * a1;
                out[o + 1] = (src[p0 + 1] & 0xff) * a0 + (src[p1 + 1] & 0xff) * a1;
                out[o + 2] = (src[p0 + 2] & 0xff) * a0 + (src[p1 + 2] & 0xff) * a1;
            } else {
                for (int c = 0; c < cn; c++) out[o + c] = (src[p0 + c] & 0xff) * a0 + (src[p1 + c] & 0xff) * a1;
            }
        }
    }

    private static void area2x(byte[] src, int srcW, int cn, byte[] dst, int dstW, int dstH) {
        int stride = srcW * cn;
        for (int dy = 0; dy < dstH; dy++) {
            int s = 2 * dy * stride;
            for (int dx = 0; dx < dstW; dx++) {
                for (int c = 0; c < cn; c++) {
                    int i = s + 2 * dx * cn + c;
                    int sum = (src[i] & 0xff) + (src[i + cn] & 0xff) + (src[i + stride] & 0xff) + (src[i + stride + cn] & 0xff);
                    dst[(dy * dstW + dx) * cn + c] = (byte) ((sum + 2) >> 2);
                }
            }
        }
    }

    private static int clamp(int v, int n) {
        return v < 0 ? 0 : Math.min(v, n - 1);
    }

    /** saturate_cast<short>(float): round half to even (cvRound), then saturate. */
    private static short satShort(float v) {
        return (short) Math.clamp((long) Math.rint(v), Short.MIN_VALUE, Short.MAX_VALUE);
    }

    // ------------------------------------------------------------------------------------------------ Pillow

    /** Pillow BILINEAR (antialiased) on [srcH, srcW, cn] uint8 → [dstH, dstW, cn]. */
    static byte[] pil(byte[] src, int srcW, int srcH, int cn, int dstW, int dstH) {
        if (srcW == dstW && srcH == dstH) return src.clone();
        Coeffs vert = coeffs(srcH, dstH);
        byte[] tmp = src;
        int tmpH = srcH, firstRow = 0;
        if (dstW != srcW) {
            firstRow = vert.bounds[0];
            int lastRow = vert.bounds[(dstH - 1) * 2] + vert.bounds[(dstH - 1) * 2 + 1];
            tmpH = lastRow - firstRow;
            Coeffs hor = coeffs(srcW, dstW);
            tmp = new byte[dstW * tmpH * cn];                         // [tmpH, dstW, cn]
            for (int y = 0; y < tmpH; y++) {
                int sRow = (y + firstRow) * srcW * cn, tRow = y * dstW * cn;
                for (int xx = 0; xx < dstW; xx++) {
                    int xmin = hor.bounds[xx * 2], n = hor.bounds[xx * 2 + 1], k = xx * hor.ksize;
                    for (int c = 0; c < cn; c++) {
                        int ss = 1 << (PIL_BITS - 1);
                        for (int x = 0; x < n; x++) ss += (src[sRow + (x + xmin) * cn + c] & 0xff) * hor.kk[k + x];
                        tmp[tRow + xx * cn + c] = clip8(ss);
                    }
                }
            }
        }
        if (dstH == srcH) return tmp;
        byte[] dst = new byte[dstW * dstH * cn];
        int rowLen = dstW * cn;
        for (int yy = 0; yy < dstH; yy++) {
            int ymin = vert.bounds[yy * 2] - firstRow, n = vert.bounds[yy * 2 + 1], k = yy * vert.ksize;
            for (int i = 0; i < rowLen; i++) {
                int ss = 1 << (PIL_BITS - 1);
                for (int y = 0; y < n; y++) ss += (tmp[(y + ymin) * rowLen + i] & 0xff) * vert.kk[k + y];
                dst[yy * rowLen + i] = clip8(ss);
            }
        }
        return dst;
    }

    private record Coeffs(int ksize, int[] bounds, int[] kk) {}

    /** precompute_coeffs + normalize_coeffs_8bpc for the bilinear (triangle, support 1) filter. */
    private static Coeffs coeffs(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = 1.0 * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[outSize * 2];
        int[] kk = new int[outSize * ksize];
        double[] k = new double[ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = Math.max(0, (int) (center - support + 0.5));
            int xmax = Math.min(inSize, (int) (center + support + 0.5)) - xmin;
            double ww = 0;
            for (int x = 0; x < xmax; x++) {
                double t = Math.abs((x + xmin - center + 0.5) * ss);
                double w = t < 1.0 ? 1.0 - t : 0.0;
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? k[x] / ww : k[x];
                kk[xx * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PIL_BITS)) : (int) (0.5 + v * (1 << PIL_BITS));
            }
            bounds[xx * 2] = xmin;
            bounds[xx * 2 + 1] = xmax;
        }
        return new Coeffs(ksize, bounds, kk);
    }

    private static byte clip8(int ss) {
        return (byte) Math.clamp(ss >> PIL_BITS, 0, 255);
    }
}
