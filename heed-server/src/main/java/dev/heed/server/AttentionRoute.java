package dev.heed.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.heed.text.TextEncoder;
import dev.heed.viz.AttentionHtml;
import dev.heed.viz.AttentionMaps;
import java.nio.charset.StandardCharsets;
import io.javalin.http.Context;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /v1/attention}: {@code {"text": "…", "truncate": false}} in; every layer's and head's attention
 * probabilities ({@code attention[layer][head][i][j]}), the tokens and the attention rollout ({@code rollout[i][j]})
 * out — the data the HTML viewer embeds. The text must fit the model's maximum length (413 naming it) unless
 * {@code truncate} is true, as {@code heed attend} cuts at {@code --max-tokens}. Computed on the runner threads.
 * {@code ?format=html} answers the self-contained viewer page of {@code heed attend --html} for the same maps.
 */
final class AttentionRoute {
    private final TextEncoder encoder;
    private final EmbeddingBatcher batcher;
    private final Inputs inputs;
    private final long payloadLimit;

    private final Disconnects disconnects;

    AttentionRoute(TextEncoder encoder, EmbeddingBatcher batcher, ServerConfig config, Disconnects disconnects) {
        this.disconnects = disconnects;
        this.encoder = encoder;
        this.batcher = batcher;
        this.inputs = new Inputs(encoder, 1);
        this.payloadLimit = config.payloadLimit();
    }

    void handle(Context ctx) {
        JsonNode root = Bodies.json(ctx, payloadLimit);
        JsonNode t = root.get("text");
        if (t == null || !t.isTextual()) {
            throw ApiException.badRequest("'text' must be a string, not " + (t == null ? "missing" : Inputs.kind(t)), "text");
        }
        if (t.textValue().isEmpty()) throw ApiException.badRequest("'text' is an empty string", "text");
        boolean truncate = Bodies.bool(root, "truncate", false);
        int tokens = inputs.encode(java.util.List.of(t.textValue()), truncate, "text").getFirst().length();
        boolean asHtml = html(ctx);
        CompletableFuture<AttentionMaps> maps = disconnects.watch(ctx, batcher.submitTask(() -> encoder.attention(t.textValue())));
        if (asHtml) {
            // the viewer of attention.html itself (heed-models' AttentionHtml), not a copy: the playground shows it
            ctx.future(() -> maps.thenApply(m -> {
                ctx.contentType("text/html; charset=utf-8");
                ctx.result(AttentionHtml.render(m, encoder.name() + ": " + t.textValue()).getBytes(StandardCharsets.UTF_8));
                return null;
            }));
            return;
        }
        ctx.future(() -> maps.thenApply(m -> {
            byte[] body = EmbeddingRoutes.json(g -> {
                int l = m.length();
                g.writeStartObject();
                g.writeStringField("model", encoder.name());
                g.writeNumberField("layers", m.layers());
                g.writeNumberField("heads", m.heads());
                g.writeBooleanField("truncated", tokens < encoder.tokenizer().withTruncation(null).encode(t.textValue()).length());
                g.writeArrayFieldStart("tokens");
                for (String tok : m.tokens()) g.writeString(tok);
                g.writeEndArray();
                g.writeArrayFieldStart("attention");
                for (int layer = 0; layer < m.layers(); layer++) {
                    g.writeStartArray();
                    for (int h = 0; h < m.heads(); h++) matrix(g, m.head(layer, h), l);
                    g.writeEndArray();
                }
                g.writeEndArray();
                g.writeFieldName("rollout");
                matrix(g, m.rollout(), l);
                g.writeEndObject();
            });
            ctx.contentType("application/json");
            ctx.result(body);
            return null;
        }));
    }

    /** {@code ?format=html} asks for the viewer page; {@code json} (the default) for the data. */
    private static boolean html(Context ctx) {
        String f = ctx.queryParam("format");
        if (f == null || f.equals("json")) return false;
        if (f.equals("html")) return true;
        throw ApiException.badRequest("'format' must be json or html, not '" + f + "'", "format");
    }

    private static void matrix(com.fasterxml.jackson.core.JsonGenerator g, float[] rowMajor, int l) throws java.io.IOException {
        g.writeStartArray();
        for (int i = 0; i < l; i++) {
            g.writeStartArray();
            for (int j = 0; j < l; j++) g.writeNumber(rowMajor[i * l + j]);
            g.writeEndArray();
        }
        g.writeEndArray();
    }
}
