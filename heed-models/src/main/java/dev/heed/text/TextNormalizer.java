package dev.heed.text;

import java.text.Normalizer;
import java.util.List;

/**
 * The {@code normalizer} section of a tokenizer.json: turns raw text into the text the model's vocabulary is
 * written in, keeping the alignment to the original (see {@link Normalized}).
 */
sealed interface TextNormalizer {

    Normalized apply(Normalized text);

    /**
     * BERT's normaliser, in the order the reference runs it: clean text (drop NUL, U+FFFD and control characters;
     * whitespace becomes a space), space out CJK ideographs, strip accents (NFD then drop Mn), lower-case.
     * {@code stripAccents} is already resolved (a JSON {@code null} follows {@code lowercase}).
     */
    record Bert(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase)
            implements TextNormalizer {
        @Override
        public Normalized apply(Normalized text) {
            Normalized t = text;
            if (cleanText) {
                t = t.filter(cp -> !(cp == 0 || cp == 0xFFFD || UnicodeRules.isControl(cp)))
                        .map(cp -> UnicodeRules.isWhitespace(cp) ? ' ' : cp);
            }
            if (handleChineseChars && t.anyMatch(UnicodeRules::isChinese)) {
                t = t.flatMap(cp -> UnicodeRules.isChinese(cp) ? " " + Character.toString(cp) + " "
                        : Character.toString(cp));
            }
            if (stripAccents) {
                t = t.decompose(Normalizer.Form.NFD).filter(cp -> !UnicodeRules.isNonspacingMark(cp));
            }
            if (lowercase) {
                t = lower(t);
            }
            return t;
        }
    }

    /** Per-code-point lower-casing. */
    record Lowercase() implements TextNormalizer {
        @Override
        public Normalized apply(Normalized text) {
            return lower(text);
        }
    }

    /** Lower-cases code point by code point; only U+0130 grows (to two code points), so others map 1:1. */
    private static Normalized lower(Normalized t) {
        return t.anyMatch(cp -> cp == 0x130) ? t.flatMap(UnicodeRules::lowercase) : t.map(Character::toLowerCase);
    }

    /**
     * Removes every combining mark, Mn, Mc and Me (meant to follow NFD / NFKD). Unlike the BERT normaliser's
     * accent stripping, which drops only Mn: the reference differs there too (Devanagari vowel signs, which are
     * Mc, survive BertNormalizer but not StripAccents).
     */
    record StripAccents() implements TextNormalizer {
        @Override
        public Normalized apply(Normalized text) {
            return text.filter(cp -> !UnicodeRules.isMark(cp));
        }
    }

    /** Unicode decomposition, canonical (NFD) or compatibility (NFKD). */
    record Decompose(Normalizer.Form form) implements TextNormalizer {
        @Override
        public Normalized apply(Normalized text) {
            return text.decompose(form);
        }
    }

    /** Several normalisers, applied in order. */
    record Sequence(List<TextNormalizer> steps) implements TextNormalizer {
        public Sequence {
            steps = List.copyOf(steps);
        }

        @Override
        public Normalized apply(Normalized text) {
            Normalized t = text;
            for (TextNormalizer step : steps) {
                t = step.apply(t);
            }
            return t;
        }
    }
}
