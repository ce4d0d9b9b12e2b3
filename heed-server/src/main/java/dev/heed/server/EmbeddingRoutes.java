package dev.heed.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.heed.text.Encoding;
import dev.heed.text.TextEncoder;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The embedding routes: OpenAI's {@code POST /v1/embeddings} and TEI's {@code POST /embed}, {@code /similarity},
 * {@code /tokenize}. Parsing and tokenising happen on the HTTP thread; the vectors come from the
 * {@link EmbeddingBatcher}, and the response is written when its future completes (the HTTP thread is free meanwhile).
 */
final class EmbeddingRoutes {
    private final TextEncoder encoder;
    private final EmbeddingBatcher batcher;
    private final Inputs inputs;
    private final long payloadLimit;
    private final int dimensions;
    private final Disconnects disconnects;

    EmbeddingRoutes(TextEncoder encoder, EmbeddingBatcher batcher, ServerConfig config, int dimensions, Disconnects disconnects) {
        this.disconnects = disconnects;
        this.encoder = encoder;
        this.batcher = batcher;
        this.inputs = new Inputs(encoder, config.maxClientBatchSize());
        this.payloadLimit = config.payloadLimit();
        this.dimensions = dimensions;
    }

    /** POST /v1/embeddings. */
    void openAi(Context ctx) {
        JsonNode root = Bodies.json(ctx, payloadLimit);
        JsonNode model = root.get("model");
        if (model != null && !model.isNull()) {
            if (!model.isTextual()) throw ApiException.badRequest("'model' must be a string, not " + Inputs.kind(model), "model");
            if (!servesModel(model.textValue())) {
                throw new ApiException(404, "the model '" + model.textValue() + "' does not exist here; this server has '"
                        + encoder.name() + "'", "model");
            }
        }
        JsonNode fmt = root.get("encoding_format");
        boolean base64 = false;
        if (fmt != null && !fmt.isNull()) {
            if (!fmt.isTextual() || !(fmt.textValue().equals("float") || fmt.textValue().equals("base64"))) {
                throw ApiException.badRequest("'encoding_format' must be \"float\" or \"base64\", not " + fmt, "encoding_format");
            }
            base64 = fmt.textValue().equals("base64");
        }
        int dims = dimensions;
        JsonNode d = root.get("dimensions");
        if (d != null && !d.isNull()) {
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 1 || d.intValue() > dimensions) {
                throw ApiException.badRequest("'dimensions' must be an integer from 1 to " + dimensions + ", not " + d, "dimensions");
            }
            dims = d.intValue();
        }
        boolean truncate = Bodies.bool(root, "truncate", false);
        List<Encoding> encodings = inputs.openAi(root, truncate);
        int tokens = 0;
        for (Encoding e : encodings) tokens += e.length();
        int promptTokens = tokens, outDims = dims;
        boolean b64 = base64;
        respond(ctx, batcher.submit(encodings), vectors -> json(g -> {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (int i = 0; i < vectors.size(); i++) {
                float[] v = shorten(vectors.get(i), outDims);
                g.writeStartObject();
                g.writeStringField("object", "embedding");
                if (b64) g.writeStringField("embedding", base64(v));
                else writeFloats(g, "embedding", v);
                g.writeNumberField("index", i);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("model", encoder.name());
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", promptTokens);
            g.writeNumberField("total_tokens", promptTokens);
            g.writeEndObject();
            g.writeEndObject();
        }));
    }

    private boolean servesModel(String name) {
        String n = name.contains("/") ? name.substring(name.lastIndexOf('/') + 1) : name;
        return n.equalsIgnoreCase(encoder.name());
    }

    /**
     * POST /embed (TEI): {@code inputs}, {@code truncate}, {@code normalize} (default true; false answers the pooled
     * vectors as they are); answers an array of vectors.
     */
    void tei(Context ctx) {
        JsonNode root = Bodies.json(ctx, payloadLimit);
        List<String> texts = inputs.texts(root, "inputs");
        boolean truncate = Bodies.bool(root, "truncate", false);
        boolean normalize = Bodies.bool(root, "normalize", true);
        respond(ctx, batcher.submit(inputs.encode(texts, truncate, "inputs"), normalize), vectors -> json(g -> {
            g.writeStartArray();
            for (float[] v : vectors) {
                g.writeStartArray();
                for (float x : v) g.writeNumber(x);
                g.writeEndArray();
            }
            g.writeEndArray();
        }));
    }

    /** POST /similarity (TEI): {@code inputs: {source_sentence, sentences}}; answers one cosine per sentence. */
    void similarity(Context ctx) {
        JsonNode root = Bodies.json(ctx, payloadLimit);
        JsonNode in = root.get("inputs");
        if (in == null || !in.isObject()) {
            throw ApiException.badRequest("'inputs' must be an object {\"source_sentence\": \"…\", \"sentences\": [\"…\"]}, not "
                    + (in == null ? "missing" : Inputs.kind(in)), "inputs");
        }
        JsonNode src = in.get("source_sentence");
        if (src == null || !src.isTextual()) {
            throw ApiException.badRequest("'inputs.source_sentence' must be a string", "inputs.source_sentence");
        }
        JsonNode sents = in.get("sentences");
        if (sents == null || !sents.isArray()) {
            throw ApiException.badRequest("'inputs.sentences' must be an array of strings", "inputs.sentences");
        }
        List<String> texts = new ArrayList<>();
        texts.add(src.textValue());
        texts.addAll(inputs.texts(in, "sentences"));
        boolean truncate = Bodies.bool(root, "truncate", false);
        respond(ctx, batcher.submit(inputs.encode(texts, truncate, "inputs")), vectors -> json(g -> {
            g.writeStartArray();
            for (int i = 1; i < vectors.size(); i++) g.writeNumber((float) dot(vectors.getFirst(), vectors.get(i)));
            g.writeEndArray();
        }));
    }

    /**
     * POST /tokenize (TEI): {@code inputs}, {@code add_special_tokens} (default true); one array of
     * {@code {id, text, special, start, stop}} per input, {@code start}/{@code stop} in UTF-8 bytes (as TEI).
     */
    void tokenize(Context ctx) {
        JsonNode root = Bodies.json(ctx, payloadLimit);
        List<String> texts = inputs.texts(root, "inputs");
        boolean special = Bodies.bool(root, "add_special_tokens", true);
        ctx.contentType("application/json");
        ctx.result(json(g -> {
            g.writeStartArray();
            for (String t : texts) {
                Encoding e = encoder.tokenizer().encode(t);
                g.writeStartArray();
                for (int i = 0; i < e.length(); i++) {
                    boolean isSpecial = e.specialTokensMask()[i] == 1;
                    if (isSpecial && !special) continue;
                    g.writeStartObject();
                    g.writeNumberField("id", e.ids()[i]);
                    g.writeStringField("text", isSpecial ? e.tokens()[i] : t.substring(e.starts()[i], e.ends()[i]));
                    g.writeBooleanField("special", isSpecial);
                    if (isSpecial) {
                        g.writeNullField("start");
                        g.writeNullField("stop");
                    } else {
                        g.writeNumberField("start", utf8Length(t, e.starts()[i]));
                        g.writeNumberField("stop", utf8Length(t, e.ends()[i]));
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndArray();
        }));
    }

    /**
     * Writes the answer when the vectors are ready; errors go through the server's one error path. If the client goes
     * away first, the request is withdrawn (it leaves the queue unless its batch is already running).
     */
    private void respond(Context ctx, CompletableFuture<List<float[]>> vectors, Function<List<float[]>, byte[]> body) {
        CompletableFuture<List<float[]>> ready = disconnects.watch(ctx, vectors);
        ctx.future(() -> ready.thenApply(v -> {
            byte[] bytes = body.apply(v);
            ctx.contentType("application/json");
            ctx.result(bytes);
            return null;
        }));
    }

    static float[] shorten(float[] v, int dims) {
        if (dims == v.length) return v;
        float[] out = new float[dims];
        double ss = 0;
        for (int i = 0; i < dims; i++) ss += (double) v[i] * v[i];
        double scale = ss == 0 ? 0 : 1 / Math.sqrt(ss);
        for (int i = 0; i < dims; i++) out[i] = (float) (v[i] * scale);
        return out;
    }

    static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return Base64.getEncoder().encodeToString(b.array());
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    private static int utf8Length(String s, int utf16End) {
        return s.substring(0, utf16End).getBytes(StandardCharsets.UTF_8).length;
    }

    private static void writeFloats(JsonGenerator g, String field, float[] v) throws IOException {
        g.writeArrayFieldStart(field);
        for (float x : v) g.writeNumber(x);
        g.writeEndArray();
    }

    interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    static byte[] json(Writer w) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = Bodies.JSON.getFactory().createGenerator(out)) {
            w.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static String lower(String s) { return s.toLowerCase(Locale.ROOT); }
}
