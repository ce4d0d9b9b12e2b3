package dev.heed.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Happy paths of every embedding route, against the in-process {@link TextEncoder} on a real server. */
class EmbeddingRoutesTest {
    static final double TOL = 1e-6;
    static TextEncoder enc;
    static HeedServer server;
    static URI base;

    @BeforeAll
    static void start() {
        enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(Http.CACHE));
        server = HeedServer.start(enc, ServerConfig.defaults().withPort(0));
        base = server.uri();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (enc != null) enc.close();
    }

    @Test
    void openAiFloatStringAndArray() {
        Http.Reply r = Http.post(base, "/v1/embeddings", Http.json(Map.of("model", "all-MiniLM-L6-v2", "input", "A man is eating food.")));
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals("list", j.get("object").asText());
        assertEquals("all-MiniLM-L6-v2", j.get("model").asText());
        assertEquals(1, j.get("data").size());
        assertEquals("embedding", j.get("data").get(0).get("object").asText());
        assertEquals(0, j.get("data").get(0).get("index").asInt());
        float[] v = Http.floats(j.get("data").get(0).get("embedding"));
        assertEquals(384, v.length);
        assertTrue(Http.maxDiff(enc.embed("A man is eating food."), v) <= TOL);
        int tokens = enc.tokenizer().encode("A man is eating food.").length();
        assertEquals(tokens, j.get("usage").get("prompt_tokens").asInt());
        assertEquals(tokens, j.get("usage").get("total_tokens").asInt());

        List<String> texts = List.of("first", "a second, longer sentence about the weather", "third");
        JsonNode many = Http.post(base, "/v1/embeddings", Http.json(Map.of("model", "sentence-transformers/all-MiniLM-L6-v2", "input", texts))).json();
        List<float[]> ref = enc.embedAll(texts);
        for (int i = 0; i < texts.size(); i++) {
            assertEquals(i, many.get("data").get(i).get("index").asInt());
            assertTrue(Http.maxDiff(ref.get(i), Http.floats(many.get("data").get(i).get("embedding"))) <= TOL, "input " + i);
        }
    }

    @Test
    void openAiBase64AndDimensions() {
        String text = "Base64 packs little-endian float32.";
        JsonNode j = Http.post(base, "/v1/embeddings", Http.json(Map.of("input", text, "encoding_format", "base64", "dimensions", 64))).json();
        byte[] raw = Base64.getDecoder().decode(j.get("data").get(0).get("embedding").asText());
        assertEquals(64 * 4, raw.length);
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[64];
        double ss = 0;
        for (int i = 0; i < 64; i++) { v[i] = b.getFloat(); ss += v[i] * v[i]; }
        assertEquals(1.0, Math.sqrt(ss), 1e-5, "re-normalised after truncation");
        float[] full = enc.embed(text);
        double n = 0;
        for (int i = 0; i < 64; i++) n += (double) full[i] * full[i];
        for (int i = 0; i < 64; i++) assertEquals(full[i] / Math.sqrt(n), v[i], TOL);
    }

    @Test
    void openAiTokenIdsEqualText() {
        String text = "Token ids from /tokenize embed like the text.";
        JsonNode toks = Http.post(base, "/tokenize", Http.json(Map.of("inputs", text))).json().get(0);
        int[] ids = new int[toks.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = toks.get(i).get("id").asInt();
        assertArrayEquals(enc.tokenizer().encode(text).ids(), ids);
        JsonNode one = Http.post(base, "/v1/embeddings", Http.json(Map.of("input", ids))).json();
        JsonNode nested = Http.post(base, "/v1/embeddings", Http.json(Map.of("input", List.of(ids, ids)))).json();
        float[] ref = enc.embed(text);
        assertTrue(Http.maxDiff(ref, Http.floats(one.get("data").get(0).get("embedding"))) <= TOL);
        assertEquals(2, nested.get("data").size());
        assertTrue(Http.maxDiff(ref, Http.floats(nested.get("data").get(1).get("embedding"))) <= TOL);
        assertEquals(ids.length, one.get("usage").get("prompt_tokens").asInt());
    }

    @Test
    void teiEmbedSimilarityTokenize() {
        List<String> texts = List.of("What is Deep Learning?", "Deep learning is a kind of machine learning.");
        JsonNode e = Http.post(base, "/embed", Http.json(Map.of("inputs", texts))).json();
        List<float[]> ref = enc.embedAll(texts);
        assertEquals(2, e.size());
        for (int i = 0; i < 2; i++) assertTrue(Http.maxDiff(ref.get(i), Http.floats(e.get(i))) <= TOL);
        JsonNode single = Http.post(base, "/embed", Http.json(Map.of("inputs", "What is Deep Learning?"))).json();
        assertTrue(Http.maxDiff(ref.get(0), Http.floats(single.get(0))) <= TOL);

        List<String> sents = List.of("A man is eating a piece of bread.", "A man is riding a horse.", "Someone eats.");
        JsonNode s = Http.post(base, "/similarity", Http.json(Map.of("inputs", Map.of("source_sentence", "A man is eating food.", "sentences", sents)))).json();
        assertEquals(3, s.size());
        float[] src = enc.embed("A man is eating food.");
        for (int i = 0; i < 3; i++) assertEquals(TextEncoder.cosine(src, enc.embed(sents.get(i))), s.get(i).asDouble(), 1e-5);
        assertTrue(s.get(0).asDouble() > s.get(1).asDouble(), "eating bread is closer to eating food than riding");

        String text = "Héllo wörld";
        JsonNode t = Http.post(base, "/tokenize", Http.json(Map.of("inputs", List.of(text)))).json().get(0);
        var ref2 = enc.tokenizer().encode(text);
        assertEquals(ref2.length(), t.size());
        assertTrue(t.get(0).get("special").asBoolean());
        assertEquals("[CLS]", t.get(0).get("text").asText());
        assertEquals("Héllo", t.get(1).get("text").asText());
        assertEquals(0, t.get(1).get("start").asInt());
        assertEquals(6, t.get(1).get("stop").asInt(), "UTF-8 byte offsets: é is two bytes");
        JsonNode noSpecial = Http.post(base, "/tokenize", Http.json(Map.of("inputs", text, "add_special_tokens", false))).json().get(0);
        assertEquals(ref2.length() - 2, noSpecial.size());
    }

    @Test
    void teiNormalizeFalseAnswersThePooledVector() {
        List<String> texts = List.of("Mean pooling before the unit length.", "Second one.");
        JsonNode raw = Http.post(base, "/embed", Http.json(Map.of("inputs", texts, "normalize", false))).json();
        JsonNode unit = Http.post(base, "/embed", Http.json(Map.of("inputs", texts, "normalize", true))).json();
        for (int i = 0; i < texts.size(); i++) {
            float[] v = Http.floats(raw.get(i));
            float[] ref = enc.embedEncodings(List.of(enc.tokenizer().encode(texts.get(i))), false).getFirst();
            assertTrue(Http.maxDiff(ref, v) <= TOL, "input " + i);
            double norm = 0;
            for (float x : v) norm += (double) x * x;
            norm = Math.sqrt(norm);
            assertTrue(Math.abs(norm - 1) > 1e-3, "MiniLM's mean-pooled vector is not unit length: " + norm);
            float[] scaled = new float[v.length];
            for (int k = 0; k < v.length; k++) scaled[k] = (float) (v[k] / norm);
            assertTrue(Http.maxDiff(enc.embed(texts.get(i)), scaled) <= TOL, "scaled to unit length it is embed()'s vector");
            assertTrue(Http.maxDiff(enc.embed(texts.get(i)), Http.floats(unit.get(i))) <= TOL);
        }
    }

    @Test
    void truncateCutsLongInputs() {
        String longText = "word ".repeat(600);
        Http.Reply refused = Http.post(base, "/embed", Http.json(Map.of("inputs", longText)));
        assertEquals(413, refused.status(), refused.body());
        assertTrue(refused.json().get("message").asText().contains("at most " + enc.maxTokens()), refused.body());
        Http.Reply cut = Http.post(base, "/embed", Http.json(Map.of("inputs", longText, "truncate", true)));
        assertEquals(200, cut.status(), cut.body());
        assertTrue(Http.maxDiff(enc.embed(longText), Http.floats(cut.json().get(0))) <= TOL);
    }

    @Test
    void healthInfo() {
        assertEquals(200, Http.get(base, "/health").status());
        JsonNode info = Http.get(base, "/info").json();
        assertEquals("all-MiniLM-L6-v2", info.get("embed_model").get("name").asText());
        assertEquals(384, info.get("embed_model").get("dimensions").asInt());
        assertEquals(enc.maxTokens(), info.get("embed_model").get("max_input_length").asInt());
        assertEquals(32, info.get("limits").get("max_client_batch_size").asInt());
        assertEquals(2_000_000, info.get("limits").get("payload_limit").asLong());
    }
}
