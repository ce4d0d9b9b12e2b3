package dev.heed.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.splitter.DocumentSplitters;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.EmbeddingStoreIngestor;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HeedEmbeddingModel as a drop-in for langchain4j's AllMiniLmL6V2EmbeddingModel: the same vectors (1e-4 per
 * component), and a small retrieval round trip through EmbeddingStoreIngestor and InMemoryEmbeddingStore giving the
 * same ranking for every query.
 */
class HeedEmbeddingModelTest {
    static final double TOLERANCE = 1e-4;

    static final List<String> DOCS = List.of(
            "The Eiffel Tower is a wrought-iron lattice tower in Paris.",
            "Photosynthesis converts light energy into chemical energy in plants.",
            "The stock market fell sharply after the interest rate announcement.",
            "A guitar has six strings and is played by strumming or plucking.",
            "Mount Everest is the highest mountain above sea level.",
            "Python and Java are popular programming languages.",
            "The heart pumps blood through the circulatory system.",
            "Football is the most watched sport in the world.");

    static final List<String> QUERIES = List.of("famous landmark in France", "how do plants make food", "musical instrument",
            "writing software", "tallest peak on earth", "human anatomy");

    @TempDir
    Path cache;

    @Test
    void sameVectorsAndSameRankingAsLangchain4j() {
        EmbeddingModel reference = new AllMiniLmL6V2EmbeddingModel(Runnable::run);
        try (HeedEmbeddingModel heed = HeedEmbeddingModel.builder().model("all-minilm-l6-v2").threads(2).batchSize(3)
                .cacheDir(cache).build()) {
            assertEquals(384, heed.dimension());
            List<TextSegment> segs = DOCS.stream().map(TextSegment::from).toList();
            List<Embedding> ours = heed.embedAll(segs).content();
            List<Embedding> theirs = reference.embedAll(segs).content();
            assertEquals(DOCS.size(), ours.size());
            for (int i = 0; i < ours.size(); i++) {
                float[] a = ours.get(i).vector(), b = theirs.get(i).vector();
                for (int k = 0; k < a.length; k++) assertEquals(b[k], a[k], TOLERANCE, "doc " + i + " component " + k);
            }
            List<List<String>> heedRanks = rankings(heed), lcRanks = rankings(reference);
            assertEquals(lcRanks, heedRanks);
            assertEquals(DOCS.get(0), heedRanks.get(0).getFirst());
            assertEquals(DOCS.get(4), heedRanks.get(4).getFirst());
        }
    }

    /** Ingest the documents with the model, then the full ranking of the documents for every query. */
    private static List<List<String>> rankings(EmbeddingModel model) {
        InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
        EmbeddingStoreIngestor.builder().documentSplitter(DocumentSplitters.recursive(300, 0)).embeddingModel(model)
                .embeddingStore(store).build().ingest(DOCS.stream().map(Document::from).toList());
        return QUERIES.stream().map(q -> {
            List<EmbeddingMatch<TextSegment>> matches = store.search(EmbeddingSearchRequest.builder()
                    .queryEmbedding(model.embed(q).content()).maxResults(DOCS.size()).build()).matches();
            assertTrue(matches.size() == DOCS.size(), "every document is returned");
            return matches.stream().map(m -> m.embedded().text()).toList();
        }).toList();
    }
}
