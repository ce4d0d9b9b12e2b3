package dev.heed.text;

import dev.heed.HeedException;
import java.util.Map;

/**
 * The WordPiece model: greedy longest-match-first over a vocabulary, continuation pieces carrying a prefix
 * ({@code ##}); a word longer than {@code maxInputCharsPerWord} code points, or one that cannot be covered, becomes
 * the single unknown token spanning the whole word.
 *
 * <p>Cost: O(w²) vocabulary look-ups for a word of w code points (w ≤ maxInputCharsPerWord).
 */
final class WordPiece {
    private final Map<String, Integer> vocab;
    private final String unkToken;
    private final int unkId;
    private final String prefix;
    private final int maxInputCharsPerWord;
    private final int longestEntry; // code points of the longest vocabulary entry: no longer piece can match

    WordPiece(Map<String, Integer> vocab, String unkToken, String prefix, int maxInputCharsPerWord) {
        this.vocab = Map.copyOf(vocab);
        this.unkToken = unkToken;
        Integer unk = vocab.get(unkToken);
        if (unk == null) {
            throw new HeedException(dev.heed.ErrorCode.MALFORMED_INPUT,
                    "tokenizer.json: model.unk_token \"" + unkToken + "\" is not in model.vocab");
        }
        this.unkId = unk;
        this.prefix = prefix;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
        int longest = 0;
        for (String entry : vocab.keySet()) {
            longest = Math.max(longest, entry.codePointCount(0, entry.length()));
        }
        this.longestEntry = longest;
    }

    Map<String, Integer> vocab() {
        return vocab;
    }

    String prefix() {
        return prefix;
    }

    /** Appends the pieces of the word {@code text[a, b)} (code-point range) to {@code out}. */
    void tokenize(Normalized text, int a, int b, TokenList out) {
        if (b - a > maxInputCharsPerWord) {
            out.add(unkId, unkToken, text.originalStart(a, b), text.originalEnd(a, b));
            return;
        }
        int mark = out.size();
        int start = a;
        while (start < b) {
            int end = Math.min(b, start + longestEntry);
            Integer found = null;
            String piece = null;
            while (end > start) {
                String s = text.text(start, end);
                if (start > a) {
                    s = prefix + s;
                }
                found = vocab.get(s);
                if (found != null) {
                    piece = s;
                    break;
                }
                end--;
            }
            if (found == null) {
                out.truncate(mark, false);
                out.add(unkId, unkToken, text.originalStart(a, b), text.originalEnd(a, b));
                return;
            }
            out.add(found, piece, text.originalStart(start, end), text.originalEnd(start, end));
            start = end;
        }
    }
}
