package dev.heed.attention;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import dev.heed.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The data movement around the attention kernels: the blocked key transpose (exact, element by element against
 * the naive loop), strided q/k/v views and broadcast (stride-0) masks, which must give bitwise the results of
 * their contiguous twins (same arithmetic, only the copies differ: tolerance 0).
 */
class AttentionDataMovementTest {
    static ExecutionContext ctx;

    @BeforeAll
    static void open() { ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2)); }

    @AfterAll
    static void close() { ctx.close(); }

    @Test
    void blockedTransposeEqualsTheNaiveLoop() {
        Random r = new Random(3);
        for (int e : new int[] {1, 7, 16, 64, 67}) {
            for (int w : new int[] {1, 15, 16, 17, 100}) {
                int sp = 5, ld = w + 3, dp = 9;
                float[] src = new float[sp + w * e + 4];
                for (int i = 0; i < src.length; i++) src[i] = (float) r.nextGaussian();
                float[] got = new float[dp + e * ld + 2], want = got.clone();
                java.util.Arrays.fill(got, 42f);
                java.util.Arrays.fill(want, 42f);
                AttentionProblem.transposeTile(src, sp, e, w, got, dp, ld);
                for (int j = 0; j < w; j++) for (int x = 0; x < e; x++) want[dp + x * ld + j] = src[sp + j * e + x];
                assertArrayEquals(want, got, "e=" + e + " w=" + w); // untouched cells keep 42
            }
        }
    }

    @Test
    void transposedKeysHoldEveryKeyOnceAndZerosPastS() {
        Random r = new Random(4);
        int b = 2, h = 3, s = 37, e = 19;
        Tensor k = AttentionTest.randn(r, b, s, h, e).permute(0, 2, 1, 3); // [B, H, S, E] view
        Tensor q = AttentionTest.randn(r, b, h, 5, e), v = AttentionTest.randn(r, b, h, s, 4);
        AttentionProblem p = new AttentionProblem("test", q, k, v, AttentionSpec.defaults());
        for (int bc : new int[] {16, 48}) {
            // the array comes from the context's scratch: leave garbage in it first, padding must still read 0
            float[] dirty = ctx.borrowFloats(b * h * ((s + bc - 1) / bc) * e * bc);
            Arrays.fill(dirty, Float.NaN);
            ctx.giveBack(dirty);
            float[] kt = p.transposedKeys(ctx, bc);
            assertSame(dirty, kt, "the scratch array is reused");
            int tiles = (s + bc - 1) / bc;
            for (int bi = 0; bi < b; bi++) for (int hi = 0; hi < h; hi++) for (int t = 0; t < tiles; t++) {
                int base = p.keyTileBase(bi, hi, t, bc);
                for (int x = 0; x < e; x++) for (int j = 0; j < bc; j++) {
                    int key = t * bc + j;
                    float want = key < s ? k.getFloat(bi, hi, key, x) : 0f;
                    assertEquals(want, kt[base + x * bc + j], "bc=" + bc + " b=" + bi + " h=" + hi + " key=" + key + " x=" + x);
                }
            }
            ctx.giveBack(kt);
        }
    }

    @Test
    void exactGivesItsScratchBackAndFlashNeedsNone() {
        Random r = new Random(8);
        Tensor q = AttentionTest.randn(r, 1, 2, 40, 16), k = AttentionTest.randn(r, 1, 2, 40, 16), v = AttentionTest.randn(r, 1, 2, 40, 16);
        try (ExecutionContext own = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2))) {
            // flash reads the keys in place (query-lane kernels): nothing of size S·E is borrowed
            Tensor flash = Attention.compute(own, q, k, v, AttentionSpec.defaults().withImplementation(AttentionImpl.FLASH)).output();
            assertEquals(0, own.scratchBytesKept(), "flash keeps no scratch in the context");
            AttentionSpec spec = AttentionSpec.defaults().withImplementation(AttentionImpl.EXACT);
            Tensor first = Attention.compute(own, q, k, v, spec).output();
            float[] kt = own.borrowFloats(1); // the smallest kept array that fits: the one the call gave back
            assertTrue(kt.length >= 2 * 40 * 16, "exact: transposed keys were given back, got " + kt.length);
            Arrays.fill(kt, Float.NaN); // whatever the next call finds in it must not matter
            own.giveBack(kt);
            assertArrayEquals(first.toFloatArray(), Attention.compute(own, q, k, v, spec).output().toFloatArray(),
                    "exact: same result with a dirty scratch array");
            assertTrue(AttentionTest.relError(flash, first) <= AttentionTest.TOLERANCE, "flash vs exact");
        }
    }

    @Test
    void computeIntoWritesTheSameNumbersIntoTheCallersTensor() {
        Random r = new Random(10);
        int b = 1, hq = 4, hkv = 2, l = 37, s = 41, e = 16, ev = 12;
        Tensor q = AttentionTest.randn(r, b, hq, l, e), k = AttentionTest.randn(r, b, hkv, s, e), v = AttentionTest.randn(r, b, hkv, s, ev);
        Tensor mask = AttentionTest.randn(r, b, 1, l, s);
        for (AttentionImpl impl : new AttentionImpl[] {AttentionImpl.EXACT, AttentionImpl.FLASH, AttentionImpl.LINEAR}) {
            for (boolean causal : new boolean[] {false, true}) {
                AttentionSpec spec = AttentionSpec.defaults().withImplementation(impl).withCausal(causal);
                if (impl != AttentionImpl.LINEAR) spec = spec.withMask(mask);
                float[] buf = new float[3 * hq * l * ev];
                Arrays.fill(buf, Float.NaN); // old contents must not leak into the result
                Tensor big = Tensor.of(buf, 3, hq, l, ev), out = big.slice(0, 1, 2); // an offset view
                AttentionResult got = Attention.computeInto(ctx, q, k, v, spec, out);
                assertSame(out, got.output(), "the result is the caller's tensor");
                String what = impl + " causal=" + causal;
                assertArrayEquals(Attention.compute(ctx, q, k, v, spec).output().toFloatArray(), out.toFloatArray(), what);
                for (int i = 0; i < hq * l * ev; i++) {
                    assertTrue(Float.isNaN(buf[i]) && Float.isNaN(buf[2 * hq * l * ev + i]), what + ": nothing outside out is written");
                }
            }
        }
        // no keys at all: every row is fully masked, so out becomes zeros whatever it held
        Tensor none = AttentionTest.randn(r, b, hkv, 0, e), noneV = AttentionTest.randn(r, b, hkv, 0, ev);
        for (AttentionImpl impl : new AttentionImpl[] {AttentionImpl.EXACT, AttentionImpl.FLASH}) {
            float[] buf = new float[b * hq * l * ev];
            Arrays.fill(buf, Float.NaN);
            Attention.computeInto(ctx, q, none, noneV, AttentionSpec.defaults().withImplementation(impl), Tensor.of(buf, b, hq, l, ev));
            for (float x : buf) assertEquals(0f, x, 0f, impl + ": S = 0 gives zeros");
        }
    }

    @Test
    void computeIntoRefusesAnOutputThatDoesNotFit() {
        Random r = new Random(11);
        Tensor q = AttentionTest.randn(r, 1, 2, 8, 4), k = AttentionTest.randn(r, 1, 2, 8, 4), v = AttentionTest.randn(r, 1, 2, 8, 4);
        AttentionSpec spec = AttentionSpec.defaults();
        HeedException shape = assertThrows(HeedException.class, () -> Attention.computeInto(ctx, q, k, v, spec, Tensor.zeros(dev.heed.tensor.DType.FLOAT32, 1, 2, 8, 5)));
        assertTrue(shape.getMessage().contains("out[1, 2, 8, 5]") && shape.getMessage().contains("[1, 2, 8, 4]"), shape.getMessage());
        HeedException strided = assertThrows(HeedException.class, () -> Attention.computeInto(ctx, q, k, v, spec,
                Tensor.zeros(dev.heed.tensor.DType.FLOAT32, 1, 8, 2, 4).permute(0, 2, 1, 3)));
        assertTrue(strided.getMessage().contains("contiguous"), strided.getMessage());
        HeedException dtype = assertThrows(HeedException.class, () -> Attention.computeInto(ctx, q, k, v, spec, Tensor.zeros(dev.heed.tensor.DType.INT64, 1, 2, 8, 4)));
        assertTrue(dtype.getMessage().contains("out dtype int64"), dtype.getMessage());
        HeedException alias = assertThrows(HeedException.class, () -> Attention.computeInto(ctx, q, k, v, spec, q));
        assertTrue(alias.getMessage().contains("share"), alias.getMessage());
    }

    @Test
    void queryBlocksShrinkOnlyToKeepEveryThreadBusy() {
        assertEquals(256, FlashAttention.queryBlock(12, 16384, 2));
        assertEquals(256, FlashAttention.queryBlock(12, 2048, 2));  // 96 tasks
        assertEquals(128, FlashAttention.queryBlock(1, 2048, 2));   // 16 tasks, not 8
        assertEquals(64, FlashAttention.queryBlock(12, 128, 2));    // all-MiniLM: 24 tasks of 64 rows
        assertEquals(64, FlashAttention.queryBlock(1, 100, 8));     // never below one group of 64 rows
        assertEquals(5, FlashAttention.queryBlock(1, 5, 1));        // never more than L
    }

    @Test
    void exactBlockingFollowsTheCaches() {
        // 48 KiB L1d, 2 MiB L2 (Sapphire Rapids), 4 × 16-lane vectors: key tiles [64, 64] of 16 KiB, and 64 rows of
        // 2048 scores (512 KiB, a quarter of L2); 32 rows at S = 4096
        assertEquals(64, ExactAttention.keyTile(64, 64, 2048, 48 * 1024, 64));
        assertEquals(64, ExactAttention.queryBlock(2048, 2L << 20));
        assertEquals(32, ExactAttention.queryBlock(4096, 2L << 20));
        // 32 KiB L1d, 1 MiB L2 with 8-lane vectors: tiles of 32 keys, 32 rows at S = 2048
        assertEquals(32, ExactAttention.keyTile(64, 64, 2048, 32 * 1024, 32));
        assertEquals(32, ExactAttention.queryBlock(2048, 1L << 20));
        // small heads take wider tiles, capped, and never wider than the padded keys
        assertEquals(512, ExactAttention.keyTile(8, 8, 4096, 48 * 1024, 64));
        assertEquals(48, ExactAttention.keyTile(8, 8, 40, 48 * 1024, 64));
        assertEquals(128, ExactAttention.keyTile(16, 32, 4096, 48 * 1024, 64)); // the wider of E and Ev counts
        // tiny caches: still one column block and one register group of rows; short rows: at most 64 rows
        assertEquals(64, ExactAttention.keyTile(64, 64, 2048, 1024, 64));
        assertEquals(4, ExactAttention.queryBlock(1 << 20, 1L << 20));
        assertEquals(64, ExactAttention.queryBlock(128, 2L << 20));
    }

    @Test
    void stridedViewsGiveBitwiseTheContiguousResult() {
        Random r = new Random(6);
        int b = 2, h = 4, l = 29, s = 29, e = 24;
        // the ONNX layout: projections [B, L, H·E] split into heads and transposed
        Tensor q = AttentionTest.randn(r, b, l, h * e).reshape(b, l, h, e).permute(0, 2, 1, 3);
        Tensor kT = AttentionTest.randn(r, b, s, h * e).reshape(b, s, h, e).permute(0, 2, 3, 1); // [B, H, E, S]
        Tensor k = kT.transpose(2, 3);                                                           // [B, H, S, E]
        Tensor v = AttentionTest.randn(r, b, s, h * e).reshape(b, s, h, e).permute(0, 2, 1, 3);
        for (AttentionImpl impl : new AttentionImpl[] {AttentionImpl.EXACT, AttentionImpl.FLASH, AttentionImpl.LINEAR}) {
            AttentionSpec spec = AttentionSpec.defaults().withImplementation(impl).withCaptureWeights(impl != AttentionImpl.LINEAR);
            AttentionResult got = Attention.compute(ctx, q, k, v, spec);
            AttentionResult want = Attention.compute(ctx, q.copy(), k.copy(), v.copy(), spec);
            assertArrayEquals(want.output().toFloatArray(), got.output().toFloatArray(), impl.toString());
            if (got.hasWeights()) assertArrayEquals(want.weights().toFloatArray(), got.weights().toFloatArray(), impl.toString());
        }
    }

    @Test
    void expandedMasksGiveBitwiseTheBroadcastResult() {
        Random r = new Random(8);
        int b = 2, h = 3, l = 6, s = 21, e = 8;
        Tensor q = AttentionTest.randn(r, b, h, l, e), k = AttentionTest.randn(r, b, h, s, e), v = AttentionTest.randn(r, b, h, s, e);
        float[] pad = new float[b * s];
        for (int i = 0; i < pad.length; i++) pad[i] = i % 5 == 0 ? Float.NEGATIVE_INFINITY : (float) r.nextGaussian();
        Tensor small = Tensor.of(pad, b, 1, 1, s);
        Tensor bias = AttentionTest.randn(r, 1, h, l, 1);
        Tensor[][] pairs = {
                {small, small.expand(b, h, l, s)},                       // key padding mask expanded over heads and queries
                {small, small.expand(b, 1, l, s)},
                {bias, bias.expand(b, h, l, s)},                         // broadcast along keys (stride 0 innermost)
                {small.reshape(b, s), small.reshape(b, s).unsqueeze(1).unsqueeze(1).expand(b, h, l, s)}};
        for (AttentionImpl impl : new AttentionImpl[] {AttentionImpl.EXACT, AttentionImpl.FLASH}) {
            for (Tensor[] pr : pairs) {
                Tensor m0 = pr[0].rank() == 2 ? pr[0].unsqueeze(1).unsqueeze(1) : pr[0];
                AttentionSpec spec = AttentionSpec.defaults().withImplementation(impl);
                float[] want = Attention.compute(ctx, q, k, v, spec.withMask(m0)).output().toFloatArray();
                float[] got = Attention.compute(ctx, q, k, v, spec.withMask(pr[1])).output().toFloatArray();
                float[] dense = Attention.compute(ctx, q, k, v, spec.withMask(pr[1].copy())).output().toFloatArray();
                assertArrayEquals(want, got, impl + " mask" + pr[1].shape());
                assertArrayEquals(dense, got, impl + " mask" + pr[1].shape() + " vs its dense copy");
            }
            // boolean masks broadcast the same way
            byte[] keep = new byte[s];
            for (int j = 0; j < s; j++) keep[j] = (byte) (j % 3 == 0 ? 0 : 1);
            Tensor bm = Tensor.ofBools(keep, 1, 1, 1, s);
            AttentionSpec spec = AttentionSpec.defaults().withImplementation(impl);
            assertArrayEquals(Attention.compute(ctx, q, k, v, spec.withMask(bm)).output().toFloatArray(),
                    Attention.compute(ctx, q, k, v, spec.withMask(bm.expand(b, h, l, s))).output().toFloatArray(), impl + " bool");
        }
    }

    @Test
    void anExpandedMaskOfTheWrongSizeIsStillRejected() {
        Random r = new Random(2);
        Tensor q = AttentionTest.randn(r, 1, 2, 5, 8), k = AttentionTest.randn(r, 1, 2, 9, 8), v = AttentionTest.randn(r, 1, 2, 9, 8);
        Tensor m = Tensor.of(new float[9], 1, 1, 1, 9).expand(1, 1, 7, 9); // L = 5, not 7
        HeedException ex = assertThrows(HeedException.class,
                () -> Attention.compute(ctx, q, k, v, AttentionSpec.defaults().withMask(m)));
        assertEquals(ErrorCode.SHAPE_MISMATCH, ex.code());
        assertTrue(ex.getMessage().contains("mask[1, 1, 7, 9]") && ex.getMessage().contains("axis 2"), ex.getMessage());
    }
}
