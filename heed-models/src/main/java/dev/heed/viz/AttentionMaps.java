package dev.heed.viz;

import dev.heed.HeedException;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Every layer's and head's attention probabilities for one input, with its token labels: the data behind
 * {@link AttentionPng} and {@link AttentionHtml}, plus the summaries the CLI prints (head average, attention
 * rollout, the tokens a word attends to most).
 *
 * <p>Layout: one {@code float[]} per layer, row-major {@code [H, L, L]}; element {@code [h, i, j]} is how much
 * query token {@code i} attends to key token {@code j} in head {@code h}. Rows are expected to be probability
 * distributions (softmax output); they are checked for finiteness and range, not for summing to one, because
 * masked rows (padding) legitimately sum to zero.
 *
 * <pre>{@code
 * AttentionMaps maps = AttentionMaps.of(tokens, probs);            // probs: [layers, heads, L, L]
 * int focus = maps.focusIndex(null);                               // last pronoun, else the last word
 * for (var top : maps.topAttended(focus, 3, true)) System.out.println(top);
 * System.out.println(maps.topAttendedRollout(focus, 3, true));
 * }</pre>
 */
public final class AttentionMaps {
    /** Tolerance for probabilities slightly outside [0, 1] from float rounding in softmax kernels. */
    static final float RANGE_SLACK = 1e-3f;

    /** Tokens never chosen as focus and optionally left out of "attended most" lists. */
    static final Set<String> SPECIAL_TOKENS = Set.of(
            "[CLS]", "[SEP]", "[PAD]", "[MASK]", "<s>", "</s>", "<pad>", "<cls>", "<sep>", "<mask>", "<|endoftext|>");

    /** Small English pronoun list for the default focus word (personal, possessive, reflexive). */
    static final Set<String> PRONOUNS = Set.of(
            "i", "me", "my", "mine", "myself", "you", "your", "yours", "yourself", "yourselves",
            "he", "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself",
            "we", "us", "our", "ours", "ourselves", "they", "them", "their", "theirs", "themselves");

    private final List<String> tokens;
    private final int heads;
    private final int length;
    private final List<float[]> layers;   // each [H, L, L], row-major

    private AttentionMaps(List<String> tokens, int heads, List<float[]> layers) {
        this.tokens = List.copyOf(tokens);
        this.heads = heads;
        this.length = tokens.size();
        this.layers = List.copyOf(layers);
    }

    /**
     * From a tensor {@code [layers, heads, L, L]} (or {@code [layers, 1, heads, L, L]} with a batch of one).
     * Any dtype and layout; the values are copied.
     *
     * @param tokens one label per position, L ≥ 1
     * @param probs  {@code [layers, heads, L, L]} or {@code [layers, 1, heads, L, L]}
     * @return the maps
     * @throws HeedException {@link dev.heed.ErrorCode#SHAPE_MISMATCH} for another shape or an L that is not the token
     *                       count, {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for no tokens or no layers
     */
    public static AttentionMaps of(List<String> tokens, Tensor probs) {
        Tensor p = probs;
        if (p.rank() == 5) {
            if (p.dim(1) != 1) {
                throw HeedException.shape("AttentionMaps.of", "probs" + p.shape()
                        + ": a rank-5 tensor must be [layers, 1, heads, L, L] (batch of one), got batch " + p.dim(1));
            }
            p = p.select(1, 0);
        }
        if (p.rank() != 4) {
            throw HeedException.shape("AttentionMaps.of", "probs" + p.shape()
                    + ": expected rank 4 [layers, heads, L, L] or rank 5 [layers, 1, heads, L, L]");
        }
        List<Tensor> perLayer = new ArrayList<>();
        for (int l = 0; l < p.dim(0); l++) perLayer.add(p.select(0, l));
        return ofLayers(tokens, perLayer);
    }

    /**
     * From one tensor per layer, as captured from the fused attention nodes: each {@code [heads, L, L]} or
     * {@code [1, heads, L, L]}. Any dtype and layout; the values are copied.
     *
     * @param tokens   one label per position, L ≥ 1
     * @param perLayer per layer {@code [heads, L, L]} or {@code [1, heads, L, L]}, the same heads in every layer
     * @return the maps
     * @throws HeedException {@link dev.heed.ErrorCode#SHAPE_MISMATCH} for another shape or an L that is not the token
     *                       count, {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for no tokens or no layers
     */
    public static AttentionMaps ofLayers(List<String> tokens, List<Tensor> perLayer) {
        checkTokens(tokens);
        if (perLayer.isEmpty()) throw HeedException.invalid("AttentionMaps.ofLayers", "no layers given");
        int n = tokens.size();
        int heads = -1;
        List<float[]> data = new ArrayList<>(perLayer.size());
        for (int l = 0; l < perLayer.size(); l++) {
            Tensor t = perLayer.get(l);
            if (t.rank() == 4 && t.dim(0) == 1) t = t.select(0, 0);
            if (t.rank() != 3 || t.dim(1) != n || t.dim(2) != n) {
                throw HeedException.shape("AttentionMaps.ofLayers", "layer " + l + " probs" + perLayer.get(l).shape()
                        + " with " + n + " tokens: expected [heads, " + n + ", " + n + "] or [1, heads, " + n + ", " + n + "]");
            }
            if (heads < 0) heads = t.dim(0);
            if (t.dim(0) != heads) {
                throw HeedException.shape("AttentionMaps.ofLayers", "layer " + l + " probs" + t.shape()
                        + " has " + t.dim(0) + " heads but layer 0 has " + heads + "; all layers need the same head count");
            }
            data.add(t.toFloatArray());
        }
        return build(tokens, heads, data);
    }

    /**
     * From Java arrays: {@code perLayer.get(l)[h][i][j]}. The values are copied.
     *
     * @param tokens   one label per position, L ≥ 1
     * @param perLayer per layer {@code [heads][L][L]}
     * @return the maps
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for no tokens or no layers, {@link dev.heed.ErrorCode#SHAPE_MISMATCH}
     *                       for ragged arrays
     */
    public static AttentionMaps ofArrays(List<String> tokens, List<float[][][]> perLayer) {
        checkTokens(tokens);
        if (perLayer.isEmpty()) throw HeedException.invalid("AttentionMaps.ofArrays", "no layers given");
        int n = tokens.size();
        int heads = perLayer.get(0).length;
        List<float[]> data = new ArrayList<>(perLayer.size());
        for (int l = 0; l < perLayer.size(); l++) {
            float[][][] a = perLayer.get(l);
            if (a.length != heads) {
                throw HeedException.shape("AttentionMaps.ofArrays", "layer " + l + " has " + a.length
                        + " heads but layer 0 has " + heads + "; all layers need the same head count");
            }
            float[] flat = new float[heads * n * n];
            for (int h = 0; h < heads; h++) {
                if (a[h].length != n) {
                    throw HeedException.shape("AttentionMaps.ofArrays", "layer " + l + " head " + h + " has "
                            + a[h].length + " rows but there are " + n + " tokens");
                }
                for (int i = 0; i < n; i++) {
                    if (a[h][i].length != n) {
                        throw HeedException.shape("AttentionMaps.ofArrays", "layer " + l + " head " + h + " row " + i
                                + " has " + a[h][i].length + " columns but there are " + n + " tokens");
                    }
                    System.arraycopy(a[h][i], 0, flat, (h * n + i) * n, n);
                }
            }
            data.add(flat);
        }
        return build(tokens, heads, data);
    }

    private static void checkTokens(List<String> tokens) {
        if (tokens == null || tokens.isEmpty()) throw HeedException.invalid("AttentionMaps", "no tokens given");
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i) == null) throw HeedException.invalid("AttentionMaps", "token " + i + " is null");
        }
    }

    private static AttentionMaps build(List<String> tokens, int heads, List<float[]> data) {
        if (heads == 0) throw HeedException.invalid("AttentionMaps", "zero heads");
        int n = tokens.size();
        for (int l = 0; l < data.size(); l++) {
            float[] a = data.get(l);
            for (int k = 0; k < a.length; k++) {
                float v = a[k];
                if (!(v >= -RANGE_SLACK && v <= 1 + RANGE_SLACK)) {   // also catches NaN
                    int h = k / (n * n), i = (k / n) % n, j = k % n;
                    throw HeedException.invalid("AttentionMaps", "layer " + l + " head " + h + " [" + i + ", " + j
                            + "] = " + v + ": attention probabilities must be finite and in [0, 1]");
                }
            }
        }
        return new AttentionMaps(tokens, heads, data);
    }

    // ---------------------------------------------------------------- accessors

    /** {@return the token labels, one per position} */
    public List<String> tokens() { return tokens; }

    /** {@return the number of layers} */
    public int layers() { return layers.size(); }

    /** {@return the number of heads per layer} */
    public int heads() { return heads; }

    /** {@return the number of tokens L} */
    public int length() { return length; }

    /**
     * One attention probability.
     *
     * @param layer in [0, layers)
     * @param head  in [0, heads)
     * @param i     the query token, in [0, L)
     * @param j     the key token, in [0, L)
     * @return the probability that token {@code i} gives to token {@code j} in that layer and head
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when an index is out of range
     */
    public float get(int layer, int head, int i, int j) {
        checkLayer("get", layer);
        checkHead("get", head);
        checkToken("get", i);
        checkToken("get", j);
        return layers.get(layer)[(head * length + i) * length + j];
    }

    /**
     * One head's map.
     *
     * @param layer in [0, layers)
     * @param head  in [0, heads)
     * @return a new row-major {@code [L, L]} array
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when an index is out of range
     */
    public float[] head(int layer, int head) {
        checkLayer("head", layer);
        checkHead("head", head);
        int nn = length * length;
        return Arrays.copyOfRange(layers.get(layer), head * nn, (head + 1) * nn);
    }

    /** Read-only access for renderers in this package: the layer's {@code [H, L, L]} array (not copied). */
    float[] layerData(int layer) {
        return layers.get(layer);
    }

    // ---------------------------------------------------------------- summaries

    /**
     * Mean over heads of one layer's maps.
     *
     * @param layer in [0, layers)
     * @return a new row-major {@code [L, L]} array
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when an index is out of range
     */
    public float[] averageOverHeads(int layer) {
        checkLayer("averageOverHeads", layer);
        float[] a = layers.get(layer);
        int nn = length * length;
        double[] sum = new double[nn];
        for (int h = 0; h < heads; h++) {
            int base = h * nn;
            for (int k = 0; k < nn; k++) sum[k] += a[base + k];
        }
        float[] out = new float[nn];
        for (int k = 0; k < nn; k++) out[k] = (float) (sum[k] / heads);
        return out;
    }

    /** {@return attention rollout through all layers: {@code rolloutUpTo(layers() - 1)}, row-major {@code [L, L]}} */
    public float[] rollout() {
        return rolloutUpTo(layers() - 1);
    }

    /**
     * Attention rollout (Abnar &amp; Zuidema 2020, "Quantifying Attention Flow in Transformers") through layers
     * {@code 0..lastLayer}: per layer {@code A' = 0.5·mean_heads(A) + 0.5·I} (the residual connection),
     * rows normalised to sum to one, then {@code R = A'_last · … · A'_1 · A'_0}. Row {@code i} of the result
     * says how much output token {@code i} draws, through all paths, on each input token. Row-major {@code [L, L]}.
     * Cost: {@code lastLayer · L³} multiply-adds (0.7 G for 6 layers at L = 512).
     *
     * @param lastLayer the last layer rolled through, in [0, layers)
     * @return the rollout matrix
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when an index is out of range
     */
    public float[] rolloutUpTo(int lastLayer) {
        checkLayer("rolloutUpTo", lastLayer);
        return rolloutAll(lastLayer)[lastLayer];
    }

    /** {@return the rollout after each layer: element {@code l} is {@link #rolloutUpTo(int) rolloutUpTo(l)}} */
    public List<float[]> rolloutPerLayer() {
        return List.of(rolloutAll(layers() - 1));
    }

    private float[][] rolloutAll(int lastLayer) {
        int n = length;
        float[][] out = new float[lastLayer + 1][];
        float[] r = null;                                   // [L, L] rollout so far
        for (int l = 0; l <= lastLayer; l++) {
            float[] a = residualNormalised(l);              // [L, L]
            if (r == null) {
                r = a;
            } else {
                float[] next = new float[n * n];            // next = a · r, i-k-j order for sequential access
                for (int i = 0; i < n; i++) {
                    int row = i * n;
                    for (int k = 0; k < n; k++) {
                        float aik = a[row + k];
                        if (aik == 0f) continue;
                        int rk = k * n;
                        for (int j = 0; j < n; j++) next[row + j] += aik * r[rk + j];
                    }
                }
                r = next;
            }
            out[l] = r;
        }
        return out;
    }

    /** {@code 0.5·mean_heads(A) + 0.5·I}, rows normalised; [L, L]. */
    private float[] residualNormalised(int layer) {
        int n = length;
        float[] m = averageOverHeads(layer);
        for (int i = 0; i < n; i++) {
            int row = i * n;
            double sum = 0;
            for (int j = 0; j < n; j++) {
                m[row + j] = 0.5f * m[row + j] + (i == j ? 0.5f : 0f);
                sum += m[row + j];
            }
            float inv = (float) (1.0 / sum);                // sum >= 0.5 thanks to the identity term
            for (int j = 0; j < n; j++) m[row + j] *= inv;
        }
        return m;
    }

    /**
     * One entry of an "attends to most" list.
     *
     * @param index  the attended token's position
     * @param token  its label
     * @param weight the attention it receives, 0..1
     */
    public record Attended(int index, String token, float weight) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s#%d %.3f", token, index, weight);
        }
    }

    /**
     * For each layer, the {@code k} tokens that {@code tokenIndex} attends to most, averaged over heads,
     * strongest first. With {@code skipSpecial}, special tokens ([CLS], [SEP], …) and the token itself are left
     * out — they often soak up most of the mass and say little about which word is meant.
     *
     * @param tokenIndex  the query token, in [0, L)
     * @param k           how many tokens per layer, ≥ 0
     * @param skipSpecial leave out special tokens and the token itself
     * @return per layer the top {@code k}, strongest first
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for a token out of range or {@code k < 0}
     */
    public List<List<Attended>> topAttended(int tokenIndex, int k, boolean skipSpecial) {
        checkToken("topAttended", tokenIndex);
        List<List<Attended>> out = new ArrayList<>(layers());
        for (int l = 0; l < layers(); l++) {
            float[] avg = averageOverHeads(l);
            out.add(top(avg, tokenIndex, k, skipSpecial));
        }
        return List.copyOf(out);
    }

    /**
     * The {@code k} tokens {@code tokenIndex} draws on most after rollout through all layers (see {@link #rollout()}).
     *
     * @param tokenIndex  the query token, in [0, L)
     * @param k           how many tokens, ≥ 0
     * @param skipSpecial leave out special tokens and the token itself
     * @return the top {@code k}, strongest first
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for a token out of range or {@code k < 0}
     */
    public List<Attended> topAttendedRollout(int tokenIndex, int k, boolean skipSpecial) {
        checkToken("topAttendedRollout", tokenIndex);
        return top(rollout(), tokenIndex, k, skipSpecial);
    }

    private List<Attended> top(float[] map, int i, int k, boolean skipSpecial) {
        if (k < 0) throw HeedException.invalid("topAttended", "k=" + k + " must be >= 0");
        int n = length;
        List<Attended> all = new ArrayList<>(n);
        for (int j = 0; j < n; j++) {
            if (skipSpecial && (j == i || isSpecial(tokens.get(j)))) continue;
            all.add(new Attended(j, tokens.get(j), map[i * n + j]));
        }
        all.sort((x, y) -> x.weight() != y.weight() ? Float.compare(y.weight(), x.weight()) : Integer.compare(x.index(), y.index()));
        return List.copyOf(all.subList(0, Math.min(k, all.size())));
    }

    // ---------------------------------------------------------------- words and the focus token

    /**
     * A word reassembled from WordPiece tokens: tokens {@code [first, end)}.
     *
     * @param text  the word, {@code ##} prefixes removed
     * @param first its first token
     * @param end   the token after its last one
     */
    public record Word(String text, int first, int end) {}

    /**
     * Words of the input: special tokens are skipped and WordPiece continuation tokens ({@code ##x}) are joined to
     * the word before.
     *
     * @return the words in input order
     */
    public List<Word> words() {
        List<Word> out = new ArrayList<>();
        StringBuilder sb = null;
        int first = -1;
        for (int t = 0; t < length; t++) {
            String tok = tokens.get(t);
            boolean cont = tok.startsWith("##") && tok.length() > 2 && sb != null;
            if (cont) {
                sb.append(tok, 2, tok.length());
                continue;
            }
            if (sb != null) out.add(new Word(sb.toString(), first, t));
            sb = null;
            if (isSpecial(tok)) continue;
            sb = new StringBuilder(tok);
            first = t;
        }
        if (sb != null) out.add(new Word(sb.toString(), first, length));
        return List.copyOf(out);
    }

    /**
     * The token index to explain. With {@code focusWord} null or blank: the last pronoun (from a small English
     * list), else the last word that is not punctuation, else the last non-special token. Otherwise the last word
     * equal to {@code focusWord} (case-insensitive, WordPiece pieces joined). Returns the word's first token.
     *
     * @param focusWord the word to explain, or null or blank for the default choice
     * @return the token index of the chosen word's first token
     * @throws HeedException (INVALID_ARGUMENT) naming the words there are when {@code focusWord} is not found
     */
    public int focusIndex(String focusWord) {
        List<Word> words = words();
        if (focusWord == null || focusWord.isBlank()) {
            for (int w = words.size() - 1; w >= 0; w--) {
                if (PRONOUNS.contains(words.get(w).text().toLowerCase(Locale.ROOT))) return words.get(w).first();
            }
            for (int w = words.size() - 1; w >= 0; w--) {
                if (words.get(w).text().codePoints().anyMatch(Character::isLetterOrDigit)) return words.get(w).first();
            }
            if (!words.isEmpty()) return words.getLast().first();
            return length - 1;                              // only special tokens: nothing better to show
        }
        String want = focusWord.strip().toLowerCase(Locale.ROOT);
        for (int w = words.size() - 1; w >= 0; w--) {
            if (words.get(w).text().toLowerCase(Locale.ROOT).equals(want)) return words.get(w).first();
        }
        // the list is cut short: a long input would otherwise fill the terminal with its whole text
        List<String> texts = words.stream().map(Word::text).distinct().toList();
        String shown = "[" + String.join(", ", texts.subList(0, Math.min(FOCUS_WORDS_LISTED, texts.size())))
                + (texts.size() > FOCUS_WORDS_LISTED ? ", … (" + texts.size() + " different words)" : "") + "]";
        throw HeedException.invalid("AttentionMaps.focusIndex", "focus word '" + focusWord
                + "' is not in the input; expected one of " + shown);
    }

    /** How many words the error of {@link #focusIndex} lists. */
    static final int FOCUS_WORDS_LISTED = 20;

    /**
     * Whether a token is a special marker such as [CLS], [SEP] or [PAD].
     *
     * @param token the token label
     * @return true for [CLS], [SEP], [PAD], [MASK] and their RoBERTa/GPT spellings ({@code <s>}, {@code </s>}, {@code <pad>}, ...);
     *         [UNK] is not special: it stands for a word
     */
    public static boolean isSpecial(String token) {
        return SPECIAL_TOKENS.contains(token);
    }

    // ---------------------------------------------------------------- checks

    private void checkLayer(String op, int layer) {
        if (layer < 0 || layer >= layers()) {
            throw HeedException.invalid("AttentionMaps." + op, "layer " + layer + " is outside 0.." + (layers() - 1));
        }
    }

    private void checkHead(String op, int head) {
        if (head < 0 || head >= heads) {
            throw HeedException.invalid("AttentionMaps." + op, "head " + head + " is outside 0.." + (heads - 1));
        }
    }

    private void checkToken(String op, int i) {
        if (i < 0 || i >= length) {
            throw HeedException.invalid("AttentionMaps." + op, "token index " + i + " is outside 0.." + (length - 1));
        }
    }

    @Override
    public String toString() {
        return "AttentionMaps[layers=" + layers() + ", heads=" + heads + ", tokens=" + length + "]";
    }
}
