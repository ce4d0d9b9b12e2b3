package dev.heed.onnx;

import static dev.heed.onnx.GraphFusionTest.model;
import static dev.heed.onnx.GraphFusionTest.n;
import static dev.heed.onnx.GraphFusionTest.random;
import static dev.heed.onnx.Fixtures.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.ir.Attribute;
import dev.heed.onnx.ir.ElemType;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.onnx.PassReport;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The open pipeline (compile → optimise → plan → run): per-pass reports, per-run options (profile, attention
 * capture, capture of named values) on one shared Session, and constant folding that leaves failing nodes to the run.
 */
class SessionPipelineTest {
    /** Largest |heed − float64| allowed for softmax probabilities over 5 keys. */
    static final double PROB_TOL = 1e-6;
    static final float SCALE = (float) Math.sqrt(8);
    /**
     * |difference| allowed between two runs of one input on one Session: float rounding can change while the JIT
     * moves a kernel to its next tier (seen on all-MiniLM-L6-v2: up to ~1e-6 in probabilities), so runs agree to rounding, not bit for bit.
     */
    static final double SAME_RUN_TOL = 1e-5;

    static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        double err = 0;
        for (int i = 0; i < want.length; i++) err = Math.max(err, Math.abs(want[i] - got[i]));
        assertTrue(err <= SAME_RUN_TOL, what + ": max |difference| " + err + " > " + SAME_RUN_TOL);
    }

    /** softmax(q·kᵀ / √8 + mask) · v as PyTorch exports it: q [1, 2, 4, 8], k [1, 2, 5, 8], v [1, 2, 5, 3], mask [1, 1, 1, 5]. */
    static Model attentionModel() {
        return attentionModel(13, n("Softmax", "p", "s3"));
    }

    static Model attentionModel(int opset, Node softmax) {
        List<Node> nodes = List.of(
                new Node("kt", "Transpose", "", List.of("k"), List.of("kt"), Map.of("perm", Fixtures.ints("perm", 0, 1, 3, 2))),
                n("MatMul", "s", "q", "kt"), n("Div", "s2", "s", "scale"), n("Add", "s3", "s2", "mask"),
                softmax, n("MatMul", "y", "p", "v"));
        return model(opset, nodes, List.of(value("q", ElemType.FLOAT, 1, 2, 4, 8), value("k", ElemType.FLOAT, 1, 2, 5, 8),
                value("v", ElemType.FLOAT, 1, 2, 5, 3), value("mask", ElemType.FLOAT, 1, 1, 1, 5)), List.of("y"),
                Map.of("scale", Tensor.of(new float[] {SCALE})));
    }

    static Map<String, Tensor> attentionFeeds(long seed) {
        Map<String, Tensor> f = new LinkedHashMap<>();
        f.put("q", random(seed, 1, 2, 4, 8));
        f.put("k", random(seed + 1, 1, 2, 5, 8));
        f.put("v", random(seed + 2, 1, 2, 5, 3));
        f.put("mask", Tensor.of(new float[] {0, 0, 0, -1e4f, -1e4f}, 1, 1, 1, 5));
        return f;
    }

    static SessionOptions options() {
        return SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(2));
    }

    /** float64 softmax(q·kᵀ / √8 + mask) [1, 2, 4, 5]. */
    static double[] probabilities(Map<String, Tensor> f) {
        float[] q = f.get("q").toFloatArray(), k = f.get("k").toFloatArray(), m = f.get("mask").toFloatArray();
        double[] p = new double[2 * 4 * 5];
        for (int h = 0; h < 2; h++) {
            for (int i = 0; i < 4; i++) {
                double[] row = new double[5];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < 5; j++) {
                    double d = 0;
                    for (int e = 0; e < 8; e++) d += (double) q[(h * 4 + i) * 8 + e] * k[(h * 5 + j) * 8 + e];
                    row[j] = d / SCALE + m[j];
                    max = Math.max(max, row[j]);
                }
                for (int j = 0; j < 5; j++) sum += row[j] = Math.exp(row[j] - max);
                for (int j = 0; j < 5; j++) p[(h * 4 + i) * 5 + j] = row[j] / sum;
            }
        }
        return p;
    }

    @Test
    void everyPassReportsWhatItDid() {
        try (Session s = Session.open(attentionModel(), options(), OpRegistry.standard())) {
            assertEquals(List.of("dead-nodes", "fold-constants", "dead-nodes", "attention", "gelu", "layer-norm", "bias-activation",
                            "conv-activation",
                            "quantized-linear"),
                    s.optimization().stream().map(PassReport::pass).toList());
            PassReport attention = s.optimization().get(3);
            assertEquals(new PassReport("attention", 6, 2, Map.of("attention", 1)), attention, attention.toString());
            assertEquals(List.of("p"), s.fusedAttention());
            assertEquals(2, s.plannedNodes());
            assertEquals(Map.of(), s.graphFusions());
        }
        try (Session s = Session.open(attentionModel(), options().withAttentionFusion(false).withGraphFusion(false)
                .withConstantFolding(false), OpRegistry.standard())) {
            assertEquals(List.of(new PassReport("dead-nodes", 6, 6, Map.of())), s.optimization());
            assertEquals(List.of(), s.fusedAttention());
            assertEquals(6, s.plannedNodes());
        }
    }

    @Test
    void anOpset11SoftmaxOverTheLastAxisFuses() {
        // before opset 13 Softmax flattens from `axis` on; PyTorch writes axis = 3 for [B, H, L, S] scores
        Map<String, Tensor> f = attentionFeeds(21);
        Node last = new Node("p", "Softmax", "", List.of("s3"), List.of("p"), Map.of("axis", Fixtures.i("axis", 3)));
        Node lastTwo = new Node("p", "Softmax", "", List.of("s3"), List.of("p"), Map.of("axis", Fixtures.i("axis", 2)));
        try (Session s13 = Session.open(attentionModel(), options(), OpRegistry.standard());
             Session s11 = Session.open(attentionModel(11, last), options(), OpRegistry.standard());
             Session flat = Session.open(attentionModel(11, lastTwo), options(), OpRegistry.standard())) {
            assertEquals(List.of("p"), s11.fusedAttention());
            assertClose(s13.run(f).get("y").toFloatArray(), s11.run(f).get("y").toFloatArray(), "opset 11 vs 13");
            assertEquals(List.of(), flat.fusedAttention(), "axis 2 normalises over L·S together: not attention");
        }
    }

    /** {@link #attentionModel}'s scores masked by {@code mask} (Where or Add) instead of an additive Add after the scale. */
    static Model maskedModel(Node mask, Node scale, float fill) {
        List<Node> nodes = List.of(
                new Node("kt", "Transpose", "", List.of("k"), List.of("kt"), Map.of("perm", Fixtures.ints("perm", 0, 1, 3, 2))),
                n("MatMul", "s", "q", "kt"), scale, mask, n("Softmax", "p", "s3"), n("MatMul", "y", "p", "v"));
        return model(13, nodes, List.of(value("q", ElemType.FLOAT, 1, 2, 4, 8), value("k", ElemType.FLOAT, 1, 2, 5, 8),
                value("v", ElemType.FLOAT, 1, 2, 5, 3), value("c", ElemType.BOOL, 1, 1, 4, 5), value("mask", ElemType.FLOAT, 1, 1, 1, 5)),
                List.of("y"), Map.of("scale", Tensor.of(new float[] {SCALE}), "fill", Tensor.of(new float[] {fill})));
    }

    /** q, k, v, an additive key mask and a boolean mask [1, 1, 4, 5] whose last query row sees no key. */
    static Map<String, Tensor> maskedFeeds(long seed, boolean attendWhen) {
        Map<String, Tensor> f = new LinkedHashMap<>(attentionFeeds(seed));
        boolean[] c = new boolean[20];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 5; j++) c[i * 5 + j] = (j <= i + 1) == attendWhen;
        for (int j = 0; j < 5; j++) c[15 + j] = !attendWhen;
        f.put("c", Tensor.ofBooleans(c, 1, 1, 4, 5));
        return f;
    }

    @Test
    void aWhereMaskFusesAndMatchesTheUnfusedGraph() {
        Node div = n("Div", "s2", "s", "scale");
        for (boolean keepTrue : new boolean[] {true, false}) {
            Node where = keepTrue ? n("Where", "s3", "c", "s2", "fill") : n("Where", "s3", "c", "fill", "s2");
            Model m = maskedModel(where, div, -Float.MAX_VALUE);
            Map<String, Tensor> f = maskedFeeds(31, keepTrue);
            try (Session fused = Session.open(m, options(), OpRegistry.standard());
                 Session plain = Session.open(m, options().withAttentionFusion(false), OpRegistry.standard())) {
                assertEquals(List.of("p"), fused.fusedAttention(), "Where(c, " + (keepTrue ? "s, f" : "f, s") + ")");
                assertClose(plain.run(f).get("y").toFloatArray(), fused.run(f).get("y").toFloatArray(), "Where fused vs unfused");
            }
        }
    }

    @Test
    void masksThatAreNotAdditiveDoNotFuse() {
        Map<String, Tensor> f = maskedFeeds(41, true);
        // a fill that does not absorb the score: Where puts -1e4, an additive mask would give s - 1e4
        Model smallFill = maskedModel(n("Where", "s3", "c", "s2", "fill"), n("Div", "s2", "s", "scale"), -1e4f);
        // the scale after the mask would scale the mask as well: softmax((s + m) / √8)
        Model scaledMask = maskedModel(n("Div", "s3", "s2", "scale"), n("Add", "s2", "s", "mask"), 0f);
        for (Model m : List.of(smallFill, scaledMask)) {
            try (Session on = Session.open(m, options(), OpRegistry.standard());
                 Session off = Session.open(m, options().withAttentionFusion(false), OpRegistry.standard())) {
                assertEquals(List.of(), on.fusedAttention());
                assertClose(off.run(f).get("y").toFloatArray(), on.run(f).get("y").toFloatArray(), "not fused");
            }
        }
    }

    @Test
    @SuppressWarnings("deprecation")
    void attentionCaptureIsChosenPerRun() {
        Map<String, Tensor> f = attentionFeeds(11);
        try (Session s = Session.open(attentionModel(), options(), OpRegistry.standard());
             Session old = Session.open(attentionModel(), options().withCaptureAttention(true), OpRegistry.standard())) {
            RunResult plain = s.run(f, RunOptions.defaults());
            assertEquals(Map.of(), plain.attention());
            RunResult captured = s.run(f, RunOptions.defaults().withCaptureAttention(true));
            assertEquals(List.of("p"), List.copyOf(captured.attention().keySet()));
            Tensor p = captured.attention().get("p");
            assertArrayEquals(new int[] {1, 2, 4, 5}, p.shape().dims());
            double[] want = probabilities(f);
            float[] got = p.toFloatArray();
            double err = 0;
            for (int i = 0; i < want.length; i++) err = Math.max(err, Math.abs(want[i] - got[i]));
            assertTrue(err <= PROB_TOL, "max |p - float64| = " + err);
            // the same probabilities and output as a Session opened with capture on (the deprecated way)
            RunResult before = old.runWithProfile(f);
            assertClose(before.attention().get("p").toFloatArray(), got, "probabilities");
            assertClose(before.outputs().get("y").toFloatArray(), captured.outputs().get("y").toFloatArray(), "output");
            assertClose(plain.outputs().get("y").toFloatArray(), captured.outputs().get("y").toFloatArray(), "plain vs capturing run");
        }
    }

    @Test
    void capturingAndPlainRunsShareOneSessionFromSeveralThreads() throws Exception {
        int threads = 4, rounds = 25;
        try (Session s = Session.open(attentionModel(), options(), OpRegistry.standard())) {
            List<Map<String, Tensor>> feeds = List.of(attentionFeeds(1), attentionFeeds(2), attentionFeeds(3));
            RunOptions capture = RunOptions.defaults().withCaptureAttention(true);
            List<float[]> plainY = new ArrayList<>(), capY = new ArrayList<>(), capP = new ArrayList<>();
            for (Map<String, Tensor> f : feeds) {
                plainY.add(s.run(f).get("y").toFloatArray());
                RunResult r = s.run(f, capture);
                capY.add(r.outputs().get("y").toFloatArray());
                capP.add(r.attention().get("p").toFloatArray());
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    done.add(pool.submit(() -> {
                        for (int r = 0; r < rounds; r++) {
                            int i = (id + r) % feeds.size();
                            if ((id + r) % 2 == 0) {
                                RunResult got = s.run(feeds.get(i), RunOptions.defaults());
                                assertClose(plainY.get(i), got.outputs().get("y").toFloatArray(), "plain run " + i);
                                assertEquals(Map.of(), got.attention());
                            } else {
                                RunResult got = s.run(feeds.get(i), capture);
                                assertClose(capY.get(i), got.outputs().get("y").toFloatArray(), "capturing run " + i);
                                assertClose(capP.get(i), got.attention().get("p").toFloatArray(), "probabilities " + i);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> d : done) d.get();
            } finally {
                pool.shutdown();
            }
        }
    }

    /**
     * y = gelu-free linear layer x[128, 384] · w[384, 384] + b, big enough (38 MFLOP) for the GEMM to split over threads.
     */
    static Model linearModel() {
        List<Node> nodes = List.of(n("MatMul", "h", "x", "w"), n("Add", "y", "h", "b"));
        return model(17, nodes, List.of(value("x", ElemType.FLOAT, 128, 384)), List.of("y"),
                Map.of("w", random(11, 384, 384), "b", random(12, 384)));
    }

    @Test
    void aRunMayUseFewerThreadsAndGivesTheSameResult() throws Exception {
        try (Session s = Session.open(linearModel(), SessionOptions.defaults()
                .withExecution(ExecutionOptions.defaults().withThreads(3)), OpRegistry.standard())) {
            Map<String, Tensor> f = Map.of("x", random(10, 128, 384));
            float[] all = s.run(f).get("y").toFloatArray();
            // the GEMM computes every element as one FMA chain in K order, whatever the split: equal bit for bit
            for (int t : new int[] {1, 2, 3, 8}) {
                assertArrayEquals(all, s.run(f, RunOptions.defaults().withThreads(t)).outputs().get("y").toFloatArray(),
                        "threads " + t);
            }
            // narrower runs side by side, from several callers at once (each takes a context of its own)
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> done = new ArrayList<>();
                for (int c = 0; c < 12; c++) {
                    int t = 1 + c % 2;
                    done.add(pool.submit(() -> s.run(f, RunOptions.defaults().withThreads(t)).outputs().get("y").toFloatArray()));
                }
                for (Future<float[]> d : done) assertArrayEquals(all, d.get());
            } finally {
                pool.shutdown();
            }
        }
        HeedException e = assertThrows(HeedException.class, () -> RunOptions.defaults().withThreads(-1));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("threads must be >= 0"), e.getMessage());
    }

    @Test
    void namedValuesAreCapturedByExactNameOrPattern() {
        Model chain = model(13, List.of(n("Relu", "a", "x"), n("Neg", "b", "a"), n("Exp", "y", "b")),
                List.of(value("x", ElemType.FLOAT, 2, 3)), List.of("y"), Map.of());
        Tensor x = Tensor.of(new float[] {-1, 2, -3, 4, -5, 6}, 2, 3);
        try (Session s = Session.open(chain, options(), OpRegistry.standard())) {
            RunResult r = s.run(Map.of("x", x), RunOptions.defaults().withCapture("a"));
            assertEquals(List.of("a"), List.copyOf(r.captured().keySet()));
            assertArrayEquals(new float[] {0, 2, 0, 4, 0, 6}, r.captured().get("a").toFloatArray());
            RunResult all = s.run(Map.of("x", x), RunOptions.defaults().withCapture(Pattern.compile("[xab]")));
            assertEquals(List.of("x", "a", "b"), List.copyOf(all.captured().keySet()), "feeds first, then execution order");
            assertArrayEquals(new float[] {-0f, -2, -0f, -4, -0f, -6}, all.captured().get("b").toFloatArray());
            assertEquals(Map.of(), s.run(Map.of("x", x), RunOptions.defaults().withCapture(Pattern.compile("zz.*"))).captured());
            HeedException e = assertThrows(HeedException.class, () -> s.run(Map.of("x", x), RunOptions.defaults().withCapture("zz")));
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
            assertTrue(e.getMessage().contains("'zz'"), e.getMessage());
        }
        // a value inside a fused pattern exists only when the Session does not fuse it
        Map<String, Tensor> f = attentionFeeds(5);
        try (Session fused = Session.open(attentionModel(), options(), OpRegistry.standard());
             Session unfused = Session.open(attentionModel(), options().withAttentionFusion(false), OpRegistry.standard())) {
            HeedException e = assertThrows(HeedException.class, () -> fused.run(f, RunOptions.defaults().withCapture("s3")));
            assertTrue(e.getMessage().contains("withAttentionFusion(false)"), e.getMessage());
            Tensor s3 = unfused.run(f, RunOptions.defaults().withCapture("s3")).captured().get("s3");
            assertArrayEquals(new int[] {1, 2, 4, 5}, s3.shape().dims());
        }
    }

    @Test
    void profileIsChosenPerRun() {
        try (Session s = Session.open(Fixtures.file("initializers.onnx"))) {
            Map<String, Tensor> f = Map.of("x", Tensor.of(new float[6], 2, 3));
            RunResult r = s.run(f, RunOptions.defaults().withProfile(true));
            assertEquals(s.plannedNodes(), r.profile().size());
            assertTrue(s.run(f, RunOptions.defaults()).profile().isEmpty());
        }
    }

    @Test
    void aFusedOpsRunErrorNamesTheNodeOnce() {
        Model linear = model(13, List.of(n("MatMul", "h", "x", "w"), n("Add", "y", "h", "b")),
                List.of(value("x", ElemType.FLOAT, "n", "k")), List.of("y"),
                Map.of("w", Tensor.of(new float[12], 4, 3), "b", Tensor.of(new float[3], 3)));
        try (Session s = Session.open(linear, options(), OpRegistry.standard())) {
            assertEquals(Map.of("matmul_bias", 1), s.graphFusions());
            HeedException e = assertThrows(HeedException.class, () -> s.run(Map.of("x", Tensor.of(new float[10], 2, 5))));
            assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
            assertEquals("node dev.heed.FusedMatMul 'h/fused_bias': MatMul 'h' + bias: A[2, 5] · B[4, 3] + bias[3]: "
                    + "A.dim(-1)=5 != B.dim(-2)=4", e.getMessage());
        }
    }

    /** Open (and run, if it opens) a model; any failure must be a HeedException. */
    static HeedException openAndRunFails(Model m, Map<String, Tensor> feeds) {
        return assertThrows(HeedException.class, () -> {
            try (Session s = Session.open(m, options(), OpRegistry.standard())) {
                s.run(feeds);
            }
        });
    }

    @Test
    void aNodeThatFailsWhileFoldingIsLeftToTheRun() {
        // Reshape of a constant [6] to a constant shape [4]: folding fails, so the node stays and fails when run
        Model reshape = model(13, List.of(n("Reshape", "y", "c", "shape")), List.of(), List.of("y"),
                Map.of("c", Tensor.of(new float[6], 6), "shape", Tensor.ofLongs(new long[] {4}, 1)));
        try (Session s = Session.open(reshape, options(), OpRegistry.standard())) {
            assertEquals(1, s.plannedNodes());
            assertEquals(0, s.foldedNodes());
            HeedException e = assertThrows(HeedException.class, () -> s.run(Map.of()));
            assertTrue(e.getMessage().startsWith("node Reshape 'y'"), e.getMessage());
        }
        // malformed nodes over constants (an input missing, an index out of range): a HeedException, at open or run,
        // never an unchecked exception from inside an op escaping Session.open
        openAndRunFails(model(13, List.of(n("Add", "y", "c")), List.of(), List.of("y"), Map.of("c", Tensor.of(new float[3], 3))),
                Map.of());
        openAndRunFails(model(13, List.of(n("Gather", "y", "c", "i")), List.of(), List.of("y"),
                Map.of("c", Tensor.of(new float[3], 3), "i", Tensor.ofLongs(new long[] {7}, 1))), Map.of());
        openAndRunFails(model(13, List.of(n("Softmax", "y")), List.of(), List.of("y"), Map.of()), Map.of());
    }
}
