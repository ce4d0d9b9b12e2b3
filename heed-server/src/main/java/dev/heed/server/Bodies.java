package dev.heed.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reading request bodies within the payload limit: a declared {@code Content-Length} over the limit is refused (413)
 * before a byte is read, and a body without one is read only up to the limit. JSON bodies must be declared
 * {@code application/json} (else 415), be valid UTF-8 and parse to one object (else 400).
 */
final class Bodies {
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Bodies() {}

    /** After this long reading a body, it must keep arriving at {@link #MIN_BYTES_PER_SECOND} on average. */
    static final long GRACE_NANOS = 5_000_000_000L;
    /** The slowest body accepted past the grace period: a trickled body (slowloris) cannot hold a thread for long. */
    static final long MIN_BYTES_PER_SECOND = 4096;

    /**
     * The body's bytes, at most {@code limit}; 413 past it. A body that after {@link #GRACE_NANOS} arrives slower than
     * {@link #MIN_BYTES_PER_SECOND} is refused with 408 (a body that stops altogether ends at the idle timeout).
     * Why not Jetty's minimum data rate: it counts from the request's arrival, so a small body read late by a busy
     * server is refused through no fault of its client.
     */
    static byte[] bytes(Context ctx, long limit) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) throw tooLarge(declared, limit);
        long start = System.nanoTime();
        try (InputStream in = ctx.req().getInputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 1024), limit));
            byte[] buf = new byte[16384];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > limit) throw tooLarge(-1, limit);
                out.write(buf, 0, n);
                long late = System.nanoTime() - start - GRACE_NANOS;
                if (late > 0 && total < MIN_BYTES_PER_SECOND * late / 1_000_000_000L) {
                    throw new ApiException(408, "the request body arrives too slowly: " + total + " bytes in "
                            + (System.nanoTime() - start) / 1_000_000 + " ms; after " + GRACE_NANOS / 1_000_000_000L
                            + " s at least " + MIN_BYTES_PER_SECOND + " bytes/s are expected", null);
                }
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw ApiException.badRequest("could not read the request body: " + e.getMessage(), null);
        } catch (org.eclipse.jetty.http.BadMessageException e) {
            // Jetty's own limits while reading, e.g. 408 when the body arrives slower than the minimum data rate
            throw new ApiException(e.getCode(), "could not read the request body: " + e.getReason(), null);
        }
    }

    private static ApiException tooLarge(long declared, long limit) {
        return ApiException.tooLarge("request body " + (declared >= 0 ? "of " + declared + " bytes " : "")
                + "is over the payload limit of " + limit + " bytes (--payload-limit)", null);
    }

    /** The body as a JSON object. */
    static JsonNode json(Context ctx, long limit) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).trim().startsWith("application/json")) {
            throw new ApiException(415, "Content-Type must be application/json, not "
                    + (type == null ? "missing" : "'" + type + "'"), null);
        }
        byte[] body = bytes(ctx, limit);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw ApiException.badRequest("request body is not valid UTF-8", null);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("malformed JSON: " + e.getOriginalMessage(), null);
        }
        if (root == null || !root.isObject()) {
            throw ApiException.badRequest("the request body must be a JSON object, not "
                    + (root == null ? "empty" : root.getNodeType().toString().toLowerCase(Locale.ROOT)), null);
        }
        return root;
    }

    /** An optional boolean field. */
    static boolean bool(JsonNode root, String field, boolean fallback) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return fallback;
        if (!n.isBoolean()) throw ApiException.badRequest("'" + field + "' must be true or false, not " + n, field);
        return n.booleanValue();
    }
}
