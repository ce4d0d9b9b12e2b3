package dev.heed.text;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code pre_tokenizer} section of a tokenizer.json: cuts normalised text into words, reported as
 * code-point ranges {@code [start, end)} of the {@link Normalized} text; the model then splits each word.
 */
sealed interface PreTokenizer {

    /** Appends the word ranges of {@code text} to {@code out} as pairs {@code start, end}. */
    void split(Normalized text, IntPairs out);

    /** BERT: split on whitespace (dropped) and on every punctuation character (kept as its own word). */
    record Bert() implements PreTokenizer {
        @Override
        public void split(Normalized text, IntPairs out) {
            int n = text.length();
            int wordStart = -1;
            for (int i = 0; i < n; i++) {
                int cp = text.codePointAt(i);
                if (UnicodeRules.isWhitespace(cp)) {
                    if (wordStart >= 0) {
                        out.add(wordStart, i);
                        wordStart = -1;
                    }
                } else if (UnicodeRules.isPunctuation(cp)) {
                    if (wordStart >= 0) {
                        out.add(wordStart, i);
                        wordStart = -1;
                    }
                    out.add(i, i + 1);
                } else if (wordStart < 0) {
                    wordStart = i;
                }
            }
            if (wordStart >= 0) {
                out.add(wordStart, n);
            }
        }
    }

    /** Split on whitespace only. */
    record WhitespaceSplit() implements PreTokenizer {
        @Override
        public void split(Normalized text, IntPairs out) {
            int n = text.length();
            int wordStart = -1;
            for (int i = 0; i < n; i++) {
                if (UnicodeRules.isWhitespace(text.codePointAt(i))) {
                    if (wordStart >= 0) {
                        out.add(wordStart, i);
                        wordStart = -1;
                    }
                } else if (wordStart < 0) {
                    wordStart = i;
                }
            }
            if (wordStart >= 0) {
                out.add(wordStart, n);
            }
        }
    }

    /** Runs of word characters, or runs of other non-space characters: {@code \w+|[^\w\s]+}. */
    record Whitespace() implements PreTokenizer {
        private static final Pattern WORDS = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);

        @Override
        public void split(Normalized text, IntPairs out) {
            String s = text.text(0, text.length());
            Matcher m = WORDS.matcher(s);
            while (m.find()) {
                int a = s.codePointCount(0, m.start());
                out.add(a, a + s.codePointCount(m.start(), m.end()));
            }
        }
    }

    /** Several pre-tokenisers: each splits the words the previous one produced. */
    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        public Sequence {
            steps = List.copyOf(steps);
        }

        @Override
        public void split(Normalized text, IntPairs out) {
            IntPairs current = new IntPairs();
            current.add(0, text.length());
            for (PreTokenizer step : steps) {
                IntPairs next = new IntPairs();
                for (int w = 0; w < current.size(); w++) {
                    int a = current.first(w);
                    IntPairs inner = new IntPairs();
                    step.split(text.slice(a, current.second(w)), inner);
                    for (int k = 0; k < inner.size(); k++) {
                        next.add(a + inner.first(k), a + inner.second(k));
                    }
                }
                current = next;
            }
            for (int w = 0; w < current.size(); w++) {
                out.add(current.first(w), current.second(w));
            }
        }
    }
}
