package dev.heed.kernel;

/**
 * Linear quantisation of float activations to uint8, the two passes of ONNX DynamicQuantizeLinear:
 * <ul>
 *   <li>{@link #range}: {@code [min(0, min x), max(0, max x)]}, NaN ignored;</li>
 *   <li>{@link #shifted}: {@code q − zp} as a float, where {@code q = saturate_u8(round_half_even(x / scale) + zp)}
 *       (float division, as the ONNX spec and ONNX Runtime compute it); NaN gives {@code q = zp}. The zero point
 *       is subtracted because the integer product consumes {@code q − zp} ({@link IntGemm#gemmExactFloat}).</li>
 * </ul>
 * Catalogue: {@code QuantizeReference} (scalar twin, the oracle and the fallback) and {@code QuantizeVector}
 * (Vector API: the division, a clamp to {@code [−zp, 255 − zp]} and the round-half-even of a value that small by
 * adding and subtracting 1.5·2^23, which equals rounding after the zero point and saturation because the bounds are
 * integers). Both are exact: results are equal bit for bit. Cost one pass over x each.
 *
 * <pre>{@code
 * float[] mm = new float[2];
 * Quantize.range(x, 0, n, mm);
 * float scale = (mm[1] - mm[0]) / 255f;   // and the zero point, as DynamicQuantizeLinear states
 * Quantize.shifted(x, 0, n, scale, zp, aShifted, 0);
 * }</pre>
 */
public final class Quantize {
    private Quantize() {}

    /**
     * {@code minMax = {min(0, min x), max(0, max x)}} over {@code x[off, off+n)}, ignoring NaN.
     *
     * @param x      the values
     * @param off    first index
     * @param n      count
     * @param minMax receives the two bounds (length at least 2)
     * @throws dev.heed.HeedException INVALID_ARGUMENT when the range does not fit {@code x}
     */
    public static void range(float[] x, int off, int n, float[] minMax) {
        check(x.length, off, n);
        if (VectorSupport.available()) QuantizeVector.range(x, off, n, minMax);
        else QuantizeReference.range(x, off, n, minMax);
    }

    /**
     * {@code out[outOff + i] = saturate_u8(round_half_even(x[off + i] / scale) + zp) − zp}, NaN → 0.
     *
     * @param x      the values
     * @param off    first index in x
     * @param n      count
     * @param scale  the quantisation step
     * @param zp     the zero point, 0…255
     * @param out    receives {@code q − zp} as floats
     * @param outOff first index in out
     * @throws dev.heed.HeedException INVALID_ARGUMENT when a range does not fit its array or zp is outside 0…255
     */
    public static void shifted(float[] x, int off, int n, float scale, int zp, float[] out, int outOff) {
        check(x.length, off, n);
        check(out.length, outOff, n);
        if (zp < 0 || zp > 255) throw dev.heed.HeedException.invalid("Quantize", "zero point " + zp + " outside uint8 [0, 255]");
        if (VectorSupport.available()) QuantizeVector.shifted(x, off, n, scale, zp, out, outOff);
        else QuantizeReference.shifted(x, off, n, scale, zp, out, outOff);
    }

    /**
     * The scalar twin of {@link #range} (tests and the fallback); same parameters and result.
     *
     * @param x      the values
     * @param off    first index
     * @param n      count
     * @param minMax receives the two bounds
     */
    public static void rangeReference(float[] x, int off, int n, float[] minMax) {
        check(x.length, off, n);
        QuantizeReference.range(x, off, n, minMax);
    }

    /**
     * The scalar twin of {@link #shifted} (tests and the fallback); same parameters and result.
     *
     * @param x      the values
     * @param off    first index in x
     * @param n      count
     * @param scale  the quantisation step
     * @param zp     the zero point, 0…255
     * @param out    receives {@code q − zp} as floats
     * @param outOff first index in out
     */
    public static void shiftedReference(float[] x, int off, int n, float scale, int zp, float[] out, int outOff) {
        check(x.length, off, n);
        check(out.length, outOff, n);
        QuantizeReference.shifted(x, off, n, scale, zp, out, outOff);
    }

    private static void check(int length, int off, int n) {
        if (off < 0 || n < 0 || (long) off + n > length) {
            throw dev.heed.HeedException.invalid("Quantize", "range [" + off + ", " + ((long) off + n) + ") outside an array of " + length);
        }
    }
}
