package dev.heed.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.WireFormat;
import dev.heed.exec.ExecutionOptions;
import dev.heed.onnx.Session;
import dev.heed.onnx.SessionOptions;
import dev.heed.onnx.ir.Dim;
import dev.heed.onnx.ir.ValueInfo;
import dev.heed.onnx.reader.OnnxReader;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes {@code Session.open} + {@code run}, structure-aware: the fuzzer picks a valid seed model (single-op
 * models of the ONNX backend test data that Debian's libonnx-testdata installs, the same files the
 * conformance test reads, plus their recorded inputs), then rewrites protobuf fields of it through
 * {@link ProtoTree} — varints to boundary values (dims, attribute ints, opset and IR versions, data types),
 * strings and bytes to its own (input names, op types, raw data), fields removed, duplicated or moved — and
 * opens and runs the result, feeding the recorded inputs or tensors of its own shape.
 * Every call must end in outputs or a HeedException that is not INTERNAL, within 2 s.
 */
class OnnxFuzzTest {
    static final Path NODE_TESTS = Path.of("/usr/share/libonnx-testdata/data/node");
    /** The seeds, by backend-test name: one per operator family Heed implements. Fixed, so that corpus inputs replay. */
    static final List<String> SEEDS = List.of("test_matmul_2d", "test_gemm_default_no_bias", "test_add_bcast",
            "test_reshape_extended_dims", "test_gather_0", "test_concat_2d_axis_0", "test_softmax_axis_1",
            "test_constantofshape_float_ones", "test_expand_dim_changed", "test_tile", "test_resize_upsample_scales_nearest",
            "test_resize_downsample_sizes_linear_pytorch_half_pixel", "test_upsample_nearest", "test_conv_with_strides_padding",
            "test_maxpool_2d_pads", "test_layer_normalization_2d_axis0", "test_slice", "test_split_equal_parts_1d",
            "test_transpose_default", "test_squeeze", "test_unsqueeze_axis_0", "test_reduce_sum_keepdims_example",
            "test_reduce_mean_default_axes_keepdims_example", "test_where_example", "test_range_float_type_positive_delta",
            "test_cumsum_1d", "test_shape", "test_size", "test_einsum_batch_matmul", "test_gathernd_example_int32",
            "test_scatter_elements_with_axis", "test_onehot_with_axis", "test_argmax_default_axis_example",
            "test_batchnorm_example", "test_instancenorm_example", "test_convtranspose", "test_averagepool_2d_pads",
            "test_erf", "test_sqrt", "test_pow", "test_nonzero_example", "test_flatten_axis1", "test_depthtospace_example",
            "test_clip_example", "test_mod_mixed_sign_int64", "test_lrn");
    static final SessionOptions OPTIONS = SessionOptions.defaults()
            .withExecution(ExecutionOptions.defaults().withThreads(1).withMemoryLimitBytes(64L << 20));
    static final long[] INTERESTING = {0, 1, -1, 2, 3, 7, 8, 13, 17, 99, 255, 1 << 16, 1 << 20, 1 << 30, Integer.MAX_VALUE,
        (long) Integer.MAX_VALUE + 1, 1L << 32, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MIN_VALUE};
    static final String[] NAMES = {"", "x", "y", "a", "b", "../x", "Gather", "Reshape", "MatMul", "Resize", "Expand",
        "ConstantOfShape", "Tile", "Constant", "Attention", "com.microsoft", "ai.onnx", "\u0000"};

    private static final Map<String, byte[]> MODELS = new HashMap<>();
    private static final Map<String, List<Tensor>> INPUTS = new HashMap<>();

    static synchronized byte[] seed(String name) {
        return MODELS.computeIfAbsent(name, n -> {
            try {
                Path dir = NODE_TESTS.resolve(n);
                List<Tensor> in = new ArrayList<>();
                for (int i = 0; Files.exists(dir.resolve("test_data_set_0/input_" + i + ".pb")); i++) {
                    Tensor t;
                    try {
                        t = OnnxReader.readTensor(dir.resolve("test_data_set_0/input_" + i + ".pb"), 1 << 24).toTensor();
                    } catch (dev.heed.HeedException e) {
                        t = null; // a type Heed lacks (float64): the fuzzer makes an input of the declared type instead
                    }
                    in.add(t);
                }
                INPUTS.put(n, in);
                return Files.readAllBytes(dir.resolve("model.onnx"));
            } catch (IOException e) {
                throw new UncheckedIOException("fuzz seed " + n + " missing: install libonnx-testdata (bin/test does)", e);
            }
        });
    }

    static {
        // open and run every seed once, outside the 2 s bound of a single input (class loading, instrumentation)
        FuzzContract.warmUp(() -> {
            for (String n : SEEDS) {
                byte[] m = seed(n);
                try (Session s = Session.open(m, OPTIONS)) {
                    Map<String, Tensor> feeds = new HashMap<>();
                    for (int i = 0; i < s.inputs().size() && i < INPUTS.get(n).size(); i++) {
                        if (INPUTS.get(n).get(i) != null) feeds.put(s.inputs().get(i).name(), INPUTS.get(n).get(i));
                    }
                    s.run(feeds);
                } catch (dev.heed.HeedException e) {
                    // a seed Heed does not support (e.g. a type it lacks) still warms the reader
                }
            }
        });
    }

    static String one(FuzzedDataProvider in) {
        String name = SEEDS.get(in.consumeInt(0, SEEDS.size() - 1));
        byte[] model = seed(name);
        List<Tensor> recorded = INPUTS.get(name);
        ProtoTree tree = ProtoTree.parse(model);
        int edits = in.consumeInt(0, 6);
        for (int k = 0; k < edits; k++) mutate(tree, in);
        byte[] bytes = tree.toBytes();
        boolean ownShapes = in.consumeBoolean();
        return FuzzContract.check("onnx:" + name, () -> {
            try (Session s = Session.open(bytes, OPTIONS)) {
                Map<String, Tensor> feeds = new HashMap<>();
                List<ValueInfo> inputs = s.inputs();
                for (int i = 0; i < inputs.size(); i++) {
                    ValueInfo v = inputs.get(i);
                    Tensor t = !ownShapes && i < recorded.size() && recorded.get(i) != null ? recorded.get(i) : tensorFor(v, in);
                    if (t != null) feeds.put(v.name(), t);
                }
                s.run(feeds);
            }
        });
    }

    /** A small tensor of the declared dtype with the declared (or a chosen) shape; null when too big to bother. */
    static Tensor tensorFor(ValueInfo v, FuzzedDataProvider in) {
        int rank = v.dims() == null ? in.consumeInt(0, 4) : v.dims().size();
        if (rank > 6) return null;
        int[] dims = new int[rank];
        long n = 1;
        for (int i = 0; i < rank; i++) {
            Dim d = v.dims() == null ? new Dim.Unknown() : v.dims().get(i);
            dims[i] = d instanceof Dim.Fixed f ? (int) Math.min(f.size(), 1 << 20) : in.consumeInt(0, 5);
            n *= Math.max(1, dims[i]);
            if (n > 1 << 16) return null;
        }
        DType dt = v.elemType() == null || v.elemType().heedType() == null ? DType.FLOAT32 : v.elemType().heedType();
        int count = (int) Math.min(n, 1 << 16);
        for (int d : dims) if (d == 0) count = 0;
        return switch (dt) {
            case FLOAT32 -> { float[] a = new float[count]; for (int i = 0; i < count; i++) a[i] = in.consumeFloat(); yield Tensor.of(a, dims); }
            case INT64 -> { long[] a = new long[count]; for (int i = 0; i < count; i++) a[i] = in.consumeLong(-8, 8); yield Tensor.ofLongs(a, dims); }
            case INT32 -> { int[] a = new int[count]; for (int i = 0; i < count; i++) a[i] = in.consumeInt(-8, 8); yield Tensor.ofInts(a, dims); }
            case BOOL -> { byte[] a = new byte[count]; for (int i = 0; i < count; i++) a[i] = (byte) (in.consumeBoolean() ? 1 : 0); yield Tensor.ofBools(a, dims); }
            case UINT8 -> { byte[] a = in.consumeBytes(count); yield a.length == count ? Tensor.ofUint8(a, dims) : null; }
            case INT8 -> { byte[] a = in.consumeBytes(count); yield a.length == count ? Tensor.ofInt8(a, dims) : null; }
        };
    }

    /** One structural edit of one field. */
    static void mutate(ProtoTree tree, FuzzedDataProvider in) {
        List<Object[]> all = tree.allFields();
        if (all.isEmpty()) return;
        Object[] at = all.get(in.consumeInt(0, all.size() - 1));
        ProtoTree owner = (ProtoTree) at[0];
        ProtoTree.Field f = (ProtoTree.Field) at[1];
        switch (in.consumeInt(0, 7)) {
            case 0 -> owner.fields.remove(f);
            case 1 -> owner.fields.add(in.consumeInt(0, owner.fields.size()), f.copy());
            case 2 -> { // move a field into another message (a dim into an attribute, a node into a tensor ...)
                Object[] to = all.get(in.consumeInt(0, all.size() - 1));
                owner.fields.remove(f);
                ProtoTree.Field target = (ProtoTree.Field) to[1];
                if (target.child != null) target.child.fields.add(f);
            }
            default -> {
                if (f.wireType == WireFormat.WIRETYPE_VARINT) {
                    f.value = in.consumeBoolean() ? INTERESTING[in.consumeInt(0, INTERESTING.length - 1)] : f.value + in.consumeInt(-3, 3);
                } else if (f.wireType == WireFormat.WIRETYPE_FIXED32) {
                    float[] special = {Float.NaN, Float.POSITIVE_INFINITY, -1f, 0f, 1e6f, 2e4f, 1e-30f, Float.MAX_VALUE};
                    f.value = Float.floatToRawIntBits(special[in.consumeInt(0, special.length - 1)]) & 0xffffffffL;
                } else if (f.child != null && in.consumeBoolean()) {
                    mutate(f.child, in);
                } else if (f.wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    f.child = null;
                    f.bytes = in.consumeBoolean()
                            ? ByteString.copyFrom(NAMES[in.consumeInt(0, NAMES.length - 1)], StandardCharsets.UTF_8)
                            : ByteString.copyFrom(in.consumeBytes(in.consumeInt(0, 64)));
                } else {
                    f.value = in.consumeLong();
                }
            }
        }
    }

    @FuzzTest(maxDuration = "30s")
    void onnx(FuzzedDataProvider in) {
        one(in);
    }
}
