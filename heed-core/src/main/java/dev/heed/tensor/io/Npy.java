package dev.heed.tensor.io;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.tensor.DType;
import dev.heed.tensor.Shape;
import dev.heed.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0; C order; little-endian
 * float32, int64, int32, bool and uint8; float64 is read and narrowed to float32).
 *
 * <pre>{@code
 * Tensor x = Npy.read(Path.of("input_ids.npy"));
 * Npy.write(Path.of("out/last_hidden_state.npy"), y);
 * }</pre>
 *
 * The header is a Python dict literal; only the three keys NumPy writes ({@code descr}, {@code fortran_order},
 * {@code shape}) are understood. A file whose data is shorter than its header promises is refused.
 */
public final class Npy {
    private Npy() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /**
     * Reads a whole file, with no size limit; see {@link #read(InputStream, String, long)}.
     *
     * @param file the {@code .npy} file
     * @return a contiguous heap tensor (float64 files narrowed to float32)
     * @throws HeedException {@link ErrorCode#IO} when the file cannot be read; otherwise as {@link #read(Path, long)}
     */
    public static Tensor read(Path file) {
        return read(file, Long.MAX_VALUE);
    }

    /**
     * Reads a file, refusing tensors of more than {@code maxBytes} bytes before allocating them. A header that promises
     * more data than the file holds is refused as truncated, also before allocating.
     *
     * @param file     the {@code .npy} file
     * @param maxBytes the largest data size accepted, in bytes as stored in the file
     * @return a contiguous heap tensor (float64 files narrowed to float32)
     * @throws HeedException {@link ErrorCode#IO} when the file cannot be read, {@link ErrorCode#MALFORMED_INPUT} for a bad or truncated file, {@link ErrorCode#UNSUPPORTED} for a Fortran-order
     *                       array or another dtype, {@link ErrorCode#MEMORY_LIMIT} when the array is larger than {@code maxBytes}
     */
    public static Tensor read(Path file, long maxBytes) {
        try (InputStream in = Files.newInputStream(file)) {
            // a header cannot promise more data than the file holds: cap by the file size, so a 128-byte file
            // declaring gigabytes is refused as truncated before anything is allocated
            long size = Files.size(file);
            return read(in, file.toString(), maxBytes, size);
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "npy: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads one array from {@code in}, leaving the stream just after it (several arrays may follow each other).
     *
     * @param in       the stream, positioned at the magic string
     * @param name     what to call the source in error messages (a file or entry name)
     * @param maxBytes the largest data size accepted, in bytes as stored
     * @return a contiguous heap tensor (float64 data narrowed to float32)
     * @throws IOException when reading the stream fails
     * @throws HeedException {@link ErrorCode#MALFORMED_INPUT} for a bad or truncated file, {@link ErrorCode#UNSUPPORTED} for a Fortran-order
     *                       array or another dtype, {@link ErrorCode#MEMORY_LIMIT} when the array is larger than {@code maxBytes}
     */
    public static Tensor read(InputStream in, String name, long maxBytes) throws IOException {
        return read(in, name, maxBytes, Long.MAX_VALUE);
    }

    private static Tensor read(InputStream in, String name, long maxBytes, long streamBytes) throws IOException {
        byte[] pre = in.readNBytes(8); // magic (6), major, minor
        if (pre.length < 8 || !java.util.Arrays.equals(java.util.Arrays.copyOf(pre, 6), MAGIC)) {
            throw malformed(name, "not a .npy file (the magic string \\x93NUMPY is missing)");
        }
        int major = pre[6];
        long headerLen;
        if (major == 1) {
            byte[] len = in.readNBytes(2);
            if (len.length < 2) throw malformed(name, "truncated header length");
            headerLen = (len[0] & 0xff) | (len[1] & 0xff) << 8;
        } else if (major == 2 || major == 3) {
            byte[] len = in.readNBytes(4);
            if (len.length < 4) throw malformed(name, "truncated header length");
            headerLen = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
        } else {
            throw malformed(name, "unsupported .npy format version " + major + " (supported: 1, 2, 3)");
        }
        if (headerLen > 1 << 20) throw malformed(name, "header of " + headerLen + " bytes is implausibly large");
        byte[] hb = in.readNBytes((int) headerLen);
        if (hb.length < headerLen) throw malformed(name, "truncated header");
        String header = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);

        Matcher d = DESCR.matcher(header), f = FORTRAN.matcher(header), sh = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !sh.find()) throw malformed(name, "header lacks descr, fortran_order or shape: " + header.strip());
        if (f.group(1).equals("True")) {
            throw new HeedException(ErrorCode.UNSUPPORTED, "npy: " + name + ": Fortran-order arrays are not supported; save with np.ascontiguousarray");
        }
        List<Long> dims = new ArrayList<>();
        for (String part : sh.group(1).split(",")) {
            String t = part.strip();
            if (t.isEmpty()) continue;
            try {
                dims.add(Long.parseLong(t));
            } catch (NumberFormatException e) {
                throw malformed(name, "bad shape entry '" + t + "'");
            }
        }
        for (int i = 0; i < dims.size(); i++) {
            long v = dims.get(i);
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw malformed(name, "shape " + dims + ": dimension " + i + " = " + v + " is out of range [0, 2^31)");
            }
        }
        Shape shape = Shape.ofLongs(dims.stream().mapToLong(Long::longValue).toArray());
        String descr = d.group(1);
        int elemSize;
        DType dtype;
        switch (descr) {
            case "<f4" -> { dtype = DType.FLOAT32; elemSize = 4; }
            case "<f8" -> { dtype = DType.FLOAT32; elemSize = 8; }
            case "<i8" -> { dtype = DType.INT64; elemSize = 8; }
            case "<i4" -> { dtype = DType.INT32; elemSize = 4; }
            case "|b1" -> { dtype = DType.BOOL; elemSize = 1; }
            case "|u1" -> { dtype = DType.UINT8; elemSize = 1; }
            case "|i1" -> { dtype = DType.INT8; elemSize = 1; }
            default -> throw new HeedException(ErrorCode.UNSUPPORTED, "npy: " + name + ": dtype '" + descr
                    + "' is not supported; expected one of [<f4, <f8, <i8, <i4, |b1, |u1, |i1]");
        }
        long numel = shape.numel(); // checked: MEMORY_LIMIT when the count overflows 64 bits
        if (numel > Long.MAX_VALUE / elemSize) {
            throw new HeedException(ErrorCode.MEMORY_LIMIT, "npy: " + name + ": array " + shape + " " + descr
                    + " needs more than 2^63 bytes");
        }
        long bytes = numel * elemSize;
        if (bytes > maxBytes) {
            throw new HeedException(ErrorCode.MEMORY_LIMIT, "npy: " + name + ": array " + shape + " " + descr + " needs "
                    + bytes + " bytes, more than the limit of " + maxBytes);
        }
        long headerEnd = 6 + 2 + (major == 1 ? 2 : 4) + headerLen;
        if (bytes > streamBytes - headerEnd) {
            throw malformed(name, "truncated data: shape " + shape + " needs " + bytes + " bytes, the file has "
                    + Math.max(0, streamBytes - headerEnd));
        }
        int n = shape.numelInt();
        byte[] data = in.readNBytes((int) Math.min(bytes, Integer.MAX_VALUE - 16));
        if (data.length < bytes) {
            throw malformed(name, "truncated data: shape " + shape + " needs " + bytes + " bytes, the file has " + data.length);
        }
        ByteBuffer bb = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int[] dimsArr = shape.dims();
        return switch (descr) {
            case "<f4" -> { float[] a = new float[n]; bb.asFloatBuffer().get(a); yield Tensor.of(a, dimsArr); }
            case "<f8" -> { float[] a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float) bb.getDouble(i * 8); yield Tensor.of(a, dimsArr); }
            case "<i8" -> { long[] a = new long[n]; bb.asLongBuffer().get(a); yield Tensor.ofLongs(a, dimsArr); }
            case "<i4" -> { int[] a = new int[n]; bb.asIntBuffer().get(a); yield Tensor.ofInts(a, dimsArr); }
            case "|b1" -> Tensor.ofBools(data, dimsArr);
            case "|i1" -> Tensor.ofInt8(data, dimsArr);
            default -> Tensor.ofUint8(data, dimsArr);
        };
    }

    /**
     * Writes {@code t} as a version 1.0 {@code .npy} file in C order, creating parent directories and replacing an
     * existing file.
     *
     * @param file where to write
     * @param t    the tensor, any layout and dtype
     * @throws HeedException {@link ErrorCode#IO} when the file or its directories cannot be written
     */
    public static void write(Path file, Tensor t) {
        try {
            if (file.getParent() != null) Files.createDirectories(file.getParent());
            try (OutputStream out = Files.newOutputStream(file)) {
                write(out, t);
            }
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "npy: cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code t} in {@code .npy} format 1.0 (C order, little-endian) to {@code out}; the stream is not closed.
     *
     * @param out the destination
     * @param t   the tensor, any layout and dtype
     * @throws IOException when writing fails
     */
    public static void write(OutputStream out, Tensor t) throws IOException {
        String descr = switch (t.dtype()) {
            case FLOAT32 -> "<f4";
            case INT64 -> "<i8";
            case INT32 -> "<i4";
            case BOOL -> "|b1";
            case UINT8 -> "|u1";
            case INT8 -> "|i1";
        };
        int[] dims = t.shape().dims();
        StringBuilder shape = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) shape.append(dims[i]).append(dims.length == 1 ? "," : i + 1 < dims.length ? ", " : "");
        shape.append(')');
        StringBuilder header = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }");
        // Pad with spaces so that magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
        int total = 10 + header.length() + 1;
        header.append(" ".repeat((64 - total % 64) % 64)).append('\n');
        out.write(MAGIC);
        out.write(new byte[] {1, 0, (byte) (header.length() & 0xff), (byte) (header.length() >> 8)});
        out.write(header.toString().getBytes(StandardCharsets.ISO_8859_1));
        int n = t.shape().numelInt();
        // written in chunks: one buffer for the whole array would need n · size bytes in an int (wraps above 2 GiB)
        int size = t.dtype().byteSize();
        float[] floats = t.dtype() == DType.FLOAT32 ? t.toFloatArray() : null;
        long[] longs = floats == null ? t.toLongArray() : null;
        int chunk = 1 << 16;
        ByteBuffer bb = ByteBuffer.allocate(chunk * size).order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < n; from += chunk) {
            int to = Math.min(n, from + chunk);
            bb.clear();
            for (int i = from; i < to; i++) {
                switch (t.dtype()) {
                    case FLOAT32 -> bb.putFloat(floats[i]);
                    case INT64 -> bb.putLong(longs[i]);
                    case INT32 -> bb.putInt((int) longs[i]);
                    case BOOL -> bb.put((byte) (longs[i] != 0 ? 1 : 0));
                    case UINT8, INT8 -> bb.put((byte) longs[i]);
                }
            }
            out.write(bb.array(), 0, bb.position());
        }
    }

    private static HeedException malformed(String name, String what) {
        return new HeedException(ErrorCode.MALFORMED_INPUT, "npy: " + name + ": " + what);
    }
}
