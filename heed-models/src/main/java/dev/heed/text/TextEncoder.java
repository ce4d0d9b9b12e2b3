package dev.heed.text;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.RunOptions;
import dev.heed.onnx.RunResult;
import dev.heed.onnx.Session;
import dev.heed.onnx.SessionOptions;
import dev.heed.onnx.ir.ValueInfo;
import dev.heed.tensor.Tensor;
import dev.heed.viz.AttentionMaps;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Sentence embeddings and attention maps from a BERT-style ONNX text encoder (all-MiniLM-L6-v2 by default):
 * tokenise, run the model, mean-pool {@code last_hidden_state} over the real tokens (attention mask 1), L2-normalise.
 * Thread-safe: the tokenizer and the session are immutable; {@link #embedAll} and {@link #attention} may be called
 * from many threads at once.
 *
 * <pre>{@code
 * try (TextEncoder enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(cacheDir))) {
 *     float[] a = enc.embed("A man is playing a guitar.");            // [384], unit length
 *     List<float[]> all = enc.embedAll(List.of("first", "second"));   // batches of 32, padded per batch
 *     double sim = TextEncoder.cosine(a, all.get(0));
 *     AttentionMaps maps = enc.attention("The animal didn't cross the street because it was too tired");
 * }
 * }</pre>
 *
 * <p>Batching: {@link #embedAll} sorts the texts by token count and cuts them into batches of
 * {@link TextEncoderOptions#batchSize()}, each padded only to its own longest text (dynamic padding); the results
 * come back in input order. Padding never changes a result beyond float rounding, because the model masks padded
 * keys out and the pooling skips padded positions.
 *
 * <p>Attention maps come from the same session: {@link #attention} runs it with
 * {@link RunOptions#withCaptureAttention}, so every fused attention node hands out its probabilities, one
 * {@code [1, H, L, L]} tensor per layer; embedding runs meanwhile compute none.
 */
public final class TextEncoder implements AutoCloseable {
    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    static final String TOKEN_TYPE_IDS = "token_type_ids";
    /** Truncation when neither the options nor the tokenizer.json set one: BERT's position-embedding count. */
    static final int FALLBACK_MAX_TOKENS = 512;

    private final Path modelFile;
    private final String name;
    private final TextEncoderOptions options;
    private final Tokenizer tokenizer;      // no padding: TextEncoder pads each batch itself
    private final int padId;
    private final Session session;          // embeddings, and attention maps with per-run capture
    private final boolean typeIds;          // the model declares token_type_ids
    private final String hiddenOutput;      // [B, L, D]
    /**
     * A dynamically quantised model (ONNX Runtime's int8 export): its DynamicQuantizeLinear ranges span the whole
     * input, padding included, so it runs one unpadded text per run and a text's embedding never depends on its
     * batch-mates (as with langchain4j, which embeds one text at a time).
     */
    private final boolean solo;
    private final ModelCard card;           // pooling, normalisation, query / passage prefixes

    private TextEncoder(Path modelFile, String name, Tokenizer tokenizer, TextEncoderOptions options) {
        this(modelFile, name, tokenizer, options, ModelCard.defaults());
    }

    private TextEncoder(Path modelFile, String name, Tokenizer tokenizer, TextEncoderOptions options, ModelCard card) {
        this.card = card;
        this.modelFile = modelFile;
        this.name = name;
        this.options = options;
        int max = options.maxTokens() > 0 ? options.maxTokens()
                : tokenizer.truncation().map(TokenizerConfig.Truncation::maxLength).orElse(FALLBACK_MAX_TOKENS);
        this.padId = tokenizer.padding().map(TokenizerConfig.Padding::padId)
                .orElseGet(() -> tokenizer.tokenToId("[PAD]").orElse(0));
        this.tokenizer = tokenizer.withPadding(null).withMaxLength(max);
        this.session = Session.open(modelFile, sessionOptions());
        this.solo = session.graphFusions().getOrDefault("quantized_linear", 0) > 0;
        try {
            Set<String> declared = session.inputs().stream().map(ValueInfo::name).collect(Collectors.toSet());
            for (String required : List.of(INPUT_IDS, ATTENTION_MASK)) {
                if (!declared.contains(required)) {
                    throw HeedException.invalid("TextEncoder", "model " + modelFile + " has no input '" + required
                            + "'; it declares " + session.inputs() + " (expected a BERT-style encoder: input_ids, "
                            + "attention_mask, optionally token_type_ids)");
                }
            }
            for (String in : declared) {
                if (!Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS).contains(in)) {
                    throw HeedException.unsupported("TextEncoder: model " + modelFile + " needs input '" + in
                            + "', which a text encoder cannot feed", INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS);
                }
            }
            this.typeIds = declared.contains(TOKEN_TYPE_IDS);
            this.hiddenOutput = hiddenOutput(session, modelFile);
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /**
     * The bundled all-MiniLM-L6-v2 (384 dimensions): copied from the class path into
     * {@link TextEncoderOptions#cacheDir()} once, verified by size and SHA-256 whenever it is reused, memory-mapped.
     *
     * @param options the cache directory (required), batch size, truncation and execution options
     * @return the encoder; close it to stop its threads
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when the cache directory is null or {@code maxTokens}
     *                       exceeds the model's 512 positions, {@link ErrorCode#IO} when the cache directory cannot be
     *                       written or read
     */
    public static TextEncoder defaultModel(TextEncoderOptions options) {
        if (options.maxTokens() > BundledModel.POSITIONS) {
            throw HeedException.invalid("TextEncoder.defaultModel", "maxTokens=" + options.maxTokens() + " > "
                    + BundledModel.POSITIONS + ": all-MiniLM-L6-v2 has " + BundledModel.POSITIONS + " position embeddings");
        }
        Path model = BundledModel.modelFile(options.cacheDir());
        Tokenizer tok;
        try (InputStream in = BundledModel.tokenizer()) {
            tok = Tokenizer.read(in);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "TextEncoder.defaultModel: cannot read "
                    + BundledModel.TOKENIZER_RESOURCE + ": " + e.getMessage(), e);
        }
        return new TextEncoder(model, "all-MiniLM-L6-v2", tok, options);
    }

    /**
     * Opens a model directory holding {@code model.onnx} and {@code tokenizer.json} (and optionally {@code heed-model.json}),
     * with default options.
     *
     * @param dir the model directory
     * @return the encoder; close it to stop its threads
     * @throws HeedException {@link ErrorCode#IO} when the directory or a file is missing or unreadable, {@link ErrorCode#MALFORMED_INPUT}
     *                       for a damaged model or tokenizer, {@link ErrorCode#UNSUPPORTED} for operators or tokenizer parts
     *                       Heed lacks
     */
    public static TextEncoder open(Path dir) {
        return open(dir, TextEncoderOptions.defaults(null));
    }

    /**
     * Opens a model directory holding {@code model.onnx} and {@code tokenizer.json} (and optionally {@code heed-model.json}).
     *
     * @param dir     the model directory
     * @param options batch size, truncation and execution options (the cache directory is not used)
     * @return the encoder; close it to stop its threads
     * @throws HeedException {@link ErrorCode#IO} when the directory or a file is missing or unreadable, {@link ErrorCode#MALFORMED_INPUT}
     *                       for a damaged model or tokenizer, {@link ErrorCode#UNSUPPORTED} for operators or tokenizer parts
     *                       Heed lacks
     */
    public static TextEncoder open(Path dir, TextEncoderOptions options) {
        if (!Files.isDirectory(dir)) {
            throw new HeedException(ErrorCode.IO, "TextEncoder.open: " + dir + " is not a directory (expected one with "
                    + "model.onnx and tokenizer.json)");
        }
        Path model = dir.resolve("model.onnx");
        Path tokenizer = dir.resolve("tokenizer.json");
        List<String> missing = new ArrayList<>();
        if (!Files.isRegularFile(model)) missing.add("model.onnx");
        if (!Files.isRegularFile(tokenizer)) missing.add("tokenizer.json");
        if (!missing.isEmpty()) {
            throw new HeedException(ErrorCode.IO, "TextEncoder.open: " + dir + " has no " + String.join(" and no ", missing)
                    + " (a text encoder directory needs model.onnx and tokenizer.json)");
        }
        String name = dir.toAbsolutePath().normalize().getFileName() == null ? dir.toString()
                : dir.toAbsolutePath().normalize().getFileName().toString();
        return new TextEncoder(model, name, Tokenizer.read(tokenizer), options, ModelCard.read(dir));
    }

    private SessionOptions sessionOptions() {
        return SessionOptions.defaults().withExecution(options.execution()).withAttention(options.attention());
    }

    /** {@code last_hidden_state} by name, else the first output declared with rank 3, else the first output. */
    private static String hiddenOutput(Session s, Path modelFile) {
        if (s.outputs().isEmpty()) throw HeedException.invalid("TextEncoder", "model " + modelFile + " has no outputs");
        for (ValueInfo v : s.outputs()) if (v.name().equals("last_hidden_state")) return v.name();
        for (ValueInfo v : s.outputs()) if (v.dims() != null && v.dims().size() == 3) return v.name();
        return s.outputs().getFirst().name();
    }

    // ---------------------------------------------------------------- accessors

    /** {@return a short model name for titles ("all-MiniLM-L6-v2", or the model directory's name)} */
    public String name() { return name; }

    /** {@return the model file the session memory-maps} */
    public Path modelFile() { return modelFile; }

    /** {@return the options this encoder was opened with} */
    public TextEncoderOptions options() { return options; }

    /** {@return the tokenizer as the encoder uses it: truncation in force, no padding} */
    public Tokenizer tokenizer() { return tokenizer; }

    /** {@return whether the model declares (and is fed) {@code token_type_ids}} */
    public boolean feedsTokenTypeIds() { return typeIds; }

    /** {@return the longest input, in tokens with special tokens, before truncation cuts it} */
    public int maxTokens() { return tokenizer.truncation().orElseThrow().maxLength(); }

    // ---------------------------------------------------------------- embeddings

    /**
     * The embedding of one text, pooled as the model card says (by default the mean of the token vectors,
     * L2-normalised). Texts longer than {@link #maxTokens()} are truncated.
     *
     * @param text the text, not null
     * @return the embedding, {@code D} floats (384 for all-MiniLM-L6-v2)
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} for a null text
     */
    public float[] embed(String text) {
        if (text == null) throw HeedException.invalid("TextEncoder.embed", "text is null");
        return run(List.of(tokenizer.encode(text))).getFirst();
    }

    /** {@return how this model pools and which prefixes it was trained with ({@code heed-model.json}, or the defaults)} */
    public ModelCard card() { return card; }

    /**
     * The embedding of a search query: the card's query prefix, then {@link #embed}.
     *
     * @param text the query, not null
     * @return the embedding
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} for a null text
     */
    public float[] embedQuery(String text) {
        if (text == null) throw HeedException.invalid("TextEncoder.embedQuery", "text is null");
        return embed(card.queryPrefix() + text);
    }

    /**
     * The embedding of a passage to be searched: the card's passage prefix, then {@link #embed}.
     *
     * @param text the passage, not null
     * @return the embedding
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} for a null text
     */
    public float[] embedPassage(String text) {
        if (text == null) throw HeedException.invalid("TextEncoder.embedPassage", "text is null");
        return embed(card.passagePrefix() + text);
    }

    /**
     * The embeddings of many texts, in input order, computed in padded batches of the configured size.
     *
     * @param texts the texts, none null
     * @return one embedding per text, in input order
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} for a null list or a null text
     */
    public List<float[]> embedAll(List<String> texts) {
        if (texts == null) throw HeedException.invalid("TextEncoder.embedAll", "texts is null");
        int n = texts.size();
        Encoding[] enc = new Encoding[n];
        for (int i = 0; i < n; i++) {
            String t = texts.get(i);
            if (t == null) throw HeedException.invalid("TextEncoder.embedAll", "text " + i + " is null");
            enc[i] = tokenizer.encode(t);
        }
        // Similar lengths side by side, so each batch is padded little; results go back to input order.
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Integer.compare(enc[a].length(), enc[b].length()));
        float[][] out = new float[n][];
        int batch = solo ? 1 : options.batchSize();
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            List<Encoding> chunk = new ArrayList<>(to - from);
            for (int k = from; k < to; k++) chunk.add(enc[order[k]]);
            List<float[]> vectors = run(chunk);
            for (int k = from; k < to; k++) out[order[k]] = vectors.get(k - from);
        }
        return List.of(out);
    }

    /**
     * The embeddings of texts tokenised already (with {@link #tokenizer()}), as ONE padded model run, in input order:
     * for callers that form their own batches (the HTTP server's dynamic batching). Every encoding must fit
     * {@link #maxTokens()} and hold ids below the vocabulary size.
     *
     * @param batch encodings from {@link #tokenizer()}, not empty
     * @return one embedding per encoding, in input order
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} for an empty batch, an empty or too long encoding, or an
     *                       id outside the vocabulary
     */
    public List<float[]> embedEncodings(List<Encoding> batch) {
        return embedEncodings(batch, card.normalize());
    }

    /**
     * {@link #embedEncodings(List)} with the L2 normalisation chosen by the caller instead of the card (TEI's
     * {@code normalize: false} asks for the pooled vectors as they are).
     *
     * @param batch     encodings from this encoder's tokenizer, each 1 to {@link #maxTokens()} tokens
     * @param normalize scale each vector to unit length (true) or return the pooled vectors as they are (false)
     * @return one vector per encoding, in order
     * @throws HeedException INVALID_ARGUMENT for an empty batch, an empty or too long encoding, or a token id
     *                       outside the vocabulary
     */
    public List<float[]> embedEncodings(List<Encoding> batch, boolean normalize) {
        return embedEncodings(batch, normalize, 0);
    }

    /**
     * {@link #embedEncodings(List, boolean)} on at most {@code threads} of the encoder's threads: a server that has
     * more batches waiting runs them side by side, one thread each, which gets more done per second than running them
     * one after the other on all threads (see {@link dev.heed.onnx.RunOptions#threads()}). Same results either way.
     *
     * @param batch     encodings from this encoder's tokenizer, each 1 to {@link #maxTokens()} tokens
     * @param normalize scale each vector to unit length (true) or return the pooled vectors as they are (false)
     * @param threads   the most threads this run uses, the caller's included; 0 for all of the encoder's
     * @return one vector per encoding, in order
     * @throws HeedException INVALID_ARGUMENT for an empty batch, an empty or too long encoding, a token id outside the
     *                       vocabulary, or a negative {@code threads}
     */
    public List<float[]> embedEncodings(List<Encoding> batch, boolean normalize, int threads) {
        if (threads < 0) throw HeedException.invalid("TextEncoder.embedEncodings", "threads must be >= 0 (0: all), got " + threads);
        if (batch == null || batch.isEmpty()) throw HeedException.invalid("TextEncoder.embedEncodings", "batch is null or empty");
        int vocab = tokenizer.vocabSize();
        for (int i = 0; i < batch.size(); i++) {
            Encoding e = batch.get(i);
            if (e == null || e.length() == 0 || e.length() > maxTokens()) {
                throw HeedException.invalid("TextEncoder.embedEncodings", "encoding " + i + " has "
                        + (e == null ? "no" : e.length()) + " tokens; allowed 1 to " + maxTokens());
            }
            for (int id : e.ids()) {
                if (id < 0 || id >= vocab) {
                    throw HeedException.invalid("TextEncoder.embedEncodings", "encoding " + i + " has token id " + id
                            + " outside the vocabulary [0, " + vocab + ")");
                }
            }
        }
        return run(batch, normalize == card.normalize() ? card
                : new ModelCard(card.pooling(), normalize, card.queryPrefix(), card.passagePrefix()), threads);
    }

    /** Runs one padded batch and pools it as the card says. */
    private List<float[]> run(List<Encoding> batch) {
        return run(batch, card, 0);
    }

    /** Runs one padded batch on at most {@code threads} threads (0: all) and pools it as {@code pooling} says. */
    private List<float[]> run(List<Encoding> batch, ModelCard pooling, int threads) {
        Map<String, Tensor> feeds = feeds(batch);
        Tensor hidden = session.run(feeds, RunOptions.defaults().withThreads(threads)).outputs().get(hiddenOutput);   // [B, L, D]
        int b = batch.size(), l = feeds.get(INPUT_IDS).dim(1);
        if (hidden == null || hidden.rank() != 3 || hidden.dim(0) != b || hidden.dim(1) != l) {
            throw HeedException.shape("TextEncoder.embed", "output '" + hiddenOutput + "'"
                    + (hidden == null ? " missing" : hidden.shape().toString()) + " for input_ids[" + b + ", " + l
                    + "]: expected [" + b + ", " + l + ", D]");
        }
        return TokenPooling.pool(pooling, hidden.toFloatArray(), feeds.get(ATTENTION_MASK).toLongArray(), b, l, hidden.dim(2));
    }

    /** input_ids, attention_mask (and token_type_ids if declared), each [B, L] int64, padded to the longest. */
    private Map<String, Tensor> feeds(List<Encoding> batch) {
        int b = batch.size();
        int l = 0;
        for (Encoding e : batch) l = Math.max(l, e.length());
        long[] ids = new long[b * l];
        long[] mask = new long[b * l];
        long[] types = new long[b * l];
        Arrays.fill(ids, padId);
        for (int i = 0; i < b; i++) {
            Encoding e = batch.get(i);
            for (int t = 0; t < e.length(); t++) {
                ids[i * l + t] = e.ids()[t];
                mask[i * l + t] = e.attentionMask()[t];
                types[i * l + t] = e.typeIds()[t];
            }
        }
        Map<String, Tensor> feeds = new HashMap<>();
        feeds.put(INPUT_IDS, Tensor.ofLongs(ids, b, l));
        feeds.put(ATTENTION_MASK, Tensor.ofLongs(mask, b, l));
        if (typeIds) feeds.put(TOKEN_TYPE_IDS, Tensor.ofLongs(types, b, l));
        return feeds;
    }

    /**
     * Cosine similarity of two vectors (their dot product when both are unit length, as embeddings are).
     *
     * @param a one vector
     * @param b another vector of the same length
     * @return the cosine, in [-1, 1] up to rounding
     * @throws HeedException (SHAPE_MISMATCH) when the lengths differ; (INVALID_ARGUMENT) for a zero vector
     */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw HeedException.shape("TextEncoder.cosine", "a[" + a.length + "] · b[" + b.length + "]: lengths differ");
        }
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        if (na == 0 || nb == 0) throw HeedException.invalid("TextEncoder.cosine", "a zero vector has no direction");
        return dot / Math.sqrt(na * nb);
    }

    /**
     * All pairwise cosine similarities.
     *
     * @param vectors n vectors of one length
     * @return {@code [n, n]}, symmetric, 1 on the diagonal (up to rounding)
     * @throws HeedException as {@link #cosine}
     */
    public static double[][] cosineMatrix(List<float[]> vectors) {
        int n = vectors.size();
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) m[i][j] = m[j][i] = cosine(vectors.get(i), vectors.get(j));
        }
        return m;
    }

    // ---------------------------------------------------------------- attention

    /**
     * Every layer's and head's attention probabilities for one text (no padding), labelled with its tokens:
     * for all-MiniLM-L6-v2, 6 layers × 12 heads × L × L.
     *
     * @param text the text, truncated to {@link #maxTokens()}
     * @return the maps with the text's tokens ([CLS] and [SEP] included)
     * @throws HeedException (UNSUPPORTED) when the model has no attention subgraph Heed can fuse and capture
     */
    public AttentionMaps attention(String text) {
        if (text == null) throw HeedException.invalid("TextEncoder.attention", "text is null");
        Encoding e = tokenizer.encode(text);
        RunResult r = session.run(feeds(List.of(e)), RunOptions.defaults().withCaptureAttention(true));
        if (r.attention().isEmpty()) {
            throw new HeedException(ErrorCode.UNSUPPORTED, "TextEncoder.attention: model " + modelFile + " captured no "
                    + "attention probabilities (fused attention nodes: " + session.fusedAttention() + "); only attention "
                    + "subgraphs Heed fuses can hand out their weights");
        }
        return AttentionMaps.ofLayers(Arrays.asList(e.tokens()), new ArrayList<>(r.attention().values()));
    }

    /** The one session embeddings and attention maps run on (package-private: for tests). */
    Session session() {
        return session;
    }

    /** Closes the session (its worker threads). */
    @Override
    public void close() {
        session.close();
    }

    @Override
    public String toString() {
        return "TextEncoder[" + name + ", max " + maxTokens() + " tokens, batch " + options.batchSize() + "]";
    }
}
