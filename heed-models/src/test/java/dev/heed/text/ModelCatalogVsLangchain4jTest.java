package dev.heed.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.HeedException;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2.E5SmallV2EmbeddingModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalogue's float models opened by name against langchain4j's in-process models (ONNX Runtime) on every
 * {@value #STEP}th line of the tokenizer corpus (12-layer models: a sixteenth keeps CI time small): every component
 * within {@value #TOLERANCE}, through embed and embedAll. bge pools [CLS], e5 the mean; langchain4j's
 * {@code embed} adds no prefix, so neither does Heed's {@code embed} (the prefixes are for embedQuery / embedPassage).
 */
class ModelCatalogVsLangchain4jTest {
    static final double TOLERANCE = 1e-4;
    static final int STEP = 16;

    @TempDir
    Path cache;

    @Test
    void bgeSmallEnV15() throws Exception {
        compare("bge-small-en-v1.5", new BgeSmallEnV15EmbeddingModel(Runnable::run), ModelCard.PoolingMode.CLS);
    }

    @Test
    void e5SmallV2() throws Exception {
        compare("e5-small-v2", new E5SmallV2EmbeddingModel(Runnable::run), ModelCard.PoolingMode.MEAN);
    }

    @Test
    void prefixesAndUnknownNames() {
        ModelCatalog.Entry e5 = ModelCatalog.get("e5-small-v2");
        assertEquals("query: ", e5.card().queryPrefix());
        assertEquals("passage: ", e5.card().passagePrefix());
        assertEquals(6, ModelCatalog.entries().size());
        HeedException x = assertThrows(HeedException.class, () -> ModelCatalog.get("e5-large"));
        assertTrue(x.getMessage().contains("e5-small-v2-q") && x.getMessage().contains("all-minilm-l6-v2"), x.getMessage());
    }

    private void compare(String name, EmbeddingModel lc, ModelCard.PoolingMode pooling) throws Exception {
        List<String> corpus = TextEncoderVsLangchain4jTest.corpus();
        try (TextEncoder heed = ModelCatalog.open(name, TextEncoderOptions.defaults(cache))) {
            assertEquals(pooling, heed.card().pooling());
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < corpus.size(); i += STEP) {
                if (heed.tokenizer().encode(corpus.get(i)).length() > 2) lines.add(corpus.get(i));
            }
            List<float[]> all = heed.embedAll(lines);
            double max = 0;
            for (int i = 0; i < lines.size(); i++) {
                float[] want = lc.embed(lines.get(i)).content().vector();
                double d = TextEncoderVsLangchain4jTest.maxDiff(all.get(i), want);
                max = Math.max(max, d);
                assertTrue(d <= TOLERANCE, name + " embedAll line '" + lines.get(i) + "': max |diff| " + d);
                if (i % 4 == 0) {
                    double s = TextEncoderVsLangchain4jTest.maxDiff(heed.embed(lines.get(i)), want);
                    assertTrue(s <= TOLERANCE, name + " embed line '" + lines.get(i) + "': max |diff| " + s);
                }
            }
            System.out.printf(Locale.ROOT, "%s vs langchain4j: %d lines, max |diff| %.3g (tolerance %.0e)%n", name, lines.size(), max, TOLERANCE);
            assertTrue(lines.size() >= 70, "compared only " + lines.size() + " lines");
        }
    }
}
