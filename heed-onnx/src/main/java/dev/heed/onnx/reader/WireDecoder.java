package dev.heed.onnx.reader;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.ir.Attribute;
import dev.heed.onnx.ir.Dim;
import dev.heed.onnx.ir.ElemType;
import dev.heed.onnx.ir.Graph;
import dev.heed.onnx.ir.Model;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ir.TensorData;
import dev.heed.onnx.ir.ValueInfo;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the ONNX protobuf messages by field number with a {@link CodedInputStream}. Field numbers are
 * written from the public ONNX IR specification (onnx.proto3 field numbering):
 * <pre>
 * ModelProto        1 ir_version, 2 producer_name, 3 producer_version, 4 domain, 5 model_version,
 *                   6 doc_string, 7 graph, 8 opset_import, 14 metadata_props
 * OperatorSetId     1 domain, 2 version           StringStringEntry  1 key, 2 value
 * GraphProto        1 node, 2 name, 5 initializer, 10 doc_string, 11 input, 12 output, 13 value_info,
 *                   15 sparse_initializer
 * NodeProto         1 input, 2 output, 3 name, 4 op_type, 5 attribute, 6 doc_string, 7 domain
 * AttributeProto    1 name, 2 f, 3 i, 4 s, 5 t, 6 g, 7 floats, 8 ints, 9 strings, 10 tensors, 11 graphs,
 *                   13 doc_string, 20 type, 21 ref_attr_name, 22 sparse_tensor, 23 sparse_tensors
 * TensorProto       1 dims, 2 data_type, 3 segment, 4 float_data, 5 int32_data, 6 string_data,
 *                   7 int64_data, 8 name, 9 raw_data, 10 double_data, 11 uint64_data, 12 doc_string,
 *                   13 external_data, 14 data_location (0 DEFAULT, 1 EXTERNAL)
 * ValueInfoProto    1 name, 2 type, 3 doc_string
 * TypeProto         1 tensor_type, 4 sequence_type, 5 map_type, 8 sparse_tensor_type, 9 optional_type
 * TypeProto.Tensor  1 elem_type, 2 shape      TensorShapeProto 1 dim      Dimension 1 dim_value, 2 dim_param
 * </pre>
 * The stream reads an {@link InputStream} over the mapped segment whose {@code skip} only moves a position,
 * so skipping {@code raw_data} copies nothing; its offset is {@code getTotalBytesRead()} at that point.
 * One decoder reads one file, from one thread.
 */
final class WireDecoder {
    private final MemorySegment whole;
    private final Path baseDir;
    private final long memoryLimit;
    private final String source;
    private final CodedInputStream in;
    private final Deque<String> context = new ArrayDeque<>();
    private final Map<Path, MemorySegment> externalFiles = new HashMap<>();
    private int graphDepth;

    WireDecoder(MemorySegment whole, Path baseDir, long memoryLimit, String source) {
        this.whole = whole;
        this.baseDir = baseDir;
        this.memoryLimit = memoryLimit;
        this.source = source;
        if (whole.byteSize() > Integer.MAX_VALUE) {
            throw new HeedException(ErrorCode.UNSUPPORTED, source + ": " + whole.byteSize()
                    + " bytes; protobuf files are limited to 2 GiB (store weights as external data)");
        }
        this.in = CodedInputStream.newInstance(new SegmentStream(whole), 1 << 16);
        try {
            this.in.pushLimit((int) whole.byteSize());
        } catch (IOException e) {
            throw new HeedException(ErrorCode.INTERNAL, source + ": cannot set the read limit", e);
        }
    }

    // ------------------------------------------------------------------ top level

    Model readModel() {
        try {
            long ir = 0, modelVersion = 0;
            String producer = "", producerVersion = "", domain = "", doc = "";
            Map<String, Long> opsets = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            Graph graph = null;
            int tag;
            while ((tag = in.readTag()) != 0) {
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case 1 -> { expect(tag, WireFormat.WIRETYPE_VARINT, "ir_version"); ir = in.readInt64(); }
                    case 2 -> producer = string(tag, "producer_name");
                    case 3 -> producerVersion = string(tag, "producer_version");
                    case 4 -> domain = string(tag, "domain");
                    case 5 -> { expect(tag, WireFormat.WIRETYPE_VARINT, "model_version"); modelVersion = in.readInt64(); }
                    case 6 -> doc = string(tag, "doc_string");
                    case 7 -> { int old = begin(tag, "graph"); graph = readGraph(); end(old); }
                    case 8 -> {
                        int old = begin(tag, "opset_import #" + opsets.size());
                        String d = "";
                        long v = 0;
                        int t2;
                        while ((t2 = in.readTag()) != 0) {
                            switch (WireFormat.getTagFieldNumber(t2)) {
                                case 1 -> d = string(t2, "domain");
                                case 2 -> { expect(t2, WireFormat.WIRETYPE_VARINT, "version"); v = in.readInt64(); }
                                default -> skip(t2);
                            }
                        }
                        if (v < 0 || v > Integer.MAX_VALUE) {
                            throw malformed("opset version " + v + " for domain '" + d + "' is out of range [0, 2^31)");
                        }
                        end(old);
                        opsets.merge(Node.canonicalDomain(d), v, Math::max);
                    }
                    case 14 -> { int old = begin(tag, "metadata_props #" + metadata.size()); String[] kv = readStringPair(); end(old); metadata.put(kv[0], kv[1]); }
                    default -> skip(tag);
                }
            }
            if (graph == null) throw malformed("the model has no graph (not an ONNX model, or an empty file)");
            if (ir < 3 || ir > 10) {
                throw new HeedException(ErrorCode.UNSUPPORTED, source + ": IR version " + ir + " is not supported; expected 3 to 10");
            }
            if (opsets.isEmpty()) throw malformed("the model imports no opset");
            Model model = new Model(ir, opsets, producer, producerVersion, domain, modelVersion, doc, metadata, graph);
            model.opsetNote().ifPresent(note -> System.getLogger("dev.heed.onnx").log(System.Logger.Level.WARNING, source + ": " + note));
            return model;
        } catch (IOException e) {
            throw malformed(e.getMessage());
        }
    }

    TensorData readTopLevelTensor() {
        try {
            context.push("TensorProto");
            return readTensorBody();
        } catch (IOException e) {
            throw malformed(e.getMessage());
        }
    }

    // ------------------------------------------------------------------ messages

    private Graph readGraph() throws IOException {
        if (++graphDepth > OnnxReader.MAX_GRAPH_DEPTH) {
            throw malformed("graphs nested deeper than " + OnnxReader.MAX_GRAPH_DEPTH);
        }
        String name = "";
        List<Node> nodes = new ArrayList<>();
        List<ValueInfo> inputs = new ArrayList<>(), outputs = new ArrayList<>(), valueInfo = new ArrayList<>();
        List<TensorData> inits = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> { int old = begin(tag, "node #" + nodes.size()); nodes.add(readNode()); end(old); }
                case 2 -> name = string(tag, "name");
                case 5 -> { int old = begin(tag, "initializer #" + inits.size()); inits.add(readTensorBody()); end(old); }
                case 11 -> { int old = begin(tag, "input #" + inputs.size()); inputs.add(readValueInfo()); end(old); }
                case 12 -> { int old = begin(tag, "output #" + outputs.size()); outputs.add(readValueInfo()); end(old); }
                case 13 -> { int old = begin(tag, "value_info #" + valueInfo.size()); valueInfo.add(readValueInfo()); end(old); }
                case 15 -> throw new HeedException(ErrorCode.UNSUPPORTED, source + ": sparse_initializer in graph '" + name
                        + "' is not supported; store the initializer dense");
                default -> skip(tag);
            }
        }
        graphDepth--;
        return new Graph(name, nodes, inputs, outputs, valueInfo, inits);
    }

    private Node readNode() throws IOException {
        List<String> inputs = new ArrayList<>(), outputs = new ArrayList<>();
        String name = "", op = "", domain = "";
        Map<String, Attribute> attrs = new LinkedHashMap<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> inputs.add(string(tag, "input"));
                case 2 -> outputs.add(string(tag, "output"));
                case 3 -> name = string(tag, "name");
                case 4 -> op = string(tag, "op_type");
                case 5 -> { int old = begin(tag, "attribute #" + attrs.size()); Attribute a = readAttribute(); end(old); attrs.put(a.name(), a); }
                case 7 -> domain = string(tag, "domain");
                default -> skip(tag);
            }
        }
        if (op.isEmpty()) throw malformed("node '" + name + "' has no op_type");
        return new Node(name, op, domain, inputs, outputs, attrs);
    }

    private Attribute readAttribute() throws IOException {
        String name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        byte[] s = null;
        TensorData t = null;
        Graph g = null;
        FloatBuf floats = new FloatBuf();
        LongBuf ints = new LongBuf();
        List<byte[]> strings = new ArrayList<>();
        List<TensorData> tensors = new ArrayList<>();
        List<Graph> graphs = new ArrayList<>();
        boolean hasF = false, hasI = false, sparse = false;
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> name = string(tag, "name");
                case 2 -> { expect(tag, WireFormat.WIRETYPE_FIXED32, "f"); f = in.readFloat(); hasF = true; }
                case 3 -> { expect(tag, WireFormat.WIRETYPE_VARINT, "i"); i = in.readInt64(); hasI = true; }
                case 4 -> s = bytes(tag, "s");
                case 5 -> { int old = begin(tag, "attribute '" + name + "' t"); t = readTensorBody(); end(old); }
                case 6 -> { int old = begin(tag, "attribute '" + name + "' g"); g = readGraph(); end(old); }
                case 7 -> readFloats(tag, floats, "floats");
                case 8 -> readVarints(tag, ints, "ints");
                case 9 -> strings.add(bytes(tag, "strings"));
                case 10 -> { int old = begin(tag, "attribute '" + name + "' tensors"); tensors.add(readTensorBody()); end(old); }
                case 11 -> { int old = begin(tag, "attribute '" + name + "' graphs"); graphs.add(readGraph()); end(old); }
                case 20 -> { expect(tag, WireFormat.WIRETYPE_VARINT, "type"); type = in.readInt32(); }
                case 22, 23 -> { sparse = true; skip(tag); }
                default -> skip(tag);
            }
        }
        Attribute.Type at = Attribute.Type.fromCode(type);
        if (at == Attribute.Type.UNDEFINED) { // IR < 4 files may omit the type: infer it from the field present
            if (sparse) at = Attribute.Type.SPARSE_TENSOR;
            else if (t != null) at = Attribute.Type.TENSOR;
            else if (g != null) at = Attribute.Type.GRAPH;
            else if (floats.size > 0) at = Attribute.Type.FLOATS;
            else if (ints.size > 0) at = Attribute.Type.INTS;
            else if (!strings.isEmpty()) at = Attribute.Type.STRINGS;
            else if (!tensors.isEmpty()) at = Attribute.Type.TENSORS;
            else if (!graphs.isEmpty()) at = Attribute.Type.GRAPHS;
            else if (s != null) at = Attribute.Type.STRING;
            else if (hasI) at = Attribute.Type.INT;
            else if (hasF) at = Attribute.Type.FLOAT;
        }
        return new Attribute(name, at, f, i, s, t, g, floats.toArray(), ints.toArray(), strings, tensors, graphs);
    }

    private ValueInfo readValueInfo() throws IOException {
        String name = "";
        ElemType elem = null;
        List<Dim> dims = null;
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> name = string(tag, "name");
                case 2 -> {
                    int old = begin(tag, "value '" + name + "' type");
                    int t2;
                    while ((t2 = in.readTag()) != 0) {
                        int fn = WireFormat.getTagFieldNumber(t2);
                        if (fn == 1 || fn == 8) { // tensor_type / sparse_tensor_type share the layout
                            int old2 = begin(t2, "tensor_type");
                            int t3;
                            while ((t3 = in.readTag()) != 0) {
                                switch (WireFormat.getTagFieldNumber(t3)) {
                                    case 1 -> { expect(t3, WireFormat.WIRETYPE_VARINT, "elem_type"); elem = ElemType.fromCode(in.readInt32()); }
                                    case 2 -> { int old3 = begin(t3, "shape"); dims = readShape(); end(old3); }
                                    default -> skip(t3);
                                }
                            }
                            end(old2);
                        } else {
                            skip(t2);
                        }
                    }
                    end(old);
                }
                default -> skip(tag);
            }
        }
        return new ValueInfo(name, elem, dims);
    }

    private List<Dim> readShape() throws IOException {
        List<Dim> dims = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            if (WireFormat.getTagFieldNumber(tag) != 1) { skip(tag); continue; }
            int old = begin(tag, "dim #" + dims.size());
            Dim d = new Dim.Unknown();
            int t2;
            while ((t2 = in.readTag()) != 0) {
                switch (WireFormat.getTagFieldNumber(t2)) {
                    case 1 -> { expect(t2, WireFormat.WIRETYPE_VARINT, "dim_value"); d = fixedDim(in.readInt64()); }
                    case 2 -> { String p = string(t2, "dim_param"); d = p.isEmpty() ? new Dim.Unknown() : new Dim.Symbolic(p); }
                    default -> skip(t2);
                }
            }
            end(old);
            dims.add(d);
        }
        return dims;
    }

    /**
     * A declared {@code dim_value}: negative values (some old exporters wrote -1 for "dynamic") mean unknown;
     * values of 2^31 and more are refused, since a Heed dimension is an int and a cast would wrap.
     */
    private Dim fixedDim(long v) {
        if (v < 0) return new Dim.Unknown();
        if (v > Integer.MAX_VALUE) throw malformed("dim_value " + v + " is 2^31 or more; Heed dimensions are below 2^31");
        return new Dim.Fixed(v);
    }

    private String[] readStringPair() throws IOException {
        String k = "", v = "";
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> k = string(tag, "key");
                case 2 -> v = string(tag, "value");
                default -> skip(tag);
            }
        }
        return new String[] {k, v};
    }

    /** The body of a TensorProto (the caller has pushed its limit). */
    private TensorData readTensorBody() throws IOException {
        LongBuf dims = new LongBuf();
        int dataType = 0;
        String name = "";
        FloatBuf floats = null;
        LongBuf int32s = null, int64s = null, uint64s = null;
        DoubleBuf doubles = null;
        int strings = 0;
        MemorySegment raw = null;
        Map<String, String> external = new LinkedHashMap<>();
        int location = 0;
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> readVarints(tag, dims, "dims");
                case 2 -> { expect(tag, WireFormat.WIRETYPE_VARINT, "data_type"); dataType = in.readInt32(); }
                case 3 -> throw new HeedException(ErrorCode.UNSUPPORTED, source + ": segmented TensorProto ('segment' field) in "
                        + where() + " is not supported");
                case 4 -> readFloats(tag, floats = floats == null ? new FloatBuf() : floats, "float_data");
                case 5 -> readVarints(tag, int32s = int32s == null ? new LongBuf() : int32s, "int32_data");
                case 6 -> { bytes(tag, "string_data"); strings++; }
                case 7 -> readVarints(tag, int64s = int64s == null ? new LongBuf() : int64s, "int64_data");
                case 8 -> name = string(tag, "name");
                case 9 -> raw = bytesInPlace(tag, "raw_data");
                case 10 -> readDoubles(tag, doubles = doubles == null ? new DoubleBuf() : doubles, "double_data");
                case 11 -> readVarints(tag, uint64s = uint64s == null ? new LongBuf() : uint64s, "uint64_data");
                case 13 -> { int old = begin(tag, "external_data"); String[] kv = readStringPair(); end(old); external.put(kv[0], kv[1]); }
                case 14 -> { expect(tag, WireFormat.WIRETYPE_VARINT, "data_location"); location = in.readInt32(); }
                default -> skip(tag);
            }
        }
        String what = "tensor '" + name + "'";
        ElemType et = ElemType.fromCode(dataType);
        if (et == null || et == ElemType.UNDEFINED) throw malformed(what + " has unknown data_type " + dataType);
        long[] d = dims.toArray();
        long numel = 1;
        for (long x : d) {
            if (x < 0) throw malformed(what + " has negative dimension " + x);
            try {
                numel = Math.multiplyExact(numel, x);
            } catch (ArithmeticException e) {
                throw memory(what, "dims " + java.util.Arrays.toString(d) + " overflow a 64-bit element count");
            }
        }
        long bytes = numel > Long.MAX_VALUE / 16 ? Long.MAX_VALUE : numel * Math.max(1, et.byteSize());
        if (bytes > memoryLimit) {
            throw memory(what, et + java.util.Arrays.toString(d) + " declares " + bytes + " bytes, over the memory limit of "
                    + memoryLimit + " bytes");
        }
        TensorData.Data data;
        if (location == 1) {
            data = new TensorData.Data.Raw(external(what, external));
        } else if (raw != null) {
            data = new TensorData.Data.Raw(raw);
        } else if (floats != null) {
            data = new TensorData.Data.Floats(floats.toArray());
        } else if (int32s != null) {
            long[] v = int32s.toArray();
            int[] iv = new int[v.length];
            for (int k = 0; k < v.length; k++) iv[k] = (int) v[k];
            data = new TensorData.Data.Ints(iv);
        } else if (int64s != null) {
            data = new TensorData.Data.Longs(int64s.toArray());
        } else if (doubles != null) {
            data = new TensorData.Data.Doubles(doubles.toArray());
        } else if (uint64s != null) {
            data = new TensorData.Data.ULongs(uint64s.toArray());
        } else if (strings > 0) {
            data = new TensorData.Data.Strings(strings);
        } else {
            data = new TensorData.Data.Empty();
        }
        return new TensorData(name, et, d, data);
    }

    /**
     * Maps the external data of a tensor: keys location, offset, length relative to the model directory.
     *
     * <p>Containment is checked on real paths, not only lexically: the location must be relative, must stay
     * inside the model's directory after normalisation, no component below that directory may be a symbolic
     * link (a linked file or a linked folder is refused even when it points back inside), the real path must
     * lie inside the directory's real path, and the file is opened without following a final link. This
     * closes the "external data path traversal" class (a model whose weights file links to /etc/passwd).
     */
    private MemorySegment external(String what, Map<String, String> kv) {
        String loc = kv.get("location");
        if (loc == null || loc.isEmpty()) throw malformed(what + " has data_location EXTERNAL but no 'location'");
        if (baseDir == null) {
            throw new HeedException(ErrorCode.IO, source + ": " + what + " keeps its data in external file '" + loc
                    + "'; open the model from a path so that the file can be found");
        }
        Path file = ExternalFiles.confine(source + ": " + what, baseDir, loc);
        long offset = parseLong(what, kv, "offset", 0);
        MemorySegment seg = externalFiles.get(file);
        if (seg == null) {
            seg = ExternalFiles.map(source + ": " + what, file);
            externalFiles.put(file, seg);
        }
        long length = parseLong(what, kv, "length", seg.byteSize() - offset);
        if (offset < 0 || length < 0 || offset > seg.byteSize() || length > seg.byteSize() - offset) {
            throw malformed(what + " external data [offset " + offset + ", length " + length + "] lies outside "
                    + file.getFileName() + " (" + seg.byteSize() + " bytes)");
        }
        return seg.asSlice(offset, length);
    }

    private long parseLong(String what, Map<String, String> kv, String key, long dflt) {
        String v = kv.get(key);
        if (v == null) return dflt;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw malformed(what + " external data '" + key + "' is not a number: '" + v + "'");
        }
    }

    // ------------------------------------------------------------------ field helpers

    private void expect(int tag, int wireType, String field) {
        if (WireFormat.getTagWireType(tag) != wireType) {
            throw malformed("field '" + field + "' (#" + WireFormat.getTagFieldNumber(tag) + ") has wire type "
                    + WireFormat.getTagWireType(tag) + ", expected " + wireType);
        }
    }

    private long remaining() {
        return in.getBytesUntilLimit();
    }

    /** Reads a length prefix and checks it against the bytes that remain in the enclosing message. */
    private int length(String what) throws IOException {
        int len = in.readRawVarint32();
        if (len < 0) throw malformed(what + ": negative length " + len);
        if (len > remaining()) {
            context.push(what);
            throw malformed("needs " + len + " bytes but only " + remaining() + " remain (truncated file?)");
        }
        return len;
    }

    private int begin(int tag, String what) throws IOException {
        expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, what);
        int len = length(what);
        int old = in.pushLimit(len);
        context.push(what);
        return old;
    }

    private void end(int oldLimit) {
        in.popLimit(oldLimit);
        context.pop();
    }

    private String string(int tag, String what) throws IOException {
        return new String(bytes(tag, what), StandardCharsets.UTF_8);
    }

    private byte[] bytes(int tag, String what) throws IOException {
        expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, what);
        int len = length(what);
        return in.readRawBytes(len);
    }

    private MemorySegment bytesInPlace(int tag, String what) throws IOException {
        expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, what);
        int len = length(what);
        long off = in.getTotalBytesRead();
        in.skipRawBytes(len);
        return whole.asSlice(off, len);
    }

    private void readVarints(int tag, LongBuf out, String what) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int old = in.pushLimit(length(what));
            while (in.getBytesUntilLimit() > 0) out.add(in.readInt64());
            in.popLimit(old);
        } else {
            expect(tag, WireFormat.WIRETYPE_VARINT, what);
            out.add(in.readInt64());
        }
    }

    private void readFloats(int tag, FloatBuf out, String what) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int len = length(what);
            if (len % 4 != 0) throw malformed(what + ": packed length " + len + " is not a multiple of 4");
            out.reserve(len / 4);
            int old = in.pushLimit(len);
            while (in.getBytesUntilLimit() > 0) out.add(in.readFloat());
            in.popLimit(old);
        } else {
            expect(tag, WireFormat.WIRETYPE_FIXED32, what);
            out.add(in.readFloat());
        }
    }

    private void readDoubles(int tag, DoubleBuf out, String what) throws IOException {
        if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int len = length(what);
            if (len % 8 != 0) throw malformed(what + ": packed length " + len + " is not a multiple of 8");
            int old = in.pushLimit(len);
            while (in.getBytesUntilLimit() > 0) out.add(in.readDouble());
            in.popLimit(old);
        } else {
            expect(tag, WireFormat.WIRETYPE_FIXED64, what);
            out.add(in.readDouble());
        }
    }

    private void skip(int tag) throws IOException {
        int wt = WireFormat.getTagWireType(tag);
        switch (wt) {
            case WireFormat.WIRETYPE_VARINT -> in.readRawVarint64();
            case WireFormat.WIRETYPE_FIXED64 -> { if (remaining() < 8) throw malformed("truncated fixed64 field"); in.skipRawBytes(8); }
            case WireFormat.WIRETYPE_FIXED32 -> { if (remaining() < 4) throw malformed("truncated fixed32 field"); in.skipRawBytes(4); }
            case WireFormat.WIRETYPE_LENGTH_DELIMITED -> in.skipRawBytes(length("field #" + WireFormat.getTagFieldNumber(tag)));
            default -> throw malformed("field #" + WireFormat.getTagFieldNumber(tag) + " has wire type " + wt
                    + ", which ONNX files never use (not an ONNX file?)");
        }
    }

    // ------------------------------------------------------------------ errors

    private String where() {
        List<String> parts = new ArrayList<>(context);
        java.util.Collections.reverse(parts);
        return parts.isEmpty() ? "the top level" : String.join(" > ", parts);
    }

    private HeedException malformed(String detail) {
        long at;
        try {
            at = in.getTotalBytesRead();
        } catch (RuntimeException e) {
            at = -1;
        }
        return new HeedException(ErrorCode.MALFORMED_INPUT, source + ": malformed or truncated ONNX data at byte " + at
                + " of " + whole.byteSize() + " while reading " + where() + ": " + detail);
    }

    private HeedException memory(String what, String detail) {
        return new HeedException(ErrorCode.MEMORY_LIMIT, source + ": " + what + " in " + where() + ": " + detail);
    }

    // ------------------------------------------------------------------ small growable buffers

    private static final class LongBuf {
        long[] a = new long[8];
        int size;
        void add(long v) { if (size == a.length) a = java.util.Arrays.copyOf(a, size * 2); a[size++] = v; }
        long[] toArray() { return java.util.Arrays.copyOf(a, size); }
    }

    private static final class FloatBuf {
        float[] a = new float[8];
        int size;
        void reserve(int extra) { if (size + extra > a.length) a = java.util.Arrays.copyOf(a, size + extra); }
        void add(float v) { if (size == a.length) a = java.util.Arrays.copyOf(a, size * 2); a[size++] = v; }
        float[] toArray() { return java.util.Arrays.copyOf(a, size); }
    }

    private static final class DoubleBuf {
        double[] a = new double[8];
        int size;
        void add(double v) { if (size == a.length) a = java.util.Arrays.copyOf(a, size * 2); a[size++] = v; }
        double[] toArray() { return java.util.Arrays.copyOf(a, size); }
    }

    /** An InputStream over a segment whose skip() is free: raw tensor bytes are passed over, never copied. */
    private static final class SegmentStream extends InputStream {
        private final MemorySegment seg;
        private long pos;

        SegmentStream(MemorySegment seg) { this.seg = seg; }

        @Override public int read() {
            return pos < seg.byteSize() ? seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xff : -1;
        }

        @Override public int read(byte[] b, int off, int len) {
            long left = seg.byteSize() - pos;
            if (left <= 0) return len == 0 ? 0 : -1;
            int n = (int) Math.min(len, left);
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override public long skip(long n) {
            long k = Math.max(0, Math.min(n, seg.byteSize() - pos));
            pos += k;
            return k;
        }

        @Override public int available() {
            return (int) Math.min(Integer.MAX_VALUE, seg.byteSize() - pos);
        }
    }
}
