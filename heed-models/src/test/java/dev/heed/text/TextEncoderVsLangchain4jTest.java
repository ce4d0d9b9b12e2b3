package dev.heed.text;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Heed's embeddings of the whole tokenizer corpus (1,262 lines: scripts, emoji, control characters, long lines)
 * against langchain4j's {@code AllMiniLmL6V2EmbeddingModel}, which runs the same ONNX file in ONNX Runtime with the
 * Rust tokenizer: every component within {@value #TOLERANCE}, one text at a time and in padded batches.
 *
 * <p>Lines without a single word piece (blank, or only characters the normaliser drops) are compared only between
 * Heed's own single and batched paths: langchain4j refuses blank text ({@code TextSegment} requires non-blank) and
 * fails on text that tokenises to nothing but [CLS] [SEP] (it averages over zero chunks), so there is no reference.
 */
class TextEncoderVsLangchain4jTest {
    /** Largest allowed |heed − langchain4j| per component of a unit-length 384-d embedding. */
    static final double TOLERANCE = 1e-4;
    /** Padding changes only float rounding: single vs batched Heed per component. */
    static final double PADDING_TOLERANCE = 1e-5;
    static final Path CACHE = Path.of("target", "heed-cache");

    static List<String> corpus;
    static List<float[]> reference;     // null for lines without a word piece (no reference, see above)
    static TextEncoder heed;

    @BeforeAll
    static void load() throws Exception {
        corpus = corpus();
        heed = TextEncoder.defaultModel(TextEncoderOptions.defaults(CACHE));
        AllMiniLmL6V2EmbeddingModel lc = new AllMiniLmL6V2EmbeddingModel(Runnable::run);
        reference = new ArrayList<>(corpus.size());
        for (String line : corpus) reference.add(hasWordPiece(line) ? lc.embed(line).content().vector() : null);
    }

    @AfterAll
    static void close() {
        if (heed != null) heed.close();
    }

    /** More than [CLS] and [SEP]. */
    static boolean hasWordPiece(String line) {
        return heed.tokenizer().encode(line).length() > 2;
    }

    static List<String> corpus() throws IOException {
        try (InputStream in = TextEncoderVsLangchain4jTest.class.getClassLoader().getResourceAsStream("text/corpus.txt")) {
            assertNotNull(in, "test resource text/corpus.txt is missing");
            // Only '\n' separates lines: \u000b, \u000c, \u0085, \u2028 are content.
            List<String> lines = new ArrayList<>(Arrays.asList(new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .split("\n", -1)));
            lines.removeLast();
            return List.copyOf(lines);
        }
    }

    /** Max |a − b| over components; fails on a length mismatch. */
    static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length, "embedding length");
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

    static void assertUnit(float[] v, String what) {
        double n = 0;
        for (float x : v) {
            assertTrue(Float.isFinite(x), what + ": non-finite component");
            n += (double) x * x;
        }
        assertEquals(1.0, Math.sqrt(n), 1e-5, what + ": L2 norm");
    }

    /** Compares every non-blank line; returns the max error, failing with the worst lines. */
    static double compare(List<float[]> ours, String how) {
        assertEquals(corpus.size(), ours.size());
        double max = 0;
        int compared = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            assertUnit(ours.get(i), how + " line " + (i + 1));
            if (reference.get(i) == null) continue;
            double d = maxDiff(ours.get(i), reference.get(i));
            compared++;
            max = Math.max(max, d);
            if (d > TOLERANCE && failures.size() < 10) {
                failures.add(String.format(Locale.ROOT, "line %d (%d chars) max diff %.3g: %.60s", i + 1,
                        corpus.get(i).length(), d, corpus.get(i)));
            }
        }
        System.out.printf(Locale.ROOT, "%s: %d lines compared with langchain4j, max |diff| %.3g (tolerance %.0e)%n",
                how, compared, max, TOLERANCE);
        assertTrue(compared >= 1200, "compared only " + compared + " lines");
        assertTrue(failures.isEmpty(), how + ": " + failures.size() + "+ lines over " + TOLERANCE + ":\n"
                + String.join("\n", failures));
        return max;
    }

    @Test
    void corpusHasWhatTheTestNeeds() {
        assertEquals(1262, corpus.size());
        assertTrue(corpus.stream().anyMatch(String::isBlank), "blank lines (no langchain4j reference)");
        long without = corpus.stream().filter(s -> !hasWordPiece(s)).count();
        System.out.println("lines without a word piece (no langchain4j reference): " + without);
        assertTrue(without < 20, without + " lines without a word piece");
        assertTrue(corpus.stream().anyMatch(s -> heed.tokenizer().encode(s).length() == heed.maxTokens()),
                "lines cut by the 128-token truncation");
        assertTrue(heed.feedsTokenTypeIds(), "all-MiniLM-L6-v2 declares token_type_ids");
    }

    @Test
    void singleTextsMatchLangchain4j() {
        List<float[]> ours = new ArrayList<>();
        for (String line : corpus) ours.add(heed.embed(line));
        compare(ours, "single");
    }

    @Test
    void batchesMatchLangchain4jAndSingleTexts() {
        List<float[]> batched = heed.embedAll(corpus);
        compare(batched, "batch 32");
        // batches of 7: other batch boundaries and padding, same results
        try (TextEncoder seven = TextEncoder.defaultModel(TextEncoderOptions.defaults(CACHE).withBatchSize(7))) {
            List<float[]> other = seven.embedAll(corpus);
            double max = 0;
            for (int i = 0; i < corpus.size(); i++) max = Math.max(max, maxDiff(batched.get(i), other.get(i)));
            System.out.printf(Locale.ROOT, "batch 32 vs batch 7: max |diff| %.3g%n", max);
            assertTrue(max <= PADDING_TOLERANCE, "batch 32 vs batch 7 max diff " + max);
        }
        // lines without a reference: batched must equal single
        for (int i = 0; i < corpus.size(); i++) {
            if (reference.get(i) != null) continue;
            double d = maxDiff(batched.get(i), heed.embed(corpus.get(i)));
            assertTrue(d <= PADDING_TOLERANCE, "line " + (i + 1) + " (no word piece): batched vs single " + d);
        }
    }

    @Test
    void concurrentCallersGetTheSameResults() throws Exception {
        List<String> some = corpus.subList(0, 96);
        List<float[]> expected = heed.embedAll(some);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<List<float[]>>> futures = new ArrayList<>();
            for (int t = 0; t < 3; t++) futures.add(pool.submit(() -> heed.embedAll(some)));
            for (Future<List<float[]>> f : futures) {
                List<float[]> got = f.get();
                for (int i = 0; i < some.size(); i++) assertEquals(0.0, maxDiff(expected.get(i), got.get(i)), "line " + i);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void cosineSimilarity() {
        List<float[]> v = heed.embedAll(List.of("A man is playing a guitar.", "Someone plays an instrument.",
                "The stock market fell sharply today."));
        double[][] m = TextEncoder.cosineMatrix(v);
        for (int i = 0; i < 3; i++) assertEquals(1.0, m[i][i], 1e-6);
        assertEquals(m[0][1], m[1][0]);
        assertTrue(m[0][1] > m[0][2] + 0.2, "related sentences are closer: " + Arrays.deepToString(m));
        // the reference's own cosine on the same texts
        AllMiniLmL6V2EmbeddingModel lc = new AllMiniLmL6V2EmbeddingModel(Runnable::run);
        float[] a = lc.embed("A man is playing a guitar.").content().vector();
        float[] b = lc.embed("Someone plays an instrument.").content().vector();
        assertEquals(TextEncoder.cosine(a, b), m[0][1], 1e-4);
        HeedException e = assertThrows(HeedException.class, () -> TextEncoder.cosine(new float[3], new float[4]));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("a[3]") && e.getMessage().contains("b[4]"), e.getMessage());
    }

    @Test
    void modelDirectoryNamesWhatIsMissing(@TempDir Path dir) throws IOException {
        HeedException none = assertThrows(HeedException.class, () -> TextEncoder.open(dir));
        assertEquals(ErrorCode.IO, none.code());
        assertTrue(none.getMessage().contains("model.onnx") && none.getMessage().contains("tokenizer.json"), none.getMessage());

        try (InputStream in = BundledModel.tokenizer()) {
            Files.copy(in, dir.resolve("tokenizer.json"));
        }
        HeedException noModel = assertThrows(HeedException.class, () -> TextEncoder.open(dir));
        assertTrue(noModel.getMessage().contains("no model.onnx"), noModel.getMessage());
        assertFalse(noModel.getMessage().contains("no tokenizer.json"), noModel.getMessage());

        // a real directory opens and gives the bundled model's embeddings
        Files.createSymbolicLink(dir.resolve("model.onnx"), heed.modelFile().toAbsolutePath());
        try (TextEncoder fromDir = TextEncoder.open(dir, TextEncoderOptions.defaults(null).withBatchSize(4))) {
            assertEquals(0.0, maxDiff(heed.embed(corpus.get(3)), fromDir.embed(corpus.get(3))));
        }
        HeedException notDir = assertThrows(HeedException.class, () -> TextEncoder.open(dir.resolve("model.onnx")));
        assertTrue(notDir.getMessage().contains("not a directory"), notDir.getMessage());
    }

    @Test
    void moreTokensThanPositionsIsRefused() {
        HeedException e = assertThrows(HeedException.class,
                () -> TextEncoder.defaultModel(TextEncoderOptions.defaults(CACHE).withMaxTokens(513)));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("513") && e.getMessage().contains("512"), e.getMessage());
        assertThrows(HeedException.class, () -> TextEncoderOptions.defaults(CACHE).withBatchSize(0));
        assertThrows(HeedException.class, () -> heed.embedAll(Arrays.asList("a", null)));
    }

    @Test
    void cacheIsVerifiedAndRepaired(@TempDir Path cache) throws IOException {
        HeedException noCache = assertThrows(HeedException.class,
                () -> TextEncoder.defaultModel(TextEncoderOptions.defaults(null)));
        assertTrue(noCache.getMessage().contains("cacheDir"), noCache.getMessage());

        Path file = BundledModel.modelFile(cache);
        assertEquals(BundledModel.MODEL_SIZE, Files.size(file));
        assertTrue(BundledModel.matches(file));
        long modified = Files.getLastModifiedTime(file).toMillis();
        assertEquals(file, BundledModel.modelFile(cache), "reused");
        assertEquals(modified, Files.getLastModifiedTime(file).toMillis(), "a good copy is not rewritten");

        // same size, one byte flipped: the checksum catches it and the copy is replaced
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x55}), 1000);
        }
        assertFalse(BundledModel.matches(file));
        BundledModel.modelFile(cache);
        assertTrue(BundledModel.matches(file), "repaired");
        // truncated: replaced too
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(1234);
        }
        BundledModel.modelFile(cache);
        assertTrue(BundledModel.matches(file), "repaired after truncation");
        try (var files = Files.list(cache)) {
            assertEquals(List.of(file.getFileName().toString()), files.map(p -> p.getFileName().toString()).toList(),
                    "no temporary files left behind");
        }
    }
}
