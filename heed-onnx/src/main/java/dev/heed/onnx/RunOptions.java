package dev.heed.onnx;

import dev.heed.HeedException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What one {@link Session#run(java.util.Map, RunOptions)} records besides the outputs. The Session stays the same
 * (immutable, shared between threads); each run chooses its own options, so a capturing and a plain run can use one
 * Session at the same time.
 *
 * <pre>{@code
 * RunResult r = session.run(feeds, RunOptions.defaults()
 *         .withProfile(true)                                   // per-node timings
 *         .withCaptureAttention(true)                          // every fused attention's probabilities
 *         .withCapture("/encoder/layer.0/output/Add_output_0") // an intermediate value, by exact name
 *         .withCapture(Pattern.compile(".*LayerNorm.*"))      // and every value whose name matches
 *         .withThreads(1));                                    // on the calling thread alone
 * r.attention();   // {softmax node name -> [B, H, L, S]}, graph order
 * r.captured();    // {value name -> tensor}, execution order
 * }</pre>
 *
 * @param profile          record per-node wall-clock times in {@link RunResult#profile()}
 * @param captureAttention return every fused attention's probabilities in {@link RunResult#attention()} (the
 *                         fused nodes then use a kernel that can hand them out)
 * @param captureNames     intermediate values to return in {@link RunResult#captured()}, by exact name; each must
 *                         exist in the optimised graph (values inside a fused pattern or folded away do not: open
 *                         the Session without fusion to observe those), else the run fails naming it
 * @param capturePattern   also return every value whose whole name matches, or null; matching nothing is no error.
 *                         A captured value stays alive until the caller drops the result, so {@code .*} keeps every
 *                         intermediate of the run in memory at once
 * @param threads          the most threads this run may use, the calling thread included; 0 (the default) means all
 *                         of the Session's ({@link dev.heed.exec.ExecutionOptions#threads()}), and so does any value
 *                         above them. Fewer threads let runs go side by side on different cores: two one-thread runs
 *                         of small batches get more done per second than the same runs one after the other on two
 *                         threads, whose small kernels split less well (an HTTP server's dynamic batching under load)
 */
public record RunOptions(boolean profile, boolean captureAttention, Set<String> captureNames, Pattern capturePattern,
                         int threads) {
    private static final RunOptions DEFAULTS = new RunOptions(false, false, Set.of(), null, 0);

    /**
     * Copies {@code captureNames} into an unmodifiable ordered set (null becomes empty) and checks {@code threads}.
     *
     * @param profile          record per-node times
     * @param captureAttention return the fused attentions' probabilities
     * @param captureNames     values to capture by exact name, or null
     * @param capturePattern   values to capture by whole-name match, or null
     * @param threads          the most threads the run may use, 0 for all of the Session's
     * @throws HeedException INVALID_ARGUMENT when {@code threads} is negative
     */
    public RunOptions {
        captureNames = captureNames == null ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(captureNames));
        if (threads < 0) {
            throw HeedException.invalid("RunOptions", "threads must be >= 0 (0: all of the Session's), got " + threads);
        }
    }


    /** {@return options with no profile and no capture} */
    public static RunOptions defaults() {
        return DEFAULTS;
    }

    /**
     * A copy that does or does not record per-node wall-clock times.
     *
     * @param p whether to profile
     * @return the new options
     */
    public RunOptions withProfile(boolean p) {
        return new RunOptions(p, captureAttention, captureNames, capturePattern, threads);
    }

    /**
     * A copy that does or does not return every fused attention's probabilities.
     *
     * @param c whether to capture
     * @return the new options
     */
    public RunOptions withCaptureAttention(boolean c) {
        return new RunOptions(profile, c, captureNames, capturePattern, threads);
    }

    /**
     * A copy that also captures these values, by exact name.
     *
     * @param names value names in the optimised graph
     * @return the new options
     */
    public RunOptions withCapture(String... names) {
        Set<String> all = new LinkedHashSet<>(captureNames);
        all.addAll(List.of(names));
        return new RunOptions(profile, captureAttention, all, capturePattern, threads);
    }

    /**
     * A copy that captures every value whose whole name matches {@code p} ({@link java.util.regex.Matcher#matches()}).
     *
     * @param p the pattern, replacing any earlier one; null for none
     * @return the new options
     */
    public RunOptions withCapture(Pattern p) {
        return new RunOptions(profile, captureAttention, captureNames, p, threads);
    }

    /**
     * A copy that runs on at most {@code n} threads (see {@link #threads()}).
     *
     * @param n the most threads, the caller's included; 0 for all of the Session's
     * @return the new options
     * @throws HeedException INVALID_ARGUMENT when {@code n} is negative
     */
    public RunOptions withThreads(int n) {
        return new RunOptions(profile, captureAttention, captureNames, capturePattern, n);
    }

    /** {@return true when some intermediate value is to be captured (by name or pattern)} */
    public boolean capturesValues() {
        return !captureNames.isEmpty() || capturePattern != null;
    }

    /**
     * Whether one value is to be captured.
     *
     * @param name the value's name
     * @return true when it is named in {@link #captureNames()} or matches {@link #capturePattern()}
     */
    public boolean captures(String name) {
        return captureNames.contains(name) || capturePattern != null && capturePattern.matcher(name).matches();
    }
}
