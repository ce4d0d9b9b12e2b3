package dev.heed.text;

import dev.heed.HeedException;
import java.util.HashMap;
import java.util.Map;

/**
 * The WordPiece model: greedy longest-match-first over a vocabulary, continuation pieces carrying a prefix
 * ({@code ##}); a word longer than {@code maxInputCharsPerWord} code points, or one that cannot be covered, becomes
 * the single unknown token spanning the whole word.
 *
 * <p>Cost: the vocabulary is held as a trie over code points, so the longest piece starting at a position is
 * found by one walk down the trie, never by building and hashing substrings. A walk is at most
 * {@code maxInputCharsPerWord} steps (bounded by {@link TokenizerConfig#MAX_INPUT_CHARS_PER_WORD}), so a word of
 * w code points costs at most w · maxInputCharsPerWord steps and a text costs O(length · that bound): linear in
 * the text. (The substring-and-hash version cost O(w · L²) for a longest vocabulary entry of L code points:
 * cubic when a hostile file raises the bound and adds a long entry — 30 s for one 8,000-character word.)
 */
final class WordPiece {
    private final Map<String, Integer> vocab;
    private final String unkToken;
    private final int unkId;
    private final String prefix;
    private final int maxInputCharsPerWord;
    private final Trie trie = new Trie();
    private final int continuationRoot; // the trie node reached by the prefix: where continuation pieces start

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
        for (Map.Entry<String, Integer> e : this.vocab.entrySet()) trie.add(e.getKey(), e.getValue());
        int node = Trie.ROOT;
        for (int i = 0; i < prefix.length() && node >= 0; ) {
            int cp = prefix.codePointAt(i);
            node = trie.child(node, cp);
            i += Character.charCount(cp);
        }
        this.continuationRoot = node; // -1: no entry starts with the prefix, so no continuation piece exists
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
            // walk down from the root (first piece) or the prefix node (continuations), remembering the last entry
            int node = start == a ? Trie.ROOT : continuationRoot;
            int end = -1, id = -1;
            for (int i = start; i < b && node >= 0; i++) {
                node = trie.child(node, text.codePointAt(i));
                if (node >= 0 && trie.id(node) >= 0) {
                    end = i + 1;
                    id = trie.id(node);
                }
            }
            if (end < 0) {
                out.truncate(mark, false);
                out.add(unkId, unkToken, text.originalStart(a, b), text.originalEnd(a, b));
                return;
            }
            String piece = (start > a ? prefix : "") + text.text(start, end);
            out.add(id, piece, text.originalStart(start, end), text.originalEnd(start, end));
            start = end;
        }
    }

    /** A trie over code points: node ids are ints, edges live in one hash map keyed by (node, code point). */
    private static final class Trie {
        static final int ROOT = 0;
        private final Map<Long, Integer> edges = new HashMap<>();
        private int[] ids = {-1};
        private int nodes = 1;

        void add(String word, int id) {
            int node = ROOT;
            for (int i = 0; i < word.length(); ) {
                int cp = word.codePointAt(i);
                long key = key(node, cp);
                Integer next = edges.get(key);
                if (next == null) {
                    if (nodes == ids.length) ids = java.util.Arrays.copyOf(ids, ids.length * 2);
                    ids[nodes] = -1;
                    next = nodes++;
                    edges.put(key, next);
                }
                node = next;
                i += Character.charCount(cp);
            }
            ids[node] = id;
        }

        int child(int node, int cp) {
            Integer next = edges.get(key(node, cp));
            return next == null ? -1 : next;
        }

        int id(int node) {
            return ids[node];
        }

        private static long key(int node, int cp) {
            return (long) node << 21 | cp;
        }
    }
}
