package dev.heed.onnx.ops.nn;

import dev.heed.HeedException;
import dev.heed.onnx.ir.Node;
import java.util.Arrays;

/** Spatial attributes shared by Conv, ConvTranspose and the pools, resolved for k spatial axes. */
record Spatial(int[] kernel, int[] strides, int[] dilations, int[] pads, String autoPad) {

    static Spatial of(Node node, int k, int[] kernelFromWeight) {
        String op = node.opType();
        int[] kernel;
        if (node.hasAttr("kernel_shape")) {
            kernel = NnSupport.intsAttr(node, "kernel_shape", k, 1);
            if (kernelFromWeight != null && !Arrays.equals(kernel, kernelFromWeight)) {
                throw HeedException.shape(op, "kernel_shape " + Arrays.toString(kernel)
                        + " does not match the weight's spatial dims " + Arrays.toString(kernelFromWeight));
            }
        } else if (kernelFromWeight != null) {
            kernel = kernelFromWeight;
        } else {
            throw HeedException.invalid(op, "attribute 'kernel_shape' is required");
        }
        String autoPad = node.attrString("auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID") && !autoPad.equals("SAME_UPPER") && !autoPad.equals("SAME_LOWER")) {
            throw HeedException.unsupported(op + ": auto_pad '" + autoPad + "'", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID");
        }
        int[] pads = NnSupport.intsAttr(node, "pads", 2 * k, 0);
        for (int p : pads) if (p < 0) throw HeedException.invalid(op, "pads " + Arrays.toString(pads) + " must be >= 0");
        int[] strides = NnSupport.intsAttr(node, "strides", k, 1);
        int[] dilations = NnSupport.intsAttr(node, "dilations", k, 1);
        for (int i = 0; i < k; i++) {
            if (strides[i] < 1 || dilations[i] < 1 || kernel[i] < 1) {
                throw HeedException.invalid(op, "kernel_shape " + Arrays.toString(kernel) + ", strides "
                        + Arrays.toString(strides) + " and dilations " + Arrays.toString(dilations) + " must be >= 1");
            }
        }
        return new Spatial(kernel, strides, dilations, pads, autoPad);
    }

    /** Explicit pads (begins, then ends) for input lengths {@code in}: auto_pad SAME_* gives output ceil(in / stride). */
    int[] resolvePads(int[] in) {
        int k = in.length;
        return switch (autoPad) {
            case "VALID" -> new int[2 * k];
            case "SAME_UPPER", "SAME_LOWER" -> {
                int[] p = new int[2 * k];
                for (int i = 0; i < k; i++) {
                    int out = Math.ceilDiv(in[i], strides[i]);
                    int total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in[i]);
                    int small = total / 2;
                    p[i] = autoPad.equals("SAME_UPPER") ? small : total - small;
                    p[k + i] = total - p[i];
                }
                yield p;
            }
            default -> pads.clone();
        };
    }
}
