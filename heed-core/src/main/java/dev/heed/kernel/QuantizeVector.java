package dev.heed.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Quantize} on the Vector API. {@code range}: lane-wise min / max, then a scalar pass over the lanes; a NaN
 * anywhere sends the call to the scalar twin (which skips NaN). {@code shifted}: {@code v = x / scale}, clamped to
 * {@code [−zp, 255 − zp]}, rounded half to even as {@code (v + 1.5·2^23) − 1.5·2^23} (exact for |v| ≤ 2^22: the sum
 * lands where floats are one apart, and 1.5·2^23 is even), NaN lanes set to 0. Loaded only when
 * {@link VectorSupport#available()}.
 */
final class QuantizeVector {
    private QuantizeVector() {}

    private static final VectorSpecies<Float> F = VectorShapes.F;
    private static final int L = F.length();
    private static final float MAGIC = 12582912f;   // 1.5·2^23

    static void range(float[] x, int off, int n, float[] minMax) {
        FloatVector lo = FloatVector.zero(F), hi = lo;
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, off + i);
            lo = lo.min(v);
            hi = hi.max(v);
        }
        float min = lo.reduceLanes(VectorOperators.MIN), max = hi.reduceLanes(VectorOperators.MAX);
        if (Float.isNaN(min) || Float.isNaN(max)) {
            QuantizeReference.range(x, off, n, minMax);
            return;
        }
        for (; i < n; i++) {
            float v = x[off + i];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        minMax[0] = min == 0f ? 0f : min;   // lane-wise min / max may pick −0; the twin keeps +0
        minMax[1] = max == 0f ? 0f : max;
    }

    static void shifted(float[] x, int off, int n, float scale, int zp, float[] out, int outOff) {
        float lo = -zp, hi = 255 - zp;
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, off + i).div(scale);
            VectorMask<Float> nan = v.test(VectorOperators.IS_NAN);
            v = v.max(lo).min(hi).add(MAGIC).sub(MAGIC);
            v.blend(0f, nan).intoArray(out, outOff + i);
        }
        if (i < n) QuantizeReference.shifted(x, off + i, n - i, scale, zp, out, outOff + i);
    }
}
