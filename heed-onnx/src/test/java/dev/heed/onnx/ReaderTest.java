package dev.heed.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.ir.Dim;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.TensorData;
import dev.heed.onnx.reader.OnnxReader;
import dev.heed.tensor.Storage;
import dev.heed.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReaderTest {
    static final long LIMIT = 1L << 30;

    @Test
    void rawAndTypedInitializersDecodeAlike_rawStaysInPlace() {
        Model m = OnnxReader.read(Fixtures.file("initializers.onnx"), LIMIT);
        assertEquals(7, m.irVersion());
        assertEquals(13, m.opsetFor(""));
        assertEquals(13, m.opsetFor("ai.onnx"));
        TensorData raw = m.graph().initializers().get(0), typed = m.graph().initializers().get(1), ints = m.graph().initializers().get(2);
        assertInstanceOf(TensorData.Data.Raw.class, raw.data());
        assertInstanceOf(TensorData.Data.Floats.class, typed.data());
        assertInstanceOf(TensorData.Data.Longs.class, ints.data());
        Tensor r = raw.toTensor();
        assertInstanceOf(Storage.Segment.class, r.storage(), "raw_data must be referenced in the mapped file, not copied");
        assertArrayEquals(new float[] {1, 2, 3}, r.toFloatArray());
        assertArrayEquals(new float[] {1, 2, 3}, typed.toTensor().toFloatArray());
        assertArrayEquals(new long[] {7, -8}, ints.toTensor().toLongArray());
    }

    @Test
    void metadataAndSymbolicDims() {
        Model m = OnnxReader.read(Fixtures.file("initializers.onnx"), LIMIT);
        assertEquals("{0: 'person', 1: 'bus'}", m.metadata().get("names"));
        assertEquals("32", m.metadata().get("stride"));
        assertEquals("heed-fixture", m.producerName());
        var x = m.graph().inputs().getFirst();
        assertEquals(new Dim.Symbolic("batch"), x.dims().get(0));
        assertEquals(new Dim.Fixed(3), x.dims().get(1));
        try (Session s = Session.open(Fixtures.file("initializers.onnx"))) {
            assertEquals("{0: 'person', 1: 'bus'}", s.metadata().get("names"));
        }
    }

    @Test
    void externalDataIsMappedAtItsOffset() {
        try (Session s = Session.open(Fixtures.file("external.onnx"))) {
            Tensor w = s.run(Map.of()).get("w");
            assertArrayEquals(new int[] {2, 2}, w.shape().dims());
            assertArrayEquals(new float[] {10, 20, 30, 40}, w.toFloatArray());
            assertInstanceOf(Storage.Segment.class, w.storage());
        }
    }

    @Test
    void externalDataFromBytesNeedsAPath() throws Exception {
        byte[] bytes = Files.readAllBytes(Fixtures.file("external.onnx"));
        HeedException e = assertThrows(HeedException.class, () -> Session.open(bytes, SessionOptions.defaults()));
        assertEquals(ErrorCode.IO, e.code());
        assertTrue(e.getMessage().contains("external.bin"), e.getMessage());
    }

    @Test
    void externalDataOutsideTheModelDirectoryIsRefused(@TempDir Path dir) throws Exception {
        // rewrite the location string "external.bin" (same length) to "../xtrnl.bin"
        byte[] bytes = Files.readAllBytes(Fixtures.file("external.onnx"));
        byte[] from = "external.bin".getBytes(), to = "../xtrnl.bin".getBytes();
        int at = indexOf(bytes, from);
        System.arraycopy(to, 0, bytes, at, to.length);
        Path sub = Files.createDirectories(dir.resolve("m"));
        Files.write(sub.resolve("model.onnx"), bytes);
        Files.write(dir.resolve("xtrnl.bin"), new byte[24]);
        HeedException e = assertThrows(HeedException.class, () -> Session.open(sub.resolve("model.onnx")));
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
        assertTrue(e.getMessage().contains("outside the model directory"), e.getMessage());
    }

    @Test
    void everyTruncationGivesMalformedInput() throws Exception {
        byte[] bytes = Files.readAllBytes(Fixtures.file("initializers.onnx"));
        for (int cut = 0; cut < bytes.length; cut++) {
            byte[] part = Arrays.copyOf(bytes, cut);
            try {
                Session.open(part, SessionOptions.defaults()).close();
                // a cut exactly between two top-level fields can leave a complete, smaller model: not an error
            } catch (HeedException e) {
                assertTrue(e.code() == ErrorCode.MALFORMED_INPUT || e.code() == ErrorCode.UNSUPPORTED,
                        "cut at " + cut + ": " + e.code() + " " + e.getMessage());
            } catch (RuntimeException e) {
                fail("cut at " + cut + " threw " + e, e);
            }
        }
        HeedException e = assertThrows(HeedException.class,
                () -> Session.open(Arrays.copyOf(bytes, bytes.length / 2), SessionOptions.defaults()));
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
        assertTrue(e.getMessage().contains("while reading"), e.getMessage());
    }

    @Test
    void garbageGivesHeedExceptionsOnly() {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 300; trial++) {
            byte[] junk = new byte[1 + rnd.nextInt(400)];
            rnd.nextBytes(junk);
            try {
                Session.open(junk, SessionOptions.defaults()).close();
            } catch (HeedException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
            } catch (RuntimeException | Error e) {
                fail("garbage trial " + trial + " threw " + e, e);
            }
        }
        HeedException e = assertThrows(HeedException.class,
                () -> Session.open("this is not an onnx file".getBytes(), SessionOptions.defaults()));
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
    }

    @Test
    void declaredTensorOverTheMemoryLimitIsRefused() {
        SessionOptions tiny = SessionOptions.defaults().withExecution(new ExecutionOptions(1, 8));
        HeedException e = assertThrows(HeedException.class, () -> Session.open(Fixtures.file("initializers.onnx"), tiny));
        assertEquals(ErrorCode.MEMORY_LIMIT, e.code());
        assertTrue(e.getMessage().contains("w_raw") && e.getMessage().contains("12 bytes"), e.getMessage());
    }

    @Test
    void streamsAreReadUnderTheLimit() throws Exception {
        byte[] bytes = Files.readAllBytes(Fixtures.file("initializers.onnx"));
        try (Session s = Session.open(new ByteArrayInputStream(bytes), SessionOptions.defaults())) {
            assertEquals(1, s.inputs().size());
        }
        SessionOptions tiny = SessionOptions.defaults().withExecution(new ExecutionOptions(1, 100));
        HeedException e = assertThrows(HeedException.class, () -> Session.open(new ByteArrayInputStream(bytes), tiny));
        assertEquals(ErrorCode.MEMORY_LIMIT, e.code());
    }

    @Test
    void missingFileIsAnIoError() {
        HeedException e = assertThrows(HeedException.class, () -> Session.open(Path.of("/nonexistent/model.onnx")));
        assertEquals(ErrorCode.IO, e.code());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new IllegalStateException("not found");
    }
}
