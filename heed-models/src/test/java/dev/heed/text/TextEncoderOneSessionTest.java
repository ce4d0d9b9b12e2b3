package dev.heed.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.onnx.RunResult;
import dev.heed.onnx.Session;
import dev.heed.onnx.SessionOptions;
import dev.heed.tensor.Tensor;
import dev.heed.viz.AttentionMaps;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link TextEncoder#attention} runs the encoder's one Session with per-run capture: its probabilities equal those of
 * a Session opened with capture on (as it used to be done), and embedding and attention calls share the Session from
 * several threads with results identical to single-threaded ones.
 */
class TextEncoderOneSessionTest {
    /**
     * |difference| allowed between two runs of the same input (embedding components and probabilities are ≤ 1). Not
     * zero: while the JIT moves the kernels from one tier to the next, a run's float rounding can change (measured on
     * all-MiniLM-L6-v2: the first runs of a Session differ from later ones by ~5e-8 in the embedding and up to ~1e-6
     * in a later layer's probabilities), so two runs are equal to float rounding, not bit for bit. A text's result mixed up with another text's would differ by far more.
     */
    static final double SAME_RUN_TOL = 1e-5;
    static final List<String> TEXTS = List.of(TextEncoderAttentionTest.TEXT, "A man is playing a guitar.",
            "Heed runs self-attention in pure Java.");

    static TextEncoder encoder;

    @BeforeAll
    static void open() {
        encoder = TextEncoder.defaultModel(TextEncoderOptions.defaults(TextEncoderVsLangchain4jTest.CACHE));
    }

    @AfterAll
    static void close() {
        if (encoder != null) encoder.close();
    }

    /** One unpadded text as the encoder feeds it. */
    static Map<String, Tensor> feeds(String text) {
        Encoding e = encoder.tokenizer().encode(text);
        int l = e.length();
        long[] ids = new long[l], mask = new long[l], types = new long[l];
        for (int t = 0; t < l; t++) {
            ids[t] = e.ids()[t];
            mask[t] = e.attentionMask()[t];
            types[t] = e.typeIds()[t];
        }
        Map<String, Tensor> f = new HashMap<>();
        f.put(TextEncoder.INPUT_IDS, Tensor.ofLongs(ids, 1, l));
        f.put(TextEncoder.ATTENTION_MASK, Tensor.ofLongs(mask, 1, l));
        if (encoder.feedsTokenTypeIds()) f.put(TextEncoder.TOKEN_TYPE_IDS, Tensor.ofLongs(types, 1, l));
        return f;
    }

    static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        double err = 0;
        for (int i = 0; i < want.length; i++) err = Math.max(err, Math.abs(want[i] - got[i]));
        assertTrue(err <= SAME_RUN_TOL, what + ": max |difference| " + err + " > " + SAME_RUN_TOL);
    }

    @Test
    @SuppressWarnings("deprecation")
    void captureEqualsASessionOpenedWithCaptureOn() {
        String text = TEXTS.getFirst();
        AttentionMaps maps = encoder.attention(text);
        SessionOptions capturing = SessionOptions.defaults().withExecution(encoder.options().execution())
                .withAttention(encoder.options().attention()).withCaptureAttention(true);
        try (Session old = Session.open(encoder.modelFile(), capturing)) {
            RunResult r = old.runWithProfile(feeds(text));
            List<Tensor> layers = new ArrayList<>(r.attention().values());
            assertEquals(maps.layers(), layers.size());
            int l = maps.length();
            for (int layer = 0; layer < layers.size(); layer++) {
                float[] all = layers.get(layer).toFloatArray();   // [1, H, L, L]
                for (int h = 0; h < maps.heads(); h++) {
                    float[] head = java.util.Arrays.copyOfRange(all, h * l * l, (h + 1) * l * l);
                    assertClose(head, maps.head(layer, h), "layer " + layer + " head " + h);
                }
            }
        }
    }

    @Test
    void embeddingAndAttentionShareTheSessionFromSeveralThreads() throws Exception {
        Session session = encoder.session();
        List<float[]> vectors = new ArrayList<>();
        List<AttentionMaps> maps = new ArrayList<>();
        for (String t : TEXTS) {
            vectors.add(encoder.embed(t));
            maps.add(encoder.attention(t));
        }
        int threads = 4, rounds = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int th = 0; th < threads; th++) {
                int id = th;
                done.add(pool.submit(() -> {
                    for (int r = 0; r < rounds; r++) {
                        int i = (id + r) % TEXTS.size();
                        if ((id + r) % 2 == 0) {
                            assertClose(vectors.get(i), encoder.embed(TEXTS.get(i)), "embedding of text " + i);
                        } else {
                            AttentionMaps m = encoder.attention(TEXTS.get(i));
                            AttentionMaps want = maps.get(i);
                            for (int l = 0; l < want.layers(); l++) {
                                for (int h = 0; h < want.heads(); h++) {
                                    assertClose(want.head(l, h), m.head(l, h), "text " + i + " layer " + l + " head " + h);
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> d : done) d.get();
        } finally {
            pool.shutdown();
        }
        assertSame(session, encoder.session(), "one Session for embeddings and attention maps");
    }
}
