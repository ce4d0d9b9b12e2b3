package dev.heed.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.io.InputStream;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Unit tests on a tiny tokenizer.json built here, plus a few known tokenisations of the real all-MiniLM one. */
class TokenizerTest {
    static final String[] VOCAB = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", ",", "!", "un",
        "##aff", "##able", "cafe", "中", "文", ".", "a", "##b", "i", "café", "x", "##x", "?"};

    static final String BERT_NORMALIZER = """
            {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
             "strip_accents": null, "lowercase": true}""";
    static final String TEMPLATE = """
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                        {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
             "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                      {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                      {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
             "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                                "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}}""";
    static final String ADDED = """
            [{"id": 0, "content": "[PAD]", "special": true, "normalized": false},
             {"id": 1, "content": "[UNK]", "special": true, "normalized": false},
             {"id": 2, "content": "[CLS]", "special": true, "normalized": false},
             {"id": 3, "content": "[SEP]", "special": true, "normalized": false},
             {"id": 4, "content": "[MASK]", "special": true, "normalized": false}]""";

    /** A tokenizer.json with the given sections (JSON text; "null" for none). */
    static String json(String normalizer, String preTokenizer, String model, String postProcessor, String added,
                       String truncation, String padding, String decoder) {
        return """
                {"version": "1.0", "truncation": %s, "padding": %s, "added_tokens": %s, "normalizer": %s,
                 "pre_tokenizer": %s, "post_processor": %s, "decoder": %s, "model": %s}"""
                .formatted(truncation, padding, added, normalizer, preTokenizer, postProcessor, decoder, model);
    }

    static String wordPiece(int maxChars) {
        StringBuilder v = new StringBuilder("{");
        for (int i = 0; i < VOCAB.length; i++) {
            v.append(i == 0 ? "" : ", ").append('"').append(VOCAB[i]).append("\": ").append(i);
        }
        v.append('}');
        return """
                {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                 "max_input_chars_per_word": %d, "vocab": %s}""".formatted(maxChars, v);
    }

    static String bertJson() {
        return json(BERT_NORMALIZER, "{\"type\": \"BertPreTokenizer\"}", wordPiece(100), TEMPLATE, ADDED, "null",
                "null", "{\"type\": \"WordPiece\", \"prefix\": \"##\", \"cleanup\": true}");
    }

    static Tokenizer bert() {
        return Tokenizer.of(TokenizerConfig.parse(bertJson()));
    }

    static List<String> tokens(Encoding e) {
        return List.of(e.tokens());
    }

    // ------------------------------------------------------------------ tokenisation

    @Test
    void wordPieceSplitsGreedilyLongestFirst() {
        Encoding e = bert().encode("Hello, unaffable world!");
        assertEquals(List.of("[CLS]", "hello", ",", "un", "##aff", "##able", "world", "!", "[SEP]"), tokens(e));
        assertArrayEquals(new int[] {2, 5, 7, 9, 10, 11, 6, 8, 3}, e.ids());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 0, 0, 0}, e.typeIds());
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, e.attentionMask());
        assertArrayEquals(new int[] {1, 0, 0, 0, 0, 0, 0, 0, 1}, e.specialTokensMask());
    }

    @Test
    void uncoverableAndOverlongWordsBecomeOneUnknownToken() {
        Encoding e = bert().encode("hello zzz abb");
        assertEquals(List.of("[CLS]", "hello", "[UNK]", "a", "##b", "##b", "[SEP]"), tokens(e));
        assertEquals(6, e.starts()[2]);
        assertEquals(9, e.ends()[2]);

        Tokenizer shortWords = Tokenizer.of(TokenizerConfig.parse(json(BERT_NORMALIZER,
                "{\"type\": \"BertPreTokenizer\"}", wordPiece(3), TEMPLATE, ADDED, "null", "null", "null")));
        assertEquals(List.of("[CLS]", "x", "##x", "##x", "[UNK]", "[SEP]"), tokens(shortWords.encode("xxx xxxx")));
        Encoding unk = shortWords.encode("xxx xxxx");
        assertEquals(4, unk.starts()[4]);
        assertEquals(8, unk.ends()[4]);
    }

    @Test
    void offsetsPointIntoTheOriginalTextThroughNormalisation() {
        String text = "CAFÉ Cafe\u0301 😀 中文 İ";
        Encoding e = bert().encode(text);
        assertEquals(List.of("[CLS]", "cafe", "cafe", "[UNK]", "中", "文", "i", "[SEP]"), tokens(e));
        String[] expected = {"", "CAFÉ", "Cafe", "😀", "中", "文", "İ", ""};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], text.substring(e.starts()[i], e.ends()[i]), "token " + i);
        }
    }

    @Test
    void cleansControlsAndSpacesOutWhitespaceVariants() {
        Encoding e = bert().encode("\u0001hello\u200b\tworld\u00a0!\ufffd");
        assertEquals(List.of("[CLS]", "hello", "world", "!", "[SEP]"), tokens(e));
        assertTrue(bert().encode("").length() == 2, "empty text: [CLS] [SEP]");
        assertEquals(List.of("[CLS]", "[SEP]"), tokens(bert().encode(" \t\u3000 ")));
    }

    @Test
    void addedTokensAreMatchedInTheRawText() {
        Encoding e = bert().encode("hello [MASK]world [mask]");
        // "[mask]" is not the added token (matched case-sensitively in the raw text): "[", "mask", "]" are words
        assertEquals(List.of("[CLS]", "hello", "[MASK]", "world", "[UNK]", "[UNK]", "[UNK]", "[SEP]"), tokens(e));
        assertEquals(6, e.starts()[2]);
        assertEquals(12, e.ends()[2]);
        assertEquals(0, e.specialTokensMask()[2], "a special token typed by the user is text, not template");
    }

    @Test
    void normalizedAddedTokensWithStripping() {
        String added = ADDED.substring(0, ADDED.lastIndexOf(']'))
                + ", {\"id\": 30, \"content\": \"Hello!\", \"special\": false,"
                + " \"normalized\": true, \"lstrip\": true, \"rstrip\": true}]";
        Tokenizer t = Tokenizer.of(TokenizerConfig.parse(json(BERT_NORMALIZER, "{\"type\": \"BertPreTokenizer\"}",
                wordPiece(100), TEMPLATE, added, "null", "null", "null")));
        String text = "world  HELLO!  world";
        Encoding e = t.encode(text);
        // the token text is the matched normalised text, stripped spaces included (as the reference reports it)
        assertEquals(List.of("[CLS]", "world", "  hello!  ", "world", "[SEP]"), tokens(e));
        assertEquals(30, e.ids()[2]);
        assertEquals("  HELLO!  ", text.substring(e.starts()[2], e.ends()[2]));
        assertEquals(OptionalInt.of(30), t.tokenToId("Hello!"));
        assertEquals(VOCAB.length + 1, t.vocabSize());
        assertEquals("Hello!", t.idToToken(30));
    }

    @Test
    void pairsGetTypeIdsAndOffsetsIntoTheirOwnText() {
        Encoding e = bert().encode("hello world", "unaffable!");
        assertEquals(List.of("[CLS]", "hello", "world", "[SEP]", "un", "##aff", "##able", "!", "[SEP]"), tokens(e));
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1, 1, 1}, e.typeIds());
        assertArrayEquals(new int[] {-1, 0, 0, -1, 1, 1, 1, 1, -1}, e.sequenceIds());
        assertEquals(2, e.starts()[5]);
        assertEquals(5, e.ends()[5]);
    }

    @Test
    void bertProcessingIsTheSameTemplate() {
        String bp = "{\"type\": \"BertProcessing\", \"sep\": [\"[SEP]\", 3], \"cls\": [\"[CLS]\", 2]}";
        Tokenizer t = Tokenizer.of(TokenizerConfig.parse(json(BERT_NORMALIZER, "{\"type\": \"BertPreTokenizer\"}",
                wordPiece(100), bp, ADDED, "null", "null", "null")));
        Encoding want = bert().encode("hello", "world!");
        Encoding got = t.encode("hello", "world!");
        assertArrayEquals(want.ids(), got.ids());
        assertArrayEquals(want.typeIds(), got.typeIds());
    }

    @Test
    void otherNormalizersAndPreTokenizers() {
        String seq = """
                {"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "Lowercase"}, {"type": "StripAccents"}]}""";
        Tokenizer t = Tokenizer.of(TokenizerConfig.parse(json(seq, "{\"type\": \"WhitespaceSplit\"}",
                wordPiece(100), "null", "[]", "null", "null", "null")));
        assertEquals(List.of("cafe", "[UNK]"), tokens(t.encode("CAFÉ hello!")));

        Tokenizer ws = Tokenizer.of(TokenizerConfig.parse(json("{\"type\": \"Lowercase\"}",
                "{\"type\": \"Whitespace\"}", wordPiece(100), "null", "[]", "null", "null", "null")));
        assertEquals(List.of("hello", "!", "café"), tokens(ws.encode("Hello! Café")));

        Tokenizer keepAccents = Tokenizer.of(TokenizerConfig.parse(json(BERT_NORMALIZER.replace(
                "\"strip_accents\": null", "\"strip_accents\": false"), "{\"type\": \"BertPreTokenizer\"}",
                wordPiece(100), "null", "[]", "null", "null", "null")));
        assertEquals(List.of("café"), tokens(keepAccents.encode("CAFÉ")));
        assertEquals(List.of("hello", "world"), tokens(keepAccents.encode("hello", "world")));
        assertArrayEquals(new int[] {0, 1}, keepAccents.encode("hello", "world").typeIds());
    }

    // ------------------------------------------------------------------ truncation and padding

    @Test
    void truncationKeepsSpecialTokensAndFollowsTheStrategy() {
        Tokenizer t = bert().withMaxLength(5);
        assertEquals(List.of("[CLS]", "hello", "world", "hello", "[SEP]"),
                tokens(t.encode("hello world hello world")));
        // pair: 3 + 6 tokens into 7 - 3 specials = 4: the shorter cannot keep all, so both get max / 2
        Encoding p = bert().withMaxLength(7).encode("hello world !", "unaffable x x x");
        assertEquals(List.of("[CLS]", "hello", "world", "[SEP]", "un", "##aff", "[SEP]"), tokens(p));
        // the longer one absorbs the whole cut when it can
        Encoding q = bert().withMaxLength(8).encode("hello", "x x x x x x");
        assertEquals(List.of("[CLS]", "hello", "[SEP]", "x", "x", "x", "x", "[SEP]"), tokens(q));

        Tokenizer left = bert().withTruncation(new TokenizerConfig.Truncation(4,
                TokenizerConfig.Truncation.Strategy.LONGEST_FIRST, TokenizerConfig.Side.LEFT));
        assertEquals(List.of("[CLS]", "world", "!", "[SEP]"), tokens(left.encode("hello, world!")));

        Tokenizer onlySecond = bert().withTruncation(new TokenizerConfig.Truncation(6,
                TokenizerConfig.Truncation.Strategy.ONLY_SECOND, TokenizerConfig.Side.RIGHT));
        assertEquals(List.of("[CLS]", "hello", "[SEP]", "x", "x", "[SEP]"), tokens(onlySecond.encode("hello",
                "x x x x")));
        HeedException noPair = assertThrows(HeedException.class, () -> onlySecond.encode("x x x x x x x"));
        assertTrue(noPair.getMessage().contains("ONLY_SECOND"), noPair.getMessage());
        HeedException tooShort = assertThrows(HeedException.class, () -> bert().withMaxLength(1).encode("hello"));
        assertEquals(List.of("[CLS]", "[SEP]"), tokens(bert().withMaxLength(2).encode("hello")));
        assertEquals(ErrorCode.INVALID_ARGUMENT, tooShort.code());
    }

    @Test
    void truncationAndPaddingComeFromTheFile() {
        String trunc = "{\"direction\": \"Right\", \"max_length\": 4, \"strategy\": \"LongestFirst\", \"stride\": 0}";
        String pad = "{\"strategy\": {\"Fixed\": 6}, \"direction\": \"Right\", \"pad_to_multiple_of\": null,"
                + " \"pad_id\": 0, \"pad_type_id\": 0, \"pad_token\": \"[PAD]\"}";
        Tokenizer t = Tokenizer.of(TokenizerConfig.parse(json(BERT_NORMALIZER, "{\"type\": \"BertPreTokenizer\"}",
                wordPiece(100), TEMPLATE, ADDED, trunc, pad, "null")));
        Encoding e = t.encode("hello world hello");
        assertEquals(List.of("[CLS]", "hello", "world", "[SEP]", "[PAD]", "[PAD]"), tokens(e));
        assertArrayEquals(new int[] {1, 1, 1, 1, 0, 0}, e.attentionMask());
        assertArrayEquals(new int[] {1, 0, 0, 1, 1, 1}, e.specialTokensMask());
        assertEquals(6, t.withMaxLength(6).encode("hello world hello world").length());
        assertEquals(List.of("[CLS]", "hello", "world", "hello", "world", "hello", "[SEP]"),
                tokens(t.withMaxLength(7).encode("hello world hello world hello")));
    }

    @Test
    void batchPaddingToTheLongestOnEitherSide() {
        TokenizerConfig.Padding right = new TokenizerConfig.Padding(TokenizerConfig.Padding.Strategy.BATCH_LONGEST,
                0, TokenizerConfig.Side.RIGHT, 0, 0, 7, "[PAD]");
        List<Encoding> batch = bert().withPadding(right).encodeBatch(List.of("hello", "hello world !", ""));
        for (Encoding e : batch) {
            assertEquals(5, e.length());
        }
        assertArrayEquals(new int[] {2, 5, 3, 0, 0}, batch.get(0).ids());
        assertArrayEquals(new int[] {0, 0, 0, 7, 7}, batch.get(0).typeIds());
        assertArrayEquals(new int[] {1, 1, 0, 0, 0}, batch.get(2).attentionMask());

        TokenizerConfig.Padding left = new TokenizerConfig.Padding(TokenizerConfig.Padding.Strategy.BATCH_LONGEST,
                0, TokenizerConfig.Side.LEFT, 4, 0, 0, "[PAD]");
        List<Encoding> lb = bert().withPadding(left).encodeBatch(List.of("hello", "hello world !"));
        assertEquals(8, lb.get(0).length(), "5 rounded up to a multiple of 4");
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 2, 5, 3}, lb.get(0).ids());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1, 1, 1}, lb.get(0).attentionMask());

        List<Encoding> pairs = bert().withPadding(right).encodeBatch(List.of("hello", "x x x"), List.of("world",
                "x"));
        assertEquals(pairs.get(0).length(), pairs.get(1).length());
        assertThrows(HeedException.class, () -> bert().encodeBatch(List.of("a"), List.of("a", "b")));
    }

    // ------------------------------------------------------------------ vocabulary and decoding

    @Test
    void vocabularyLookupsAndDecoding() {
        Tokenizer t = bert();
        assertEquals(VOCAB.length, t.vocabSize());
        assertEquals(OptionalInt.of(10), t.tokenToId("##aff"));
        assertEquals(OptionalInt.empty(), t.tokenToId("nope"));
        assertEquals("##able", t.idToToken(11));
        assertThrows(HeedException.class, () -> t.idToToken(999));
        Encoding e = t.encode("Hello, unaffable world!");
        assertEquals("hello, unaffable world!", t.decode(e.ids()));
        assertEquals("[CLS] hello, unaffable world! [SEP]", t.decode(e.ids(), false));
    }

    // ------------------------------------------------------------------ bad configurations

    static HeedException bad(String json) {
        return assertThrows(HeedException.class, () -> TokenizerConfig.parse(json));
    }

    static void assertUnsupported(HeedException e, String field, String choice) {
        assertEquals(ErrorCode.UNSUPPORTED, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(field), e.getMessage() + " should name " + field);
        assertTrue(e.getMessage().contains(choice), e.getMessage() + " should list " + choice);
    }

    @Test
    void unsupportedTypesNameTheFieldAndTheChoices() {
        String pre = "{\"type\": \"BertPreTokenizer\"}";
        assertUnsupported(bad(json(BERT_NORMALIZER, pre, "{\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}",
                TEMPLATE, ADDED, "null", "null", "null")), "model.type", "WordPiece");
        assertUnsupported(bad(json("{\"type\": \"NFC\"}", pre, wordPiece(100), TEMPLATE, ADDED, "null", "null",
                "null")), "normalizer.type", "BertNormalizer");
        assertUnsupported(bad(json("{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFD\"},"
                + " {\"type\": \"Replace\"}]}", pre, wordPiece(100), TEMPLATE, ADDED, "null", "null", "null")),
                "normalizer.normalizers[1].type", "StripAccents");
        assertUnsupported(bad(json(BERT_NORMALIZER, "{\"type\": \"ByteLevel\"}", wordPiece(100), TEMPLATE, ADDED,
                "null", "null", "null")), "pre_tokenizer.type", "BertPreTokenizer");
        assertUnsupported(bad(json(BERT_NORMALIZER, pre, wordPiece(100), "{\"type\": \"RobertaProcessing\"}", ADDED,
                "null", "null", "null")), "post_processor.type", "TemplateProcessing");
        assertUnsupported(bad(json(BERT_NORMALIZER, pre, wordPiece(100), TEMPLATE, ADDED, "null", "null",
                "{\"type\": \"ByteLevel\"}")), "decoder.type", "WordPiece");
        assertUnsupported(bad(json(BERT_NORMALIZER, pre, wordPiece(100), TEMPLATE, ADDED,
                "{\"max_length\": 8, \"stride\": 2}", "null", "null")), "truncation.stride", "0");
        assertUnsupported(bad(json(BERT_NORMALIZER, pre, wordPiece(100), TEMPLATE, ADDED,
                "{\"max_length\": 8, \"strategy\": \"Shortest\"}", "null", "null")), "truncation.strategy",
                "OnlySecond");
        assertUnsupported(bad(json(BERT_NORMALIZER, pre, wordPiece(100), TEMPLATE, ADDED, "null",
                "{\"strategy\": \"Longest\"}", "null")), "padding.strategy", "BatchLongest");
        assertUnsupported(bad(json(BERT_NORMALIZER, pre, wordPiece(100), TEMPLATE, ADDED, "null",
                "{\"strategy\": \"BatchLongest\", \"direction\": \"Middle\"}", "null")), "padding.direction", "Left");
    }

    @Test
    void malformedFilesNameTheField() {
        String pre = "{\"type\": \"BertPreTokenizer\"}";
        HeedException noVocab = bad(json(BERT_NORMALIZER, pre, "{\"type\": \"WordPiece\"}", TEMPLATE, ADDED, "null",
                "null", "null"));
        assertEquals(ErrorCode.MALFORMED_INPUT, noVocab.code());
        assertTrue(noVocab.getMessage().contains("model.vocab"), noVocab.getMessage());
        HeedException unk = bad(json(BERT_NORMALIZER, pre, wordPiece(100).replace("\"[UNK]\", \"cont",
                "\"<unk>\", \"cont"), TEMPLATE, ADDED, "null", "null", "null"));
        assertTrue(unk.getMessage().contains("model.unk_token"), unk.getMessage());
        HeedException lower = bad(json(BERT_NORMALIZER.replace("\"lowercase\": true", "\"lowercase\": \"yes\""),
                pre, wordPiece(100), TEMPLATE, ADDED, "null", "null", "null"));
        assertTrue(lower.getMessage().contains("normalizer.lowercase"), lower.getMessage());
        HeedException template = bad(json(BERT_NORMALIZER, pre, wordPiece(100), TEMPLATE.replaceFirst(
                "\"id\": \"\\[CLS\\]\", \"type_id\"", "\"id\": \"<s>\", \"type_id\""), ADDED, "null", "null",
                "null"));
        assertTrue(template.getMessage().contains("post_processor.single[0].SpecialToken.id"), template.getMessage());
        HeedException notJson = bad("{\"model\": ");
        assertEquals(ErrorCode.MALFORMED_INPUT, notJson.code());
    }

    // ------------------------------------------------------------------ the real all-MiniLM-L6-v2 tokenizer.json

    @Test
    void realMiniLmTokenizer() throws Exception {
        Tokenizer t;
        try (InputStream in = TokenizerTest.class.getClassLoader()
                .getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
            t = Tokenizer.read(in);
        }
        assertEquals(30522, t.vocabSize());
        assertEquals(128, t.truncation().orElseThrow().maxLength());
        Encoding e = t.withPadding(null).encode("Hello, World! héllo");
        assertArrayEquals(new int[] {101, 7592, 1010, 2088, 999, 7592, 102}, e.ids());
        assertEquals("héllo", "Hello, World! héllo".substring(e.starts()[5], e.ends()[5]));
        assertEquals(128, t.encode("Hello").length());
        assertEquals(128, t.withPadding(null).encode("word ".repeat(500)).length());
        assertEquals(10, t.withPadding(null).withMaxLength(10).encode("word ".repeat(500)).length());
    }
}
