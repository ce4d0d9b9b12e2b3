package dev.heed.attention;

import static dev.heed.attention.AttentionTest.randn;
import static dev.heed.attention.AttentionTest.relError;
import static org.junit.jupiter.api.Assertions.*;

import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.kernel.KernelCheck;
import dev.heed.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Linear attention, KV-cache decoding, multi-head attention and the self-checks. */
class LinearKvMhaTest {
    static final double LINEAR_TOLERANCE = AttentionChecks.LINEAR_TOLERANCE;
    static ExecutionContext ctx;

    @BeforeAll
    static void open() { ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2)); }

    @AfterAll
    static void close() { ctx.close(); }

    @Test
    void linearMatchesItsQuadraticForm() {
        Random r = new Random(21);
        int[][] cases = {{2, 4, 2, 9, 9, 7, 5}, {1, 3, 1, 13, 29, 16, 33}, {1, 2, 2, 30, 11, 64, 64}};
        for (int[] c : cases) {
            Tensor q = randn(r, c[0], c[1], c[3], c[5]), k = randn(r, c[0], c[2], c[4], c[5]), v = randn(r, c[0], c[2], c[4], c[6]);
            boolean[] pad = new boolean[c[0] * c[4]];
            for (int i = 0; i < pad.length; i++) pad[i] = r.nextDouble() > 0.25;
            for (CausalAlignment ca : CausalAlignment.values()) {
                for (Tensor mask : new Tensor[] {null, Tensor.ofBooleans(pad, c[0], 1, 1, c[4])}) {
                    AttentionSpec spec = AttentionSpec.defaults().withImplementation(AttentionImpl.LINEAR).withCausal(ca)
                            .withMask(mask).withCaptureWeights(true);
                    AttentionResult want = AttentionReference.compute(q, k, v, spec);
                    AttentionResult got = Attention.compute(ctx, q, k, v, spec);
                    String what = java.util.Arrays.toString(c) + " " + ca + " mask=" + (mask != null);
                    assertTrue(relError(got.output(), want.output()) <= LINEAR_TOLERANCE, what + ": " + relError(got.output(), want.output()));
                    assertTrue(relError(got.weights(), want.weights()) <= LINEAR_TOLERANCE, what + " weights");
                    AttentionProblem p = new AttentionProblem("t", q, k, v, spec);
                    if (ca == CausalAlignment.NONE) {
                        assertTrue(relError(LinearAttention.nonCausal(ctx, p, TileKernelsScalar.INSTANCE), want.output()) <= LINEAR_TOLERANCE);
                    }
                }
            }
        }
        // a pluggable feature map
        FeatureMap relu1 = FeatureMap.elementwise(x -> Math.max(x, 0) + 0.1);
        Tensor q = randn(r, 1, 2, 12, 8), k = randn(r, 1, 2, 12, 8), v = randn(r, 1, 2, 12, 8);
        AttentionSpec spec = AttentionSpec.defaults().withImplementation(AttentionImpl.LINEAR).withFeatureMap(relu1).withCausal(true);
        assertTrue(relError(Attention.compute(ctx, q, k, v, spec).output(), AttentionReference.compute(q, k, v, spec).output()) <= LINEAR_TOLERANCE);
    }

    @Test
    void streamingStateMatchesOneShotCausal() {
        Random r = new Random(22);
        int b = 2, hq = 4, hkv = 2, n = 50, e = 12, ev = 9;
        Tensor q = randn(r, b, hq, n, e), k = randn(r, b, hkv, n, e), v = randn(r, b, hkv, n, ev);
        Tensor full = Attention.compute(ctx, q, k, v, AttentionSpec.defaults().withImplementation(AttentionImpl.LINEAR)
                .withCausal(true)).output();
        LinearAttentionState st = new LinearAttentionState(b, hkv, e, ev, FeatureMap.ELU_PLUS_ONE);
        int[] chunks = {1, 7, 20, 1, 21};
        int at = 0;
        for (int c : chunks) {
            Tensor y = st.step(ctx, q.slice(2, at, at + c), k.slice(2, at, at + c), v.slice(2, at, at + c));
            assertTrue(relError(y, full.slice(2, at, at + c).contiguous()) <= LINEAR_TOLERANCE, "chunk at " + at);
            at += c;
        }
        assertEquals(n, st.position());
    }

    @Test
    void kvCacheDecodingEqualsFullCausalAttention() {
        Random r = new Random(23);
        int b = 2, hq = 6, hkv = 2, n = 37, e = 16, ev = 8, layers = 2;
        KvCache cache = new KvCache(layers, b, hkv, e, ev, 4); // small capacity: grows several times
        for (int layer = 0; layer < layers; layer++) {
            Tensor q = randn(r, b, hq, n, e), k = randn(r, b, hkv, n, e), v = randn(r, b, hkv, n, ev);
            Tensor full = AttentionReference.compute(q, k, v, AttentionSpec.defaults().withCausal(true)).output();
            // a prompt of 10 tokens at once, then one token per step, then a 3-token step
            int[] steps = new int[2 + n - 13];
            steps[0] = 10;
            for (int i = 1; i < steps.length - 1; i++) steps[i] = 1;
            steps[steps.length - 1] = 3;
            int at = 0;
            for (int st : steps) {
                cache.append(layer, k.slice(2, at, at + st), v.slice(2, at, at + st));
                for (AttentionImpl impl : new AttentionImpl[] {AttentionImpl.EXACT, AttentionImpl.FLASH}) {
                    Tensor y = cache.attend(ctx, layer, q.slice(2, at, at + st),
                            AttentionSpec.defaults().withCausal(CausalAlignment.BOTTOM_RIGHT).withImplementation(impl)).output();
                    assertTrue(relError(y, full.slice(2, at, at + st).contiguous()) <= AttentionTest.TOLERANCE, impl + " step at " + at);
                }
                at += st;
            }
            assertEquals(n, cache.length(layer));
        }
    }

    @Test
    void multiHeadAttentionMatchesAManualComposition() {
        Random r = new Random(24);
        int b = 2, l = 9, s = 14, dq = 20, dkv = 12, hq = 4, hkv = 2, e = 6, ev = 5, dout = 7;
        Tensor wq = randn(r, dq, hq * e), bq = randn(r, hq * e), wk = randn(r, dkv, hkv * e), bk = randn(r, hkv * e);
        Tensor wv = randn(r, dkv, hkv * ev), bv = randn(r, hkv * ev), wo = randn(r, hq * ev, dout), bo = randn(r, dout);
        MultiHeadAttention mha = new MultiHeadAttention(wq, bq, wk, bk, wv, bv, wo, bo, hq, hkv);
        Tensor xq = randn(r, b, l, dq), xkv = randn(r, b, s, dkv);
        AttentionSpec spec = AttentionSpec.defaults().withCaptureWeights(true);
        AttentionResult got = mha.forward(ctx, xq, xkv, spec);
        // manual: projections in double
        Tensor q = heads(linear(xq, wq, bq), b, l, hq, e), k = heads(linear(xkv, wk, bk), b, s, hkv, e), v = heads(linear(xkv, wv, bv), b, s, hkv, ev);
        AttentionResult att = AttentionReference.compute(q, k, v, spec);
        Tensor merged = att.output().permute(0, 2, 1, 3).contiguous().reshape(b, l, hq * ev);
        Tensor want = linear(merged, wo, bo);
        assertTrue(relError(got.output(), want) <= 1e-4, "mha " + relError(got.output(), want));
        assertTrue(relError(got.weights(), att.weights()) <= 1e-4);
        // self-attention shape
        MultiHeadAttention self = new MultiHeadAttention(randn(r, 16, 16), null, randn(r, 16, 16), null, randn(r, 16, 16), null,
                randn(r, 16, 16), null, 4, 4);
        assertArrayEquals(new int[] {1, 5, 16}, self.forward(ctx, randn(r, 1, 5, 16), AttentionSpec.defaults().withCausal(true)).output().shape().dims());
    }

    /** x [B, N, in] · w [in, out] + b in double. */
    static Tensor linear(Tensor x, Tensor w, Tensor b) {
        int bb = x.dim(0), n = x.dim(1), in = x.dim(2), out = w.dim(1);
        float[] xa = x.toFloatArray(), wa = w.toFloatArray(), ba = b.toFloatArray(), y = new float[bb * n * out];
        for (int i = 0; i < bb * n; i++) {
            for (int o = 0; o < out; o++) {
                double s = ba[o];
                for (int c = 0; c < in; c++) s += (double) xa[i * in + c] * wa[c * out + o];
                y[i * out + o] = (float) s;
            }
        }
        return Tensor.of(y, bb, n, out);
    }

    static Tensor heads(Tensor t, int b, int l, int h, int e) {
        return t.reshape(b, l, h, e).permute(0, 2, 1, 3).contiguous();
    }

    @Test
    void selfChecksPass() {
        for (KernelCheck c : AttentionChecks.selfCheck(ctx, 42)) {
            assertTrue(c.passed(), c.toString());
        }
    }

    @Test
    void scalarAndVectorTileKernelsAgree() {
        Random r = new Random(25);
        TileKernels vec = TileKernels.best(), sca = TileKernelsScalar.INSTANCE;
        for (int rows : new int[] {1, 3, 4, 7}) {
            for (int cols : new int[] {1, 15, 16, 33, 64, 70}) {
                int e = 19;
                float[] q = randn(r, rows, e).toFloatArray(), kt = randn(r, e, cols + 3).toFloatArray();
                float[] s1 = new float[rows * (cols + 1)], s2 = new float[rows * (cols + 1)];
                vec.scores(q, 0, e, rows, e, kt, 0, cols + 3, cols, s1, 0, cols + 1);
                sca.scores(q, 0, e, rows, e, kt, 0, cols + 3, cols, s2, 0, cols + 1);
                for (int i = 0; i < s1.length; i++) assertEquals(s2[i], s1[i], 1e-4);
                float[] o1 = new float[rows * cols], o2 = new float[rows * cols];
                float[] p = randn(r, rows, 11).toFloatArray(), vv = randn(r, 11, cols).toFloatArray();
                vec.accumulate(p, 0, 11, rows, 11, vv, 0, cols, cols, o1, 0, cols);
                sca.accumulate(p, 0, 11, rows, 11, vv, 0, cols, cols, o2, 0, cols);
                for (int i = 0; i < o1.length; i++) assertEquals(o2[i], o1[i], 1e-4);
                float[] a1 = s1.clone(), a2 = s1.clone();
                assertEquals(sca.max(a2, 0, cols), vec.max(a1, 0, cols));
                float m = sca.max(a2, 0, cols);
                assertEquals(sca.expSum(a2, 0, cols, m), vec.expSum(a1, 0, cols, m), 1e-4 * cols);
                for (int i = 0; i < cols; i++) assertEquals(a2[i], a1[i], 1e-6);
            }
        }
    }
}
