package dev.heed.attention;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Exact and flash attention against the float64 reference over the option matrix. */
class AttentionTest {
    /** Softmax kernels vs the float64 reference: max |x - ref| / max(1, max |ref|) on unit-scale float32 inputs. */
    static final double TOLERANCE = 1e-5;

    /** Exact attention under two blockings, vector kernels: a few float32 ulps of a row sum (see the test using it). */
    static final double BLOCKING_TOLERANCE = 1e-6;

    static ExecutionContext ctx;

    @BeforeAll
    static void open() { ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2)); }

    @AfterAll
    static void close() { ctx.close(); }

    static Tensor randn(Random r, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return Tensor.of(a, dims);
    }

    static double relError(Tensor got, Tensor want) {
        assertArrayEquals(want.shape().dims(), got.shape().dims());
        float[] g = got.toFloatArray(), w = want.toFloatArray();
        double max = 1, err = 0;
        for (float x : w) max = Math.max(max, Math.abs(x));
        for (int i = 0; i < g.length; i++) {
            double d = Math.abs((double) g[i] - w[i]);
            if (!(d <= err)) err = Double.isNaN(d) ? Double.NaN : d;
            if (Double.isNaN(err)) return Double.NaN;
        }
        return err / max;
    }

    record Case(int b, int hq, int hkv, int l, int s, int e, int ev) {}

    static final List<Case> CASES = List.of(
            new Case(2, 4, 2, 7, 13, 5, 3),      // L != S, E != Ev, odd sizes, GQA
            new Case(1, 3, 1, 33, 17, 16, 20),   // MQA, L > S, vector tails
            new Case(1, 2, 2, 1, 40, 64, 64),    // decode-like
            new Case(2, 2, 1, 45, 77, 64, 48));  // several tiles with the small-tile flash run

    List<Tensor> masks(Random r, Case c) {
        List<Tensor> m = new ArrayList<>();
        m.add(null);
        // boolean [B, 1, L, S], about 30% hidden, and row 0 fully hidden
        boolean[] bm = new boolean[c.b * c.l * c.s];
        for (int i = 0; i < bm.length; i++) bm[i] = r.nextDouble() > 0.3;
        for (int b = 0; b < c.b; b++) for (int j = 0; j < c.s; j++) bm[(b * c.l) * c.s + j] = false;
        m.add(Tensor.ofBooleans(bm, c.b, 1, c.l, c.s));
        // additive float [Hq, L, S] (rank 3, broadcast over B) with some -inf
        float[] fm = new float[c.hq * c.l * c.s];
        for (int i = 0; i < fm.length; i++) fm[i] = r.nextDouble() < 0.2 ? Float.NEGATIVE_INFINITY : (float) r.nextGaussian();
        m.add(Tensor.of(fm, c.hq, c.l, c.s));
        // key padding [B, 1, 1, S]: the last third of the keys of batch 0 hidden
        boolean[] pm = new boolean[c.b * c.s];
        for (int b = 0; b < c.b; b++) for (int j = 0; j < c.s; j++) pm[b * c.s + j] = b != 0 || j < c.s - c.s / 3;
        m.add(Tensor.ofBooleans(pm, c.b, 1, 1, c.s));
        return m;
    }

    @Test
    void exactAndFlashMatchReferenceOverTheOptionMatrix() {
        Random r = new Random(42);
        int runs = 0;
        for (Case c : CASES) {
            Tensor q = randn(r, c.b, c.hq, c.l, c.e), k = randn(r, c.b, c.hkv, c.s, c.e), v = randn(r, c.b, c.hkv, c.s, c.ev);
            for (CausalAlignment ca : CausalAlignment.values()) {
                for (Tensor mask : masks(r, c)) {
                    for (int window : new int[] {0, 5}) {
                        AttentionSpec spec = AttentionSpec.defaults().withCausal(ca).withMask(mask).withWindow(window)
                                .withCaptureWeights(true);
                        AttentionResult want = AttentionReference.compute(q, k, v, spec);
                        String what = c + " " + ca + " mask=" + (mask == null ? "none" : mask.dtype() + "" + mask.shape()) + " window=" + window;
                        for (AttentionImpl impl : new AttentionImpl[] {AttentionImpl.EXACT, AttentionImpl.FLASH}) {
                            AttentionResult got = Attention.compute(ctx, q, k, v, spec.withImplementation(impl));
                            assertTrue(relError(got.output(), want.output()) <= TOLERANCE, impl + " output " + what + ": " + relError(got.output(), want.output()));
                            assertTrue(relError(got.weights(), want.weights()) <= TOLERANCE, impl + " weights " + what);
                        }
                        // flash with tiny tiles: many key tiles, several query blocks, partial row groups
                        AttentionProblem p = new AttentionProblem("test", q, k, v, spec);
                        AttentionResult small = FlashAttention.compute(ctx, p, TileKernels.best(), true, 16, 6);
                        assertTrue(relError(small.output(), want.output()) <= TOLERANCE, "small-tile flash " + what);
                        assertTrue(relError(small.weights(), want.weights()) <= TOLERANCE, "small-tile flash weights " + what);
                        AttentionResult scalar = FlashAttention.compute(ctx, p, TileKernelsScalar.INSTANCE, false, 32, 5);
                        assertTrue(relError(scalar.output(), want.output()) <= TOLERANCE, "scalar flash " + what);
                        AttentionResult scalarExact = ExactAttention.compute(ctx, p, TileKernelsScalar.INSTANCE, false);
                        assertTrue(relError(scalarExact.output(), want.output()) <= TOLERANCE, "scalar exact " + what);
                        runs++;
                    }
                }
            }
        }
        assertEquals(CASES.size() * 3 * 4 * 2, runs);
    }

    @Test
    void exactKeyTilesAndQueryBlocksChangeNoBit() {
        // Every score is one FMA chain over E from zero and every output element one chain over the keys in order
        // (stored and reloaded between key tiles), so any blocking gives the numbers of one tile holding all keys
        // (exact attention's v1 layout), which must itself match the float64 reference. The scalar twin must agree
        // bit for bit; the vector kernels within BLOCKING_TOLERANCE, because the row sums of the softmax end in a
        // lane reduction (FloatVector.reduceLanes(ADD)) whose order the Vector API leaves open, so the interpreter
        // and C2 may round a sum differently between two calls.
        Random r = new Random(23);
        Case c = new Case(2, 4, 2, 45, 77, 64, 48);
        Tensor q = randn(r, c.b, c.hq, c.l, c.e), k = randn(r, c.b, c.hkv, c.s, c.e), v = randn(r, c.b, c.hkv, c.s, c.ev);
        int[][] blockings = {{16, 4}, {32, 6}, {48, 1}, {64, 64}, {16, 45}, {96, 13}}; // {keys per tile, rows per block}; 96 > S: one padded tile
        int runs = 0;
        for (CausalAlignment ca : CausalAlignment.values()) {
            for (Tensor mask : masks(r, c)) {
                AttentionSpec spec = AttentionSpec.defaults().withCausal(ca).withMask(mask)
                        .withWindow(ca == CausalAlignment.TOP_LEFT ? 5 : 0).withCaptureWeights(true);
                AttentionResult want = AttentionReference.compute(q, k, v, spec);
                AttentionProblem p = new AttentionProblem("test", q, k, v, spec);
                for (TileKernels kern : new TileKernels[] {TileKernels.best(), TileKernelsScalar.INSTANCE}) {
                    String what = kern.getClass().getSimpleName() + " " + ca + " mask=" + (mask == null ? "none" : mask.dtype() + "" + mask.shape());
                    AttentionResult one = ExactAttention.compute(ctx, p, kern, true, AttentionProblem.pad16(c.s), 64);
                    assertTrue(relError(one.output(), want.output()) <= TOLERANCE, "one-tile exact " + what);
                    assertTrue(relError(one.weights(), want.weights()) <= TOLERANCE, "one-tile exact weights " + what);
                    for (int[] bl : blockings) {
                        AttentionResult got = ExactAttention.compute(ctx, p, kern, true, bl[0], bl[1]);
                        String how = what + " bc=" + bl[0] + " bq=" + bl[1];
                        if (kern == TileKernelsScalar.INSTANCE) {
                            assertArrayEquals(one.output().toFloatArray(), got.output().toFloatArray(), "output " + how);
                            assertArrayEquals(one.weights().toFloatArray(), got.weights().toFloatArray(), "weights " + how);
                        } else {
                            assertTrue(relError(got.output(), one.output()) <= BLOCKING_TOLERANCE, "output " + how + ": " + relError(got.output(), one.output()));
                            assertTrue(relError(got.weights(), one.weights()) <= BLOCKING_TOLERANCE, "weights " + how);
                        }
                        runs++;
                    }
                }
            }
        }
        assertEquals(3 * 4 * 2 * blockings.length, runs);
    }

    @Test
    void flashMatchesExactOnLargerInputs() {
        Random r = new Random(7);
        Tensor q = randn(r, 1, 4, 600, 64), k = randn(r, 1, 2, 1100, 64), v = randn(r, 1, 2, 1100, 64);
        for (CausalAlignment ca : CausalAlignment.values()) {
            AttentionSpec spec = AttentionSpec.defaults().withCausal(ca).withWindow(ca == CausalAlignment.TOP_LEFT ? 300 : 0);
            Tensor ex = Attention.compute(ctx, q, k, v, spec.withImplementation(AttentionImpl.EXACT)).output();
            Tensor fl = Attention.compute(ctx, q, k, v, spec.withImplementation(AttentionImpl.FLASH)).output();
            assertTrue(relError(fl, ex) <= TOLERANCE, "flash vs exact " + ca + ": " + relError(fl, ex));
        }
    }

    @Test
    void flashFusedScoreMaxPathMatchesReference() {
        // whole 64-key column blocks and 4-row groups: the fused scores + row max path, in log2 units, with every
        // option that makes a tile partially visible (mask values are rescaled by log2 e there)
        Random r = new Random(19);
        Case c = new Case(1, 2, 1, 70, 256, 64, 64);
        Tensor q = randn(r, c.b, c.hq, c.l, c.e), k = randn(r, c.b, c.hkv, c.s, c.e), v = randn(r, c.b, c.hkv, c.s, c.ev);
        int runs = 0;
        for (CausalAlignment ca : CausalAlignment.values()) {
            for (Tensor mask : masks(r, c)) {
                for (int window : new int[] {0, 100}) {
                    AttentionSpec spec = AttentionSpec.defaults().withCausal(ca).withMask(mask).withWindow(window)
                            .withCaptureWeights(true);
                    AttentionResult want = AttentionReference.compute(q, k, v, spec);
                    AttentionProblem p = new AttentionProblem("test", q, k, v, spec);
                    for (int bc : new int[] {64, 128, 256}) {
                        String what = ca + " mask=" + (mask == null ? "none" : mask.dtype() + "" + mask.shape())
                                + " window=" + window + " bc=" + bc;
                        AttentionResult got = FlashAttention.compute(ctx, p, TileKernels.best(), true, bc, 32);
                        assertTrue(relError(got.output(), want.output()) <= TOLERANCE, "flash output " + what + ": " + relError(got.output(), want.output()));
                        assertTrue(relError(got.weights(), want.weights()) <= TOLERANCE, "flash weights " + what);
                        runs++;
                    }
                }
            }
        }
        assertEquals(3 * 4 * 2 * 3, runs);
    }

    @Test
    void fullyMaskedRowsAreZeroEverywhere() {
        Random r = new Random(3);
        // bottom-right with L > S: the first L - S queries see no key
        Tensor q = randn(r, 1, 2, 9, 8), k = randn(r, 1, 2, 4, 8), v = randn(r, 1, 2, 4, 8);
        for (AttentionImpl impl : new AttentionImpl[] {AttentionImpl.EXACT, AttentionImpl.FLASH, AttentionImpl.LINEAR}) {
            AttentionSpec spec = AttentionSpec.defaults().withCausal(CausalAlignment.BOTTOM_RIGHT)
                    .withImplementation(impl).withCaptureWeights(true);
            AttentionResult res = Attention.compute(ctx, q, k, v, spec);
            for (int h = 0; h < 2; h++) {
                for (int i = 0; i < 9; i++) {
                    double rowSum = 0;
                    for (int j = 0; j < 4; j++) rowSum += res.weights().getFloat(0, h, i, j);
                    for (int c = 0; c < 8; c++) {
                        if (i < 5) assertEquals(0f, res.output().getFloat(0, h, i, c), impl + " row " + i);
                    }
                    assertEquals(i < 5 ? 0.0 : 1.0, rowSum, 1e-5, impl + " weights row " + i);
                }
            }
        }
        // an additive mask of -inf everywhere
        Tensor all = Tensor.of(new float[] {Float.NEGATIVE_INFINITY}, 1, 1, 1, 1).expand(1, 1, 9, 4);
        for (AttentionImpl impl : new AttentionImpl[] {AttentionImpl.EXACT, AttentionImpl.FLASH}) {
            AttentionResult res = Attention.compute(ctx, q, k, v, AttentionSpec.defaults().withMask(all).withImplementation(impl).withCaptureWeights(true));
            for (float x : res.output().toFloatArray()) assertEquals(0f, x);
            for (float x : res.weights().toFloatArray()) assertEquals(0f, x);
        }
    }

    @Test
    void capturedWeightsSumToOnePerRow() {
        Random r = new Random(11);
        Tensor q = randn(r, 2, 3, 20, 16), k = randn(r, 2, 3, 50, 16), v = randn(r, 2, 3, 50, 16);
        for (AttentionImpl impl : new AttentionImpl[] {AttentionImpl.EXACT, AttentionImpl.FLASH, AttentionImpl.LINEAR}) {
            Tensor w = Attention.compute(ctx, q, k, v, AttentionSpec.defaults().withCausal(true).withImplementation(impl)
                    .withCaptureWeights(true)).weights();
            float[] a = w.toFloatArray();
            for (int row = 0; row < 2 * 3 * 20; row++) {
                double s = 0;
                for (int j = 0; j < 50; j++) s += a[row * 50 + j];
                assertEquals(1.0, s, 1e-5, impl + " row " + row);
            }
        }
    }

    @Test
    void viewsAndExplicitScaleAreHonoured() {
        Random r = new Random(5);
        // q, k, v built as [B, L, H, E] and permuted to [B, H, L, E]
        Tensor q = randn(r, 2, 11, 3, 24).permute(0, 2, 1, 3);
        Tensor k = randn(r, 2, 19, 3, 24).permute(0, 2, 1, 3);
        Tensor v = randn(r, 2, 19, 3, 10).permute(0, 2, 1, 3);
        AttentionSpec spec = AttentionSpec.defaults().withScale(0.3);
        Tensor want = AttentionReference.compute(q.contiguous(), k.contiguous(), v.contiguous(), spec).output();
        for (AttentionImpl impl : new AttentionImpl[] {AttentionImpl.EXACT, AttentionImpl.FLASH, AttentionImpl.AUTO}) {
            assertTrue(relError(Attention.compute(ctx, q, k, v, spec.withImplementation(impl)).output(), want) <= TOLERANCE);
        }
    }

    @Test
    void emptyAndSizeOneInputs() {
        Random r = new Random(9);
        Tensor q = randn(r, 1, 1, 1, 1), k = randn(r, 1, 1, 1, 1), v = randn(r, 1, 1, 1, 1);
        for (AttentionImpl impl : new AttentionImpl[] {AttentionImpl.EXACT, AttentionImpl.FLASH, AttentionImpl.LINEAR}) {
            Tensor out = Attention.compute(ctx, q, k, v, AttentionSpec.defaults().withImplementation(impl)).output();
            assertEquals(v.getFloat(0, 0, 0, 0), out.getFloat(0, 0, 0, 0), 1e-6);
            // no keys at all: zeros
            Tensor out0 = Attention.compute(ctx, randn(r, 1, 2, 3, 4), Tensor.zeros(dev.heed.tensor.DType.FLOAT32, 1, 2, 0, 4),
                    Tensor.zeros(dev.heed.tensor.DType.FLOAT32, 1, 2, 0, 5), AttentionSpec.defaults().withImplementation(impl)).output();
            assertArrayEquals(new int[] {1, 2, 3, 5}, out0.shape().dims());
            for (float x : out0.toFloatArray()) assertEquals(0f, x);
            // no queries
            Tensor outL0 = Attention.compute(ctx, Tensor.zeros(dev.heed.tensor.DType.FLOAT32, 1, 2, 0, 4), randn(r, 1, 2, 3, 4),
                    randn(r, 1, 2, 3, 5), AttentionSpec.defaults().withImplementation(impl)).output();
            assertEquals(0, outL0.numel());
        }
    }

    @Test
    void errorsNameTheShapesAndTheRule() {
        Random r = new Random(1);
        HeedException e = assertThrows(HeedException.class, () -> Attention.compute(ctx, randn(r, 1, 3, 4, 8),
                randn(r, 1, 2, 4, 8), randn(r, 1, 2, 4, 8)));
        assertTrue(e.getMessage().contains("multiple"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Attention.compute(ctx, randn(r, 1, 2, 4, 8),
                randn(r, 1, 2, 4, 7), randn(r, 1, 2, 4, 8)));
        assertTrue(e.getMessage().contains("k[1, 2, 4, 7]"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Attention.compute(ctx, randn(r, 1, 2, 4, 8), randn(r, 1, 2, 5, 8),
                randn(r, 1, 2, 5, 8), AttentionSpec.defaults().withMask(randn(r, 3, 5))));
        assertTrue(e.getMessage().contains("broadcastable"), e.getMessage());
        e = assertThrows(HeedException.class, () -> Attention.compute(ctx, randn(r, 1, 2, 4, 8), randn(r, 1, 2, 5, 8),
                randn(r, 1, 2, 5, 8), AttentionSpec.defaults().withWindow(2).withImplementation(AttentionImpl.LINEAR)));
        assertTrue(e.getMessage().contains("expected one of"), e.getMessage());
    }
}
