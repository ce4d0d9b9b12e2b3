package dev.heed.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A counted fuzzing campaign without coverage guidance: runs N inputs through a target's {@code one(...)} (the
 * same function its {@code @FuzzTest} calls) and tallies the outcomes, so that campaign sizes and results can be
 * stated exactly. Byte targets (npy, image) mutate their seed corpus (bit flips, byte sets to boundary values,
 * cuts, insertions, chunk copies, and — for images — forged header sizes); provider targets (onnx, tokenizer)
 * read random bytes through a FuzzedDataProvider ({@link ByteDataProvider}), which drives their structure-aware mutations.
 * Findings are written to {@code target/fuzz-findings/<target>/} (replay: copy into the target's Inputs folder).
 *
 * <pre>
 * java -cp "$(cat target/test-classpath)" dev.heed.fuzz.FuzzCampaign onnx 100000 1
 * </pre>
 */
public final class FuzzCampaign {
    private FuzzCampaign() {}

    public static void main(String[] args) throws IOException {
        if (args[0].equals("replay")) { // replay TARGET FILE: one input, with the full stack trace of a finding
            byte[] input = Files.readAllBytes(Path.of(args[2]));
            System.out.println(switch (args[1]) {
                case "npy" -> NpyFuzzTest.one(input);
                case "image" -> ImageFuzzTest.one(input);
                case "tokenizer" -> TokenizerFuzzTest.one(new ByteDataProvider(input));
                default -> OnnxFuzzTest.one(new ByteDataProvider(input));
            });
            return;
        }
        String target = args[0];
        long count = Long.parseLong(args[1]);
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 1;
        Path corpus = Path.of(args.length > 3 ? args[3] : "src/test/resources/dev/heed/fuzz");
        Path findings = Files.createDirectories(Path.of("target/fuzz-findings", target));
        Random rnd = new Random(seed);
        List<byte[]> seeds = switch (target) {
            case "npy" -> files(corpus.resolve("NpyFuzzTestInputs/npy"));
            case "image" -> files(corpus.resolve("ImageFuzzTestInputs/image"));
            default -> List.of();
        };
        // initialise the target class (its static warm-up loads every decoder / seed) before anything is timed
        try {
            Class.forName(FuzzCampaign.class.getPackageName() + "." + switch (target) {
                case "npy" -> "NpyFuzzTest";
                case "image" -> "ImageFuzzTest";
                case "tokenizer" -> "TokenizerFuzzTest";
                default -> "OnnxFuzzTest";
            });
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        Map<String, Long> tally = new TreeMap<>();
        Map<String, Long> findingKinds = new TreeMap<>();
        long slowest = 0;
        long t0 = System.nanoTime();
        for (long i = 0; i < count; i++) {
            byte[] input = switch (target) {
                case "npy", "image" -> mutateBytes(seeds.get(rnd.nextInt(seeds.size())), rnd, target.equals("image"));
                default -> { byte[] b = new byte[rnd.nextInt(16, 600)]; rnd.nextBytes(b); yield b; }
            };
            long s = FuzzContract.cpuNanos();
            try {
                String outcome = switch (target) {
                    case "npy" -> NpyFuzzTest.one(input);
                    case "image" -> ImageFuzzTest.one(input);
                    case "tokenizer" -> TokenizerFuzzTest.one(new ByteDataProvider(input));
                    case "onnx" -> OnnxFuzzTest.one(new ByteDataProvider(input));
                    default -> throw new IllegalArgumentException("targets: npy, image, tokenizer, onnx");
                };
                tally.merge(outcome, 1L, Long::sum);
            } catch (Throwable e) {
                Throwable root = e instanceof AssertionError && e.getCause() != null ? e.getCause() : e;
                String kind = e instanceof AssertionError a && a.getMessage() != null && a.getMessage().contains(" ms of CPU")
                        ? "slow input" : root.getClass().getSimpleName();
                tally.merge("FINDING " + kind, 1L, Long::sum);
                String key = kind + ": " + firstLine(e.getMessage());
                if (findingKinds.merge(key, 1L, Long::sum) == 1) {
                    Files.write(findings.resolve(String.format("%08d.bin", i)), input);
                    System.out.println("finding #" + i + ": " + key);
                }
            }
            slowest = Math.max(slowest, (FuzzContract.cpuNanos() - s) / 1_000_000); // CPU ms, mutation included
            if ((i + 1) % 10_000 == 0) System.out.println(target + ": " + (i + 1) + " inputs, " + tally);
        }
        long secs = (System.nanoTime() - t0) / 1_000_000_000L;
        System.out.println("campaign " + target + " seed " + seed + ": " + count + " inputs in " + secs + " s, slowest " + slowest
                + " ms of CPU; outcomes " + tally);
        System.out.println("distinct findings: " + findingKinds.size());
        findingKinds.forEach((k, v) -> System.out.println("  " + v + " x " + k));
    }

    private static String firstLine(String m) {
        if (m == null) return "";
        String l = m.lines().findFirst().orElse("");
        return l.length() > 200 ? l.substring(0, 200) : l;
    }

    private static List<byte[]> files(Path dir) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) out.add(Files.readAllBytes(p));
        }
        if (out.isEmpty()) throw new IllegalStateException("no seeds in " + dir);
        return out;
    }

    static final int[] BOUNDARY = {0, 1, 0x7f, 0x80, 0xff, 0xfe};

    /** One to eight byte-level mutations of {@code seed}; for images sometimes a forged header size. */
    static byte[] mutateBytes(byte[] seed, Random r, boolean image) {
        byte[] b = seed.clone();
        int n = 1 + r.nextInt(8);
        for (int k = 0; k < n && b.length > 0; k++) {
            switch (r.nextInt(image ? 7 : 6)) {
                case 0 -> b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[r.nextInt(b.length)] = (byte) BOUNDARY[r.nextInt(BOUNDARY.length)];
                case 2 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
                case 3 -> {
                    int at = r.nextInt(b.length + 1), len = r.nextInt(32);
                    byte[] c = new byte[b.length + len];
                    System.arraycopy(b, 0, c, 0, at);
                    for (int i = 0; i < len; i++) c[at + i] = (byte) r.nextInt(256);
                    System.arraycopy(b, at, c, at + len, b.length - at);
                    b = c;
                }
                case 4 -> {
                    int from = r.nextInt(b.length), to = r.nextInt(b.length), len = Math.min(r.nextInt(64), Math.min(b.length - from, b.length - to));
                    System.arraycopy(b, from, b, to, len);
                }
                case 5 -> {
                    if (b.length < 60) continue;
                    int at = r.nextInt(Math.min(b.length, 64));
                    b[at] = (byte) r.nextInt(256);
                }
                default -> { // a header field: bytes 12..30 hold the sizes of PNG, GIF, BMP and WebP headers
                    if (b.length < 32) continue;
                    int at = 12 + r.nextInt(18);
                    b[at] = (byte) (r.nextBoolean() ? 0xff : r.nextInt(256));
                }
            }
        }
        return b;
    }
}
