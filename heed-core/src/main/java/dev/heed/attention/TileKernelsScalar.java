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

    /** Queries per group of the query-lane kernels; any width works for the scalar twin. */
    static final int LANES = 16;

    @Override
    public int queryLanes() {
        return LANES;
    }

    @Override
    public void scoresT(float[] qt, int e, float[] k, int kOff, int ldk, int keys, float[] st, float[] colMax) {
        java.util.Arrays.fill(colMax, 0, LANES, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < keys; j++) {
            for (int i = 0; i < LANES; i++) {
                float a = 0;
                for (int x = 0; x < e; x++) a += qt[x * LANES + i] * k[kOff + j * ldk + x];
                st[j * LANES + i] = a;
                colMax[i] = Math.max(colMax[i], a);
            }
        }
    }

    @Override
    public void colMaxT(float[] st, int keys, float[] colMax) {
        for (int i = 0; i < LANES; i++) {
            float m = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < keys; j++) m = Math.max(m, st[j * LANES + i]);
            colMax[i] = m;
        }
    }

    @Override
    public void exp2T(float[] st, int keys, float[] mSafe, float[] alpha, float[] l) {
        for (int i = 0; i < LANES; i++) {
            float sum = 0;
            for (int j = 0; j < keys; j++) {
                float x = FlashAttention.exp2(st[j * LANES + i] - mSafe[i]);
                st[j * LANES + i] = x;
                sum += x;
            }
            l[i] = l[i] * alpha[i] + sum;
        }
    }

    @Override
    public void accumulateT(float[] st, int rows, int keys, float[] v, int vOff, int ldv, int ev, float[] alpha,
                            float[] o, int ldo) {
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < ev; c++) o[i * ldo + c] *= alpha[i];
            for (int j = 0; j < keys; j++) {
                float a = st[j * LANES + i];
                for (int c = 0; c < ev; c++) o[i * ldo + c] += a * v[vOff + j * ldv + c];
            }
        }
    }

    @Override
    public void addKeyBiasT(float[] st, int keys, float[] bias, int bOff, float f) {
        for (int j = 0; j < keys; j++) {
            float x = f * bias[bOff + j];
            for (int i = 0; i < LANES; i++) st[j * LANES + i] += x;
        }
    }
}
