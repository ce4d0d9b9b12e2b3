package dev.heed.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.exec.ExecutionContext;
import dev.heed.onnx.ir.Attribute;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.OpFactory;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.onnx.ops.OpSchema;
import dev.heed.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every registration of the standard registry, at every version, under its own signature: a node with too few
 * inputs, too many outputs or a listed attribute of another type is MALFORMED_INPUT; a well-formed node builds
 * and runs on small float inputs with nothing but HeedException escaping (never NPE / AIOOBE).
 */
class RegistryValidationTest {
    private static final OpRegistry REG = OpRegistry.standard();

    private static Node node(String op, int inputs, int outputs, Map<String, Attribute> attrs) {
        List<String> in = new ArrayList<>(), out = new ArrayList<>();
        for (int i = 0; i < inputs; i++) in.add("i" + i);
        for (int i = 0; i < outputs; i++) out.add("o" + i);
        return new Node("n", op, "", in, out, attrs);
    }

    /** An attribute of a type other than {@code t}. */
    private static Attribute wrong(String name, Attribute.Type t) {
        Attribute.Type other = t == Attribute.Type.INT ? Attribute.Type.FLOAT : Attribute.Type.INT;
        return new Attribute(name, other, 1f, 1, null, null, null, new float[0], new long[0], null, null, null);
    }

    @Test
    void everyRegistrationRefusesNodesThatBreakItsSignature() {
        int checked = 0;
        for (String op : REG.supportedOps("")) {
            for (int v : REG.versions("", op)) {
                OpSchema s = REG.schema("", op, v);
                OpFactory f = REG.resolve("", op, v);
                String where = op + " v" + v + " (" + s.signature() + ")";
                if (s.minInputs() > 0) {
                    HeedException e = assertThrows(HeedException.class, () -> f.create(node(op, s.minInputs() - 1, 1, Map.of()), v), where);
                    assertEquals(ErrorCode.MALFORMED_INPUT, e.code(), where + ": " + e.getMessage());
                }
                if (s.maxOutputs() < Integer.MAX_VALUE) {
                    HeedException e = assertThrows(HeedException.class,
                            () -> f.create(node(op, s.minInputs(), s.maxOutputs() + 1, Map.of()), v), where);
                    assertEquals(ErrorCode.MALFORMED_INPUT, e.code(), where + ": " + e.getMessage());
                }
                for (Map.Entry<String, Attribute.Type> a : s.attributes().entrySet()) {
                    Map<String, Attribute> attrs = new LinkedHashMap<>();
                    attrs.put(a.getKey(), wrong(a.getKey(), a.getValue()));
                    HeedException e = assertThrows(HeedException.class, () -> f.create(node(op, s.minInputs(), 1, attrs), v), where);
                    assertEquals(ErrorCode.MALFORMED_INPUT, e.code(), where + " attribute " + a.getKey() + ": " + e.getMessage());
                }
                checked++;
            }
        }
        assertEquals(true, checked > 250, "registrations checked: " + checked);
    }

    @Test
    void wellFormedNodesBuildAndRunWithOnlyHeedExceptions() {
        List<String> escaped = new ArrayList<>();
        try (ExecutionContext ctx = ExecutionContext.singleThreaded()) {
            for (String op : REG.supportedOps("")) {
                for (int v : REG.versions("", op)) {
                    OpSchema s = REG.schema("", op, v);
                    int n = s.minInputs();
                    Node nd = node(op, n, 1, Map.of());
                    try {
                        Op o = REG.resolve("", op, v).create(nd, v);
                        Tensor[] in = new Tensor[n];
                        for (int i = 0; i < n; i++) in[i] = Tensor.of(new float[] {1f, 2f}, 2);
                        o.apply(ctx, in);
                    } catch (HeedException e) {
                        // a clear refusal (wrong dtype for an index input, missing attribute...) is fine
                    } catch (RuntimeException e) {
                        escaped.add(op + " v" + v + ": " + e);
                    }
                }
            }
        }
        if (!escaped.isEmpty()) fail("non-Heed exceptions escaped:\n" + String.join("\n", escaped));
    }
}
