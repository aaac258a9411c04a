package dev.gale.tune.internal;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.callback.Callback;
import dev.gale.tune.callback.ExperimentEnd;
import dev.gale.tune.callback.TrialInfo;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The progress line of a define-by-run study's {@code optimize} call, in Optuna's words: trials
 * COMPLETE (the objective returned a value), PRUNED (stopped by the pruner), FAIL (the objective
 * threw), RUNNING and WAITING (created, paused or not placed yet), the best value of the COMPLETE
 * ones, and the wall-clock time since the {@code optimize} call began (start-up included). A line
 * every {@code everyMillis} while the run goes on (on the callback thread's ticks) and one at the
 * end, marked {@code (done)}.
 */
public final class StudyProgress implements Callback, CallbackDispatcher.Ticking {
    /** The optimize call's start in {@code clock}'s nanoseconds. */
    private final long startNanos;
    private final LongSupplier clock;
    private final PrintStream out;
    private final String label;
    private final String valueKey;
    private final String finalKey;
    private final Mode mode;
    private final long everyNanos;
    private long lastLine;
    private final Map<String, Row> trials = new LinkedHashMap<>();

    private static final class Row {
        TrialStatus status;
        boolean complete;
        double value = Double.NaN;
    }

    /**
     * @param out         where lines go
     * @param label       what the line names, e.g. {@code study mlp, optimize_2}
     * @param valueKey    the metric holding the objective's value
     * @param finalKey    the metric marking the result that carries the returned value
     * @param mode        MIN or MAX, for the best value
     * @param clock       nanosecond clock ({@code System::nanoTime})
     * @param startNanos  when the optimize call began, on {@code clock}
     * @param everyMillis the interval between lines while the run goes on
     */
    public StudyProgress(PrintStream out, String label, String valueKey, String finalKey, Mode mode, LongSupplier clock,
                         long startNanos, long everyMillis) {
        this.out = out;
        this.label = label;
        this.valueKey = valueKey;
        this.finalKey = finalKey;
        this.mode = mode;
        this.clock = clock;
        this.startNanos = startNanos;
        this.everyNanos = everyMillis * 1_000_000L;
        this.lastLine = clock.getAsLong();
    }

    @Override
    public void onTrialStart(TrialInfo trial) {
        row(trial);
    }

    @Override
    public void onTrialResult(TrialInfo trial, Result result) {
        Row r = row(trial);
        if (Boolean.TRUE.equals(result.metrics().get(finalKey)) && result.metrics().get(valueKey) instanceof Number n) {
            r.complete = true;
            r.value = n.doubleValue();
        }
    }

    @Override
    public void onTrialStatus(TrialInfo trial) {
        row(trial);
    }

    @Override
    public void onTick(double elapsedS) {
        long now = clock.getAsLong();
        if (now - lastLine < everyNanos) return;
        lastLine = now;
        out.println(line(false));
        out.flush();
    }

    @Override
    public void onExperimentEnd(ExperimentEnd end) {
        for (TrialSummary t : end.trials()) { // exact: result events may have been dropped under load
            Row r = trials.computeIfAbsent(t.trialId(), k -> new Row());
            r.status = t.status();
            r.complete = Boolean.TRUE.equals(t.lastResult().get(finalKey)) && t.lastResult().get(valueKey) instanceof Number;
            r.value = r.complete ? ((Number) t.lastResult().get(valueKey)).doubleValue() : Double.NaN;
        }
        out.println(line(true));
        out.flush();
    }

    private Row row(TrialInfo t) {
        Row r = trials.computeIfAbsent(t.trialId(), k -> new Row());
        r.status = t.status();
        return r;
    }

    /** The line: {@code [gale] <label> | 1.2s | n trials | a COMPLETE | b PRUNED | ... | best value=v (trial)}. */
    String line(boolean done) {
        int complete = 0;
        int pruned = 0;
        int fail = 0;
        int running = 0;
        int waiting = 0;
        int interrupted = 0;
        String bestId = null;
        double best = Double.NaN;
        for (Map.Entry<String, Row> e : trials.entrySet()) {
            Row r = e.getValue();
            switch (r.status) {
                case TERMINATED -> {
                    if (r.complete) {
                        complete++;
                        if (Double.isNaN(best) || mode.better(r.value, best)) {
                            best = r.value;
                            bestId = e.getKey();
                        }
                    } else {
                        pruned++;
                    }
                }
                case ERROR -> fail++;
                case RUNNING -> running++;
                case PENDING, PAUSED -> waiting++;
                case INTERRUPTED -> interrupted++;
            }
        }
        double elapsed = (clock.getAsLong() - startNanos) / 1e9;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "[gale] %s | %.1fs | %d trials", label, elapsed, trials.size()));
        append(sb, complete, "COMPLETE");
        append(sb, pruned, "PRUNED");
        append(sb, fail, "FAIL");
        append(sb, running, "RUNNING");
        append(sb, waiting, "WAITING");
        append(sb, interrupted, "INTERRUPTED");
        if (bestId != null) {
            sb.append(" | best ").append(valueKey).append('=').append(String.format(Locale.ROOT, "%.6g", best))
                    .append(" (").append(bestId).append(')');
        }
        if (done) sb.append(" (done)");
        return sb.toString();
    }

    private static void append(StringBuilder sb, int n, String word) {
        if (n > 0) sb.append(" | ").append(n).append(' ').append(word);
    }
}
