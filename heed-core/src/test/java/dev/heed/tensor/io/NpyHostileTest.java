package dev.heed.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13, point 3: .npy headers cannot make Heed wrap a size, cast a dimension or allocate for data the file lacks. */
class NpyHostileTest {

    /** A version 1.0 file with {@code shape} (the Python tuple text) and {@code dataBytes} zero bytes of data. */
    static byte[] npy(String descr, String shape, int dataBytes) {
        String h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) h.length(), 0});
        out.writeBytes(h.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(new byte[dataBytes]);
        return out.toByteArray();
    }

    private static HeedException fails(byte[] file) {
        return assertThrows(HeedException.class, () -> Npy.read(new ByteArrayInputStream(file), "x.npy", Long.MAX_VALUE));
    }

    @Test
    void aShapeWhoseCountWrapsTo0IsRefused() {
        // 2^30 · 12 · 2^30 · 64 = 12 · 2^66: wrapped to 0, this 128-byte file used to read as an empty array
        HeedException e = fails(npy("<f4", "(1073741824, 12, 1073741824, 64)", 0));
        assertEquals(ErrorCode.MEMORY_LIMIT, e.code(), e.getMessage());
    }

    @Test
    void aDimensionOf2To31IsMalformedNotCast() {
        HeedException e = fails(npy("<f4", "(2147483648,)", 0));
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
        assertTrue(e.getMessage().contains("2147483648"), e.getMessage());
        assertEquals(ErrorCode.MALFORMED_INPUT, fails(npy("<f4", "(-1,)", 0)).code());
        assertEquals(ErrorCode.MALFORMED_INPUT, fails(npy("<f4", "(99999999999999999999999,)", 0)).code());
    }

    @Test
    void aFileCannotPromiseMoreDataThanItHolds(@TempDir Path dir) throws IOException {
        // [20000, 20000] float32 = 1.6 GB declared in a 128-byte file: refused from the file size, nothing allocated
        Path p = Files.write(dir.resolve("big.npy"), npy("<f4", "(20000, 20000)", 4));
        HeedException e = assertThrows(HeedException.class, () -> Npy.read(p));
        assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void anEmptyArrayWithHugeOtherDimsIsStillEmpty() throws IOException {
        var t = Npy.read(new ByteArrayInputStream(npy("<f4", "(0, 2147483647, 2147483647, 2147483647)", 0)) , "e.npy", 1 << 20);
        assertEquals(0, t.shape().numel());
    }
}
