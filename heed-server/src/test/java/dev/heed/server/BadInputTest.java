package dev.heed.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every bad input of issue 14 point 4 on a real server: the status, the error form of the route family (OpenAI under
 * /v1/, TEI for /embed, /similarity, /tokenize) and a message naming the problem; after each, the server still
 * answers a good request.
 */
class BadInputTest {
    static final long LIMIT = 20_000;
    static TextEncoder enc;
    static HeedServer server;
    static URI base;

    @BeforeAll
    static void start() {
        enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(Http.CACHE));
        server = HeedServer.start(enc, ServerConfig.defaults().withPort(0).withPayloadLimit(LIMIT).withMaxClientBatchSize(4));
        base = server.uri();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (enc != null) enc.close();
    }

    @AfterEach
    void stillServes() {
        assertEquals(200, Http.post(base, "/embed", "{\"inputs\": \"still here\"}").status());
    }

    /** An OpenAI-form error with this status whose message contains {@code fragment}. */
    static JsonNode openAi(Http.Reply r, int status, String fragment) {
        assertEquals(status, r.status(), r.body());
        JsonNode e = r.json().get("error");
        assertNotNull(e, "OpenAI error form: " + r.body());
        assertTrue(e.has("type") && e.has("param") && e.has("code"), r.body());
        assertTrue(e.get("message").asText().contains(fragment), "'" + fragment + "' in " + r.body());
        return e;
    }

    /** A TEI-form error. */
    static void tei(Http.Reply r, int status, String fragment) {
        assertEquals(status, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals(status, j.get("code").asInt(), r.body());
        assertTrue(j.has("error_type"), r.body());
        assertTrue(j.get("message").asText().contains(fragment), "'" + fragment + "' in " + r.body());
    }

    @Test
    void malformedJson() {
        openAi(Http.post(base, "/v1/embeddings", "{\"input\": \"x\""), 400, "malformed JSON");
        tei(Http.post(base, "/embed", "{inputs: 1}"), 400, "malformed JSON");
        tei(Http.post(base, "/embed", "{\"inputs\": \"a\"} trailing"), 400, "malformed JSON");
        tei(Http.post(base, "/tokenize", "[\"a\"]"), 400, "must be a JSON object");
        tei(Http.post(base, "/embed", ""), 400, "must be a JSON object");
    }

    @Test
    void wrongTypes() {
        assertEquals("input", openAi(Http.post(base, "/v1/embeddings", "{\"input\": 5}"), 400, "'input' must be").get("param").asText());
        openAi(Http.post(base, "/v1/embeddings", "{\"input\": [\"a\", 5]}"), 400, "'input[1]' must be a string");
        openAi(Http.post(base, "/v1/embeddings", "{\"input\": [1, 2.5]}"), 400, "is not a token id");
        openAi(Http.post(base, "/v1/embeddings", "{\"input\": [101, 99999999]}"), 400, "is not a token id");
        openAi(Http.post(base, "/v1/embeddings", "{\"input\": [[101], \"a\"]}"), 400, "must be an array of token ids");
        openAi(Http.post(base, "/v1/embeddings", "{\"input\": \"a\", \"model\": 3}"), 400, "'model' must be a string");
        assertEquals("model_not_found", openAi(Http.post(base, "/v1/embeddings", "{\"input\": \"a\", \"model\": \"gpt-9\"}"), 404, "does not exist").get("code").asText());
        openAi(Http.post(base, "/v1/embeddings", "{\"input\": \"a\", \"encoding_format\": \"hex\"}"), 400, "'encoding_format'");
        openAi(Http.post(base, "/v1/embeddings", "{\"input\": \"a\", \"dimensions\": 0}"), 400, "'dimensions' must be an integer from 1 to 384");
        openAi(Http.post(base, "/v1/embeddings", "{\"input\": \"a\", \"dimensions\": 385}"), 400, "'dimensions'");
        openAi(Http.post(base, "/v1/embeddings", "{\"input\": \"a\", \"dimensions\": \"8\"}"), 400, "'dimensions'");
        tei(Http.post(base, "/embed", "{\"inputs\": {\"a\": 1}}"), 400, "'inputs' must be a string or an array of strings");
        tei(Http.post(base, "/embed", "{\"inputs\": \"a\", \"truncate\": \"yes\"}"), 400, "'truncate' must be true or false");
        tei(Http.post(base, "/embed", "{\"inputs\": \"a\", \"normalize\": \"no\"}"), 400, "'normalize' must be true or false");
        tei(Http.post(base, "/similarity", "{\"inputs\": [\"a\"]}"), 400, "'inputs' must be an object");
        tei(Http.post(base, "/similarity", "{\"inputs\": {\"source_sentence\": \"a\"}}"), 400, "'inputs.sentences'");
        tei(Http.post(base, "/similarity", "{\"inputs\": {\"source_sentence\": 1, \"sentences\": [\"b\"]}}"), 400, "'inputs.source_sentence'");
        tei(Http.post(base, "/tokenize", "{\"inputs\": null}"), 400, "'inputs' is missing");
    }

    @Test
    void emptyInputs() {
        openAi(Http.post(base, "/v1/embeddings", "{\"input\": []}"), 400, "'input' is empty");
        openAi(Http.post(base, "/v1/embeddings", "{\"input\": \"\"}"), 400, "empty string");
        openAi(Http.post(base, "/v1/embeddings", "{\"input\": [[]]}"), 400, "empty array of token ids");
        openAi(Http.post(base, "/v1/embeddings", "{}"), 400, "'input' is missing");
        tei(Http.post(base, "/embed", "{\"inputs\": []}"), 400, "'inputs' is empty");
        tei(Http.post(base, "/similarity", "{\"inputs\": {\"source_sentence\": \"a\", \"sentences\": []}}"), 400, "'sentences' is empty");
    }

    @Test
    void tooManyInputsAndTooLong() {
        openAi(Http.post(base, "/v1/embeddings", Http.json(Map.of("input", Collections.nCopies(5, "a")))), 413, "at most 4 per request");
        tei(Http.post(base, "/embed", Http.json(Map.of("inputs", Collections.nCopies(5, "a")))), 413, "--max-client-batch-size");
        String longText = "token ".repeat(400);
        openAi(Http.post(base, "/v1/embeddings", Http.json(Map.of("input", longText))), 413, "at most " + enc.maxTokens());
        int[] ids = new int[enc.maxTokens() + 1];
        java.util.Arrays.fill(ids, 101);
        openAi(Http.post(base, "/v1/embeddings", Http.json(Map.of("input", ids))), 413, "at most " + enc.maxTokens());
        assertEquals(200, Http.post(base, "/v1/embeddings", Http.json(Map.of("input", longText, "truncate", true))).status());
    }

    @Test
    void payloadLimitBeforeReadingWhole() {
        byte[] big = ("{\"inputs\": \"" + "a".repeat((int) LIMIT) + "\"}").getBytes(StandardCharsets.UTF_8);
        // Declared too large: refused before the body is read. The client asks first (Expect: 100-continue), as a client
        // sending a large body should; without it the refusal can race the upload (the server closes a connection the
        // client is still writing to, and TCP may discard the answer).
        tei(Http.send(HttpRequest.newBuilder(base.resolve("/embed")).header("Content-Type", "application/json").expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)).timeout(Duration.ofSeconds(60)).build()), 413, "payload limit of " + LIMIT);
        // Chunked (no Content-Length): refused once the limit is passed while reading.
        Http.Reply chunked = Http.send(HttpRequest.newBuilder(base.resolve("/v1/embeddings")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).timeout(Duration.ofSeconds(60)).build());
        openAi(chunked, 413, "payload limit");
    }

    @Test
    void invalidUtf8AndContentType() {
        byte[] bad = {'{', '"', 'i', 'n', 'p', 'u', 't', 's', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        tei(Http.postBytes(base, "/embed", "application/json", bad), 400, "not valid UTF-8");
        openAi(Http.postBytes(base, "/v1/embeddings", "text/plain", "{\"input\": \"a\"}".getBytes(StandardCharsets.UTF_8)), 415, "application/json");
        tei(Http.postBytes(base, "/embed", null, "{\"inputs\": \"a\"}".getBytes(StandardCharsets.UTF_8)), 415, "missing");
    }

    @Test
    void unknownRouteAndMethod() {
        openAi(Http.get(base, "/v1/nothing"), 404, "no route GET /v1/nothing");
        Http.Reply wrongMethod = Http.get(base, "/v1/embeddings");
        openAi(wrongMethod, 405, "not allowed");
        tei(Http.send(HttpRequest.newBuilder(base.resolve("/embed")).DELETE().build()), 405, "DELETE is not allowed");
    }

    @Test
    void apiKey() {
        try (HeedServer keyed = HeedServer.start(enc, ServerConfig.defaults().withPort(0).withApiKey("s3cret-key"))) {
            URI b = keyed.uri();
            String body = "{\"input\": \"a\"}";
            openAi(Http.post(b, "/v1/embeddings", body), 401, "missing API key");
            HttpRequest.Builder req = HttpRequest.newBuilder(b.resolve("/v1/embeddings")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            Http.Reply wrong = Http.send(req.copy().header("Authorization", "Bearer s3cret-kez").build());
            openAi(wrong, 401, "invalid API key");
            assertEquals("Bearer", wrong.header("WWW-Authenticate"));
            openAi(Http.send(req.copy().header("Authorization", "Bearer s3cret-key-and-more").build()), 401, "invalid API key");
            assertEquals(200, Http.send(req.copy().header("Authorization", "Bearer s3cret-key").build()).status());
            assertEquals(200, Http.get(b, "/health").status(), "/health needs no key");
            openAi(Http.get(b, "/metrics"), 401, "missing API key");
        }
    }

    @Test
    void goodRequestAfterAll() {
        List<String> texts = List.of("one", "two");
        assertEquals(200, Http.post(base, "/v1/embeddings", Http.json(Map.of("input", texts))).status());
    }
}
