package dev.heed.cli;

import static dev.heed.cli.CliTest.SHAPE_CHAIN;
import static dev.heed.cli.CliTest.heed;
import static org.junit.jupiter.api.Assertions.*;

import dev.heed.cli.CliTest.Outcome;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --profile} of {@code heed run} and {@code heed bench}: per-run profiling prints node timings only when asked. */
class ProfileOptionTest {
    /** A timing line: milliseconds, then an op type. */
    private static final Pattern TIMING = Pattern.compile("(?m)^\\s+\\d+\\.\\d{3} ms\\s+\\S+");

    @Test
    void runPrintsTheSlowestNodesOnlyWithProfile(@TempDir Path dir) {
        Outcome plain = heed("run", SHAPE_CHAIN.toString(), "--output-dir", dir.toString());
        assertEquals(0, plain.exit(), plain.err());
        assertFalse(plain.out().contains("slowest nodes:"), plain.out());

        Outcome profiled = heed("run", SHAPE_CHAIN.toString(), "--output-dir", dir.toString(), "--profile");
        assertEquals(0, profiled.exit(), profiled.err());
        String after = profiled.out().substring(profiled.out().indexOf("slowest nodes:") + 1);
        assertTrue(profiled.out().contains("slowest nodes:"), profiled.out());
        assertTrue(TIMING.matcher(after).find(), profiled.out());
    }

    @Test
    void benchPrintsOneProfiledRunOnlyWithProfile() {
        Outcome plain = heed("bench", SHAPE_CHAIN.toString(), "--warmup", "0", "--iterations", "2");
        assertEquals(0, plain.exit(), plain.err());
        assertFalse(plain.out().contains("profile of one run"), plain.out());

        Outcome profiled = heed("bench", SHAPE_CHAIN.toString(), "--warmup", "0", "--iterations", "2", "--profile");
        assertEquals(0, profiled.exit(), profiled.err());
        assertTrue(Pattern.compile("profile of one run: \\d+\\.\\d{3} ms in [1-9]\\d* nodes").matcher(profiled.out()).find(),
                profiled.out());
    }
}
