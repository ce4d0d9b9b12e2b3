package dev.heed.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our tokenizer against the reference (Hugging Face tokenizers, Rust, through DJL's JNI binding; the native library
 * ships inside the DJL jar, so nothing is downloaded) on every line of {@code text/corpus.txt}: ids, type ids,
 * attention masks, special-token masks and tokens must be identical, and offsets identical wherever the reference
 * reports them (it counts code points; we count UTF-16 units, so ours are converted before comparing).
 */
class TokenizerVsDjlTest {
    static final String JSON = "all-minilm-l6-v2-tokenizer.json";

    static List<String> corpus;
    /** Ours, as the file says (truncation longest-first at 128, padding fixed to 128). */
    static Tokenizer ours;
    /** Ours with batch-longest padding: what DJL does with the file's settings (it does not pad single inputs). */
    static Tokenizer oursLongest;
    static HuggingFaceTokenizer djl;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = resource("text/corpus.txt")) {
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            // Only '\n' separates lines: \u000b, \u000c, \u0085, \u2028 are content.
            List<String> lines = new ArrayList<>(Arrays.asList(all.split("\n", -1)));
            lines.removeLast(); // the file ends with '\n'
            corpus = List.copyOf(lines);
        }
        try (InputStream in = resource(JSON)) {
            ours = Tokenizer.read(in);
        }
        oursLongest = ours.withPadding(ours.padding().orElseThrow().batchLongest());
        djl = djl(Map.of());
    }

    @AfterAll
    static void close() {
        djl.close();
    }

    static InputStream resource(String name) {
        InputStream in = TokenizerVsDjlTest.class.getClassLoader().getResourceAsStream(name);
        assertNotNull(in, "test resource " + name + " is missing from the classpath");
        return in;
    }

    static HuggingFaceTokenizer djl(Map<String, String> options) throws IOException {
        try (InputStream in = resource(JSON)) {
            return HuggingFaceTokenizer.newInstance(in, options);
        }
    }

    @Test
    void corpusIsBigAndVaried() {
        assertTrue(corpus.size() >= 1000, "corpus has " + corpus.size() + " lines");
        assertTrue(corpus.contains(""), "an empty line");
        assertTrue(corpus.stream().anyMatch(s -> !s.isEmpty() && s.isBlank()), "a whitespace-only line");
        assertTrue(corpus.stream().anyMatch(s -> s.codePoints().count() > 128), "a line longer than max_length");
    }

    @Test
    void singleLinesMatch() {
        List<String> failures = new ArrayList<>();
        for (String line : corpus) {
            compare(line, null, oursLongest.encode(line), djl.encode(line), failures);
        }
        report("single", corpus.size(), failures);
    }

    @Test
    void fixedPaddingFromTheFileMatches() throws IOException {
        assertEquals(TokenizerConfig.Padding.Strategy.FIXED, ours.padding().orElseThrow().strategy());
        try (HuggingFaceTokenizer ref = djl(Map.of("padding", "max_length", "maxLength", "128"))) {
            List<String> failures = new ArrayList<>();
            int n = corpus.size();
            for (int i = 0; i < n; i++) {
                String a = corpus.get(i);
                assertEquals(128, ours.encode(a).length());
                compare(a, null, ours.encode(a), ref.encode(a), failures);
                String b = corpus.get((i * 11 + 1) % n);
                compare(a, b, ours.encode(a, b), ref.encode(a, b), failures);
            }
            report("fixed-128 single and pair", n, failures);
        }
    }

    @Test
    void pairsMatch() {
        List<String> failures = new ArrayList<>();
        int n = corpus.size();
        for (int i = 0; i < n; i++) {
            String a = corpus.get(i);
            String b = corpus.get((i * 7 + 3) % n);
            compare(a, b, oursLongest.encode(a, b), djl.encode(a, b), failures);
        }
        report("pair", n, failures);
    }

    @Test
    void shortMaxLengthTruncationMatches() throws IOException {
        for (String strategy : List.of("longest_first", "only_first", "only_second")) {
            TokenizerConfig.Truncation.Strategy s = TokenizerConfig.Truncation.Strategy.valueOf(strategy.toUpperCase());
            Tokenizer mine = ours.withTruncation(new TokenizerConfig.Truncation(16, s, TokenizerConfig.Side.RIGHT));
            try (HuggingFaceTokenizer ref = djl(Map.of("maxLength", "16", "truncation", strategy,
                    "padding", "false"))) {
                List<String> failures = new ArrayList<>();
                int n = corpus.size();
                int compared = 0;
                for (int i = 0; i < n; i++) {
                    String a = corpus.get(i);
                    String b = corpus.get((i * 13 + 5) % n);
                    Encoding expectedFailure = null;
                    Encoding got;
                    try {
                        got = mine.withPadding(null).encode(a, b);
                    } catch (dev.heed.HeedException e) {
                        got = expectedFailure;
                    }
                    ai.djl.huggingface.tokenizers.Encoding want;
                    try {
                        want = ref.encode(a, b);
                    } catch (RuntimeException e) {
                        want = null;
                    }
                    if ((got == null) != (want == null)) {
                        failures.add("pair " + i + ": ours " + (got == null ? "failed" : "succeeded")
                                + ", reference " + (want == null ? "failed" : "succeeded"));
                        continue;
                    }
                    if (got != null) {
                        compare(a, b, got, want, failures);
                        compared++;
                    }
                }
                report("truncated pair (" + strategy + ", max 16)", compared, failures);
            }
        }
    }

    @Test
    void batchPaddingMatches() {
        Tokenizer mine = oursLongest;
        List<String> failures = new ArrayList<>();
        int lines = 0;
        for (int i = 0; i < corpus.size(); i += 8) {
            List<String> batch = corpus.subList(i, Math.min(corpus.size(), i + 8));
            List<Encoding> got = mine.encodeBatch(batch);
            ai.djl.huggingface.tokenizers.Encoding[] want = djl.batchEncode(batch);
            assertEquals(want.length, got.size());
            for (int k = 0; k < want.length; k++) {
                compare(batch.get(k), null, got.get(k), want[k], failures);
                lines++;
            }
        }
        report("batch", lines, failures);
    }

    @Test
    void decodeMatches() {
        List<String> failures = new ArrayList<>();
        for (String line : corpus) {
            Encoding e = ours.encode(line);
            long[] ids = Arrays.stream(e.ids()).asLongStream().toArray();
            for (boolean skip : new boolean[] {true, false}) {
                String want = djl.decode(ids, skip);
                String got = ours.decode(e.ids(), skip);
                if (!want.equals(got)) {
                    failures.add("decode(skip=" + skip + ") of " + quote(line) + ": want " + quote(want) + " got "
                            + quote(got));
                }
            }
        }
        report("decode", corpus.size(), failures);
    }

    static void report(String what, int compared, List<String> failures) {
        System.out.println("TokenizerVsDjlTest: " + what + ": compared " + compared + " lines, " + failures.size()
                + " mismatches");
        assertTrue(failures.isEmpty(), failures.size() + " " + what + " mismatches, first ones:\n"
                + String.join("\n", failures.subList(0, Math.min(15, failures.size()))));
    }

    static void compare(String a, String b, Encoding got, ai.djl.huggingface.tokenizers.Encoding want,
                        List<String> failures) {
        String where = quote(a) + (b == null ? "" : " | " + quote(b));
        long[] wantIds = want.getIds();
        if (!Arrays.equals(wantIds, longs(got.ids()))) {
            failures.add("ids of " + where + "\n  want " + head(want.getTokens()) + "\n  got  "
                    + head(got.tokens()));
            return;
        }
        if (!Arrays.equals(want.getTypeIds(), longs(got.typeIds()))) {
            failures.add("type ids of " + where);
            return;
        }
        if (!Arrays.equals(want.getAttentionMask(), longs(got.attentionMask()))) {
            failures.add("attention mask of " + where);
            return;
        }
        if (!Arrays.equals(want.getSpecialTokenMask(), longs(got.specialTokensMask()))) {
            failures.add("special tokens mask of " + where);
            return;
        }
        if (!Arrays.equals(want.getTokens(), got.tokens())) {
            failures.add("tokens of " + where + "\n  want " + head(want.getTokens()) + "\n  got  "
                    + head(got.tokens()));
            return;
        }
        CharSpan[] spans = want.getCharTokenSpans();
        for (int i = 0; i < spans.length; i++) {
            if (spans[i] == null) {
                continue;
            }
            String text = got.sequenceIds()[i] == 1 ? b : a;
            int start = text.codePointCount(0, got.starts()[i]);
            int end = text.codePointCount(0, got.ends()[i]);
            if (spans[i].getStart() != start || spans[i].getEnd() != end) {
                failures.add("offsets of token " + i + " " + quote(got.tokens()[i]) + " in " + where + ": want ("
                        + spans[i].getStart() + "," + spans[i].getEnd() + ") got (" + start + "," + end + ")");
                return;
            }
        }
    }

    static String head(String[] tokens) {
        return tokens.length + " " + Arrays.toString(Arrays.copyOf(tokens, Math.min(40, tokens.length)));
    }

    static long[] longs(int[] a) {
        return Arrays.stream(a).asLongStream().toArray();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().limit(80).forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || Character.getType(cp) == Character.FORMAT) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.append(s.codePointCount(0, s.length()) > 80 ? "…\"" : "\"").toString();
    }
}
