package dev.heed.text;

import dev.heed.HeedException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A pure-Java tokenizer read from a Hugging Face {@code tokenizer.json} (BERT-style WordPiece): added tokens are cut
 * out, the rest normalised and pre-tokenised, each word split into word pieces, sequences truncated, special tokens
 * added by the post-processor's template, and the result padded; every token keeps its character range in the
 * original text. Immutable and thread-safe; the {@code with*} methods return new tokenizers.
 *
 * <pre>{@code
 * Tokenizer tok = Tokenizer.read(Path.of("tokenizer.json")).withMaxLength(256);
 * Encoding one = tok.encode("Héllo wörld!");                  // [CLS] hello world ! [SEP] (+ padding per the file)
 * Encoding pair = tok.encode("What is it?", "A tokenizer.");  // type ids 0 ... 0 1 ... 1
 * List<Encoding> batch = tok.withPadding(tok.padding().orElseThrow().batchLongest())
 *         .encodeBatch(List.of("short", "a longer sentence"));  // padded to the longest
 * String text = tok.decode(one.ids());                         // "hello world!"
 * }</pre>
 */
public final class Tokenizer {
    private final TokenizerConfig config;
    private final TokenizerConfig.Truncation truncation; // null: none
    private final TokenizerConfig.Padding padding;       // null: none
    private final Map<Integer, String> idToToken;
    private final Map<String, Integer> addedByContent;
    private final Set<Integer> specialIds;
    private final int vocabSize;

    private Tokenizer(TokenizerConfig config, TokenizerConfig.Truncation truncation,
                      TokenizerConfig.Padding padding) {
        this.config = config;
        this.truncation = truncation;
        this.padding = padding;
        Map<Integer, String> reverse = new HashMap<>(config.model.vocab().size() * 2);
        for (Map.Entry<String, Integer> e : config.model.vocab().entrySet()) {
            reverse.put(e.getValue(), e.getKey());
        }
        int extra = 0;
        Map<String, Integer> added = new HashMap<>();
        Set<Integer> special = new HashSet<>();
        for (AddedVocabulary.AddedToken t : config.addedVocabulary.tokens()) {
            if (!reverse.containsKey(t.id())) {
                extra++;
            }
            reverse.put(t.id(), t.content());
            added.put(t.content(), t.id());
            if (t.special()) {
                special.add(t.id());
            }
        }
        this.idToToken = Map.copyOf(reverse);
        this.addedByContent = Map.copyOf(added);
        this.specialIds = Set.copyOf(special);
        this.vocabSize = config.model.vocab().size() + extra;
    }

    private Tokenizer(Tokenizer base, TokenizerConfig.Truncation truncation, TokenizerConfig.Padding padding) {
        this.config = base.config;
        this.idToToken = base.idToToken;
        this.addedByContent = base.addedByContent;
        this.specialIds = base.specialIds;
        this.vocabSize = base.vocabSize;
        this.truncation = truncation;
        this.padding = padding;
    }

    /**
     * A tokenizer with the truncation and padding the config asks for.
     *
     * @param config a parsed tokenizer.json
     * @return the tokenizer (immutable, thread-safe)
     */
    public static Tokenizer of(TokenizerConfig config) {
        return new Tokenizer(config, config.truncation, config.padding);
    }

    /**
     * Reads a tokenizer.json file.
     *
     * @param path the file
     * @return the tokenizer
     * @throws HeedException {@link dev.heed.ErrorCode#IO} when the file cannot be read, {@link dev.heed.ErrorCode#MALFORMED_INPUT} for bad JSON
     *                       or a missing field, {@link dev.heed.ErrorCode#UNSUPPORTED} for a part Heed lacks
     */
    public static Tokenizer read(Path path) {
        return of(TokenizerConfig.read(path));
    }

    /**
     * Reads a tokenizer.json from a stream (not closed).
     *
     * @param in the JSON
     * @return the tokenizer
     * @throws HeedException as {@link #read(Path)}
     */
    public static Tokenizer read(InputStream in) {
        return of(TokenizerConfig.read(in));
    }

    /**
     * The same tokenizer truncating to {@code maxLength} tokens (special tokens included); keeps the file's strategy
     * and side, or uses longest-first from the right if the file has no truncation.
     *
     * @param maxLength at most this many tokens per encoding, ≥ 0
     * @return the new tokenizer
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code maxLength < 0}
     */
    public Tokenizer withMaxLength(int maxLength) {
        TokenizerConfig.Truncation t = truncation != null ? truncation.withMaxLength(maxLength)
                : new TokenizerConfig.Truncation(maxLength, TokenizerConfig.Truncation.Strategy.LONGEST_FIRST,
                        TokenizerConfig.Side.RIGHT);
        return new Tokenizer(this, t, padding);
    }

    /**
     * The same tokenizer with another truncation.
     *
     * @param newTruncation the truncation, or null for none
     * @return the new tokenizer
     */
    public Tokenizer withTruncation(TokenizerConfig.Truncation newTruncation) {
        return new Tokenizer(this, newTruncation, padding);
    }

    /**
     * The same tokenizer with another padding.
     *
     * @param newPadding the padding, or null for none
     * @return the new tokenizer
     */
    public Tokenizer withPadding(TokenizerConfig.Padding newPadding) {
        return new Tokenizer(this, truncation, newPadding);
    }

    /** {@return the truncation in force, if any} */
    public Optional<TokenizerConfig.Truncation> truncation() {
        return Optional.ofNullable(truncation);
    }

    /** {@return the padding in force, if any} */
    public Optional<TokenizerConfig.Padding> padding() {
        return Optional.ofNullable(padding);
    }

    /** {@return the number of ids: the model's vocabulary plus added tokens that are not in it} */
    public int vocabSize() {
        return vocabSize;
    }

    /**
     * The id of a token (added tokens first, then the model's vocabulary).
     *
     * @param token the token text, e.g. {@code "##ing"} or {@code "[CLS]"}
     * @return the id, or empty when the token is in no vocabulary
     */
    public OptionalInt tokenToId(String token) {
        Integer id = addedByContent.get(token);
        if (id == null) {
            id = config.model.vocab().get(token);
        }
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /**
     * The token of an id.
     *
     * @param id the id
     * @return the token text
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for an id that is in no vocabulary
     */
    public String idToToken(int id) {
        String t = idToToken.get(id);
        if (t == null) {
            throw HeedException.invalid("idToToken", "id " + id + " is not in the vocabulary (size " + vocabSize
                    + ")");
        }
        return t;
    }

    /**
     * Tokenises one text: normalise, pre-tokenise, WordPiece, truncate, add special tokens, pad.
     *
     * @param text the text, not null
     * @return the encoding
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for a null text or a truncation shorter than the special tokens
     */
    public Encoding encode(String text) {
        return pad(List.of(encodeUnpadded(text, null)), true).getFirst();
    }

    /**
     * Tokenises a pair of texts (question / passage, sentence A / B); the second gets type id 1.
     *
     * @param text the first text, not null
     * @param pair the second text, not null
     * @return the encoding
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for a null text or a truncation the pair cannot satisfy
     */
    public Encoding encode(String text, String pair) {
        if (pair == null) {
            throw HeedException.invalid("encode", "pair text is null; use encode(text)");
        }
        return pad(List.of(encodeUnpadded(text, pair)), true).getFirst();
    }

    /**
     * Tokenises several texts; with batch-longest padding all come out as long as the longest.
     *
     * @param texts the texts, none null
     * @return one encoding per text, in order
     * @throws HeedException as {@link #encode(String)}
     */
    public List<Encoding> encodeBatch(List<String> texts) {
        List<Encoding> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            out.add(encode(t));
        }
        return pad(out, false);
    }

    /**
     * Tokenises several pairs of texts ({@code texts.get(i)} with {@code pairs.get(i)}).
     *
     * @param texts the first texts
     * @param pairs the second texts, as many
     * @return one encoding per pair, in order
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when the lists differ in size; otherwise as {@link #encode(String, String)}
     */
    public List<Encoding> encodeBatch(List<String> texts, List<String> pairs) {
        if (texts.size() != pairs.size()) {
            throw HeedException.invalid("encodeBatch", "texts.size()=" + texts.size() + " != pairs.size()="
                    + pairs.size());
        }
        List<Encoding> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            out.add(encode(texts.get(i), pairs.get(i)));
        }
        return pad(out, false);
    }

    /**
     * Turns ids back into text, leaving out special tokens ({@code [CLS]}, {@code [PAD]}, ...).
     *
     * @param ids token ids
     * @return the text (lower-cased and without accents when the normaliser removed them)
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for an id that is in no vocabulary
     */
    public String decode(int[] ids) {
        return decode(ids, true);
    }

    /**
     * Turns ids back into text; WordPiece continuation prefixes are joined to the piece before.
     *
     * @param ids               token ids
     * @param skipSpecialTokens leave out special tokens
     * @return the text
     * @throws HeedException {@link dev.heed.ErrorCode#INVALID_ARGUMENT} for an id that is in no vocabulary
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        StringBuilder sb = new StringBuilder();
        int emitted = 0;
        for (int id : ids) {
            if (skipSpecialTokens && specialIds.contains(id)) {
                continue;
            }
            String token = idToToken(id);
            String piece;
            if (config.decoderPrefix == null) {
                piece = emitted == 0 ? token : " " + token;
            } else {
                if (emitted == 0) {
                    piece = token;
                } else if (token.startsWith(config.decoderPrefix)) {
                    piece = token.substring(config.decoderPrefix.length());
                } else {
                    piece = " " + token;
                }
                if (config.decoderCleanup) {
                    piece = cleanup(piece);
                }
            }
            sb.append(piece);
            emitted++;
        }
        return sb.toString();
    }

    /** The reference's clean-up, applied to each decoded piece on its own (so " ." loses its space). */
    private static String cleanup(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                .replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    // ---------------------------------------------------------------- pipeline

    /** Added tokens, normalisation, pre-tokenisation and WordPiece for one text. */
    private TokenList tokenizeSequence(String text) {
        TokenList out = new TokenList();
        Normalized raw = Normalized.of(text, 0, text.length());
        AddedVocabulary added = config.addedVocabulary;
        added.split(raw, false, new AddedVocabulary.Sink() {
            @Override
            public void text(Normalized t, int a, int b) {
                Normalized piece = t.slice(a, b);
                Normalized norm = config.normalizer == null ? piece : config.normalizer.apply(piece);
                added.split(norm, true, new AddedVocabulary.Sink() {
                    @Override
                    public void text(Normalized n, int c, int d) {
                        IntPairs words = new IntPairs();
                        Normalized part = n.slice(c, d);
                        if (config.preTokenizer == null) {
                            words.add(0, part.length());
                        } else {
                            config.preTokenizer.split(part, words);
                        }
                        for (int w = 0; w < words.size(); w++) {
                            if (words.second(w) > words.first(w)) {
                                config.model.tokenize(part, words.first(w), words.second(w), out);
                            }
                        }
                    }

                    @Override
                    public void token(AddedVocabulary.AddedToken tok, int c, int d) {
                        // The token's text is what was matched (normalised, with any stripped spaces), as in the
                        // reference, not the added token's content.
                        out.add(tok.id(), norm.text(c, d), norm.originalStart(c, d), norm.originalEnd(c, d));
                    }
                });
            }

            @Override
            public void token(AddedVocabulary.AddedToken tok, int a, int b) {
                out.add(tok.id(), raw.text(a, b), raw.originalStart(a, b), raw.originalEnd(a, b));
            }
        });
        return out;
    }

    /** Tokenise, truncate, post-process (everything but padding). */
    private Encoding encodeUnpadded(String text, String pair) {
        if (text == null) {
            throw HeedException.invalid("encode", "text is null");
        }
        TokenList a = tokenizeSequence(text);
        TokenList b = pair == null ? null : tokenizeSequence(pair);
        if (truncation != null) {
            int added = config.postProcessor == null ? 0 : config.postProcessor.addedTokens(b != null);
            if (truncation.maxLength() < added) {
                throw HeedException.invalid("encode", "truncation maxLength=" + truncation.maxLength()
                        + " < " + added + " special tokens the template adds");
            }
            truncate(a, b, truncation.maxLength() - added);
        }
        return postProcess(a, b);
    }

    /** Shortens the sequences so that together they have at most {@code max} tokens (reference's rules). */
    private void truncate(TokenList a, TokenList b, int max) {
        boolean left = truncation.side() == TokenizerConfig.Side.LEFT;
        int total = a.size() + (b == null ? 0 : b.size());
        if (total <= max) {
            return;
        }
        int toRemove = total - max;
        switch (truncation.strategy()) {
            case LONGEST_FIRST -> {
                if (b == null) {
                    a.truncate(max, left);
                    return;
                }
                // n1 is the shorter sequence; it keeps everything if the longer one can absorb the cut,
                // otherwise both are cut to half of max (the longer one gets the odd token).
                int n1 = a.size();
                int n2 = b.size();
                boolean swap = n1 > n2;
                if (swap) {
                    int tmp = n1;
                    n1 = n2;
                    n2 = tmp;
                }
                if (n1 > max) {
                    n2 = n1;
                } else {
                    n2 = Math.max(n1, max - n1);
                }
                if (n1 + n2 > max) {
                    n1 = max / 2;
                    n2 = n1 + max % 2;
                }
                if (swap) {
                    int tmp = n1;
                    n1 = n2;
                    n2 = tmp;
                }
                a.truncate(n1, left);
                b.truncate(n2, left);
            }
            case ONLY_FIRST, ONLY_SECOND -> {
                boolean first = truncation.strategy() == TokenizerConfig.Truncation.Strategy.ONLY_FIRST;
                TokenList target = first ? a : b;
                if (target == null) {
                    throw HeedException.invalid("encode", "truncation strategy ONLY_SECOND needs a pair input");
                }
                if (target.size() <= toRemove) {
                    throw HeedException.invalid("encode", "truncation " + truncation.strategy() + ": the "
                            + (first ? "first" : "second") + " sequence has " + target.size()
                            + " tokens, too few to remove " + toRemove + " (max " + truncation.maxLength() + ")");
                }
                target.truncate(target.size() - toRemove, left);
            }
        }
    }

    /** Applies the template: special tokens, type ids, masks. */
    private Encoding postProcess(TokenList a, TokenList b) {
        List<TemplateProcessor.Piece> template;
        if (config.postProcessor != null) {
            template = b == null ? config.postProcessor.single() : config.postProcessor.pair();
        } else {
            template = b == null ? List.of(new TemplateProcessor.SequencePiece(false, 0))
                    : List.of(new TemplateProcessor.SequencePiece(false, 0),
                    new TemplateProcessor.SequencePiece(true, 1));
        }
        int n = 0;
        for (TemplateProcessor.Piece p : template) {
            n += switch (p) {
                case TemplateProcessor.SpecialPiece sp -> config.postProcessor.specials().get(sp.name()).ids().length;
                case TemplateProcessor.SequencePiece sq -> sq.second() ? (b == null ? 0 : b.size()) : a.size();
            };
        }
        int[] ids = new int[n];
        int[] typeIds = new int[n];
        int[] mask = new int[n];
        String[] tokens = new String[n];
        int[] starts = new int[n];
        int[] ends = new int[n];
        int[] special = new int[n];
        int[] seq = new int[n];
        int k = 0;
        for (TemplateProcessor.Piece p : template) {
            switch (p) {
                case TemplateProcessor.SpecialPiece sp -> {
                    TemplateProcessor.Special s = config.postProcessor.specials().get(sp.name());
                    for (int i = 0; i < s.ids().length; i++, k++) {
                        ids[k] = s.ids()[i];
                        tokens[k] = s.tokens()[i];
                        typeIds[k] = sp.typeId();
                        mask[k] = 1;
                        special[k] = 1;
                        seq[k] = -1;
                    }
                }
                case TemplateProcessor.SequencePiece sq -> {
                    TokenList src = sq.second() ? b : a;
                    if (src == null) {
                        continue;
                    }
                    for (int i = 0; i < src.size(); i++, k++) {
                        ids[k] = src.id(i);
                        tokens[k] = src.token(i);
                        starts[k] = src.start(i);
                        ends[k] = src.end(i);
                        typeIds[k] = sq.typeId();
                        mask[k] = 1;
                        seq[k] = sq.second() ? 1 : 0;
                    }
                }
            }
        }
        return new Encoding(ids, typeIds, mask, tokens, starts, ends, special, seq);
    }

    /**
     * Pads encodings: to the fixed length, or to the longest of the list (a single encoding is its own batch),
     * rounded up to {@code padToMultipleOf}; encodings already as long are returned unchanged.
     */
    private List<Encoding> pad(List<Encoding> encodings, boolean single) {
        if (padding == null) {
            return encodings;
        }
        int target;
        if (padding.strategy() == TokenizerConfig.Padding.Strategy.FIXED) {
            target = padding.length();
        } else {
            target = 0;
            for (Encoding e : encodings) {
                target = Math.max(target, e.length());
            }
        }
        int m = padding.padToMultipleOf();
        if (m > 0 && target % m != 0) {
            target += m - target % m;
        }
        List<Encoding> out = new ArrayList<>(encodings.size());
        for (Encoding e : encodings) {
            out.add(e.length() >= target ? e : padOne(e, target));
        }
        return single ? out : List.copyOf(out);
    }

    private Encoding padOne(Encoding e, int target) {
        int n = e.length();
        int extra = target - n;
        boolean left = padding.side() == TokenizerConfig.Side.LEFT;
        int at = left ? extra : 0; // where the original tokens start
        int[] ids = fill(target, padding.padId());
        int[] typeIds = fill(target, padding.padTypeId());
        int[] mask = new int[target];
        String[] tokens = new String[target];
        Arrays.fill(tokens, padding.padToken());
        int[] starts = new int[target];
        int[] ends = new int[target];
        int[] special = fill(target, 1);
        int[] seq = fill(target, -1);
        System.arraycopy(e.ids(), 0, ids, at, n);
        System.arraycopy(e.typeIds(), 0, typeIds, at, n);
        System.arraycopy(e.attentionMask(), 0, mask, at, n);
        System.arraycopy(e.tokens(), 0, tokens, at, n);
        System.arraycopy(e.starts(), 0, starts, at, n);
        System.arraycopy(e.ends(), 0, ends, at, n);
        System.arraycopy(e.specialTokensMask(), 0, special, at, n);
        System.arraycopy(e.sequenceIds(), 0, seq, at, n);
        return new Encoding(ids, typeIds, mask, tokens, starts, ends, special, seq);
    }

    private static int[] fill(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }
}
