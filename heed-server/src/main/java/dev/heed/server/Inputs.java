package dev.heed.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.heed.text.Encoding;
import dev.heed.text.TextEncoder;
import dev.heed.text.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns the {@code input} / {@code inputs} field of an embedding request into tokenised inputs, checking every rule
 * once: a string, an array of strings, an array of token ids or an array of such arrays (OpenAI only); not empty;
 * at most {@code maxClientBatchSize} inputs (413); each within the model's {@link TextEncoder#maxTokens()} — cut
 * there when {@code truncate} is true, else 413 naming the limit.
 */
final class Inputs {
    private final TextEncoder encoder;
    private final Tokenizer untruncated;
    private final int maxClientBatchSize;

    Inputs(TextEncoder encoder, int maxClientBatchSize) {
        this.encoder = encoder;
        this.untruncated = encoder.tokenizer().withTruncation(null);
        this.maxClientBatchSize = maxClientBatchSize;
    }

    /** The texts of a field that must hold a string or a non-empty array of strings. */
    List<String> texts(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) throw ApiException.badRequest("'" + field + "' is missing", field);
        List<String> out = new ArrayList<>();
        if (n.isTextual()) {
            out.add(n.textValue());
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                JsonNode e = n.get(i);
                if (!e.isTextual()) throw ApiException.badRequest("'" + field + "[" + i + "]' must be a string, not " + kind(e), field);
                out.add(e.textValue());
            }
        } else {
            throw ApiException.badRequest("'" + field + "' must be a string or an array of strings, not " + kind(n), field);
        }
        checkCount(out.size(), field);
        return out;
    }

    private void checkCount(int n, String field) {
        if (n == 0) throw ApiException.badRequest("'" + field + "' is empty: give at least one input", field);
        if (n > maxClientBatchSize) {
            throw ApiException.tooLarge("'" + field + "' has " + n + " inputs; at most " + maxClientBatchSize
                    + " per request (--max-client-batch-size)", field);
        }
    }

    /** OpenAI's {@code input}: a string, strings, token ids, or arrays of token ids; tokenised. */
    List<Encoding> openAi(JsonNode root, boolean truncate) {
        JsonNode n = root.get("input");
        if (n != null && n.isArray() && !n.isEmpty() && (n.get(0).isIntegralNumber() || n.get(0).isArray())) {
            List<int[]> ids = new ArrayList<>();
            if (n.get(0).isIntegralNumber()) {
                ids.add(ids(n, "input"));
            } else {
                for (int i = 0; i < n.size(); i++) {
                    if (!n.get(i).isArray()) throw ApiException.badRequest("'input[" + i + "]' must be an array of token ids, not " + kind(n.get(i)), "input");
                    ids.add(ids(n.get(i), "input[" + i + "]"));
                }
            }
            checkCount(ids.size(), "input");
            List<Encoding> out = new ArrayList<>(ids.size());
            for (int i = 0; i < ids.size(); i++) out.add(fromIds(ids.get(i), truncate, i));
            return out;
        }
        List<String> texts = texts(root, "input");
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i).isEmpty()) throw ApiException.badRequest("'input[" + i + "]' is an empty string", "input");
        }
        return encode(texts, truncate, "input");
    }

    /** Tokenises texts, enforcing the length limit. */
    List<Encoding> encode(List<String> texts, boolean truncate, String field) {
        List<Encoding> out = new ArrayList<>(texts.size());
        int max = encoder.maxTokens();
        for (int i = 0; i < texts.size(); i++) {
            Encoding e = untruncated.encode(texts.get(i));
            if (e.length() > max) {
                if (!truncate) {
                    throw ApiException.tooLarge("input " + i + " has " + e.length() + " tokens; the model takes at most "
                            + max + " (send \"truncate\": true to cut it)", field);
                }
                e = encoder.tokenizer().encode(texts.get(i));
            }
            out.add(e);
        }
        return out;
    }

    private int[] ids(JsonNode arr, String where) {
        if (arr.isEmpty()) throw ApiException.badRequest("'" + where + "' is an empty array of token ids", "input");
        int vocab = encoder.tokenizer().vocabSize();
        int[] ids = new int[arr.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode e = arr.get(i);
            if (!e.isIntegralNumber() || !e.canConvertToInt() || e.intValue() < 0 || e.intValue() >= vocab) {
                throw ApiException.badRequest("'" + where + "[" + i + "]' = " + e + " is not a token id in [0, " + vocab + ")", "input");
            }
            ids[i] = e.intValue();
        }
        return ids;
    }

    /** Token ids as the model takes them (as {@code /tokenize} returns them, special tokens included). */
    private Encoding fromIds(int[] ids, boolean truncate, int index) {
        int max = encoder.maxTokens();
        if (ids.length > max) {
            if (!truncate) {
                throw ApiException.tooLarge("input " + index + " has " + ids.length + " tokens; the model takes at most "
                        + max + " (send \"truncate\": true to cut it)", "input");
            }
            ids = Arrays.copyOf(ids, max);
        }
        int l = ids.length;
        int[] ones = new int[l];
        Arrays.fill(ones, 1);
        String[] tokens = new String[l];
        for (int i = 0; i < l; i++) tokens[i] = encoder.tokenizer().idToToken(ids[i]);
        return new Encoding(ids, new int[l], ones, tokens, new int[l], new int[l], new int[l], new int[l]);
    }

    static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
