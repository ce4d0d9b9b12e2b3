package dev.heed.onnx.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The supported-operators table as Markdown, generated from an {@link OpRegistry}: one section per domain, one row
 * per op and signature (versions sharing a signature are listed together), with the registration's notes and
 * whether the op preserves its input's shape. {@code docs/supported-ops.md} is this text for
 * {@link OpRegistry#standard()}; a test fails when the committed file differs.
 *
 * <pre>{@code
 * String md = SupportedOps.markdown(OpRegistry.standard());
 * }</pre>
 */
public final class SupportedOps {
    private SupportedOps() {}

    /**
     * The Markdown document for {@code registry}.
     *
     * @param registry the operators to list
     * @return the document, ending with a newline
     */
    public static String markdown(OpRegistry registry) {
        StringBuilder b = new StringBuilder();
        b.append("# Supported ONNX operators\n\n");
        b.append("Generated from `OpRegistry.standard()` by `SupportedOps.markdown`; `SupportedOpsTest` fails when this\n");
        b.append("file differs from the registry (it writes the expected text to `heed-onnx/target/supported-ops.md`).\n");
        b.append("A version is the ONNX *since_version*: a model importing opset N gets the highest registered version\n");
        b.append("not above N. Signatures: `name?` optional, `name...` one or more; every node is checked against its\n");
        b.append("signature when a `Session` opens it (input and output counts, empty required inputs, attribute types).\n");
        b.append("Shape-preserving ops (≡) give their output their first input's shape.\n");
        for (String domain : registry.domains()) {
            int count = registry.supportedOps(domain).size();
            b.append("\n## Domain ").append(domain.isEmpty() ? "ai.onnx (default)" : domain).append(" — ").append(count)
                    .append(" operators\n\n");
            b.append("| operator | versions | signature | notes |\n|---|---|---|---|\n");
            for (String op : registry.supportedOps(domain)) {
                Map<String, List<Integer>> bySignature = new LinkedHashMap<>();
                for (int v : registry.versions(domain, op)) {
                    OpSchema s = registry.schema(domain, op, v);
                    bySignature.computeIfAbsent(s == null ? "(unchecked)" : s.signature(), k -> new ArrayList<>()).add(v);
                }
                boolean first = true;
                for (Map.Entry<String, List<Integer>> e : bySignature.entrySet()) {
                    String name = first ? op + (registry.isShapePreserving(domain, op) ? " ≡" : "") : "";
                    String notes = first ? registry.notes(domain, op) : "";
                    b.append("| ").append(name).append(" | ").append(join(e.getValue())).append(" | `")
                            .append(e.getKey().replace("|", "\\|")).append("` | ").append(notes.replace("|", "\\|")).append(" |\n");
                    first = false;
                }
            }
        }
        return b.toString();
    }

    private static String join(List<Integer> v) {
        StringBuilder b = new StringBuilder();
        for (int x : v) b.append(b.isEmpty() ? "" : ", ").append(x);
        return b.toString();
    }
}
