package dev.heed.cli;

import dev.heed.text.Encoding;
import dev.heed.text.TextEncoder;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Input texts that would give a meaningless answer are usage errors (exit 2) that say what happened: an empty or
 * whitespace-only text, or one whose every word is unknown to the model's vocabulary (it tokenises to the unknown
 * token only, e.g. emoji for an English WordPiece vocabulary).
 */
final class TextChecks {
    /** The unknown tokens of the tokenizers Heed reads (WordPiece/BERT, SentencePiece-style). */
    static final Set<String> UNKNOWN_TOKENS = Set.of("[UNK]", "<unk>");

    private TextChecks() {}

    /** Before the model is opened: the text has some non-whitespace characters. */
    static void requireNotBlank(CommandSpec spec, String what, String text, String nothingTo) {
        if (text == null || text.isBlank()) {
            throw Check.usage(spec, what + " is empty" + (text == null || text.isEmpty() ? "" : " (only whitespace)")
                    + ": there is nothing to " + nothingTo);
        }
    }

    /** After the tokenizer is loaded: at least one token of {@code text} is a known, non-special token. */
    static void requireKnownWords(CommandSpec spec, TextEncoder enc, String what, String text) {
        Encoding e = enc.tokenizer().encode(text);
        int words = 0;
        for (int i = 0; i < e.length(); i++) {
            if (e.specialTokensMask()[i] != 0 || e.attentionMask()[i] == 0) continue;
            words++;
            if (!UNKNOWN_TOKENS.contains(e.tokens()[i])) return;
        }
        throw Check.usage(spec, what + (words == 0 ? " has no tokens the model can read"
                : ": every word is unknown to " + enc.name() + "'s vocabulary (it reads as " + e.tokens()[firstWord(e)] + " only)")
                + ", so the result would mean nothing");
    }

    private static int firstWord(Encoding e) {
        for (int i = 0; i < e.length(); i++) if (e.specialTokensMask()[i] == 0) return i;
        return 0;
    }

    /** A text shortened for a message. */
    static String quote(String text) {
        String t = text.strip().replaceAll("\\s+", " ");
        return "\"" + (t.length() <= 40 ? t : t.substring(0, 37) + "…") + "\"";
    }
}
