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

    /** {@code a[i] = exp(a[i] - m)} over the range; returns their sum. {@code m} must be finite. */
    float expSum(float[] a, int off, int n, float m);

    /** {@code a[i] *= f} over the range. */
    void scale(float[] a, int off, int n, float f);

    /** {@code a[i] = elu(a[i]) + 1} over the range ({@link FeatureMap#ELU_PLUS_ONE}, vectorised). */
    void eluPlusOne(float[] a, int off, int n);

    /** {@code y[yOff + i] += alpha · x[xOff + i]} for i &lt; n. */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /** {@code Σ a[aOff + i] · b[bOff + i]} for i &lt; n. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    // ---- query-lane kernels of flash attention (FlashAttention v4) ----------------------------------------------
    // A group of G = queryLanes() query rows is held transposed, qt [E, G], so that scores come out transposed,
    // st [keys, G]: key j's scores against the G queries are one row, and every softmax statistic (max, sum,
    // rescale factor) is a lane-wise vector over the G queries, with no horizontal reductions.

    /** Queries per group of the query-lane kernels (G): a multiple of the vector length. */
    int queryLanes();

    /**
     * Transposed scores: {@code st[j·G + i] = Σ_x qt[x·G + i] · k[kOff + j·ldk + x]} for j &lt; keys, i &lt; G,
     * x &lt; e; {@code colMax[i] = max_j st[j·G + i]} (-inf when keys = 0). qt is [e, G], k is [keys, e] (row
     * stride ldk), st is [keys, G].
     */
    void scoresT(float[] qt, int e, float[] k, int kOff, int ldk, int keys, float[] st, float[] colMax);

    /** {@code colMax[i] = max_j st[j·G + i]} over j &lt; keys (after masking). */
    void colMaxT(float[] st, int keys, float[] colMax);

    /**
     * {@code st[j·G + i] = 2^(st[j·G + i] - mSafe[i])} for j &lt; keys (0 for -inf scores), and
     * {@code l[i] = l[i]·alpha[i] + Σ_j st[j·G + i]}. mSafe must be finite and at least every score of its lane.
     */
    void exp2T(float[] st, int keys, float[] mSafe, float[] alpha, float[] l);

    /**
     * {@code o[i·ldo + c] = o[i·ldo + c]·alpha[i] + Σ_j st[j·G + i] · v[vOff + j·ldv + c]} for i &lt; rows,
     * j &lt; keys, c &lt; ev. st is [keys, G] (probabilities), v is [keys, ev], o is [rows, ev].
     */
    void accumulateT(float[] st, int rows, int keys, float[] v, int vOff, int ldv, int ev, float[] alpha,
                     float[] o, int ldo);

    /** {@code st[j·G + i] += f · bias[bOff + j]} for j &lt; keys, i &lt; G (a mask row shared by every query). */
    void addKeyBiasT(float[] st, int keys, float[] bias, int bOff, float f);
}
