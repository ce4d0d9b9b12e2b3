package dev.heed.onnx;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.ir.Dim;
import dev.heed.onnx.ir.ValueInfo;
import dev.heed.tensor.DType;
import dev.heed.tensor.Tensor;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The inputs a run may feed, and the checks of a run's feeds against them: names, dtypes, ranks, fixed dims and
 * symbolic dims that must agree across inputs. Inputs backed by an initializer are optional: their initializer is
 * the default. Immutable.
 */
final class InputBinder {
    private final List<ValueInfo> required;           // fed by the caller, model order
    private final Map<String, ValueInfo> feedable;    // required + initializer-backed (overridable) inputs
    private final Map<String, Tensor> defaults;       // initializer values of overridable inputs
    private final Set<String> unreliableSymbols;      // dim names an input repeats (e.g. ['batch', 'batch']): not enforced

    InputBinder(List<ValueInfo> required, Map<String, ValueInfo> feedable, Map<String, Tensor> defaults) {
        this.required = List.copyOf(required);
        this.feedable = Collections.unmodifiableMap(new LinkedHashMap<>(feedable));
        this.defaults = Map.copyOf(defaults);
        this.unreliableSymbols = repeatedSymbols(feedable.values());
    }

    /** The inputs a caller must feed, in model order. */
    List<ValueInfo> required() {
        return required;
    }

    /** Every name a run may feed, in model order. */
    Set<String> names() {
        return feedable.keySet();
    }

    /** Validates {@code feeds}; returns a tensor for every feedable input (a feed, else its initializer). */
    Map<String, Tensor> bind(Map<String, Tensor> feeds) {
        for (String name : feeds.keySet()) {
            if (!feedable.containsKey(name)) {
                throw HeedException.invalid("run", "unknown input '" + name + "'; expected " + expectedInputs());
            }
        }
        Map<String, Long> symbols = new HashMap<>();
        Map<String, String> boundBy = new HashMap<>();
        Map<String, Tensor> bound = new LinkedHashMap<>();
        for (ValueInfo v : feedable.values()) {
            Tensor t = feeds.get(v.name());
            if (t == null) {
                if (feeds.containsKey(v.name())) throw HeedException.invalid("run", "input '" + v.name() + "' is null");
                Tensor d = defaults.get(v.name());
                if (d == null) throw HeedException.invalid("run", "missing input '" + v.name() + "'; expected " + expectedInputs());
                bound.put(v.name(), d);
                continue;
            }
            check(v, t, symbols, boundBy);
            bound.put(v.name(), t);
        }
        return bound;
    }

    /**
     * Symbolic dim names that one input uses for two of its axes. Some exporters name every dynamic axis alike
     * (all-MiniLM-L6-v2 declares input_ids as ['batch', 'batch'] for [batch, sequence]); such a name says nothing
     * about agreement, so it is not enforced anywhere (ONNX Runtime does not enforce symbolic names at all).
     */
    private static Set<String> repeatedSymbols(Collection<ValueInfo> values) {
        Set<String> repeated = new HashSet<>();
        for (ValueInfo v : values) {
            if (v.dims() == null) continue;
            Set<String> seen = new HashSet<>();
            for (Dim d : v.dims()) if (d instanceof Dim.Symbolic s && !seen.add(s.name())) repeated.add(s.name());
        }
        return Set.copyOf(repeated);
    }

    private void check(ValueInfo v, Tensor t, Map<String, Long> symbols, Map<String, String> boundBy) {
        DType want = v.elemType() == null ? null : v.elemType().heedType();
        String got = t.dtype() + t.shape().toString();
        if (want != null && t.dtype() != want) {
            throw new HeedException(ErrorCode.DTYPE_MISMATCH, "run: input '" + v.name() + "' expects " + v.elemType()
                    + v.shapeString() + ", got " + got);
        }
        if (v.dims() == null) return;
        if (v.dims().size() != t.rank()) {
            throw HeedException.shape("run", "input '" + v.name() + "' expects rank " + v.dims().size() + " " + v.shapeString()
                    + ", got " + got);
        }
        for (int i = 0; i < t.rank(); i++) {
            Dim d = v.dims().get(i);
            long size = t.dim(i);
            switch (d) {
                case Dim.Fixed f -> {
                    if (f.size() != size) {
                        throw HeedException.shape("run", "input '" + v.name() + "' expects " + v.shapeString() + ", got " + got
                                + ": dimension " + i + " is " + size + ", not " + f.size());
                    }
                }
                case Dim.Symbolic s when unreliableSymbols.contains(s.name()) -> { }
                case Dim.Symbolic s -> {
                    Long prev = symbols.putIfAbsent(s.name(), size);
                    if (prev == null) {
                        boundBy.put(s.name(), v.name());
                    } else if (prev != size) {
                        throw HeedException.shape("run", "input '" + v.name() + "' dimension " + i + " ('" + s.name() + "') is " + size
                                + " but input '" + boundBy.get(s.name()) + "' set '" + s.name() + "' = " + prev);
                    }
                }
                case Dim.Unknown u -> { }
            }
        }
    }

    private String expectedInputs() {
        return feedable.values().stream()
                .map(v -> v + (defaults.containsKey(v.name()) ? " (optional, has an initializer)" : ""))
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
