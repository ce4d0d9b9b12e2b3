package dev.heed.fuzz;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A protobuf message as a mutable tree of fields, without a schema: varints, fixed32/64, and length-delimited
 * fields that are kept as bytes and, when they parse as a message that writes back to the same bytes, also
 * as a child tree. The ONNX fuzz target mutates a valid model through it, so that mutations land on fields
 * (a dim, an attribute's ints, a node's input name, an opset version) rather than on random bytes.
 *
 * <pre>{@code
 * ProtoTree t = ProtoTree.parse(modelBytes);
 * List<ProtoTree.Field> all = t.allFields();
 * byte[] mutated = t.toBytes();
 * }</pre>
 */
final class ProtoTree {
    /** One field occurrence. {@code child} is non-null when {@code bytes} parsed as a message. */
    static final class Field {
        int number;
        int wireType;
        long value;          // varint, fixed32, fixed64
        ByteString bytes;    // length-delimited
        ProtoTree child;

        Field copy() {
            Field f = new Field();
            f.number = number;
            f.wireType = wireType;
            f.value = value;
            f.bytes = bytes;
            f.child = child == null ? null : ProtoTree.parse(child.toBytes(), 0);
            return f;
        }
    }

    final List<Field> fields = new ArrayList<>();

    /** Parses {@code bytes}; nested messages are recognised up to a depth of 12. */
    static ProtoTree parse(byte[] bytes) {
        ProtoTree t = parse(bytes, 0);
        if (t == null) throw new IllegalArgumentException("not a protobuf message");
        return t;
    }

    static ProtoTree parse(byte[] bytes, int depth) {
        ProtoTree t = new ProtoTree();
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            int tag;
            while ((tag = in.readTag()) != 0) {
                Field f = new Field();
                f.number = WireFormat.getTagFieldNumber(tag);
                f.wireType = WireFormat.getTagWireType(tag);
                switch (f.wireType) {
                    case WireFormat.WIRETYPE_VARINT -> f.value = in.readInt64();
                    case WireFormat.WIRETYPE_FIXED32 -> f.value = in.readFixed32();
                    case WireFormat.WIRETYPE_FIXED64 -> f.value = in.readFixed64();
                    case WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                        f.bytes = in.readBytes();
                        if (depth < 12 && !f.bytes.isEmpty()) {
                            ProtoTree c = parse(f.bytes.toByteArray(), depth + 1);
                            if (c != null && !c.fields.isEmpty() && c.toBytes().length == f.bytes.size()
                                    && ByteString.copyFrom(c.toBytes()).equals(f.bytes)) {
                                f.child = c;
                            }
                        }
                    }
                    default -> { return null; }
                }
                t.fields.add(f);
            }
            return t;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Every field of the tree, depth first, with the list holding it (for removal and duplication). */
    List<Object[]> allFields() {
        List<Object[]> out = new ArrayList<>();
        collect(this, out);
        return out;
    }

    private static void collect(ProtoTree t, List<Object[]> out) {
        for (Field f : t.fields) {
            out.add(new Object[] {t, f});
            if (f.child != null) collect(f.child, out);
        }
    }

    byte[] toBytes() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            for (Field f : fields) {
                switch (f.wireType) {
                    case WireFormat.WIRETYPE_VARINT -> out.writeInt64(f.number, f.value);
                    case WireFormat.WIRETYPE_FIXED32 -> out.writeFixed32(f.number, (int) f.value);
                    case WireFormat.WIRETYPE_FIXED64 -> out.writeFixed64(f.number, f.value);
                    default -> out.writeBytes(f.number, f.child != null ? ByteString.copyFrom(f.child.toBytes()) : f.bytes);
                }
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
