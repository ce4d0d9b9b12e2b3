package dev.heed.server;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * langchain4j's {@link OpenAiEmbeddingModel}, a real OpenAI client, against a Heed server: the vectors for the whole
 * tokenizer corpus equal the in-process {@link TextEncoder} within 1e-6 per component. Lines langchain4j refuses
 * (blank, also by String.trim: TextSegment requires text) and lines over the model's 256 tokens (the OpenAI route refuses them without
 * "truncate", which the client cannot send) are left out and counted.
 */
class Langchain4jClientTest {
    static final double TOL = 1e-6;

    @Test
    void corpusEqualsInProcess() throws Exception {
        try (TextEncoder enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(Http.CACHE));
             HeedServer server = HeedServer.start(enc, ServerConfig.defaults().withPort(0))) {
            List<String> lines = new ArrayList<>();
            int blank = 0, tooLong = 0;
            List<String> all = Http.corpus();
            for (String line : all) {
                if (line.isBlank() || line.trim().isEmpty()) blank++;
                else if (enc.tokenizer().withTruncation(null).encode(line).length() > enc.maxTokens()) tooLong++;
                else lines.add(line);
            }
            System.out.printf("corpus: %d lines, %d embedded, %d blank, %d over %d tokens%n", all.size(), lines.size(), blank, tooLong, enc.maxTokens());
            assertTrue(lines.size() > 0.9 * all.size(), "most of the corpus is compared");
            OpenAiEmbeddingModel model = OpenAiEmbeddingModel.builder().baseUrl(server.uri() + "/v1").apiKey("unused")
                    .modelName("all-MiniLM-L6-v2").maxSegmentsPerBatch(32).build();
            List<Embedding> got = model.embedAll(lines.stream().map(TextSegment::from).toList()).content();
            assertEquals(lines.size(), got.size());
            List<float[]> ref = enc.embedAll(lines);
            double worst = 0;
            for (int i = 0; i < lines.size(); i++) {
                double d = Http.maxDiff(ref.get(i), got.get(i).vector());
                assertTrue(d <= TOL, "line " + i + " '" + lines.get(i) + "': max |diff| " + d);
                worst = Math.max(worst, d);
            }
            System.out.printf("langchain4j OpenAiEmbeddingModel vs in-process embedAll: %d lines, max |diff| = %.3g%n", lines.size(), worst);
        }
    }
}
