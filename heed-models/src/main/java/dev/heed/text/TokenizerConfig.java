package dev.heed.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face {@code tokenizer.json}, read and checked. Supported: model {@code WordPiece}; normalizer
 * {@code BertNormalizer}, {@code Lowercase}, {@code StripAccents}, {@code NFD}, {@code NFKD} and a {@code Sequence}
 * of them; pre_tokenizer {@code BertPreTokenizer}, {@code Whitespace}, {@code WhitespaceSplit} and a
 * {@code Sequence} of them; post_processor {@code TemplateProcessing}, {@code BertProcessing}; decoder
 * {@code WordPiece}; truncation and padding. Anything else fails with {@link ErrorCode#UNSUPPORTED} naming the JSON
 * field and the supported choices; a missing or mistyped field fails with {@link ErrorCode#MALFORMED_INPUT}.
 *
 * <pre>{@code
 * TokenizerConfig config = TokenizerConfig.read(Path.of("tokenizer.json"));
 * int maxLength = config.truncation().map(TokenizerConfig.Truncation::maxLength).orElse(512);
 * Tokenizer tokenizer = Tokenizer.of(config);
 * }</pre>
 */
public final class TokenizerConfig {

    /** Which end of a sequence truncation removes tokens from, or padding adds them to. */
    public enum Side {
        /** The start of the sequence. */ LEFT,
        /** The end of the sequence. */ RIGHT
    }

    /**
     * Truncation: the longest encoding allowed, special tokens included.
     *
     * @param maxLength at most this many tokens, special tokens included
     * @param strategy  for pairs: which sequence loses tokens
     * @param side      the end tokens are removed from
     */
    public record Truncation(int maxLength, Strategy strategy, Side side) {
        /** Which sequence of a pair is shortened. */
        public enum Strategy {
            /** Remove one token at a time from whichever sequence is longer. */ LONGEST_FIRST,
            /** Shorten only the first sequence. */ ONLY_FIRST,
            /** Shorten only the second sequence (needs a pair). */ ONLY_SECOND
        }

        /**
         * Checks the length.
         *
         * @param maxLength ≥ 0
         * @param strategy  which sequence of a pair is shortened
         * @param side      the end tokens are removed from
         * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when {@code maxLength < 0}
         */
        public Truncation {
            if (maxLength < 0) {
                throw HeedException.invalid("truncation", "maxLength=" + maxLength + " < 0");
            }
        }

        /**
         * The same truncation with another maximum length.
         *
         * @param newMaxLength ≥ 0
         * @return the new truncation
         * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when negative
         */
        public Truncation withMaxLength(int newMaxLength) {
            return new Truncation(newMaxLength, strategy, side);
        }
    }

    /**
     * Padding.
     *
     * @param strategy        pad every encoding to {@code length} ({@code FIXED}) or a batch to its longest member
     * @param length          the fixed length (ignored for {@code BATCH_LONGEST})
     * @param side            where pad tokens go
     * @param padToMultipleOf round the target length up to a multiple of this (0: no rounding)
     * @param padId           id of the pad token
     * @param padTypeId       type id of pad tokens
     * @param padToken        the pad token's text
     */
    public record Padding(Strategy strategy, int length, Side side, int padToMultipleOf, int padId, int padTypeId,
                          String padToken) {
        /** Fixed length, or the longest encoding of the batch. */
        public enum Strategy {
            /** Pad every encoding of a batch to the batch's longest. */ BATCH_LONGEST,
            /** Pad every encoding to {@code length}. */ FIXED
        }

        /**
         * Checks the lengths.
         *
         * @param strategy        fixed or batch-longest
         * @param length          in [0, {@link #MAX_PADDED_LENGTH}]
         * @param side            where pad tokens go
         * @param padToMultipleOf in [0, {@link #MAX_PADDED_LENGTH}]
         * @param padId           id of the pad token
         * @param padTypeId       type id of pad tokens
         * @param padToken        the pad token's text
         * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} for a length out of range
         */
        public Padding {
            if (length < 0 || length > MAX_PADDED_LENGTH) {
                throw HeedException.invalid("padding", "length=" + length + " must be in [0, " + MAX_PADDED_LENGTH + "]");
            }
            if (padToMultipleOf < 0 || padToMultipleOf > MAX_PADDED_LENGTH) {
                throw HeedException.invalid("padding", "padToMultipleOf=" + padToMultipleOf + " must be in [0, " + MAX_PADDED_LENGTH + "]");
            }
        }

        /** {@return the same padding, to the longest encoding of each batch} */
        public Padding batchLongest() {
            return new Padding(Strategy.BATCH_LONGEST, 0, side, padToMultipleOf, padId, padTypeId, padToken);
        }

        /**
         * The same padding, to a fixed length.
         *
         * @param fixedLength tokens per encoding, in [0, {@link #MAX_PADDED_LENGTH}]
         * @return the new padding
         * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when out of range
         */
        public Padding fixed(int fixedLength) {
            return new Padding(Strategy.FIXED, fixedLength, side, padToMultipleOf, padId, padTypeId, padToken);
        }
    }

    /**
     * The largest fixed padding length and pad_to_multiple_of accepted: 2^17 = 131,072 tokens, beyond the
     * context of any encoder Heed runs. A file asking for more ({@code "Fixed": 2147483647}) would make every
     * encode allocate gigabytes; it is refused when read.
     */
    public static final int MAX_PADDED_LENGTH = 1 << 17;

    /**
     * The largest {@code max_input_chars_per_word} accepted (Hugging Face's default is 100). WordPiece costs at
     * most this many trie steps per code point, so the bound keeps tokenizing linear in the text's length.
     */
    public static final int MAX_INPUT_CHARS_PER_WORD = 1024;

    private static final String[] NORMALIZERS = {"BertNormalizer", "Lowercase", "StripAccents", "NFD", "NFKD",
        "Sequence"};
    private static final String[] PRE_TOKENIZERS = {"BertPreTokenizer", "Whitespace", "WhitespaceSplit", "Sequence"};
    private static final String[] MODELS = {"WordPiece"};
    private static final String[] POST_PROCESSORS = {"TemplateProcessing", "BertProcessing"};
    private static final String[] DECODERS = {"WordPiece"};

    final TextNormalizer normalizer;          // null: none
    final PreTokenizer preTokenizer;          // null: the whole text is one word
    final WordPiece model;
    final TemplateProcessor postProcessor;    // null: no special tokens
    final AddedVocabulary addedVocabulary;
    final String decoderPrefix;               // null: no decoder (tokens joined by spaces)
    final boolean decoderCleanup;
    final Truncation truncation;              // null: none
    final Padding padding;                    // null: none

    private TokenizerConfig(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw malformed("", "the top level is not a JSON object");
        }
        this.model = parseModel(root.get("model"));
        this.normalizer = nullOrMissing(root.get("normalizer")) ? null : parseNormalizer(root.get("normalizer"),
                "normalizer");
        this.preTokenizer = nullOrMissing(root.get("pre_tokenizer")) ? null
                : parsePreTokenizer(root.get("pre_tokenizer"), "pre_tokenizer");
        this.addedVocabulary = parseAddedTokens(root.get("added_tokens"), normalizer);
        this.postProcessor = nullOrMissing(root.get("post_processor")) ? null
                : parsePostProcessor(root.get("post_processor"));
        JsonNode decoder = root.get("decoder");
        if (nullOrMissing(decoder)) {
            decoderPrefix = null;
            decoderCleanup = false;
        } else {
            String type = type(decoder, "decoder", DECODERS);
            if (!type.equals("WordPiece")) {
                throw unsupported("decoder.type", type, DECODERS);
            }
            decoderPrefix = optText(decoder, "prefix", "decoder.prefix", "##");
            decoderCleanup = optBool(decoder, "cleanup", "decoder.cleanup", true);
        }
        this.truncation = nullOrMissing(root.get("truncation")) ? null : parseTruncation(root.get("truncation"));
        this.padding = nullOrMissing(root.get("padding")) ? null : parsePadding(root.get("padding"));
    }

    /**
     * Reads a tokenizer.json file.
     *
     * @param path the file
     * @return the checked configuration
     * @throws HeedException {@link ErrorCode#IO} when the file cannot be read, {@link ErrorCode#MALFORMED_INPUT} for bad JSON or a missing or
     *                       mistyped field, {@link ErrorCode#UNSUPPORTED} for a part Heed lacks
     */
    public static TokenizerConfig read(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            return read(in);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "tokenizer.json: cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a tokenizer.json from a stream (not closed).
     *
     * @param in the JSON
     * @return the checked configuration
     * @throws HeedException as {@link #read(Path)}
     */
    public static TokenizerConfig read(InputStream in) {
        try {
            return new TokenizerConfig(new ObjectMapper().readTree(in));
        } catch (JsonProcessingException e) {
            throw new HeedException(ErrorCode.MALFORMED_INPUT, "tokenizer.json: not valid JSON: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "tokenizer.json: cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Parses tokenizer.json text.
     *
     * @param json the JSON text
     * @return the checked configuration
     * @throws HeedException {@link ErrorCode#MALFORMED_INPUT} for bad JSON or a missing or mistyped field, {@link ErrorCode#UNSUPPORTED} for a
     *                       part Heed lacks
     */
    public static TokenizerConfig parse(String json) {
        try {
            return new TokenizerConfig(new ObjectMapper().readTree(json));
        } catch (JsonProcessingException e) {
            throw new HeedException(ErrorCode.MALFORMED_INPUT, "tokenizer.json: not valid JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** {@return the truncation the file asks for, if any} */
    public Optional<Truncation> truncation() {
        return Optional.ofNullable(truncation);
    }

    /** {@return the padding the file asks for, if any} */
    public Optional<Padding> padding() {
        return Optional.ofNullable(padding);
    }

    // ---------------------------------------------------------------- model

    private static WordPiece parseModel(JsonNode m) {
        if (nullOrMissing(m) || !m.isObject()) {
            throw malformed("model", "missing or not an object");
        }
        JsonNode typeNode = m.get("type");
        // Old files omit the type; a WordPiece model is recognised by its fields.
        String type = typeNode == null ? (m.has("continuing_subword_prefix") && m.has("max_input_chars_per_word")
                ? "WordPiece" : null) : typeNode.asText();
        if (type == null) {
            throw malformed("model.type", "missing");
        }
        if (!type.equals("WordPiece")) {
            throw unsupported("model.type", type, MODELS);
        }
        JsonNode vocabNode = m.get("vocab");
        if (vocabNode == null || !vocabNode.isObject()) {
            throw malformed("model.vocab", "missing or not an object of token -> id");
        }
        Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw malformed("model.vocab[\"" + e.getKey() + "\"]", "not a non-negative integer id");
            }
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        String unk = optText(m, "unk_token", "model.unk_token", "[UNK]");
        String prefix = optText(m, "continuing_subword_prefix", "model.continuing_subword_prefix", "##");
        int maxChars = bounded(optInt(m, "max_input_chars_per_word", "model.max_input_chars_per_word", 100),
                "model.max_input_chars_per_word", 1, MAX_INPUT_CHARS_PER_WORD);
        return new WordPiece(vocab, unk, prefix, maxChars);
    }

    // ---------------------------------------------------------------- normalizer

    private static TextNormalizer parseNormalizer(JsonNode n, String path) {
        String type = type(n, path, NORMALIZERS);
        return switch (type) {
            case "BertNormalizer" -> {
                boolean lowercase = optBool(n, "lowercase", path + ".lowercase", true);
                JsonNode sa = n.get("strip_accents");
                boolean strip = nullOrMissing(sa) ? lowercase : bool(sa, path + ".strip_accents");
                yield new TextNormalizer.Bert(optBool(n, "clean_text", path + ".clean_text", true),
                        optBool(n, "handle_chinese_chars", path + ".handle_chinese_chars", true), strip, lowercase);
            }
            case "Lowercase" -> new TextNormalizer.Lowercase();
            case "StripAccents" -> new TextNormalizer.StripAccents();
            case "NFD" -> new TextNormalizer.Decompose(Normalizer.Form.NFD);
            case "NFKD" -> new TextNormalizer.Decompose(Normalizer.Form.NFKD);
            case "Sequence" -> {
                JsonNode list = n.get("normalizers");
                if (list == null || !list.isArray()) {
                    throw malformed(path + ".normalizers", "missing or not an array");
                }
                List<TextNormalizer> steps = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    steps.add(parseNormalizer(list.get(i), path + ".normalizers[" + i + "]"));
                }
                yield new TextNormalizer.Sequence(steps);
            }
            default -> throw unsupported(path + ".type", type, NORMALIZERS);
        };
    }

    // ---------------------------------------------------------------- pre-tokenizer

    private static PreTokenizer parsePreTokenizer(JsonNode n, String path) {
        String type = type(n, path, PRE_TOKENIZERS);
        return switch (type) {
            case "BertPreTokenizer" -> new PreTokenizer.Bert();
            case "Whitespace" -> new PreTokenizer.Whitespace();
            case "WhitespaceSplit" -> new PreTokenizer.WhitespaceSplit();
            case "Sequence" -> {
                JsonNode list = n.get("pretokenizers");
                if (list == null || !list.isArray()) {
                    throw malformed(path + ".pretokenizers", "missing or not an array");
                }
                List<PreTokenizer> steps = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    steps.add(parsePreTokenizer(list.get(i), path + ".pretokenizers[" + i + "]"));
                }
                yield new PreTokenizer.Sequence(steps);
            }
            default -> throw unsupported(path + ".type", type, PRE_TOKENIZERS);
        };
    }

    // ---------------------------------------------------------------- added tokens

    private AddedVocabulary parseAddedTokens(JsonNode list, TextNormalizer norm) {
        List<AddedVocabulary.AddedToken> tokens = new ArrayList<>();
        if (!nullOrMissing(list)) {
            if (!list.isArray()) {
                throw malformed("added_tokens", "not an array");
            }
            for (int i = 0; i < list.size(); i++) {
                JsonNode t = list.get(i);
                String path = "added_tokens[" + i + "]";
                if (!t.isObject()) {
                    throw malformed(path, "not an object");
                }
                int id = reqInt(t, "id", path + ".id");
                String content = reqText(t, "content", path + ".content");
                boolean special = optBool(t, "special", path + ".special", false);
                boolean normalized = optBool(t, "normalized", path + ".normalized", !special);
                int[] match = content.codePoints().toArray();
                if (normalized && norm != null) {
                    Normalized nc = norm.apply(Normalized.of(content, 0, content.length()));
                    match = nc.text(0, nc.length()).codePoints().toArray();
                }
                tokens.add(new AddedVocabulary.AddedToken(id, content,
                        optBool(t, "single_word", path + ".single_word", false),
                        optBool(t, "lstrip", path + ".lstrip", false),
                        optBool(t, "rstrip", path + ".rstrip", false), normalized, special, match));
            }
        }
        return new AddedVocabulary(tokens);
    }

    // ---------------------------------------------------------------- post-processor

    private TemplateProcessor parsePostProcessor(JsonNode n) {
        String type = type(n, "post_processor", POST_PROCESSORS);
        return switch (type) {
            case "TemplateProcessing" -> {
                Map<String, TemplateProcessor.Special> specials = new LinkedHashMap<>();
                JsonNode sp = n.get("special_tokens");
                if (sp != null && !sp.isNull()) {
                    if (!sp.isObject()) {
                        throw malformed("post_processor.special_tokens", "not an object");
                    }
                    for (Map.Entry<String, JsonNode> e : sp.properties()) {
                        String path = "post_processor.special_tokens[\"" + e.getKey() + "\"]";
                        JsonNode ids = e.getValue().get("ids");
                        JsonNode toks = e.getValue().get("tokens");
                        if (ids == null || !ids.isArray() || toks == null || !toks.isArray()
                                || ids.size() != toks.size()) {
                            throw malformed(path, "needs arrays \"ids\" and \"tokens\" of equal length");
                        }
                        int[] idArr = new int[ids.size()];
                        String[] tokArr = new String[toks.size()];
                        for (int i = 0; i < idArr.length; i++) {
                            idArr[i] = ids.get(i).asInt();
                            tokArr[i] = toks.get(i).asText();
                        }
                        specials.put(e.getKey(), new TemplateProcessor.Special(e.getKey(), idArr, tokArr));
                    }
                }
                List<TemplateProcessor.Piece> single = parseTemplate(n.get("single"), "post_processor.single",
                        specials);
                List<TemplateProcessor.Piece> pair = parseTemplate(n.get("pair"), "post_processor.pair", specials);
                yield new TemplateProcessor(single, pair, specials);
            }
            case "BertProcessing" -> {
                TemplateProcessor.Special sep = tokenPair(n.get("sep"), "post_processor.sep");
                TemplateProcessor.Special cls = tokenPair(n.get("cls"), "post_processor.cls");
                Map<String, TemplateProcessor.Special> specials = new LinkedHashMap<>();
                specials.put(cls.name(), cls);
                specials.put(sep.name(), sep);
                var c0 = new TemplateProcessor.SpecialPiece(cls.name(), 0);
                var s0 = new TemplateProcessor.SpecialPiece(sep.name(), 0);
                var s1 = new TemplateProcessor.SpecialPiece(sep.name(), 1);
                var a = new TemplateProcessor.SequencePiece(false, 0);
                var b = new TemplateProcessor.SequencePiece(true, 1);
                yield new TemplateProcessor(List.of(c0, a, s0), List.of(c0, a, s0, b, s1), specials);
            }
            default -> throw unsupported("post_processor.type", type, POST_PROCESSORS);
        };
    }

    private static TemplateProcessor.Special tokenPair(JsonNode n, String path) {
        if (n == null || !n.isArray() || n.size() != 2 || !n.get(1).canConvertToInt()) {
            throw malformed(path, "expected [token, id]");
        }
        return new TemplateProcessor.Special(n.get(0).asText(), new int[] {n.get(1).asInt()},
                new String[] {n.get(0).asText()});
    }

    private static List<TemplateProcessor.Piece> parseTemplate(JsonNode list, String path,
                                                               Map<String, TemplateProcessor.Special> specials) {
        if (list == null || !list.isArray()) {
            throw malformed(path, "missing or not an array");
        }
        List<TemplateProcessor.Piece> pieces = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode p = list.get(i);
            String pp = path + "[" + i + "]";
            if (p.has("SpecialToken")) {
                JsonNode s = p.get("SpecialToken");
                String id = reqText(s, "id", pp + ".SpecialToken.id");
                if (!specials.containsKey(id)) {
                    throw malformed(pp + ".SpecialToken.id", "\"" + id + "\" is not in post_processor.special_tokens");
                }
                pieces.add(new TemplateProcessor.SpecialPiece(id, optInt(s, "type_id", pp + ".SpecialToken.type_id",
                        0)));
            } else if (p.has("Sequence")) {
                JsonNode s = p.get("Sequence");
                String id = reqText(s, "id", pp + ".Sequence.id");
                if (!id.equals("A") && !id.equals("B")) {
                    throw unsupported(pp + ".Sequence.id", id, "A", "B");
                }
                pieces.add(new TemplateProcessor.SequencePiece(id.equals("B"),
                        optInt(s, "type_id", pp + ".Sequence.type_id", 0)));
            } else {
                throw unsupported(pp, p.fieldNames().hasNext() ? p.fieldNames().next() : "{}", "SpecialToken",
                        "Sequence");
            }
        }
        return pieces;
    }

    // ---------------------------------------------------------------- truncation and padding

    private static Truncation parseTruncation(JsonNode n) {
        int max = bounded(reqInt(n, "max_length", "truncation.max_length"), "truncation.max_length", 0, Integer.MAX_VALUE);
        int stride = optInt(n, "stride", "truncation.stride", 0);
        if (stride != 0) {
            throw new HeedException(ErrorCode.UNSUPPORTED, "tokenizer.json: truncation.stride = " + stride
                    + " is not supported (overflowing windows are not produced); expected 0");
        }
        String strategy = optText(n, "strategy", "truncation.strategy", "LongestFirst");
        Truncation.Strategy s = switch (strategy) {
            case "LongestFirst" -> Truncation.Strategy.LONGEST_FIRST;
            case "OnlyFirst" -> Truncation.Strategy.ONLY_FIRST;
            case "OnlySecond" -> Truncation.Strategy.ONLY_SECOND;
            default -> throw unsupported("truncation.strategy", strategy, "LongestFirst", "OnlyFirst", "OnlySecond");
        };
        return new Truncation(max, s, side(optText(n, "direction", "truncation.direction", "Right"),
                "truncation.direction"));
    }

    private static Padding parsePadding(JsonNode n) {
        JsonNode st = n.get("strategy");
        Padding.Strategy strategy;
        int length = 0;
        if (st == null || (st.isTextual() && st.asText().equals("BatchLongest"))) {
            strategy = Padding.Strategy.BATCH_LONGEST;
        } else if (st.isObject() && st.has("Fixed") && st.get("Fixed").canConvertToInt()) {
            strategy = Padding.Strategy.FIXED;
            length = bounded(st.get("Fixed").asInt(), "padding.strategy.Fixed", 0, MAX_PADDED_LENGTH);
        } else {
            throw unsupported("padding.strategy", st.toString(), "\"BatchLongest\"", "{\"Fixed\": n}");
        }
        JsonNode mult = n.get("pad_to_multiple_of");
        if (!nullOrMissing(mult) && (!mult.isIntegralNumber() || !mult.canConvertToInt())) {
            throw malformed("padding.pad_to_multiple_of", "not an integer: " + mult);
        }
        int multiple = nullOrMissing(mult) ? 0 : bounded(mult.asInt(), "padding.pad_to_multiple_of", 0, MAX_PADDED_LENGTH);
        return new Padding(strategy, length, side(optText(n, "direction", "padding.direction", "Right"),
                "padding.direction"), multiple, bounded(optInt(n, "pad_id", "padding.pad_id", 0), "padding.pad_id", 0, Integer.MAX_VALUE),
                bounded(optInt(n, "pad_type_id", "padding.pad_type_id", 0), "padding.pad_type_id", 0, Integer.MAX_VALUE),
                optText(n, "pad_token", "padding.pad_token", "[PAD]"));
    }

    private static Side side(String s, String path) {
        return switch (s) {
            case "Right" -> Side.RIGHT;
            case "Left" -> Side.LEFT;
            default -> throw unsupported(path, s, "Right", "Left");
        };
    }

    // ---------------------------------------------------------------- JSON helpers (errors name the field)

    private static boolean nullOrMissing(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode();
    }

    private static String type(JsonNode n, String path, String[] supported) {
        if (!n.isObject()) {
            throw malformed(path, "not an object");
        }
        JsonNode t = n.get("type");
        if (t == null || !t.isTextual()) {
            throw malformed(path + ".type", "missing; expected one of " + String.join(", ", supported));
        }
        return t.asText();
    }

    private static HeedException unsupported(String path, String value, String... supported) {
        return HeedException.unsupported("tokenizer.json: " + path + " = \"" + value + "\" is not supported",
                (Object[]) supported);
    }

    private static HeedException malformed(String path, String rule) {
        return new HeedException(ErrorCode.MALFORMED_INPUT, "tokenizer.json: " + (path.isEmpty() ? "" : path + ": ")
                + rule);
    }

    private static boolean bool(JsonNode v, String path) {
        if (!v.isBoolean()) {
            throw malformed(path, "expected true or false, got " + v);
        }
        return v.asBoolean();
    }

    private static boolean optBool(JsonNode n, String field, String path, boolean dflt) {
        JsonNode v = n.get(field);
        return nullOrMissing(v) ? dflt : bool(v, path);
    }

    /** {@code v} when it lies in [min, max]; otherwise MALFORMED_INPUT naming the field and the bounds. */
    private static int bounded(int v, String path, int min, int max) {
        if (v < min || v > max) {
            throw malformed(path, "is " + v + "; Heed accepts " + min + " to " + max
                    + " (a bound that keeps hostile files from making encode allocate or loop without end)");
        }
        return v;
    }

    private static int optInt(JsonNode n, String field, String path, int dflt) {
        JsonNode v = n.get(field);
        return nullOrMissing(v) ? dflt : reqInt(n, field, path);
    }

    private static int reqInt(JsonNode n, String field, String path) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw malformed(path, "missing or not an integer");
        }
        return v.asInt();
    }

    private static String optText(JsonNode n, String field, String path, String dflt) {
        JsonNode v = n.get(field);
        return nullOrMissing(v) ? dflt : reqText(n, field, path);
    }

    private static String reqText(JsonNode n, String field, String path) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw malformed(path, "missing or not a string");
        }
        return v.asText();
    }
}
