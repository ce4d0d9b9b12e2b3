package dev.heed.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.heed.onnx.ir.Attribute;
import dev.heed.onnx.ir.Dim;
import dev.heed.onnx.ir.Graph;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ir.TensorData;
import dev.heed.onnx.ir.ValueInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.util.Map;

/**
 * Test helper: writes a {@link Model} built in code as ONNX protobuf bytes (the subset of fields the reader
 * understands), so that tests and fuzz targets can hand real files to {@code Session.open} and
 * {@code bin/heed run}. Field numbers follow onnx.proto.
 *
 * <pre>{@code
 * byte[] onnx = ModelWriter.write(Fixtures.model(13, nodes, inputs, outputs));
 * }</pre>
 */
final class ModelWriter {
    private ModelWriter() {}

    /** The ModelProto bytes of {@code m}. */
    static byte[] write(Model m) {
        return message(out -> {
            out.writeInt64(1, m.irVersion());
            if (!m.producerName().isEmpty()) out.writeString(2, m.producerName());
            for (Map.Entry<String, Long> e : m.opsets().entrySet()) {
                out.writeByteArray(8, message(o -> {
                    if (!e.getKey().isEmpty()) o.writeString(1, e.getKey());
                    o.writeInt64(2, e.getValue());
                }));
            }
            out.writeByteArray(7, graph(m.graph()));
        });
    }

    static byte[] graph(Graph g) {
        return message(out -> {
            for (Node n : g.nodes()) out.writeByteArray(1, node(n));
            out.writeString(2, g.name());
            for (TensorData t : g.initializers()) out.writeByteArray(5, tensor(t));
            for (ValueInfo v : g.inputs()) out.writeByteArray(11, valueInfo(v));
            for (ValueInfo v : g.outputs()) out.writeByteArray(12, valueInfo(v));
            for (ValueInfo v : g.valueInfo()) out.writeByteArray(13, valueInfo(v));
        });
    }

    static byte[] node(Node n) {
        return message(out -> {
            for (String s : n.inputs()) out.writeString(1, s);
            for (String s : n.outputs()) out.writeString(2, s);
            out.writeString(3, n.name());
            out.writeString(4, n.opType());
            for (Attribute a : n.attributes().values()) out.writeByteArray(5, attribute(a));
            if (!n.domain().isEmpty()) out.writeString(7, n.domain());
        });
    }

    static byte[] attribute(Attribute a) {
        return message(out -> {
            out.writeString(1, a.name());
            switch (a.type()) {
                case FLOAT -> out.writeFloat(2, a.f());
                case INT -> out.writeInt64(3, a.i());
                case STRING -> out.writeByteArray(4, a.s() == null ? new byte[0] : a.s());
                case TENSOR -> { if (a.t() != null) out.writeByteArray(5, tensor(a.t())); }
                case GRAPH -> { if (a.g() != null) out.writeByteArray(6, graph(a.g())); }
                case FLOATS -> { for (float f : a.floats()) out.writeFloat(7, f); }
                case INTS -> { for (long v : a.ints()) out.writeInt64(8, v); }
                case STRINGS -> { for (byte[] s : a.strings()) out.writeByteArray(9, s); }
                default -> { }
            }
            out.writeInt32(20, a.type().ordinal());
        });
    }

    static byte[] tensor(TensorData t) {
        return message(out -> {
            for (long d : t.dims()) out.writeInt64(1, d);
            out.writeInt32(2, t.elemType().code());
            out.writeString(8, t.name());
            switch (t.data()) {
                case TensorData.Data.Raw r -> out.writeByteArray(9, r.bytes().toArray(ValueLayout.JAVA_BYTE));
                case TensorData.Data.Floats f -> { for (float v : f.values()) out.writeFloat(4, v); }
                case TensorData.Data.Ints v -> { for (int x : v.values()) out.writeInt32(5, x); }
                case TensorData.Data.Longs v -> { for (long x : v.values()) out.writeInt64(7, x); }
                case TensorData.Data.Doubles v -> { for (double x : v.values()) out.writeDouble(10, x); }
                case TensorData.Data.ULongs v -> { for (long x : v.values()) out.writeUInt64(11, x); }
                case TensorData.Data.Strings v -> { for (int k = 0; k < v.count(); k++) out.writeBytes(6, ByteString.EMPTY); }
                case TensorData.Data.Empty e -> { }
            }
        });
    }

    static byte[] valueInfo(ValueInfo v) {
        return message(out -> {
            out.writeString(1, v.name());
            if (v.elemType() == null && v.dims() == null) return;
            byte[] tensorType = message(tt -> {
                if (v.elemType() != null) tt.writeInt32(1, v.elemType().code());
                if (v.dims() != null) {
                    tt.writeByteArray(2, message(shape -> {
                        for (Dim d : v.dims()) {
                            shape.writeByteArray(1, message(dim -> {
                                switch (d) {
                                    case Dim.Fixed f -> dim.writeInt64(1, f.size());
                                    case Dim.Symbolic s -> dim.writeString(2, s.name());
                                    case Dim.Unknown u -> { }
                                }
                            }));
                        }
                    }));
                }
            });
            out.writeByteArray(2, message(type -> type.writeByteArray(1, tensorType)));
        });
    }

    private interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Body body) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            body.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
