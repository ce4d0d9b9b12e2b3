package dev.heed.kernel;

/** The scalar twin of {@link Quantize}: the ONNX formulas written out, one element at a time. */
final class QuantizeReference {
    private QuantizeReference() {}

    static void range(float[] x, int off, int n, float[] minMax) {
        float min = 0f, max = 0f;
        for (int i = off; i < off + n; i++) {
            float v = x[i];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        minMax[0] = min;
        minMax[1] = max;
    }

    static void shifted(float[] x, int off, int n, float scale, int zp, float[] out, int outOff) {
        for (int i = 0; i < n; i++) {
            float v = (float) Math.rint(x[off + i] / scale) + zp;
            int q = Float.isNaN(v) ? zp : (int) Math.max(0f, Math.min(255f, v));
            out[outOff + i] = q - zp;
        }
    }
}
