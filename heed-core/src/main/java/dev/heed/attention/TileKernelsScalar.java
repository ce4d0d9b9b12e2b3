package dev.heed.attention;

/** Plain-Java twin of {@link TileKernelsVector}: the fallback without the Vector API. */
final class TileKernelsScalar implements TileKernels {
    static final TileKernelsScalar INSTANCE = new TileKernelsScalar();

    private TileKernelsScalar() {}

    @Override
    public void scores(float[] q, int qOff, int ldq, int rows, int e, float[] kt, int ktOff, int ldk, int cols,
                       float[] s, int sOff, int lds) {
        for (int r = 0; r < rows; r++) {
            int so = sOff + r * lds;
            for (int c = 0; c < cols; c++) s[so + c] = 0f;
            for (int x = 0; x < e; x++) {
                float a = q[qOff + r * ldq + x];
                int kp = ktOff + x * ldk;
                for (int c = 0; c < cols; c++) s[so + c] += a * kt[kp + c];
            }
        }
    }

    @Override
    public void accumulate(float[] p, int pOff, int ldp, int rows, int n, float[] v, int vOff, int ldv, int ev,
                           float[] o, int oOff, int ldo) {
        for (int r = 0; r < rows; r++) {
            int oo = oOff + r * ldo;
            for (int j = 0; j < n; j++) {
                float a = p[pOff + r * ldp + j];
                if (a == 0f) continue;
                int vp = vOff + j * ldv;
                for (int c = 0; c < ev; c++) o[oo + c] += a * v[vp + c];
            }
        }
    }

    @Override
    public float max(float[] a, int off, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = off; i < off + n; i++) m = Math.max(m, a[i]);
        return m;
    }

    @Override
    public float expSum(float[] a, int off, int n, float m) {
        float sum = 0;
        for (int i = off; i < off + n; i++) {
            float x = (float) Math.exp(a[i] - m);
            a[i] = x;
            sum += x;
        }
        return sum;
    }

    @Override
    public float exp2Sum(float[] a, int off, int n, float m) {
        float sum = 0;
        for (int i = off; i < off + n; i++) {
            float x = FlashAttention.exp2(a[i] - m);
            a[i] = x;
            sum += x;
        }
        return sum;
    }

    @Override
    public void scale(float[] a, int off, int n, float f) {
        for (int i = off; i < off + n; i++) a[i] *= f;
    }

    @Override
    public void eluPlusOne(float[] a, int off, int n) {
        FeatureMap.ELU_PLUS_ONE.apply(a, off, n);
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }
}
