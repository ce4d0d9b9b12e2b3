package dev.heed.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How a sentence-embedding model must be used: its pooling, whether the embedding is L2-normalised, and the
 * prefixes it was trained with for queries and passages (e5's {@code "query: "} / {@code "passage: "}, bge's query
 * instruction). A model directory may carry it as an optional {@code heed-model.json}:
 * <pre>{@code
 * {"pooling": "cls", "normalize": true, "queryPrefix": "Represent this sentence for searching relevant passages: ",
 *  "passagePrefix": ""}
 * }</pre>
 * Absent file or fields: mean pooling, normalised, no prefixes (sentence-transformers' defaults for MiniLM).
 *
 * @param pooling       how token vectors become one vector
 * @param normalize     scale the pooled vector to unit length
 * @param queryPrefix   prepended by {@link TextEncoder#embedQuery}
 * @param passagePrefix prepended by {@link TextEncoder#embedPassage}
 */
public record ModelCard(PoolingMode pooling, boolean normalize, String queryPrefix, String passagePrefix) {

    /** Token pooling: the masked mean, or the first token ([CLS]). */
    public enum PoolingMode {
        /** The mean of the last hidden states over the attended tokens (attention mask 1). */
        MEAN,
        /** The last hidden state of the first token, [CLS]. */
        CLS
    }

    /** The name of the optional file in a model directory. */
    public static final String FILE = "heed-model.json";

    /**
     * Checks the pooling and turns absent prefixes into empty ones.
     *
     * @throws HeedException INVALID_ARGUMENT when {@code pooling} is null
     */
    public ModelCard {
        if (pooling == null) throw HeedException.invalid("ModelCard", "pooling is null; expected one of MEAN, CLS");
        queryPrefix = queryPrefix == null ? "" : queryPrefix;
        passagePrefix = passagePrefix == null ? "" : passagePrefix;
    }

    /**
     * The card of a model directory without {@value #FILE}: mean pooling, normalised, no prefixes.
     *
     * @return the default card
     */
    public static ModelCard defaults() {
        return new ModelCard(PoolingMode.MEAN, true, "", "");
    }

    /**
     * Reads {@code dir/heed-model.json} when present (fields {@code pooling}: mean | cls, {@code normalize},
     * {@code queryPrefix}, {@code passagePrefix}; each optional), else {@link #defaults()}.
     *
     * @param dir the model directory
     * @return the card the directory declares, or the defaults
     * @throws HeedException MALFORMED_INPUT when the file cannot be read or is not JSON, UNSUPPORTED for an
     *                       unknown pooling
     */
    public static ModelCard read(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) return defaults();
        try {
            JsonNode j = new ObjectMapper().readTree(Files.readString(f));
            String p = j.path("pooling").asText("mean").toUpperCase(Locale.ROOT);
            PoolingMode mode;
            try {
                mode = PoolingMode.valueOf(p);
            } catch (IllegalArgumentException e) {
                throw HeedException.unsupported(f + ": pooling '" + p.toLowerCase(Locale.ROOT) + "'", "mean", "cls");
            }
            return new ModelCard(mode, j.path("normalize").asBoolean(true), j.path("queryPrefix").asText(""),
                    j.path("passagePrefix").asText(""));
        } catch (IOException e) {
            throw new HeedException(ErrorCode.MALFORMED_INPUT, "cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes this card as {@code dir/heed-model.json} (replacing one that is there).
     *
     * @param dir an existing, writable directory
     * @throws HeedException IO when the file cannot be written
     */
    public void write(Path dir) {
        try {
            var m = new ObjectMapper();
            var o = m.createObjectNode().put("pooling", pooling.name().toLowerCase(Locale.ROOT)).put("normalize", normalize)
                    .put("queryPrefix", queryPrefix).put("passagePrefix", passagePrefix);
            Files.writeString(dir.resolve(FILE), m.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n");
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "cannot write " + dir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }
}
