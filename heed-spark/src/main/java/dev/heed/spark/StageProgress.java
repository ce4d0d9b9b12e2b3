package dev.heed.spark;

import java.io.PrintStream;
import java.util.Locale;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.StageInfo;

/**
 * One progress line per finished Spark stage, for the {@code heed spark} jobs:
 * {@code heed spark: stage 2 finished (parquet at HeedSparkJob.java:142): 8 tasks, 12.3 s}.
 */
final class StageProgress extends SparkListener {
    private final PrintStream out;

    StageProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted event) {
        StageInfo s = event.stageInfo();
        String took = s.submissionTime().isDefined() && s.completionTime().isDefined()
                ? String.format(Locale.ROOT, ", %.1f s", ((Long) s.completionTime().get() - (Long) s.submissionTime().get()) / 1000.0)
                : "";
        String failed = s.failureReason().isDefined() ? " FAILED: " + s.failureReason().get() : " finished";
        out.printf(Locale.ROOT, "heed spark: stage %d%s (%s): %d tasks%s%n", s.stageId(), failed, s.name(), s.numTasks(), took);
        out.flush();
    }
}
