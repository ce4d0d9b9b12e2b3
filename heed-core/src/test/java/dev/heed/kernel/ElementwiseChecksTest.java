package dev.heed.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.heed.exec.ExecutionContext;
import dev.heed.exec.ExecutionOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

class ElementwiseChecksTest {
    @Test
    void selfCheckPassesAndReportsThroughput() {
        try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults().withThreads(2))) {
            List<KernelCheck> checks = ElementwiseChecks.selfCheck(ctx, 42);
            assertTrue(checks.size() >= 15);
            for (KernelCheck c : checks) {
                System.out.printf("%-45s maxError %.3g (tol %.3g %s)  %.3f Gelem/s%n", c.kernel(), c.maxError(), c.tolerance(), c.metric(), c.gflops());
                assertTrue(c.passed(), c.toString());
                assertTrue(c.gflops() > 0, c.toString());
            }
        }
    }
}
