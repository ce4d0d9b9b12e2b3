package dev.heed.onnx.reader;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.TensorData;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads ONNX files ({@code ModelProto}) and single {@code TensorProto} files (the {@code .pb} files of the
 * ONNX backend tests) straight from the protobuf wire format; no generated classes.
 *
 * <p>Files are memory-mapped ({@code FileChannel.map} into an automatic {@link Arena}, released when no
 * tensor refers to it any more). Initializer {@code raw_data} and external data stay in the mapping: a
 * 350 MB model costs 350 MB of page cache, not heap. Every length is checked against the bytes that
 * remain, so a truncated or hostile file gives a {@code MALFORMED_INPUT} {@link HeedException} naming what
 * was being read; a declared tensor bigger than the memory limit gives {@code MEMORY_LIMIT}.
 *
 * <pre>{@code
 * Model m = OnnxReader.read(Path.of("model.onnx"), ExecutionOptions.defaults().memoryLimitBytes());
 * TensorData t = OnnxReader.readTensor(Path.of("input_0.pb"), 1L << 30);
 * }</pre>
 */
public final class OnnxReader {
    /** Nested graphs (If/Loop bodies inside bodies ...) deeper than this are refused. */
    public static final int MAX_GRAPH_DEPTH = 32;

    private OnnxReader() {}

    /**
     * Reads and memory-maps a model file; external data is resolved relative to its directory.
     *
     * @param file             the {@code .onnx} file
     * @param memoryLimitBytes the largest tensor the file may declare, in bytes
     * @return the decoded model
     * @throws HeedException {@link ErrorCode#IO} when the file cannot be read, {@link ErrorCode#MALFORMED_INPUT} for a truncated or
     *                       invalid file, {@link ErrorCode#MEMORY_LIMIT} for a tensor over the limit
     */
    public static Model read(Path file, long memoryLimitBytes) {
        MemorySegment seg = map(file);
        Path dir = file.toAbsolutePath().getParent();
        return new WireDecoder(seg, dir, memoryLimitBytes, file.getFileName().toString()).readModel();
    }

    /**
     * Reads a model held in memory. Raw tensors reference {@code bytes} in place (do not modify it afterwards).
     *
     * @param bytes            the serialised ModelProto
     * @param baseDir          directory for external data files, or null when the model must not have any
     * @param memoryLimitBytes the largest tensor the model may declare, in bytes
     * @return the decoded model
     * @throws HeedException {@link ErrorCode#MALFORMED_INPUT} for truncated or invalid bytes, {@link ErrorCode#MEMORY_LIMIT} for a tensor
     *                       over the limit, {@link ErrorCode#IO} when an external
     *                       data file cannot be read
     */
    public static Model read(byte[] bytes, Path baseDir, long memoryLimitBytes) {
        return new WireDecoder(MemorySegment.ofArray(bytes), baseDir, memoryLimitBytes, "<bytes>").readModel();
    }

    /**
     * Reads a file holding one serialized {@code TensorProto} (memory-mapped, raw data read in place).
     *
     * @param file             the {@code .pb} file
     * @param memoryLimitBytes the largest tensor the file may declare, in bytes
     * @return the decoded tensor
     * @throws HeedException {@link ErrorCode#IO} when the file cannot be read, {@link ErrorCode#MALFORMED_INPUT} for a truncated or
     *                       invalid file, {@link ErrorCode#MEMORY_LIMIT} for a tensor over the limit
     */
    public static TensorData readTensor(Path file, long memoryLimitBytes) {
        MemorySegment seg = map(file);
        return new WireDecoder(seg, file.toAbsolutePath().getParent(), memoryLimitBytes, file.getFileName().toString())
                .readTopLevelTensor();
    }

    /**
     * Reads one serialized {@code TensorProto} from memory (raw data referenced in place). No external data.
     *
     * @param bytes            the serialised TensorProto
     * @param memoryLimitBytes the largest tensor the file may declare, in bytes
     * @return the decoded tensor
     * @throws HeedException {@link ErrorCode#MALFORMED_INPUT} for truncated or invalid bytes, {@link ErrorCode#MEMORY_LIMIT} for a tensor
     *                       over the limit
     */
    public static TensorData readTensor(byte[] bytes, long memoryLimitBytes) {
        return new WireDecoder(MemorySegment.ofArray(bytes), null, memoryLimitBytes, "<bytes>").readTopLevelTensor();
    }

    /** Maps {@code file} read-only into an automatic arena. */
    static MemorySegment map(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new HeedException(ErrorCode.IO, "cannot read " + file + ": not a regular file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) return MemorySegment.ofArray(new byte[0]);
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
