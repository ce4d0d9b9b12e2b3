package dev.heed.text;

import java.text.Normalizer;
import java.util.Arrays;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;

/**
 * A normalised piece of text that remembers where each of its code points came from: for normalised code point
 * {@code i}, {@code starts[i]..ends[i]} is the range of UTF-16 indices in the ORIGINAL string it was derived from.
 * Every transform keeps that alignment: a removed code point disappears with its range, every code point produced
 * from one source code point (NFD decomposition, "İ" → "i̇", the spaces put around a CJK ideograph) inherits the
 * source's range. This is the same rule the Hugging Face {@code NormalizedString} applies, so token offsets agree.
 * Immutable.
 */
final class Normalized {
    // [n] normalised code points and, per code point, its original UTF-16 range
    private final int[] cps;
    private final int[] starts;
    private final int[] ends;

    private Normalized(int[] cps, int[] starts, int[] ends) {
        this.cps = cps;
        this.starts = starts;
        this.ends = ends;
    }

    /** The un-normalised code points of {@code text[from, to)}, each aligned to itself. */
    static Normalized of(String text, int from, int to) {
        int n = text.codePointCount(from, to);
        int[] cps = new int[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        int i = from;
        for (int k = 0; k < n; k++) {
            int cp = text.codePointAt(i);
            cps[k] = cp;
            starts[k] = i;
            i += Character.charCount(cp);
            ends[k] = i;
        }
        return new Normalized(cps, starts, ends);
    }

    int length() {
        return cps.length;
    }

    int codePointAt(int i) {
        return cps[i];
    }

    /** Original start (UTF-16 index) of the normalised range {@code [a, b)}, {@code a < b}. */
    int originalStart(int a, int b) {
        int s = starts[a];
        for (int i = a + 1; i < b; i++) {
            s = Math.min(s, starts[i]);
        }
        return s;
    }

    /** Original end (UTF-16 index, exclusive) of the normalised range {@code [a, b)}, {@code a < b}. */
    int originalEnd(int a, int b) {
        int e = ends[a];
        for (int i = a + 1; i < b; i++) {
            e = Math.max(e, ends[i]);
        }
        return e;
    }

    /** The normalised text of {@code [a, b)}. */
    String text(int a, int b) {
        return new String(cps, a, b - a);
    }

    /** The sub-piece {@code [a, b)} with its alignment. */
    Normalized slice(int a, int b) {
        return new Normalized(Arrays.copyOfRange(cps, a, b), Arrays.copyOfRange(starts, a, b),
                Arrays.copyOfRange(ends, a, b));
    }

    /** Keeps the code points {@code keep} accepts. */
    Normalized filter(IntPredicate keep) {
        Builder b = new Builder(cps.length);
        for (int i = 0; i < cps.length; i++) {
            if (keep.test(cps[i])) {
                b.add(cps[i], starts[i], ends[i]);
            }
        }
        return b.build();
    }

    /** Whether any code point satisfies {@code p}. */
    boolean anyMatch(IntPredicate p) {
        for (int cp : cps) {
            if (p.test(cp)) {
                return true;
            }
        }
        return false;
    }

    /** Replaces every code point by exactly one code point {@code f(cp)}; the alignment is unchanged. */
    Normalized map(IntUnaryOperator f) {
        int[] out = new int[cps.length];
        for (int i = 0; i < cps.length; i++) {
            out[i] = f.applyAsInt(cps[i]);
        }
        return new Normalized(out, starts, ends);
    }

    /** Replaces every code point by {@code f(cp)} (a string of zero or more code points sharing its alignment). */
    Normalized flatMap(IntFunction<String> f) {
        Builder b = new Builder(cps.length + 8);
        for (int i = 0; i < cps.length; i++) {
            String out = f.apply(cps[i]);
            for (int k = 0; k < out.length(); ) {
                int c = out.codePointAt(k);
                b.add(c, starts[i], ends[i]);
                k += Character.charCount(c);
            }
        }
        return b.build();
    }

    /**
     * Unicode decomposition (NFD or NFKD). Each code point is decomposed on its own and its pieces inherit its
     * alignment; canonical reordering of combining marks across code points then permutes characters but not
     * alignments (positional, as the reference does).
     */
    Normalized decompose(Normalizer.Form form) {
        if (form != Normalizer.Form.NFD && form != Normalizer.Form.NFKD) {
            throw new IllegalArgumentException("decompose: " + form);
        }
        String original = new String(cps, 0, cps.length);
        if (Normalizer.isNormalized(original, form)) {
            return this; // the common case (ASCII text): nothing to decompose
        }
        // Below U+00C0 nothing decomposes canonically; NFKD also maps some Latin-1 symbols, so it always asks.
        Normalized perCodePoint = flatMap(cp -> cp < 0xC0 && form == Normalizer.Form.NFD ? Character.toString(cp)
                : Normalizer.normalize(Character.toString(cp), form));
        String whole = Normalizer.normalize(original, form);
        int[] wholeCps = whole.codePoints().toArray();
        if (Arrays.equals(wholeCps, perCodePoint.cps) || wholeCps.length != perCodePoint.cps.length) {
            return perCodePoint;
        }
        return new Normalized(wholeCps, perCodePoint.starts, perCodePoint.ends);
    }

    /** Growable arrays for building a {@link Normalized}. */
    static final class Builder {
        private int[] cps;
        private int[] starts;
        private int[] ends;
        private int n;

        Builder(int capacity) {
            int c = Math.max(4, capacity);
            cps = new int[c];
            starts = new int[c];
            ends = new int[c];
        }

        void add(int cp, int start, int end) {
            if (n == cps.length) {
                int c = n * 2;
                cps = Arrays.copyOf(cps, c);
                starts = Arrays.copyOf(starts, c);
                ends = Arrays.copyOf(ends, c);
            }
            cps[n] = cp;
            starts[n] = start;
            ends[n] = end;
            n++;
        }

        Normalized build() {
            return new Normalized(Arrays.copyOf(cps, n), Arrays.copyOf(starts, n), Arrays.copyOf(ends, n));
        }
    }
}
