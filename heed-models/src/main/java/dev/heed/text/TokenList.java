package dev.heed.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Growable list of tokens of one input sequence (before post-processing): id, text, original UTF-16 range. */
final class TokenList {
    private int[] ids = new int[16];
    private int[] starts = new int[16];
    private int[] ends = new int[16];
    private final List<String> tokens = new ArrayList<>();

    void add(int id, String token, int start, int end) {
        int n = tokens.size();
        if (n == ids.length) {
            ids = Arrays.copyOf(ids, n * 2);
            starts = Arrays.copyOf(starts, n * 2);
            ends = Arrays.copyOf(ends, n * 2);
        }
        ids[n] = id;
        starts[n] = start;
        ends[n] = end;
        tokens.add(token);
    }

    int size() {
        return tokens.size();
    }

    int id(int i) {
        return ids[i];
    }

    String token(int i) {
        return tokens.get(i);
    }

    int start(int i) {
        return starts[i];
    }

    int end(int i) {
        return ends[i];
    }

    /** Keeps {@code keep} tokens: the first ones ({@code fromLeft == false}) or the last ones. */
    void truncate(int keep, boolean fromLeft) {
        int n = size();
        if (keep >= n) {
            return;
        }
        if (fromLeft) {
            int drop = n - keep;
            System.arraycopy(ids, drop, ids, 0, keep);
            System.arraycopy(starts, drop, starts, 0, keep);
            System.arraycopy(ends, drop, ends, 0, keep);
            tokens.subList(0, drop).clear();
        } else {
            tokens.subList(keep, n).clear();
        }
    }
}
