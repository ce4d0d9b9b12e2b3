package dev.heed.onnx;

import static dev.heed.onnx.Fixtures.i;
import static dev.heed.onnx.Fixtures.ints;
import static dev.heed.onnx.Fixtures.node;
import static dev.heed.onnx.Fixtures.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.ir.Attribute;
import dev.heed.onnx.ir.ElemType;
import dev.heed.onnx.ir.Graph;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ir.TensorData;
import dev.heed.onnx.ir.ValueInfo;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The NN layer ops on tiny graphs built in code, against float64 loops written out here: MatMul broadcasting and
 * 1-D promotion, Gemm transposes/alpha/beta/C broadcast, Conv auto_pad and groups, Softmax v11 vs v13, memory-mapped
 * weights, and the errors. Tolerance (float32 kernels vs float64): |got - want| <= 1e-5 · (1 + Σ|terms|) per element,
 * the GEMM/conv metric of heed-core; softmax 1e-6 absolute.
 */
class NnOpsTest {
    static final double TOL = 1e-5;

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static Map<String, Tensor> run(int opset, Node n, Map<String, Tensor> feeds, List<TensorData> inits, String... outs) {
        List<ValueInfo> ins = new java.util.ArrayList<>(feeds.keySet().stream().map(k -> new ValueInfo(k, null, null)).toList());
        for (TensorData t : inits) ins.add(new ValueInfo(t.name(), null, null));
        List<ValueInfo> os = Arrays.stream(outs).map(k -> new ValueInfo(k, null, null)).toList();
        Graph g = new Graph("test", List.of(n), ins, os, List.of(), inits);
        Model m = new Model(8, Map.of("", (long) opset), "test", "", "", 0, "", Map.of(), g);
        try (Session s = Session.open(m, SessionOptions.defaults().withExecution(new ExecutionOptions(2, 1 << 26)), OpRegistry.standard())) {
            return s.run(feeds);
        }
    }

    private static Map<String, Tensor> run(int opset, Node n, Map<String, Tensor> feeds, String... outs) {
        return run(opset, n, feeds, List.of(), outs);
    }

    private static Map<String, Tensor> feeds(Object... kv) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int k = 0; k < kv.length; k += 2) m.put((String) kv[k], (Tensor) kv[k + 1]);
        return m;
    }

    private static Tensor random(SplittableRandom rnd, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        float[] v = new float[n];
        for (int k = 0; k < n; k++) v[k] = (float) (rnd.nextDouble() * 2 - 1);
        return Tensor.of(v, dims);
    }

    private static Attribute f(String name, float v) {
        return Attribute.ofFloat(name, v);
    }

    /** |got - want| <= TOL · (1 + scale) element-wise, with scale the Σ|terms| of each output. */
    private static void assertClose(double[] want, double[] scale, Tensor got, String what) {
        float[] g = got.toFloatArray();
        assertEquals(want.length, g.length, what + ": element count");
        for (int k = 0; k < want.length; k++) {
            double err = Math.abs(g[k] - want[k]);
            assertTrue(err <= TOL * (1 + scale[k]), what + ": element " + k + " expected " + want[k] + " got " + g[k]);
        }
    }

    // ------------------------------------------------------------------------------------------- MatMul

    /** float64 numpy.matmul of a [..., M, K] and b [..., K, N] (both already ≥ 2-D), batch axes broadcast. */
    private static double[][] matmulRef(Tensor a, Tensor b, int[] outDims) {
        int r = outDims.length, m = outDims[r - 2], n = outDims[r - 1], k = a.dim(-1);
        Tensor ae = a.expand(withLast(outDims, m, k)), be = b.expand(withLast(outDims, k, n));
        int batches = 1;
        for (int d = 0; d < r - 2; d++) batches *= outDims[d];
        float[] av = ae.toFloatArray(), bv = be.toFloatArray();
        double[] y = new double[batches * m * n], sc = new double[y.length];
        for (int t = 0; t < batches; t++) {
            for (int row = 0; row < m; row++) {
                for (int col = 0; col < n; col++) {
                    double s = 0, abs = 0;
                    for (int p = 0; p < k; p++) {
                        double v = (double) av[(t * m + row) * k + p] * bv[(t * k + p) * n + col];
                        s += v;
                        abs += Math.abs(v);
                    }
                    y[(t * m + row) * n + col] = s;
                    sc[(t * m + row) * n + col] = abs;
                }
            }
        }
        return new double[][] {y, sc};
    }

    private static int[] withLast(int[] dims, int x, int y) {
        int[] d = dims.clone();
        d[d.length - 2] = x;
        d[d.length - 1] = y;
        return d;
    }

    @Test
    void matMulBroadcastsBatchAxes() {
        SplittableRandom rnd = new SplittableRandom(1);
        Tensor a = random(rnd, 2, 1, 3, 4), b = random(rnd, 3, 4, 5);
        Tensor y = run(13, node("MatMul", List.of("a", "b"), List.of("y")), feeds("a", a, "b", b), "y").get("y");
        assertArrayEquals(new int[] {2, 3, 3, 5}, y.shape().dims());
        double[][] ref = matmulRef(a, b, new int[] {2, 3, 3, 5});
        assertClose(ref[0], ref[1], y, "matmul [2,1,3,4]·[3,4,5]");
        // a shared 2-D weight under a 3-D activation (the linear-layer case: one folded GEMM)
        Tensor x = random(rnd, 2, 7, 33), w = random(rnd, 33, 17);
        Tensor z = run(13, node("MatMul", List.of("x", "w"), List.of("z")), feeds("x", x, "w", w), "z").get("z");
        double[][] rz = matmulRef(x, w, new int[] {2, 7, 17});
        assertClose(rz[0], rz[1], z, "matmul [2,7,33]·[33,17]");
    }

    @Test
    void matMulPromotesOneDimensionalOperandsAsNumpy() {
        SplittableRandom rnd = new SplittableRandom(2);
        Tensor v = random(rnd, 4), m = random(rnd, 4, 5), batch = random(rnd, 2, 3, 4), b3 = random(rnd, 2, 4, 5);
        Node mm = node("MatMul", List.of("a", "b"), List.of("y"));
        // [4] · [4, 5] -> [5]: a is [1, 4], the added axis removed
        Tensor y1 = run(13, mm, feeds("a", v, "b", m), "y").get("y");
        assertArrayEquals(new int[] {5}, y1.shape().dims());
        double[][] r1 = matmulRef(v.reshape(1, 4), m, new int[] {1, 5});
        assertClose(r1[0], r1[1], y1, "[4]·[4,5]");
        // [2, 3, 4] · [4] -> [2, 3]
        Tensor y2 = run(13, mm, feeds("a", batch, "b", v), "y").get("y");
        assertArrayEquals(new int[] {2, 3}, y2.shape().dims());
        double[][] r2 = matmulRef(batch, v.reshape(4, 1), new int[] {2, 3, 1});
        assertClose(r2[0], r2[1], y2, "[2,3,4]·[4]");
        // [4] · [2, 4, 5] -> [2, 5]
        Tensor y3 = run(13, mm, feeds("a", v, "b", b3), "y").get("y");
        assertArrayEquals(new int[] {2, 5}, y3.shape().dims());
        double[][] r3 = matmulRef(v.reshape(1, 4), b3, new int[] {2, 1, 5});
        assertClose(r3[0], r3[1], y3, "[4]·[2,4,5]");
        // [4] · [4] -> scalar
        Tensor y4 = run(9, mm, feeds("a", v, "b", v), "y").get("y");
        assertEquals(0, y4.rank());
        double dot = 0, abs = 0;
        for (float e : v.toFloatArray()) { dot += (double) e * e; abs += (double) e * e; }
        assertClose(new double[] {dot}, new double[] {abs}, y4, "[4]·[4]");
    }

    @Test
    void matMulMismatchNamesTheNodeAndBothShapes() {
        Node mm = new Node("encoder/MatMul_7", "MatMul", "", List.of("a", "b"), List.of("y"), Map.of());
        HeedException e = assertThrows(HeedException.class,
                () -> run(13, mm, feeds("a", Tensor.of(new float[6], 2, 3), "b", Tensor.of(new float[8], 4, 2)), "y"));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("encoder/MatMul_7") && e.getMessage().contains("A[2, 3]") && e.getMessage().contains("B[4, 2]")
                && e.getMessage().contains("A.dim(-1)=3 != B.dim(-2)=4"), e.getMessage());
        HeedException batch = assertThrows(HeedException.class,
                () -> run(13, mm, feeds("a", Tensor.of(new float[24], 2, 3, 4), "b", Tensor.of(new float[36], 3, 4, 3)), "y"));
        assertTrue(batch.getMessage().contains("do not broadcast") && batch.getMessage().contains("A[2, 3, 4]"), batch.getMessage());
        HeedException dt = assertThrows(HeedException.class,
                () -> run(13, mm, feeds("a", Tensor.ofLongs(new long[4], 2, 2), "b", Tensor.of(new float[4], 2, 2)), "y"));
        assertEquals(ErrorCode.DTYPE_MISMATCH, dt.code());
    }

    @Test
    void outputsOverTheMemoryLimitAreRefusedBeforeAllocation() {
        // [4097, 1] · [1, 4097] would need 4097² · 4 bytes > the 64 MiB limit of run()
        HeedException e = assertThrows(HeedException.class, () -> run(13, node("MatMul", List.of("a", "b"), List.of("y")),
                feeds("a", Tensor.of(new float[4097], 4097, 1), "b", Tensor.of(new float[4097], 1, 4097)), "y"));
        assertEquals(ErrorCode.MEMORY_LIMIT, e.code());
        HeedException c = assertThrows(HeedException.class, () -> run(11, node("Conv", List.of("x", "w"), List.of("y"), ints("pads", 3000, 3000, 3000, 3000)),
                feeds("x", Tensor.of(new float[4], 1, 1, 2, 2), "w", Tensor.of(new float[1], 1, 1, 1, 1)), "y"));
        assertEquals(ErrorCode.MEMORY_LIMIT, c.code());
    }

    @Test
    void memoryMappedWeightsAreReadCorrectlyOnEveryRun() {
        SplittableRandom rnd = new SplittableRandom(3);
        Tensor w = random(rnd, 6, 5);
        float[] wv = w.toFloatArray();
        byte[] bytes = new byte[wv.length * 4];
        MemorySegment seg = MemorySegment.ofArray(bytes);
        for (int k = 0; k < wv.length; k++) seg.setAtIndex(F32, k, wv[k]);
        // a read-only segment is what the reader maps; the op copies it to the heap once and reuses the copy
        TensorData init = new TensorData("w", ElemType.FLOAT, new long[] {6, 5}, new TensorData.Data.Raw(seg.asReadOnly()));
        Node mm = node("MatMul", List.of("x", "w"), List.of("y"));
        List<ValueInfo> ins = List.of(new ValueInfo("x", null, null), new ValueInfo("w", null, null));
        Graph g = new Graph("test", List.of(mm), ins, List.of(new ValueInfo("y", null, null)), List.of(), List.of(init));
        Model m = new Model(8, Map.of("", 13L), "test", "", "", 0, "", Map.of(), g);
        try (Session s = Session.open(m, SessionOptions.defaults(), OpRegistry.standard())) {
            for (int rep = 0; rep < 3; rep++) {
                Tensor x = random(rnd, 3, 6);
                double[][] ref = matmulRef(x, w, new int[] {3, 5});
                assertClose(ref[0], ref[1], s.run(Map.of("x", x)).get("y"), "mapped weight, run " + rep);
            }
        }
        // a writable segment fed by the caller may change between runs: never served from a stale copy
        MemorySegment live = Arena.ofAuto().allocate(4L * wv.length);
        Tensor x = random(rnd, 3, 6);
        Tensor wl = Tensor.ofSegment(live, DType.FLOAT32, 6, 5);
        Graph g2 = new Graph("test", List.of(mm), ins, List.of(new ValueInfo("y", null, null)), List.of(), List.of());
        Model m2 = new Model(8, Map.of("", 13L), "test", "", "", 0, "", Map.of(), g2);
        try (Session s = Session.open(m2, SessionOptions.defaults(), OpRegistry.standard())) {
            for (int rep = 0; rep < 2; rep++) {
                Tensor now = random(rnd, 6, 5);
                float[] nv = now.toFloatArray();
                for (int k = 0; k < nv.length; k++) live.setAtIndex(F32, k, nv[k]);
                double[][] ref = matmulRef(x, now, new int[] {3, 5});
                assertClose(ref[0], ref[1], s.run(Map.of("x", x, "w", wl)).get("y"), "writable segment, run " + rep);
            }
        }
    }

    /** A read-only little-endian float32 segment holding {@code t}, as the model reader maps an initializer. */
    private static TensorData mappedInit(String name, Tensor t) {
        float[] v = t.toFloatArray();
        MemorySegment seg = MemorySegment.ofArray(new byte[v.length * 4]);
        for (int k = 0; k < v.length; k++) seg.setAtIndex(F32, k, v[k]);
        long[] dims = Arrays.stream(t.shape().dims()).asLongStream().toArray();
        return new TensorData(name, ElemType.FLOAT, dims, new TensorData.Data.Raw(seg.asReadOnly()));
    }

    /** Runs {@code n} once with {@code w} fed as a heap input, then 3 times with it as a mapped initializer. */
    private static void assertMappedMatchesHeap(int opset, Node n, Map<String, Tensor> feeds, String wName, Tensor w,
                                                double[][] ref, String what) {
        Map<String, Tensor> heapFeeds = new LinkedHashMap<>(feeds);
        heapFeeds.put(wName, w);
        float[] heap = run(opset, n, heapFeeds, "y").get("y").toFloatArray();
        List<ValueInfo> ins = new java.util.ArrayList<>(feeds.keySet().stream().map(k -> new ValueInfo(k, null, null)).toList());
        ins.add(new ValueInfo(wName, null, null));
        Graph g = new Graph("test", List.of(n), ins, List.of(new ValueInfo("y", null, null)), List.of(), List.of(mappedInit(wName, w)));
        Model m = new Model(8, Map.of("", (long) opset), "test", "", "", 0, "", Map.of(), g);
        try (Session s = Session.open(m, SessionOptions.defaults().withExecution(new ExecutionOptions(2, 1 << 26)), OpRegistry.standard())) {
            for (int rep = 0; rep < 3; rep++) {
                Tensor y = s.run(feeds).get("y");
                assertClose(ref[0], ref[1], y, what + ", mapped run " + rep);
                // the packed GEMM is bitwise equal to the unpacked one (GemmTest), so the heap run must match exactly
                assertArrayEquals(heap, y.toFloatArray(), what + ": mapped (packed) run " + rep + " differs from the heap run");
            }
        }
    }

    @Test
    void mappedMatMulAndGemmWeightsArePackedOnceAndMatchTheHeapPath() {
        SplittableRandom rnd = new SplittableRandom(31);
        int k = 45, n = 70;                       // N spans 3 panels with a ragged tail, K odd
        Tensor w = random(rnd, k, n);
        for (int[] aDims : new int[][] {{2, 3, k}, {k}, {37, k}}) {
            Tensor a = random(rnd, aDims);
            Tensor a2 = aDims.length == 1 ? a.unsqueeze(0) : a;
            int[] outDims = a2.shape().dims().clone();
            outDims[outDims.length - 1] = n;
            double[][] ref = matmulRef(a2, w, outDims);
            assertMappedMatchesHeap(13, node("MatMul", List.of("a", "w"), List.of("y")), feeds("a", a), "w", w, ref,
                    "matmul a" + Arrays.toString(aDims));
        }
        int m = 21;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (float[] ab : new float[][] {{1f, 1f}, {0.5f, 2f}}) {
                    Tensor a = ta ? random(rnd, k, m) : random(rnd, m, k);
                    Tensor b = tb ? random(rnd, n, k) : random(rnd, k, n);
                    for (Tensor c : new Tensor[] {random(rnd, n), random(rnd, m, n)}) {
                        Node g = node("Gemm", List.of("a", "b", "c"), List.of("y"), i("transA", ta ? 1 : 0), i("transB", tb ? 1 : 0),
                                f("alpha", ab[0]), f("beta", ab[1]));
                        assertMappedMatchesHeap(13, g, feeds("a", a, "c", c), "b", b, gemmRef(a, ta, b, tb, c, ab[0], ab[1]),
                                "gemm transA=" + ta + " transB=" + tb + " C" + c.shape() + " alpha=" + ab[0] + " beta=" + ab[1]);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------- Gemm

    /** float64 alpha·op(A)·op(B) + beta·C (C broadcast to [M, N]; null = none). */
    private static double[][] gemmRef(Tensor a, boolean ta, Tensor b, boolean tb, Tensor c, double alpha, double beta) {
        Tensor oa = ta ? a.transpose(0, 1) : a, ob = tb ? b.transpose(0, 1) : b;
        int m = oa.dim(0), k = oa.dim(1), n = ob.dim(1);
        float[] av = oa.toFloatArray(), bv = ob.toFloatArray();
        float[] cv = c == null ? null : c.expand(m, n).toFloatArray();
        double[] y = new double[m * n], sc = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    double v = (double) av[i * k + p] * bv[p * n + j];
                    s += v;
                    abs += Math.abs(v);
                }
                double cc = cv == null ? 0 : beta * cv[i * n + j];
                y[i * n + j] = alpha * s + cc;
                sc[i * n + j] = Math.abs(alpha) * abs + Math.abs(cc);
            }
        }
        return new double[][] {y, sc};
    }

    @Test
    void gemmTransposesAlphaBetaAndBroadcastC() {
        SplittableRandom rnd = new SplittableRandom(4);
        int m = 5, k = 7, n = 6;
        List<int[]> cShapes = List.of(new int[] {n}, new int[] {1, n}, new int[] {m, 1}, new int[] {m, n}, new int[] {}, new int[] {1});
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (int[] cs : cShapes) {
                    for (float[] ab : new float[][] {{1f, 1f}, {0.5f, 2f}, {1f, -0.25f}}) {
                        Tensor a = ta ? random(rnd, k, m) : random(rnd, m, k);
                        Tensor b = tb ? random(rnd, n, k) : random(rnd, k, n);
                        Tensor c = random(rnd, cs);
                        Node g = node("Gemm", List.of("a", "b", "c"), List.of("y"), i("transA", ta ? 1 : 0), i("transB", tb ? 1 : 0),
                                f("alpha", ab[0]), f("beta", ab[1]));
                        Tensor y = run(13, g, feeds("a", a, "b", b, "c", c), "y").get("y");
                        assertArrayEquals(new int[] {m, n}, y.shape().dims());
                        double[][] ref = gemmRef(a, ta, b, tb, c, ab[0], ab[1]);
                        assertClose(ref[0], ref[1], y, "gemm transA=" + ta + " transB=" + tb + " C" + Arrays.toString(cs)
                                + " alpha=" + ab[0] + " beta=" + ab[1]);
                    }
                }
            }
        }
    }

    @Test
    void gemmReadsTransposedViewsAndRunsWithoutC() {
        SplittableRandom rnd = new SplittableRandom(5);
        Tensor base = random(rnd, 9, 4);
        Tensor at = base.transpose(0, 1);          // [4, 9] view with strides [1, 4]
        Tensor b = random(rnd, 9, 3);
        Tensor y = run(11, node("Gemm", List.of("a", "b"), List.of("y"), f("alpha", 2f)), feeds("a", at, "b", b), "y").get("y");
        double[][] ref = gemmRef(at.contiguous(), false, b, false, null, 2, 0);
        assertClose(ref[0], ref[1], y, "gemm on a transposed view, no C");
        HeedException e = assertThrows(HeedException.class,
                () -> run(13, node("Gemm", List.of("a", "b", "c"), List.of("y")),
                        feeds("a", random(rnd, 2, 3), "b", random(rnd, 3, 4), "c", random(rnd, 3, 4)), "y"));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("gemm_0") && e.getMessage().contains("C[3, 4]") && e.getMessage().contains("[M, N] = [2, 4]"), e.getMessage());
        HeedException inner = assertThrows(HeedException.class,
                () -> run(13, node("Gemm", List.of("a", "b"), List.of("y"), i("transB", 1)),
                        feeds("a", random(rnd, 2, 3), "b", random(rnd, 3, 4)), "y"));
        assertTrue(inner.getMessage().contains("A[2, 3]") && inner.getMessage().contains("B[3, 4]ᵀ"), inner.getMessage());
    }

    // ------------------------------------------------------------------------------------------- Conv

    /** float64 NCHW conv with explicit pads [top, left, bottom, right] (the oracle; x [N, C, H, W], w [M, C/g, kH, kW]). */
    private static double[][] convRef(Tensor x, Tensor w, Tensor bias, int[] stride, int[] pads, int[] dil, int g, int oh, int ow) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3), m = w.dim(0), kh = w.dim(2), kw = w.dim(3);
        int cg = c / g, mg = m / g;
        float[] xv = x.toFloatArray(), wv = w.toFloatArray(), bv = bias == null ? null : bias.toFloatArray();
        double[] y = new double[n * m * oh * ow], sc = new double[y.length];
        for (int b = 0; b < n; b++) for (int co = 0; co < m; co++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) {
            int grp = co / mg;
            double s = bv == null ? 0 : bv[co], abs = bv == null ? 0 : Math.abs(bv[co]);
            for (int ci = 0; ci < cg; ci++) for (int ky = 0; ky < kh; ky++) for (int kx = 0; kx < kw; kx++) {
                int iy = oy * stride[0] - pads[0] + ky * dil[0], ix = ox * stride[1] - pads[1] + kx * dil[1];
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                double v = (double) xv[((b * c + grp * cg + ci) * h + iy) * wd + ix] * wv[((co * cg + ci) * kh + ky) * kw + kx];
                s += v;
                abs += Math.abs(v);
            }
            int at = ((b * m + co) * oh + oy) * ow + ox;
            y[at] = s;
            sc[at] = abs;
        }
        return new double[][] {y, sc};
    }

    @Test
    void convAutoPadMatchesExplicitPads() {
        SplittableRandom rnd = new SplittableRandom(6);
        Tensor x = random(rnd, 1, 3, 8, 7), w = random(rnd, 4, 3, 4, 3), bias = random(rnd, 4);
        // stride 2, even kernel height: SAME needs total pads H: (4-1)·2 + 4 - 8 = 2, W: (4-1)·2 + 3 - 7 = 2; odd splits differ
        int[] stride = {2, 2}, dil = {1, 1};
        for (String mode : new String[] {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
            Node c = node("Conv", List.of("x", "w", "b"), List.of("y"), s("auto_pad", mode), ints("strides", 2, 2));
            Tensor y = run(11, c, feeds("x", x, "w", w, "b", bias), "y").get("y");
            int[] pads;
            int oh, ow;
            if (mode.equals("VALID")) {
                pads = new int[] {0, 0, 0, 0};
                oh = (8 - 4) / 2 + 1;
                ow = (7 - 3) / 2 + 1;
            } else {
                pads = new int[] {1, 1, 1, 1};   // totals 2 and 2: even, same split for both modes
                oh = 4;
                ow = 4;
            }
            assertArrayEquals(new int[] {1, 4, oh, ow}, y.shape().dims(), mode);
            double[][] ref = convRef(x, w, bias, stride, pads, dil, 1, oh, ow);
            assertClose(ref[0], ref[1], y, "conv auto_pad " + mode);
        }
        // stride 1, kernel 4x2: totals 3 and 1 are odd, SAME_UPPER puts the extra pad at the end, SAME_LOWER at the start
        Tensor w2 = random(rnd, 2, 3, 4, 2);
        for (String mode : new String[] {"SAME_UPPER", "SAME_LOWER"}) {
            Tensor y = run(11, node("Conv", List.of("x", "w"), List.of("y"), s("auto_pad", mode)), feeds("x", x, "w", w2), "y").get("y");
            int[] pads = mode.equals("SAME_UPPER") ? new int[] {1, 0, 2, 1} : new int[] {2, 1, 1, 0};
            assertArrayEquals(new int[] {1, 2, 8, 7}, y.shape().dims(), mode);
            double[][] ref = convRef(x, w2, null, new int[] {1, 1}, pads, dil, 1, 8, 7);
            assertClose(ref[0], ref[1], y, "conv odd auto_pad " + mode);
        }
        // explicit asymmetric pads with dilation
        Node c = node("Conv", List.of("x", "w"), List.of("y"), ints("pads", 0, 2, 1, 0), ints("dilations", 2, 1), ints("kernel_shape", 4, 2));
        Tensor y = run(1, c, feeds("x", x, "w", w2), "y").get("y");
        int oh = (8 + 1 - 7) + 1, ow = (7 + 2 - 2) + 1;
        double[][] ref = convRef(x, w2, null, new int[] {1, 1}, new int[] {0, 2, 1, 0}, new int[] {2, 1}, 1, oh, ow);
        assertClose(ref[0], ref[1], y, "conv explicit pads, dilation 2");
    }

    @Test
    void convGroupsDepthwiseAndOneDimensional() {
        SplittableRandom rnd = new SplittableRandom(7);
        Tensor x = random(rnd, 2, 6, 9, 9);
        // grouped: 3 groups of 2 input channels, 4 output channels each
        Tensor wg = random(rnd, 12, 2, 3, 3), bg = random(rnd, 12);
        Tensor yg = run(11, node("Conv", List.of("x", "w", "b"), List.of("y"), i("group", 3), ints("pads", 1, 1, 1, 1)),
                feeds("x", x, "w", wg, "b", bg), "y").get("y");
        double[][] rg = convRef(x, wg, bg, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 3, 9, 9);
        assertClose(rg[0], rg[1], yg, "grouped conv g=3");
        // depthwise, stride 2
        Tensor wd = random(rnd, 6, 1, 3, 3);
        Tensor yd = run(11, node("Conv", List.of("x", "w"), List.of("y"), i("group", 6), ints("strides", 2, 2)),
                feeds("x", x, "w", wd), "y").get("y");
        double[][] rd = convRef(x, wd, null, new int[] {2, 2}, new int[] {0, 0, 0, 0}, new int[] {1, 1}, 6, 4, 4);
        assertClose(rd[0], rd[1], yd, "depthwise conv stride 2");
        // 1-D: [N, C, L] runs as H = 1
        Tensor x1 = random(rnd, 2, 3, 10), w1 = random(rnd, 5, 3, 3);
        Tensor y1 = run(11, node("Conv", List.of("x", "w"), List.of("y"), ints("pads", 2, 1), ints("strides", 2), ints("dilations", 2)),
                feeds("x", x1, "w", w1), "y").get("y");
        int ol = (10 + 3 - 5) / 2 + 1;
        assertArrayEquals(new int[] {2, 5, ol}, y1.shape().dims());
        double[][] r1 = convRef(x1.reshape(2, 3, 1, 10), w1.reshape(5, 3, 1, 3), null, new int[] {1, 2}, new int[] {0, 2, 0, 1},
                new int[] {1, 2}, 1, 1, ol);
        assertClose(r1[0], r1[1], y1, "1-D conv");
    }

    @Test
    void patchifyingConvIsOneGemm() {
        SplittableRandom rnd = new SplittableRandom(10);
        // stride = kernel, no padding: the ViT stem path; 9x13 leaves a remainder the windows never reach
        for (int[] hw : new int[][] {{8, 12}, {9, 13}}) {
            Tensor x = random(rnd, 2, 3, hw[0], hw[1]), w = random(rnd, 5, 3, 4, 4), b = random(rnd, 5);
            Tensor y = run(11, node("Conv", List.of("x", "w", "b"), List.of("y"), ints("strides", 4, 4), ints("kernel_shape", 4, 4)),
                    feeds("x", x, "w", w, "b", b), "y").get("y");
            int oh = hw[0] / 4, ow = hw[1] / 4;
            assertArrayEquals(new int[] {2, 5, oh, ow}, y.shape().dims());
            double[][] ref = convRef(x, w, b, new int[] {4, 4}, new int[] {0, 0, 0, 0}, new int[] {1, 1}, 1, oh, ow);
            assertClose(ref[0], ref[1], y, "patch conv " + Arrays.toString(hw));
        }
        Tensor x1 = random(rnd, 1, 2, 10), w1 = random(rnd, 3, 2, 5);
        Tensor y1 = run(11, node("Conv", List.of("x", "w"), List.of("y"), ints("strides", 5)), feeds("x", x1, "w", w1), "y").get("y");
        double[][] r1 = convRef(x1.reshape(1, 2, 1, 10), w1.reshape(3, 2, 1, 5), null, new int[] {1, 5}, new int[4], new int[] {1, 1}, 1, 1, 2);
        assertClose(r1[0], r1[1], y1, "1-D patch conv");
    }

    @Test
    void convErrorsNameTheNodeAndShapes() {
        Node c = node("Conv", List.of("x", "w"), List.of("y"), i("group", 2));
        HeedException ch = assertThrows(HeedException.class,
                () -> run(11, c, feeds("x", Tensor.of(new float[2 * 6 * 16], 2, 6, 4, 4), "w", Tensor.of(new float[4 * 2 * 9], 4, 2, 3, 3)), "y"));
        assertEquals(ErrorCode.SHAPE_MISMATCH, ch.code());
        assertTrue(ch.getMessage().contains("conv_0") && ch.getMessage().contains("X[2, 6, 4, 4]") && ch.getMessage().contains("W[4, 2, 3, 3]")
                && ch.getMessage().contains("C=6"), ch.getMessage());
        HeedException three = assertThrows(HeedException.class,
                () -> run(11, node("Conv", List.of("x", "w"), List.of("y")),
                        feeds("x", Tensor.of(new float[8], 1, 1, 2, 2, 2), "w", Tensor.of(new float[1], 1, 1, 1, 1, 1)), "y"));
        assertEquals(ErrorCode.UNSUPPORTED, three.code());
        assertTrue(three.getMessage().contains("3-D convolution"), three.getMessage());
        HeedException ks = assertThrows(HeedException.class,
                () -> run(11, node("Conv", List.of("x", "w"), List.of("y"), ints("kernel_shape", 2, 2)),
                        feeds("x", Tensor.of(new float[16], 1, 1, 4, 4), "w", Tensor.of(new float[9], 1, 1, 3, 3)), "y"));
        assertTrue(ks.getMessage().contains("kernel_shape [2, 2]"), ks.getMessage());
    }

    // ------------------------------------------------------------------------------------------- Softmax

    @Test
    void softmaxOpset11CoercesTo2dWhileOpset13UsesOneAxis() {
        SplittableRandom rnd = new SplittableRandom(8);
        Tensor x = random(rnd, 2, 3, 4);
        float[] xv = x.toFloatArray();
        Node sm = node("Softmax", List.of("x"), List.of("y"), i("axis", 1));
        // opset 11, axis 1: each of the 2 rows of 12 (axes 1 and 2 together) sums to 1
        float[] y11 = run(11, sm, feeds("x", x), "y").get("y").toFloatArray();
        for (int b = 0; b < 2; b++) {
            double sum = 0;
            for (int k = 0; k < 12; k++) sum += Math.exp(xv[b * 12 + k]);
            for (int k = 0; k < 12; k++) assertEquals(Math.exp(xv[b * 12 + k]) / sum, y11[b * 12 + k], 1e-6, "v11 element " + (b * 12 + k));
        }
        // opset 13, axis 1: each of the 8 columns of 3 sums to 1
        float[] y13 = run(13, sm, feeds("x", x), "y").get("y").toFloatArray();
        for (int b = 0; b < 2; b++) for (int j = 0; j < 4; j++) {
            double sum = 0;
            for (int c = 0; c < 3; c++) sum += Math.exp(xv[(b * 3 + c) * 4 + j]);
            for (int c = 0; c < 3; c++) {
                int at = (b * 3 + c) * 4 + j;
                assertEquals(Math.exp(xv[at]) / sum, y13[at], 1e-6, "v13 element " + at);
            }
        }
        // defaults: v11 axis 1 (rows of 12 again), v13 axis -1 (rows of 4); LogSoftmax follows the same rule
        Node def = node("LogSoftmax", List.of("x"), List.of("y"));
        float[] l11 = run(11, def, feeds("x", x), "y").get("y").toFloatArray();
        float[] l13 = run(13, def, feeds("x", x), "y").get("y").toFloatArray();
        for (int r = 0; r < 2; r++) {
            double sum = 0;
            for (int k = 0; k < 12; k++) sum += Math.exp(xv[r * 12 + k]);
            assertEquals(xv[r * 12] - Math.log(sum), l11[r * 12], 1e-6, "log-softmax v11 default axis");
        }
        for (int r = 0; r < 6; r++) {
            double sum = 0;
            for (int k = 0; k < 4; k++) sum += Math.exp(xv[r * 4 + k]);
            assertEquals(xv[r * 4 + 3] - Math.log(sum), l13[r * 4 + 3], 1e-6, "log-softmax v13 default axis");
        }
        // Hardmax v13 along axis 0 and v11 coerced at axis 0 (one max over all 24)
        float[] h13 = run(13, node("Hardmax", List.of("x"), List.of("y"), i("axis", 0)), feeds("x", x), "y").get("y").toFloatArray();
        for (int k = 0; k < 12; k++) assertEquals(xv[k] >= xv[12 + k] ? 1f : 0f, h13[k], "hardmax v13 element " + k);
        float[] h11 = run(11, node("Hardmax", List.of("x"), List.of("y"), i("axis", 0)), feeds("x", x), "y").get("y").toFloatArray();
        int best = 0;
        for (int k = 1; k < 24; k++) if (xv[k] > xv[best]) best = k;
        for (int k = 0; k < 24; k++) assertEquals(k == best ? 1f : 0f, h11[k], "hardmax v11 element " + k);
    }

    // ------------------------------------------------------------------------------------------- others

    @Test
    void dropoutIsIdentityWithAnAllTrueMaskAndRefusesRandomTraining() {
        Tensor x = Tensor.of(new float[] {1, -2, 3, 4}, 2, 2);
        Map<String, Tensor> out = run(13, node("Dropout", List.of("x", "r"), List.of("y", "m")),
                feeds("x", x, "r", Tensor.scalar(0.3f)), "y", "m");
        assertArrayEquals(x.toFloatArray(), out.get("y").toFloatArray());
        assertEquals(DType.BOOL, out.get("m").dtype());
        assertArrayEquals(new long[] {1, 1, 1, 1}, out.get("m").toLongArray());
        HeedException e = assertThrows(HeedException.class, () -> run(13, node("Dropout", List.of("x", "r", "t"), List.of("y")),
                feeds("x", x, "r", Tensor.scalar(0.3f), "t", Tensor.ofBooleans(new boolean[] {true})), "y"));
        assertEquals(ErrorCode.UNSUPPORTED, e.code());
    }

    @Test
    void layerNormStatisticsOutputs() {
        SplittableRandom rnd = new SplittableRandom(9);
        Tensor x = random(rnd, 2, 3, 5), scale = random(rnd, 3, 5), bias = random(rnd, 5);
        Map<String, Tensor> out = run(17, node("LayerNormalization", List.of("x", "s", "b"), List.of("y", "mean", "inv"), i("axis", 1),
                f("epsilon", 1e-3f)), feeds("x", x, "s", scale, "b", bias), "y", "mean", "inv");
        assertArrayEquals(new int[] {2, 1, 1}, out.get("mean").shape().dims());
        float[] xv = x.toFloatArray(), sv = scale.toFloatArray(), bv = bias.toFloatArray();
        float[] y = out.get("y").toFloatArray();
        for (int r = 0; r < 2; r++) {
            double mu = 0, var = 0;
            for (int k = 0; k < 15; k++) mu += xv[r * 15 + k];
            mu /= 15;
            for (int k = 0; k < 15; k++) var += (xv[r * 15 + k] - mu) * (xv[r * 15 + k] - mu);
            double inv = 1 / Math.sqrt(var / 15 + 1e-3);
            assertEquals(mu, out.get("mean").toFloatArray()[r], 1e-6);
            assertEquals(inv, out.get("inv").toFloatArray()[r], 1e-5 * inv);
            for (int k = 0; k < 15; k++) {
                double want = (xv[r * 15 + k] - mu) * inv * sv[k] + bv[k % 5];
                assertEquals(want, y[r * 15 + k], 1e-5 * (1 + Math.abs(want)), "layer norm element " + (r * 15 + k));
            }
        }
    }

    @Test
    void lpNormalizationDividesByTheNormAlongTheAxis() {
        Tensor x = Tensor.of(new float[] {3, 4, 0, -1, 0, 0}, 2, 3);
        float[] l2 = run(1, node("LpNormalization", List.of("x"), List.of("y")), feeds("x", x), "y").get("y").toFloatArray();
        assertArrayEquals(new float[] {0.6f, 0.8f, 0f, -1f, 0f, 0f}, l2, 1e-7f);
        float[] l1 = run(1, node("LpNormalization", List.of("x"), List.of("y"), i("axis", 0), i("p", 1)), feeds("x", x), "y").get("y").toFloatArray();
        assertArrayEquals(new float[] {0.75f, 1f, 0f, -0.25f, 0f, 0f}, l1, 1e-7f);   // the all-zero column stays zero
        HeedException e = assertThrows(HeedException.class,
                () -> run(1, node("LpNormalization", List.of("x"), List.of("y"), i("p", 3)), feeds("x", x), "y"));
        assertEquals(ErrorCode.UNSUPPORTED, e.code());
    }
}
