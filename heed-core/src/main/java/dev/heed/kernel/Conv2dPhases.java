package dev.heed.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Column-phase split of input rows for strided convolutions (Vector API): a row {@code x[0, W)} read with column
 * stride {@code s} is rewritten as {@code s} phase rows, phase {@code ph} holding {@code x[ph], x[ph + s],
 * x[ph + 2s], …}. A strided window column {@code o·s + c} is then element {@code o + ⌊c/s⌋} of phase
 * {@code c mod s}: consecutive output columns read consecutive floats, so the implicit im2col of a strided
 * convolution ({@link Conv2dPadded}) copies vectors instead of gathering element by element, and the depthwise
 * kernel loads full vectors. One pass over the input instead of {@code kH·kW} gathers per input element.
 *
 * <p>Catalogue: {@link #splitRow}: stride 1 one copy, stride 2 two-vector permutes ({@code selectFrom} of two
 * loaded vectors, even and odd lanes), other strides scalar. Its reference is the definition above
 * ({@code Conv2dPhasesTest}, and every strided path of {@link Conv2d} against {@link Conv2dReference}).
 */
final class Conv2dPhases {
    private Conv2dPhases() {}

    private static final VectorSpecies<Float> F = VectorShapes.F;
    private static final int L = F.length();
    /** Lane indices {@code 0, 2, 4, …} and {@code 1, 3, 5, …} into the pair of vectors (v0, v1). */
    private static final FloatVector EVEN = iota(0), ODD = iota(1);

    private static FloatVector iota(int start) {
        float[] v = new float[L];
        for (int t = 0; t < L; t++) v[t] = start + 2 * t;
        return FloatVector.fromArray(F, v, 0);
    }

    /**
     * {@code dst[rowBase + ((i+shift) mod s)·wq + (i+shift)/s] = src[s0 + i]} for {@code i < n}, skipping the
     * elements whose phase index {@code (i+shift)/s} is {@code ≥ wq}. {@code shift ≥ 0} is a left padding already
     * counted in the destination columns; other destination elements are not written.
     */
    static void splitRow(float[] src, int s0, int n, int s, int shift, float[] dst, int rowBase, int wq) {
        int i = 0;
        if (s == 1) {
            int len = Math.min(n, wq - shift);
            if (len > 0) System.arraycopy(src, s0, dst, rowBase + shift, len);
            return;
        }
        if (s == 2) {
            int evenBase = rowBase + (shift & 1) * wq + (shift >> 1);
            int oddBase = rowBase + ((shift + 1) & 1) * wq + ((shift + 1) >> 1);
            int evenLimit = rowBase + (shift & 1) * wq + wq, oddLimit = rowBase + ((shift + 1) & 1) * wq + wq;
            for (; i + 2 * L <= n && evenBase + i / 2 + L <= evenLimit && oddBase + i / 2 + L <= oddLimit; i += 2 * L) {
                FloatVector v0 = FloatVector.fromArray(F, src, s0 + i), v1 = FloatVector.fromArray(F, src, s0 + i + L);
                EVEN.selectFrom(v0, v1).intoArray(dst, evenBase + i / 2);
                ODD.selectFrom(v0, v1).intoArray(dst, oddBase + i / 2);
            }
        }
        for (; i < n; i++) {
            int c = i + shift, q = c / s;
            if (q < wq) dst[rowBase + (c % s) * wq + q] = src[s0 + i];
        }
    }
}
