package dev.heed.vision.explain;

import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.RunOptions;
import dev.heed.onnx.RunResult;
import dev.heed.onnx.Session;
import dev.heed.onnx.SessionOptions;
import dev.heed.tensor.Tensor;
import dev.heed.vision.Images;
import dev.heed.vision.ViTPreprocess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-run capture is per run: on one shared {@link Session}, 8 threads mixing plain runs, attention-capturing runs
 * and value-capturing runs (by pattern) over two different images give what the same runs give one after another —
 * the same outputs, the same captured attention and values under the same names — and plain runs carry no capture.
 * Values are compared within {@value #TOL} (magnitudes ~1), not bit for bit: the Vector API leaves the order of a
 * floating-point {@code reduceLanes(ADD)} unspecified, and interpreted and C2-compiled runs of one kernel were seen to
 * differ by an ulp (2e-7) in the final LayerNorm's input; a run mixing up another run's tensors differs by far more.
 */
class CaptureConcurrencyTest {
    static final Path MODEL = Path.of("../heed-onnx/src/test/resources/models/vit_opset17.onnx");
    static final float TOL = 1e-5f;
    static final Pattern VALUES = Pattern.compile(".*Softmax.*|.*LayerNorm.*|logits");

    record Outcome(Map<String, float[]> outputs, Map<String, float[]> attention, Map<String, float[]> captured) {}

    static Map<String, float[]> arrays(Map<String, Tensor> m) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    static Outcome run(Session s, Tensor x, int kind) {
        RunOptions o = switch (kind) {
            case 0 -> RunOptions.defaults();
            case 1 -> RunOptions.defaults().withCaptureAttention(true);
            default -> RunOptions.defaults().withCaptureAttention(true).withCapture(VALUES);
        };
        RunResult r = s.run(Map.of("pixel_values", x), o);
        return new Outcome(arrays(r.outputs()), arrays(r.attention()), arrays(r.captured()));
    }

    static void assertSame(Outcome want, Outcome got, String what) {
        assertEquals(want.outputs().keySet(), got.outputs().keySet(), what);
        assertEquals(want.attention().keySet(), got.attention().keySet(), what + " attention keys");
        assertEquals(want.captured().keySet(), got.captured().keySet(), what + " captured keys");
        want.outputs().forEach((k, v) -> assertArrayEquals(v, got.outputs().get(k), TOL, what + " output " + k));
        want.attention().forEach((k, v) -> assertArrayEquals(v, got.attention().get(k), TOL, what + " attention " + k));
        want.captured().forEach((k, v) -> assertArrayEquals(v, got.captured().get(k), TOL, what + " captured " + k));
    }

    @ParameterizedTest(name = "attention fusion {0}")
    @ValueSource(booleans = {true, false})
    void eightThreadsEqualSequentialRuns(boolean fusion) throws Exception {
        Tensor[] images = {
            ViTPreprocess.imagenet().apply(Images.read(ViTRolloutTest.image("bus.jpg"))),
            ViTPreprocess.imagenet().apply(Images.read(ViTRolloutTest.image("zidane.jpg")))
        };
        SessionOptions so = SessionOptions.defaults().withAttentionFusion(fusion).withExecution(ExecutionOptions.defaults().withThreads(2));
        try (Session s = Session.open(MODEL, so)) {
            Outcome[][] sequential = new Outcome[2][3];
            for (int i = 0; i < 2; i++) for (int k = 0; k < 3; k++) sequential[i][k] = run(s, images[i], k);
            assertFalse(java.util.Arrays.equals(sequential[0][0].outputs().get("logits"), sequential[1][0].outputs().get("logits")),
                    "the two images give different logits (so a mixed-up run would be caught)");
            assertTrue(sequential[0][0].attention().isEmpty() && sequential[0][0].captured().isEmpty(), "a plain run captures nothing");
            assertEquals(fusion, !sequential[0][1].attention().isEmpty(), "fused attention hands out probabilities iff fused");
            assertFalse(sequential[0][2].captured().isEmpty(), "the pattern captures values");
            assertTrue(sequential[0][2].captured().containsKey("logits"), "an output can be captured too");

            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> jobs = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    jobs.add(pool.submit((Callable<Void>) () -> {
                        for (int rep = 0; rep < 3; rep++) {
                            int img = (thread + rep) % 2, kind = (thread + 2 * rep) % 3;
                            assertSame(sequential[img][kind], run(s, images[img], kind), "thread " + thread + " image " + img + " kind " + kind);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : jobs) f.get();
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
