package dev.heed.text;

import java.util.List;

/**
 * The {@code added_tokens} of a tokenizer.json ({@code [CLS]}, {@code [MASK]}, ...). They are cut out of the input
 * before the model sees it: tokens with {@code normalized: false} are matched in the raw text, the others in the
 * normalised text. Matching is leftmost-longest, as in the reference.
 */
final class AddedVocabulary {

    /** One added token; {@code matchCps} is the content the matcher looks for (normalised if {@code normalized}). */
    record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
                      boolean normalized, boolean special, int[] matchCps) {
    }

    private final List<AddedToken> tokens;

    AddedVocabulary(List<AddedToken> tokens) {
        this.tokens = List.copyOf(tokens);
    }

    List<AddedToken> tokens() {
        return tokens;
    }

    /** A piece of text, or an added token that was matched in it (code-point range of the searched text). */
    interface Sink {
        void text(Normalized text, int a, int b);

        void token(AddedToken token, int a, int b);
    }

    /**
     * Splits {@code text} around the matches of the added tokens whose {@code normalized} flag equals
     * {@code normalizedPass}; reports text pieces (possibly empty ones skipped) and matched tokens in order.
     */
    void split(Normalized text, boolean normalizedPass, Sink sink) {
        int n = text.length();
        int pieceStart = 0;
        int i = 0;
        while (i < n) {
            AddedToken best = null;
            for (AddedToken t : tokens) {
                if (t.normalized() != normalizedPass || t.matchCps().length == 0) {
                    continue;
                }
                if (matchesAt(text, i, t.matchCps()) && (best == null || t.matchCps().length > best.matchCps().length)) {
                    best = t;
                }
            }
            if (best == null) {
                i++;
                continue;
            }
            int a = i;
            int b = i + best.matchCps().length;
            if (best.singleWord()) {
                boolean startOk = a == 0 || !UnicodeRules.isWordChar(text.codePointAt(a - 1));
                boolean endOk = b == n || !UnicodeRules.isWordChar(text.codePointAt(b));
                if (!startOk || !endOk) {
                    i++;
                    continue;
                }
            }
            if (best.lstrip()) {
                while (a > pieceStart && UnicodeRules.isWhitespace(text.codePointAt(a - 1))) {
                    a--;
                }
            }
            if (best.rstrip()) {
                while (b < n && UnicodeRules.isWhitespace(text.codePointAt(b))) {
                    b++;
                }
            }
            if (a > pieceStart) {
                sink.text(text, pieceStart, a);
            }
            sink.token(best, a, b);
            pieceStart = b;
            i = b;
        }
        if (n > pieceStart) {
            sink.text(text, pieceStart, n);
        }
    }

    private static boolean matchesAt(Normalized text, int i, int[] cps) {
        if (i + cps.length > text.length()) {
            return false;
        }
        for (int k = 0; k < cps.length; k++) {
            if (text.codePointAt(i + k) != cps[k]) {
                return false;
            }
        }
        return true;
    }
}
