package dev.heed.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import dev.heed.viz.AttentionMaps;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/attention} against the in-process {@link TextEncoder#attention}: same tokens, maps and rollout. */
class AttentionRouteTest {
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
    void mapsEqualInProcess() {
        String text = "The animal didn't cross the street because it was too tired";
        Http.Reply r = Http.post(base, "/v1/attention", Http.json(Map.of("text", text)));
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        AttentionMaps ref = enc.attention(text);
        assertEquals(ref.layers(), j.get("layers").asInt());
        assertEquals(ref.heads(), j.get("heads").asInt());
        assertFalse(j.get("truncated").asBoolean());
        assertEquals(ref.tokens().size(), j.get("tokens").size());
        for (int i = 0; i < ref.length(); i++) assertEquals(ref.tokens().get(i), j.get("tokens").get(i).asText());
        int l = ref.length();
        double worst = 0;
        for (int layer = 0; layer < ref.layers(); layer++) {
            for (int h = 0; h < ref.heads(); h++) {
                for (int i = 0; i < l; i++) {
                    JsonNode row = j.get("attention").get(layer).get(h).get(i);
                    double sum = 0;
                    for (int k = 0; k < l; k++) {
                        worst = Math.max(worst, Math.abs(row.get(k).floatValue() - ref.get(layer, h, i, k)));
                        sum += row.get(k).doubleValue();
                    }
                    assertEquals(1.0, sum, 1e-4, "softmax row sums to one");
                }
            }
        }
        assertTrue(worst <= 1e-6, "max |diff| " + worst);
        float[] roll = ref.rollout();
        for (int i = 0; i < l; i++) for (int k = 0; k < l; k++) assertEquals(roll[i * l + k], j.get("rollout").get(i).get(k).floatValue(), 1e-6);
    }

    @Test
    void badInputs() {
        BadInputTest.openAi(Http.post(base, "/v1/attention", "{}"), 400, "'text' must be a string");
        BadInputTest.openAi(Http.post(base, "/v1/attention", "{\"text\": 3}"), 400, "'text' must be a string");
        BadInputTest.openAi(Http.post(base, "/v1/attention", "{\"text\": \"\"}"), 400, "empty string");
        BadInputTest.openAi(Http.post(base, "/v1/attention", "{\"text\": \"a\""), 400, "malformed JSON");
        BadInputTest.openAi(Http.postBytes(base, "/v1/attention", "text/plain", "{}".getBytes()), 415, "application/json");
        String longText = "word ".repeat(300);
        BadInputTest.openAi(Http.post(base, "/v1/attention", Http.json(Map.of("text", longText))), 413, "at most " + enc.maxTokens());
        Http.Reply cut = Http.post(base, "/v1/attention", Http.json(Map.of("text", longText, "truncate", true)));
        assertEquals(200, cut.status());
        assertTrue(cut.json().get("truncated").asBoolean());
        assertEquals(enc.maxTokens(), cut.json().get("tokens").size());
    }
}
