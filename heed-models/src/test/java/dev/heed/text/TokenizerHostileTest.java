package dev.heed.text;

import static dev.heed.text.TokenizerTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 13, point 6: tokenizer.json sizes are bounded and WordPiece stays linear. */
class TokenizerHostileTest {
    static final String VOCAB = "{\"[UNK]\": 0, \"[PAD]\": 1, \"a\": 2, \"##a\": 3, \"b\": 4, \"##b\": 5}";

    static String file(String padding, int maxChars, String vocab) {
        String model = """
                {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                 "max_input_chars_per_word": %d, "vocab": %s}""".formatted(maxChars, vocab);
        return json("null", "{\"type\": \"WhitespaceSplit\"}", model, "null", "[]", "null", padding, "null");
    }

    private static HeedException refused(String json) {
        HeedException e = assertThrows(HeedException.class, () -> Tokenizer.of(TokenizerConfig.parse(json)).encode("a b"));
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code(), e.getMessage());
        return e;
    }

    @Test
    void fixedPaddingOf2To31Minus1IsRefusedWhenRead() {
        HeedException e = refused(file("{\"strategy\": {\"Fixed\": 2147483647}}", 100, VOCAB));
        assertTrue(e.getMessage().contains("padding.strategy.Fixed") && e.getMessage().contains("2147483647"), e.getMessage());
    }

    @Test
    void padToMultipleOf2To31Minus1IsRefusedWhenRead() {
        HeedException e = refused(file("{\"strategy\": \"BatchLongest\", \"pad_to_multiple_of\": 2147483647}", 100, VOCAB));
        assertTrue(e.getMessage().contains("pad_to_multiple_of"), e.getMessage());
        refused(file("{\"strategy\": \"BatchLongest\", \"pad_to_multiple_of\": -8}", 100, VOCAB));
        refused(file("{\"strategy\": \"BatchLongest\", \"pad_to_multiple_of\": \"eight\"}", 100, VOCAB));
    }

    @Test
    void paddingWithinTheBoundStillWorks() {
        Tokenizer t = Tokenizer.of(TokenizerConfig.parse(file("{\"strategy\": {\"Fixed\": 8}, \"pad_to_multiple_of\": 4}", 100, VOCAB)));
        assertEquals(8, t.encode("a b").length());
        assertEquals(TokenizerConfig.MAX_PADDED_LENGTH,
                Tokenizer.of(TokenizerConfig.parse(file("{\"strategy\": {\"Fixed\": " + TokenizerConfig.MAX_PADDED_LENGTH + "}}", 100, VOCAB)))
                        .encode("a").length());
    }

    @Test
    void maxInputCharsPerWordIsBounded() {
        HeedException e = refused(file("null", 1 << 20, VOCAB));
        assertTrue(e.getMessage().contains("max_input_chars_per_word"), e.getMessage());
        refused(file("null", 0, VOCAB));
    }

    @Test
    void wordPieceOnALongWordWithALongEntryIsLinearNotCubic() {
        // the reproducer: a raised bound, one long vocabulary entry "##aaa…a" + "x" that never matches, and a
        // long word of 'a': every position walks the long entry and then takes a single "##a"
        int n = TokenizerConfig.MAX_INPUT_CHARS_PER_WORD;
        String longEntry = "##" + "a".repeat(n - 1) + "x";
        String vocab = VOCAB.replace("}", ", \"" + longEntry + "\": 6}");
        Tokenizer t = Tokenizer.of(TokenizerConfig.parse(file("null", n, vocab)));
        String word = "a".repeat(n);
        long t0 = System.nanoTime();
        Encoding e = t.encode(word + " " + word + " " + word);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(3 * n, e.length());
        assertEquals(List.of("a", "##a"), List.of(e.tokens()).subList(0, 2));
        assertTrue(ms < 2000, "3 words of " + n + " characters took " + ms + " ms");
    }

    @Test
    void greedyLongestMatchIsUnchangedByTheTrie() {
        String vocab = "{\"[UNK]\": 0, \"un\": 1, \"##aff\": 2, \"##able\": 3, \"unaff\": 4, \"##a\": 5, \"##ffable\": 6}";
        Tokenizer t = Tokenizer.of(TokenizerConfig.parse(file("null", 100, vocab)));
        assertEquals(List.of("unaff", "##able"), List.of(t.encode("unaffable").tokens()));
        assertEquals(List.of("[UNK]"), List.of(t.encode("unaffablez").tokens()));
        assertEquals(List.of("[UNK]"), List.of(t.encode("zz").tokens()));
    }
}
