package dev.heed.attention;

import dev.heed.kernel.VectorSupport;

/**
 * The inner loops of the attention kernels on row-major float tiles. Two twins: {@link TileKernelsVector}
 * (Vector API, used when {@link VectorSupport#available()}) and {@link TileKernelsScalar} (plain Java, the
 * fallback and the twin the vector loops are tested against).
 */
interface TileKernels {

    /** The fast kernels when the Vector API is present, the scalar ones otherwise. */
    static TileKernels best() {
        return VectorSupport.available() ? TileKernelsVector.INSTANCE : TileKernelsScalar.INSTANCE;
    }

    /**
     * Scores of a block of query rows against a transposed key tile:
     * {@code s[r·lds + c] = Σ_x q[qOff + r·ldq + x] · kt[ktOff + x·ldk + c]} for r &lt; rows, c &lt; cols, x &lt; e.
     * q is [rows, e] (row stride ldq), kt is [e, cols] (row stride ldk), s is [rows, cols] (row stride lds).
     */
    void scores(float[] q, int qOff, int ldq, int rows, int e, float[] kt, int ktOff, int ldk, int cols,
                float[] s, int sOff, int lds);

    /**
     * Probability-weighted values: {@code o[oOff + r·ldo + c] += Σ_j p[pOff + r·ldp + j] · v[vOff + j·ldv + c]}
     * for r &lt; rows, j &lt; n, c &lt; ev. p is [rows, n], v is [n, ev], o is [rows, ev].
     */
    void accumulate(float[] p, int pOff, int ldp, int rows, int n, float[] v, int vOff, int ldv, int ev,
                    float[] o, int oOff, int ldo);

    /** Largest of {@code a[off .. off + n)}; -inf when n = 0. */
    float max(float[] a, int off, int n);

    /**
     * {@link #scores} plus the row maxima: {@code rowMax[mOff + r] = max_c s[r·lds + c]} over c &lt; cols (the
     * padding columns included, so callers use it only when every column is a real key).
     */
    default void scoresMax(float[] q, int qOff, int ldq, int rows, int e, float[] kt, int ktOff, int ldk, int cols,
                           float[] s, int sOff, int lds, float[] rowMax, int mOff) {
        scores(q, qOff, ldq, rows, e, kt, ktOff, ldk, cols, s, sOff, lds);
        for (int r = 0; r < rows; r++) rowMax[mOff + r] = max(s, sOff + r * lds, cols);
    }

    /** {@code a[i] = exp(a[i] - m)} over the range; returns their sum. {@code m} must be finite. */
    float expSum(float[] a, int off, int n, float m);

    /**
     * Base-2 twin of {@link #expSum} for scores kept in log2 units (scaled by log2 e):
     * {@code a[i] = 2^(a[i] - m)}, returns their sum; {@code m} must be finite and at least every a[i].
     * Results below 2^-126 may be flushed towards 0 (exactly 0 at or below 2^-127, so -inf gives 0).
     */
    float exp2Sum(float[] a, int off, int n, float m);

    /** {@code a[i] *= f} over the range. */
    void scale(float[] a, int off, int n, float f);

    /** {@code a[i] = elu(a[i]) + 1} over the range ({@link FeatureMap#ELU_PLUS_ONE}, vectorised). */
    void eluPlusOne(float[] a, int off, int n);

    /** {@code y[yOff + i] += alpha · x[xOff + i]} for i &lt; n. */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /** {@code Σ a[aOff + i] · b[bOff + i]} for i &lt; n. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);
}
