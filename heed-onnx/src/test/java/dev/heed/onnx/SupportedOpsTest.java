package dev.heed.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.heed.onnx.ops.OpRegistry;
import dev.heed.onnx.ops.SupportedOps;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The registry is the one source of truth for the op table: the committed documentation must be generated from it. */
class SupportedOpsTest {
    private static final OpRegistry REGISTRY = OpRegistry.standard();

    @Test
    void committedDocumentationMatchesTheRegistry() throws IOException {
        String want = SupportedOps.markdown(REGISTRY);
        Path doc = Path.of("..", "docs", "supported-ops.md");
        String have = Files.exists(doc) ? Files.readString(doc, StandardCharsets.UTF_8) : "";
        if (!want.equals(have)) {
            Path out = Path.of("target", "supported-ops.md");
            Files.createDirectories(out.getParent());
            Files.writeString(out, want, StandardCharsets.UTF_8);
            fail("docs/supported-ops.md differs from OpRegistry.standard(); the generated text is in heed-onnx/" + out
                    + ": copy it to docs/supported-ops.md (cp heed-onnx/target/supported-ops.md docs/)");
        }
    }

    @Test
    void everyStandardRegistrationHasASignature() {
        for (String domain : REGISTRY.domains()) {
            for (String op : REGISTRY.supportedOps(domain)) {
                assertFalse(REGISTRY.versions(domain, op).isEmpty(), op);
                for (int v : REGISTRY.versions(domain, op)) {
                    assertNotNull(REGISTRY.schema(domain, op, v), op + " v" + v + " is registered without a signature");
                }
            }
        }
    }

    @Test
    void shapePreservingFlagsCoverWhatTheConstantFolderPropagates() {
        // the ops ConstantFolder's own list held before it asked the registry (its Gelu never matched: not a registered op)
        Set<String> folder = new TreeSet<>(Set.of("Identity", "Cast", "Relu", "Sigmoid", "Tanh", "Erf", "Neg", "Abs", "Exp", "Log",
                "Sqrt", "Not", "Softmax", "LogSoftmax", "LeakyRelu", "Reciprocal", "HardSigmoid", "HardSwish", "Softplus", "Elu",
                "Selu", "Clip", "Floor", "Ceil", "Round", "Sin", "Cos"));
        Set<String> flagged = new TreeSet<>();
        for (String op : REGISTRY.supportedOps("")) if (REGISTRY.isShapePreserving("", op)) flagged.add(op);
        assertEquals(folder, flagged);
        assertFalse(REGISTRY.isShapePreserving("", "Gelu"));
    }
}
