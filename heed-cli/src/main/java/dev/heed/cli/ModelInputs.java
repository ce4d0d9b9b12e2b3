package dev.heed.cli;

import dev.heed.HeedException;
import dev.heed.onnx.ir.Dim;
import dev.heed.onnx.ir.ValueInfo;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import dev.heed.tensor.io.Npy;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Model.CommandSpec;

/** Turns {@code --input NAME=FILE.npy} and {@code --dim NAME=SIZE} options into session feeds. */
final class ModelInputs {
    private ModelInputs() {}

    /** Parses NAME=VALUE pairs; an entry without '=' is an error naming it. */
    static Map<String, String> pairs(List<String> entries, String option) {
        Map<String, String> m = new LinkedHashMap<>();
        if (entries == null) return m;
        for (String e : entries) {
            int eq = e.indexOf('=');
            if (eq <= 0 || eq == e.length() - 1) {
                throw HeedException.invalid(option, "'" + e + "' is not of the form NAME=VALUE");
            }
            m.put(e.substring(0, eq), e.substring(eq + 1));
        }
        return m;
    }

    /** Largest size {@code --dim} accepts for a symbolic dimension. */
    static final int MAX_DIM = 1 << 20;

    /**
     * The {@code --dim NAME=SIZE} pairs with SIZE parsed and checked (1 to {@link #MAX_DIM}), before any model is
     * read: a non-number or a size out of range is a usage error.
     */
    static Map<String, Integer> dimSizes(CommandSpec spec, List<String> entries) {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        pairs(entries, "--dim").forEach((name, value) -> {
            int size;
            try {
                size = Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw Check.usage(spec, "--dim " + name + "=" + value + ": SIZE must be a whole number between 1 and " + MAX_DIM);
            }
            sizes.put(name, Check.range(spec, "--dim " + name, size, 1, MAX_DIM));
        });
        return sizes;
    }

    /** Every {@code --dim} name is a symbolic dimension of some model input; else a usage error listing them. */
    static void checkDimNames(CommandSpec spec, List<ValueInfo> declared, Map<String, Integer> sizes) {
        Set<String> known = new TreeSet<>();
        for (ValueInfo v : declared) for (Dim d : v.dims()) if (d instanceof Dim.Symbolic s) known.add(s.name());
        for (String name : sizes.keySet()) {
            if (!known.contains(name)) {
                throw Check.usage(spec, "--dim " + name + ": the model's inputs have no dimension of that name; "
                        + (known.isEmpty() ? "they have no symbolic dimensions" : "they have " + String.join(", ", known)));
            }
        }
    }

    /** Reads the given .npy files. */
    static Map<String, Tensor> read(Map<String, String> files, long maxBytes) {
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        files.forEach((name, file) -> feeds.put(name, Npy.read(Path.of(file), maxBytes)));
        return feeds;
    }

    /**
     * Random but valid values for every declared input not already fed: symbolic dimensions take the size given
     * by {@code --dim}, else 1 for the first axis and 16 for others; masks are all ones, type ids zeros, other
     * integers in [0, 100), floats uniform in [0, 1).
     */
    static void fillRandom(List<ValueInfo> declared, Map<String, Tensor> feeds, Map<String, Integer> dimSizes, long seed) {
        Random rnd = new Random(seed);
        for (ValueInfo v : declared) {
            if (feeds.containsKey(v.name())) continue;
            int[] dims = new int[v.dims().size()];
            for (int i = 0; i < dims.length; i++) {
                Dim d = v.dims().get(i);
                dims[i] = switch (d) {
                    case Dim.Fixed f -> (int) f.size();
                    case Dim.Symbolic s -> dimSizes.containsKey(s.name()) ? dimSizes.get(s.name()) : (i == 0 ? 1 : 16);
                    case Dim.Unknown u -> i == 0 ? 1 : 16;
                };
            }
            DType t = v.elemType().heedType();
            if (t == null) {
                throw HeedException.unsupported("input '" + v.name() + "' has element type " + v.elemType()
                        + ", which Heed cannot create", "float32", "int64", "int32", "bool", "uint8", "int8");
            }
            Tensor x = Tensor.zeros(t, dims);
            int n = x.shape().numelInt();
            String lower = v.name().toLowerCase();
            switch (t) {
                case FLOAT32 -> {
                    float[] a = new float[n];
                    for (int i = 0; i < n; i++) a[i] = rnd.nextFloat();
                    x = Tensor.of(a, dims);
                }
                case INT64, INT32 -> {
                    long[] a = new long[n];
                    for (int i = 0; i < n; i++) a[i] = lower.contains("mask") ? 1 : lower.contains("type") ? 0 : rnd.nextInt(100);
                    x = t == DType.INT64 ? Tensor.ofLongs(a, dims) : Tensor.ofLongs(a, dims).to(DType.INT32);
                }
                case BOOL -> x = Tensor.ofBools(new byte[n], dims);
                case UINT8, INT8 -> {
                    byte[] a = new byte[n];
                    rnd.nextBytes(a);
                    x = t == DType.INT8 ? Tensor.ofInt8(a, dims) : Tensor.ofUint8(a, dims);
                }
            }
            feeds.put(v.name(), x);
        }
    }
}
