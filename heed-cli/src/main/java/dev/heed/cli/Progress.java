package dev.heed.cli;

import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress on standard error. In a terminal: a live bar redrawn in place. Otherwise (a file, a pipe, a test): plain
 * lines without colours or carriage returns, at most one per {@link #PLAIN_INTERVAL_NANOS} and always the last one,
 * such as {@code embed: 512/2000 lines}.
 */
final class Progress implements AutoCloseable {
    /** Width of the live bar's line; result lines are cleared to this width before they are printed. */
    static final int WIDTH = 80;
    /** Plain mode prints at most one line per second (and the final one). */
    static final long PLAIN_INTERVAL_NANOS = 1_000_000_000L;

    private final PrintWriter err;
    private final String task, unit;
    private final long max;
    private final ProgressBar bar;           // null in plain mode
    private long done, lastPrinted = Long.MIN_VALUE, lastPrintedAt;

    private Progress(PrintWriter err, boolean terminal, String task, String unit, long max) {
        this.err = err;
        this.task = task;
        this.unit = unit;
        this.max = max;
        this.bar = terminal ? new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setUnit(" " + unit, 1)
                .setStyle(ProgressBarStyle.ASCII).showSpeed()
                .setConsumer(new DelegatingProgressBarConsumer(line -> {
                    err.print('\r' + line);
                    err.flush();
                }, WIDTH)).build() : null;
    }

    /** A progress report over {@code max} units; live when {@code terminal}, else plain lines. */
    static Progress start(PrintWriter err, boolean terminal, String task, String unit, long max) {
        return new Progress(err, terminal, task, unit, max);
    }

    /** {@code n} more units are done. */
    void stepBy(long n) {
        done += n;
        if (bar != null) {
            bar.stepBy(n);
            return;
        }
        long now = System.nanoTime();
        if (done >= max || lastPrinted == Long.MIN_VALUE || now - lastPrintedAt >= PLAIN_INTERVAL_NANOS) printPlain(now);
    }

    /** Blanks the live bar's line so that a message can be printed on a line of its own (no-op in plain mode). */
    void clearLine() {
        if (bar == null) return;
        err.print("\r" + " ".repeat(WIDTH) + "\r");
        err.flush();
    }

    private void printPlain(long now) {
        if (done == lastPrinted) return;
        err.printf(Locale.ROOT, "%s: %d/%d %s%n", task, done, max, unit);
        err.flush();
        lastPrinted = done;
        lastPrintedAt = now;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            err.println();
            err.flush();
        } else if (done != lastPrinted && done > 0) {
            printPlain(System.nanoTime());
        }
    }
}
