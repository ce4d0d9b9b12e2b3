package dev.heed.text;

/**
 * Character classes of the BERT normaliser and pre-tokeniser, as the Hugging Face {@code tokenizers}
 * library defines them (which is what every exported {@code tokenizer.json} is run with), on code points.
 *
 * <ul>
 *   <li>whitespace: {@code \t \n \r} plus the Unicode White_Space property (the set Rust's
 *       {@code char::is_whitespace} uses; it is stable across Unicode versions, so it is listed here);</li>
 *   <li>control: general categories Cc, Cf, Co, Cs except {@code \t \n \r}. Unassigned code points (Cn) are
 *       <em>kept</em>: the reference implementation keeps them (checked against it: U+0378 is kept);</li>
 *   <li>punctuation: ASCII punctuation (33–47, 58–64, 91–96, 123–126) or any Unicode P* category;</li>
 *   <li>CJK: the ideograph blocks of the original BERT code, as the reference library spells them.</li>
 * </ul>
 */
final class UnicodeRules {
    private UnicodeRules() {
    }

    /** The Unicode White_Space property (plus nothing else): what Rust's {@code char::is_whitespace} tests. */
    static boolean isWhitespace(int cp) {
        return switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680,
                 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    /** Control characters that {@code clean_text} removes (tab, newline and carriage return count as whitespace). */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.PRIVATE_USE
                || type == Character.SURROGATE;
    }

    /** ASCII punctuation or a Unicode punctuation category (Pc, Pd, Ps, Pe, Pi, Pf, Po). */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /**
     * CJK ideographs that {@code handle_chinese_chars} surrounds with spaces. Note the Hugging Face ranges start the
     * Extension E block at U+2B920 where the original BERT code has U+2B820; the tokenizer.json files are run by the
     * former, so we follow it.
     */
    static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** Nonspacing marks (Mn), which {@code strip_accents} removes after NFD. */
    static boolean isNonspacingMark(int cp) {
        return Character.getType(cp) == Character.NON_SPACING_MARK;
    }

    /** Any combining mark (Mn, Mc, Me), which the {@code StripAccents} normaliser removes. */
    static boolean isMark(int cp) {
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
    }

    /** Per-code-point lower-casing without context (no final-sigma rule); U+0130 expands to "i\u0307". */
    static String lowercase(int cp) {
        if (cp == 0x130) {
            return "i\u0307";
        }
        return Character.toString(Character.toLowerCase(cp));
    }

    /** Letters, digits and underscore: the "word" characters of an added token's {@code single_word} rule. */
    static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }
}
