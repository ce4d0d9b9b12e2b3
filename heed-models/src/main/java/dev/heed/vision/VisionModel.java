package dev.heed.vision;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.onnx.Session;
import dev.heed.onnx.ir.Dim;
import dev.heed.onnx.ir.ValueInfo;
import dev.heed.tensor.Tensor;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The image-in, tensor-out view of a session that {@link Detector} and {@link Classifier} share: which input takes
 * the {@code [1, 3, S, S]} image, which output to read, and S. The input/output is the one with the preferred name
 * ({@code images} / {@code output0} for Ultralytics exports, {@code pixel_values} / {@code logits} for ViT) or else
 * the only one; S comes from the input's fixed spatial dims, else {@code fallbackSize}.
 */
final class VisionModel {
    final Session session;
    final String input;
    final String output;
    final int size;

    private VisionModel(Session session, String input, String output, int size) {
        this.session = session;
        this.input = input;
        this.output = output;
        this.size = size;
    }

    static VisionModel of(Session s, String what, String preferredInput, String preferredOutput, int fallbackSize) {
        ValueInfo in = pick(s.inputs(), preferredInput, what, "input");
        ValueInfo out = pick(s.outputs(), preferredOutput, what, "output");
        List<Dim> d = in.dims();
        if (d != null && d.size() != 4) {
            throw HeedException.shape(what, "model input " + in + " is not an image batch [1, 3, H, W] (rank " + d.size() + ")");
        }
        if (d != null && d.get(1) instanceof Dim.Fixed(long c) && c != 3) {
            throw HeedException.shape(what, "model input " + in + " has " + c + " channels; expected [1, 3, H, W] (RGB)");
        }
        int size = fallbackSize;
        if (d != null && d.get(2) instanceof Dim.Fixed(long h) && d.get(3) instanceof Dim.Fixed(long w)) {
            if (h != w) throw HeedException.unsupported(what + ": model input " + in + " is not square (" + h + "x" + w + ")", "H == W");
            if (h < 1 || h > 16384) throw HeedException.invalid(what, "model input " + in + ": image side " + h + " out of range 1..16384");
            size = (int) h;
        }
        return new VisionModel(s, in.name(), out.name(), size);
    }

    /** Checks the declared rank of the chosen output (when the model declares a shape); {@code layout} names it. */
    VisionModel requireOutputRank(String what, int rank, String layout) {
        ValueInfo v = session.outputs().stream().filter(o -> o.name().equals(output)).findFirst().orElseThrow();
        if (v.dims() != null && v.dims().size() != rank) {
            throw HeedException.shape(what, "model output " + v + " has rank " + v.dims().size() + "; expected " + layout);
        }
        return this;
    }

    /** Runs the model on one {@code [1, 3, S, S]} image tensor and returns the chosen output. */
    Tensor run(Tensor image) {
        Map<String, Tensor> outs = session.run(Map.of(input, image));
        Tensor t = outs.get(output);
        if (t == null) throw new HeedException(ErrorCode.INTERNAL, "vision model: output '" + output + "' missing from the run's outputs " + outs.keySet());
        return t;
    }

    private static ValueInfo pick(List<ValueInfo> values, String preferred, String what, String kind) {
        for (ValueInfo v : values) if (v.name().equals(preferred)) return v;
        if (values.size() == 1) return values.getFirst();
        throw HeedException.invalid(what, "the model has no " + kind + " named '" + preferred + "' and " + values.size() + " " + kind
                + "s to choose from: " + values.stream().map(ValueInfo::toString).collect(Collectors.joining(", ", "[", "]")));
    }
}
