package dev.heed.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real OpenAI clients against a Heed server, on the whole tokenizer corpus: langchain4j's {@link OpenAiEmbeddingModel}
 * and the official OpenAI Node SDK (npm package {@code openai}, installed by this test into a temporary folder with
 * the machine's npm, run with {@code node}). Both must equal the in-process {@link TextEncoder} within 1e-6 per
 * component. Lines a client refuses (blank, also by String.trim: langchain4j's TextSegment requires text) and lines
 * over the model's maximum (the OpenAI route refuses them without "truncate", which these clients cannot send) are
 * left out and counted.
 */
class RealClientsTest {
    static final double TOL = 1e-6;
    static TextEncoder enc;
    static HeedServer server;
    static List<String> lines;
    static List<float[]> reference;

    @BeforeAll
    static void start() throws IOException {
        enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(Http.CACHE));
        server = HeedServer.start(enc, ServerConfig.defaults().withPort(0));
        lines = new ArrayList<>();
        int blank = 0, tooLong = 0;
        List<String> all = Http.corpus();
        for (String line : all) {
            if (line.isBlank() || line.trim().isEmpty()) blank++;
            else if (enc.tokenizer().withTruncation(null).encode(line).length() > enc.maxTokens()) tooLong++;
            else lines.add(line);
        }
        System.out.printf("corpus: %d lines, %d embedded, %d blank, %d over %d tokens%n", all.size(), lines.size(), blank, tooLong, enc.maxTokens());
        assertTrue(lines.size() > 0.9 * all.size(), "most of the corpus is compared");
        reference = enc.embedAll(lines);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (enc != null) enc.close();
    }

    static void assertMatches(String client, List<float[]> got) {
        assertEquals(lines.size(), got.size(), client);
        double worst = 0;
        for (int i = 0; i < lines.size(); i++) {
            double d = Http.maxDiff(reference.get(i), got.get(i));
            assertTrue(d <= TOL, client + ": line " + i + " '" + lines.get(i) + "': max |diff| " + d);
            worst = Math.max(worst, d);
        }
        System.out.printf("%s vs in-process embedAll: %d lines, max |diff| = %.3g%n", client, lines.size(), worst);
    }

    @Test
    void langchain4jOpenAiEmbeddingModel() {
        OpenAiEmbeddingModel model = OpenAiEmbeddingModel.builder().baseUrl(server.uri() + "/v1").apiKey("unused")
                .modelName("all-MiniLM-L6-v2").maxSegmentsPerBatch(32).build();
        List<Embedding> got = model.embedAll(lines.stream().map(TextSegment::from).toList()).content();
        assertMatches("langchain4j OpenAiEmbeddingModel", got.stream().map(Embedding::vector).toList());
    }

    @Test
    void openAiNodeSdk(@TempDir Path dir) throws Exception {
        run(dir, 300, "npm", "install", "--no-audit", "--no-fund", "--silent", "openai@7");
        try (InputStream in = RealClientsTest.class.getResourceAsStream("/openai-embed.mjs")) {
            Files.write(dir.resolve("openai-embed.mjs"), in.readAllBytes());
        }
        Path input = dir.resolve("lines.json"), output = dir.resolve("vectors.json");
        Files.writeString(input, Http.json(lines), StandardCharsets.UTF_8);
        run(dir, 600, "node", "openai-embed.mjs", server.uri() + "/v1", input.toString(), output.toString());
        JsonNode vectors = Http.JSON.readTree(output.toFile());
        List<float[]> got = new ArrayList<>();
        for (JsonNode v : vectors) got.add(Http.floats(v));
        assertMatches("OpenAI Node SDK", got);
    }

    static void run(Path dir, int timeoutSeconds, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(timeoutSeconds, TimeUnit.SECONDS), String.join(" ", command) + " timed out");
        String text = new String(out, StandardCharsets.UTF_8);
        System.out.print(text);
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + text);
    }
}
