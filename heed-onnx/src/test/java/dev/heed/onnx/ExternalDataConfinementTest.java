package dev.heed.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, point 2: external data is confined to the model's folder on real paths. The reproducer is the
 * committed {@code external.onnx} fixture (tensor 'w_ext' reads 16 bytes at offset 8 of "external.bin"),
 * copied into a temporary folder where "external.bin" — or a folder on its way — is a symbolic link.
 */
class ExternalDataConfinementTest {

    /** 24 bytes whose [8, 24) slice reads as floats 1, 2, 3, 4: what a "secret" file leaks if it is followed. */
    private static byte[] secret() {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0).putFloat(1).putFloat(2).putFloat(3).putFloat(4);
        return b.array();
    }

    private static Path modelIn(Path dir, String location) throws Exception {
        byte[] bytes = Files.readAllBytes(Fixtures.file("external.onnx"));
        byte[] from = "external.bin".getBytes();
        byte[] to = location.getBytes();
        assertEquals(from.length, to.length, "the rewrite keeps the length so that the protobuf stays valid");
        int at = indexOf(bytes, from);
        System.arraycopy(to, 0, bytes, at, to.length);
        Files.createDirectories(dir);
        return Files.write(dir.resolve("model.onnx"), bytes);
    }

    private static HeedException refused(Path model) {
        return assertThrows(HeedException.class, () -> {
            try (Session s = Session.open(model)) {
                s.run(Map.of());
            }
        });
    }

    @Test
    void aSymlinkedFileOutsideIsRefusedNamingTheFile(@TempDir Path tmp) throws Exception {
        Path outside = Files.write(tmp.resolve("passwd"), secret());
        Path model = modelIn(tmp.resolve("m"), "external.bin");
        Files.createSymbolicLink(model.resolveSibling("external.bin"), outside);
        HeedException e = refused(model);
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
        assertTrue(e.getMessage().contains("external.bin") && e.getMessage().contains("symbolic link"), e.getMessage());
    }

    @Test
    void aSymlinkedFolderIsRefusedNamingTheFile(@TempDir Path tmp) throws Exception {
        Path etc = Files.createDirectories(tmp.resolve("etc"));
        Files.write(etc.resolve("xternal.bn"), secret());
        Path model = modelIn(tmp.resolve("m"), "d/xternal.bn");
        Files.createSymbolicLink(model.resolveSibling("d"), etc);
        HeedException e = refused(model);
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
        assertTrue(e.getMessage().contains("d/xternal.bn") && e.getMessage().contains("symbolic link"), e.getMessage());
    }

    @Test
    void aSymlinkPointingInsideIsRefusedToo(@TempDir Path tmp) throws Exception {
        Path model = modelIn(tmp.resolve("m"), "external.bin");
        Path real = Files.write(model.resolveSibling("weights.bin"), secret());
        Files.createSymbolicLink(model.resolveSibling("external.bin"), real.getFileName());
        HeedException e = refused(model);
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
        assertTrue(e.getMessage().contains("external.bin"), e.getMessage());
    }

    @Test
    void dotDotThroughASymlinkedFolderIsRefused(@TempDir Path tmp) throws Exception {
        // "l/../x.bin" normalises to "x.bin" lexically, but must never resolve against l's target
        Path model = modelIn(tmp.resolve("m"), "l/../x.binnn");
        Files.createSymbolicLink(model.resolveSibling("l"), tmp);
        Files.write(tmp.resolve("x.binnn"), secret());
        HeedException e = refused(model);
        assertTrue(e.code() == ErrorCode.IO || e.code() == ErrorCode.MALFORMED_INPUT, e.toString());
        assertTrue(e.getMessage().contains("x.binnn"), e.getMessage());
    }

    @Test
    void aModelFolderReachedThroughALinkStillWorks(@TempDir Path tmp) throws Exception {
        Path model = modelIn(tmp.resolve("real"), "external.bin");
        Files.write(model.resolveSibling("external.bin"), secret());
        Path link = Files.createSymbolicLink(tmp.resolve("models"), tmp.resolve("real"));
        try (Session s = Session.open(link.resolve("model.onnx"))) {
            Tensor w = s.run(Map.of()).get("w");
            assertArrayEquals(new float[] {1, 2, 3, 4}, w.toFloatArray());
        }
    }

    @Test
    void aLocationWithANulCharacterIsMalformed(@TempDir Path tmp) throws Exception {
        Path model = modelIn(tmp.resolve("m"), "extern\0l.bin");
        HeedException e = refused(model);
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
        assertFalse(e.getMessage().isBlank());
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new IllegalStateException("not found");
    }
}
