package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The width-parameterised row kernels ({@link NormsVector}, {@link ReductionsVector}, {@link SoftmaxVector}) and the
 * vector math of {@link ElementwiseVector} (exp, log, tanh, erf and every vector unary op built on them) at 128, 256 and 512 bits
 * (4, 8 and 16 lanes) on any machine, against their float64 twins, with lengths around every multiple of the lane
 * count and of the 256-element sum block. Tolerances: {@link ElementwiseChecks#LAYER_NORM},
 * {@link ElementwiseChecks#BATCH_NORM}, sums {@link ElementwiseChecks#SUM_REL_TO_ABS_SUM} of Σ|x|, max / min exact,
 * {@link ElementwiseChecks#SOFTMAX} and {@link ElementwiseChecks#LOG_SOFTMAX}, unary ops
 * {@link ElementwiseChecks#tolerance(UnaryOp.Kind)}.
 */
class VectorWidthsTest {

    @BeforeAll
    static void vectorApiPresent() {
        assertTrue(VectorSupport.available(), "jdk.incubator.vector must be in the boot layer for this test");
    }

    private static int[] lengths(int ln) {
        return new int[] {1, ln - 1, ln, ln + 1, 3 * ln + 2, 255, 256, 257, 16 * ln + 5, 700};
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void normRowsMatchTheFloat64Twin(int bits) {
        NormsVector k = NormsVector.of(bits);
        assertEquals(bits, k.species().vectorBitSize());
        SplittableRandom r = new SplittableRandom(bits);
        for (int n : lengths(k.species().length())) {
            float[] x = KernelTestSupport.gaussian(r, n + 3, 2), g = KernelTestSupport.gaussian(r, n, 1), b = KernelTestSupport.gaussian(r, n, 1);
            for (int i = 0; i < x.length; i++) x[i] += 50f;   // a mean far from 0
            float[] y = new float[n + 1];
            k.layerNormRow(x, 3, g, b, 1e-5f, y, 1, n);
            double[] ref = NormsReference.layerNormRowDouble(x, 3, g, b, 1e-5f, n);
            for (int i = 0; i < n; i++) {
                double q = ElementwiseChecks.LAYER_NORM.ratio(y[1 + i], ref[i]);
                assertTrue(q <= 1, k + " layerNormRow n=" + n + " at " + i + ": " + y[1 + i] + " vs " + ref[i]);
            }
            float[] z = new float[n], zr = new float[n];
            k.affineRow(x, 3, 50.25f, 0.75f, -0.5f, z, 0, n);
            NormsReference.affineRow(x, 3, 50.25f, 0.75f, -0.5f, zr, 0, n);
            for (int i = 0; i < n; i++) {
                assertTrue(ElementwiseChecks.BATCH_NORM.ratio(z[i], zr[i]) <= 1, k + " affineRow n=" + n + " at " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void reductionsMatchTheFloat64Twin(int bits) {
        ReductionsVector k = ReductionsVector.of(bits);
        assertEquals(bits, k.species().vectorBitSize());
        SplittableRandom r = new SplittableRandom(3 + bits);
        for (int n : lengths(k.species().length())) {
            float[] x = KernelTestSupport.gaussian(r, n + 2, 3);
            double abs = 0;
            for (int i = 0; i < n; i++) abs += Math.abs(x[2 + i]);
            for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.MEAN}) {
                double want = ReductionsReference.reduceRow(op, x, 2, n), scale = op == ReduceOp.MEAN ? abs / n : abs;
                assertEquals(want, k.reduceRow(op, x, 2, n), ElementwiseChecks.SUM_REL_TO_ABS_SUM * scale + 1e-30, k + " " + op + " n=" + n);
            }
            for (ReduceOp op : new ReduceOp[] {ReduceOp.MAX, ReduceOp.MIN}) {
                assertEquals(ReductionsReference.reduceRow(op, x, 2, n), k.reduceRow(op, x, 2, n), 0f, k + " " + op + " n=" + n);
            }
            for (int rows : new int[] {1, 3, 70}) {
                float[] m = KernelTestSupport.gaussian(r, 1 + rows * n, 3);
                for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.MEAN, ReduceOp.MAX, ReduceOp.MIN}) {
                    float[] got = new float[n], want = new float[n];
                    k.reduceColumns(op, m, 1, rows, n, got, 0);
                    ReductionsReference.reduceColumns(op, m, 1, rows, n, want, 0);
                    for (int j = 0; j < n; j++) {
                        double colAbs = 0;
                        for (int q = 0; q < rows; q++) colAbs += Math.abs(m[1 + q * n + j]);
                        if (op == ReduceOp.MEAN) colAbs /= rows;
                        double tol = op == ReduceOp.MAX || op == ReduceOp.MIN ? 0 : ElementwiseChecks.SUM_REL_TO_ABS_SUM * colAbs + 1e-30;
                        assertEquals(want[j], got[j], tol, k + " columns " + op + " rows=" + rows + " n=" + n + " at " + j);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void softmaxRowsMatchTheFloat64Twin(int bits) {
        SoftmaxVector k = SoftmaxVector.of(bits);
        assertEquals(bits, k.species().vectorBitSize());
        SplittableRandom r = new SplittableRandom(7 + bits);
        for (int n : lengths(k.species().length())) {
            float[] x = KernelTestSupport.gaussian(r, n + 2, 4);
            x[2 + n / 2] += 30f;   // one dominant logit: exp sees arguments down to about -50
            for (boolean log : new boolean[] {false, true}) {
                float[] y = new float[n + 1];
                k.row(x, 2, y, 1, n, log);
                double[] ref = SoftmaxReference.rowDouble(x, 2, n, log);
                ElementwiseChecks.Tol tol = log ? ElementwiseChecks.LOG_SOFTMAX : ElementwiseChecks.SOFTMAX;
                for (int i = 0; i < n; i++) {
                    assertTrue(tol.ratio(y[1 + i], ref[i]) <= 1, k + (log ? " log" : "") + " row n=" + n + " at " + i + ": "
                            + y[1 + i] + " vs " + ref[i]);
                }
                assertEquals(0f, y[0], k + " wrote before its row");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void vectorMathMatchesTheFloat64Twin(int bits) {
        VectorSpecies<Float> f = FloatVector.SPECIES_128.withShape(jdk.incubator.vector.VectorShape.forBitSize(bits));
        assertEquals(bits, f.vectorBitSize());
        SplittableRandom r = new SplittableRandom(11 + bits);
        float[] x = KernelTestSupport.gaussian(r, 64 * f.length(), 4);
        float[] edges = {0f, -0f, 1e-30f, 1e-40f, -1e-40f, 0.5f, -0.5f, 0.625f, 1f, -1f, 3.92f, -3.92f, 20f, -20f,
                88.7f, 89f, -87f, -104f, 1e30f, -1e30f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        System.arraycopy(edges, 0, x, 0, edges.length);
        for (UnaryOp.Kind kind : UnaryOp.Kind.values()) {
            if (kind == UnaryOp.Kind.SIN || kind == UnaryOp.Kind.COS) continue;   // scalar calls, no vector math
            UnaryOp op = UnaryOp.of(kind);
            ElementwiseChecks.Tol tol = ElementwiseChecks.tolerance(kind);
            float[] y = new float[x.length];
            for (int i = 0; i < x.length; i += f.length()) {
                ElementwiseVector.apply(op, FloatVector.fromArray(f, x, i)).intoArray(y, i);
            }
            for (int i = 0; i < x.length; i++) {
                double want = ElementwiseReference.apply(op, x[i]);
                assertTrue(tol.ratio(y[i], want) <= 1, bits + " bits " + kind + "(" + x[i] + ") = " + y[i] + ", twin " + want);
            }
        }
    }
}
