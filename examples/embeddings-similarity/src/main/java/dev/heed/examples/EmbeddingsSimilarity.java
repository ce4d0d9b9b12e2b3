package dev.heed.examples;

import dev.heed.text.ModelCatalog;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * Embeds three sentences with the bundled all-MiniLM-L6-v2 and prints their cosine similarities.
 * Argument: the cache directory for the model copy (default: ~/.cache/heed).
 */
public final class EmbeddingsSimilarity {
    public static void main(String[] args) {
        Path cache = args.length > 0 ? Path.of(args[0]) : Path.of(System.getProperty("user.home"), ".cache", "heed");
        List<String> lines = List.of("Someone plays an instrument.", "The stock market fell sharply today.");
        // README:begin
        try (TextEncoder enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(cache))) {
            float[] v = enc.embed("A man is playing a guitar.");                   // [384], unit length
            List<float[]> all = enc.embedAll(lines);                                // batches of 32 (withBatchSize)
            double sim = TextEncoder.cosine(v, all.get(0)), other = TextEncoder.cosine(v, all.get(1));
            System.out.printf("guitar vs instrument %.3f, guitar vs market %.3f%n", sim, other);   // 0.667, -0.054
            if (!(sim > other)) throw new AssertionError("the related pair should be the more similar one");
        }
        // README:end
        try (TextEncoder byName = ModelCatalog.open("all-minilm-l6-v2", TextEncoderOptions.defaults(cache))) {
            float[] q = byName.embedQuery("how do magnets work");      // the card's query prefix (e5: "query: "), then embed
            float[] p = byName.embedPassage("Magnets attract iron.");  // the card's passage prefix (e5: "passage: ")
            System.out.printf("query vs passage %.3f%n", TextEncoder.cosine(q, p));
        }
    }
}
