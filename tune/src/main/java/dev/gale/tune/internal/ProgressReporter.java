package dev.gale.tune.internal;

import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints the experiment's progress: on a terminal a live table redrawn in place (trials by status,
 * best so far, elapsed, the running trials); otherwise plain status lines every few seconds; with
 * {@code quiet} nothing. Called from the controller only.
 */
public final class ProgressReporter {
    private final PrintStream out;
    private final boolean quiet;
    private final boolean live;
    private final String metric;
    private final Mode mode;
    private final long plainEveryNanos;
    private long lastPlain;
    private int drawnLines;

    public ProgressReporter(PrintStream out, boolean quiet, boolean live, String metric, Mode mode, long plainEveryMillis) {
        this.out = out;
        this.quiet = quiet;
        this.live = live;
        this.metric = metric;
        this.mode = mode;
        this.plainEveryNanos = plainEveryMillis * 1_000_000L;
        this.lastPlain = System.nanoTime();
    }

    /** This reporter as a callback (it then draws on the callback thread, from the experiment's events). */
    public dev.gale.tune.callback.Callback callback() {
        return new ProgressCallback(this);
    }

    /** True when standard output looks like an interactive terminal that understands ANSI codes. */
    public static boolean isTerminal() {
        String term = System.getenv("TERM");
        return System.console() != null && term != null && !term.equals("dumb") && System.getenv("CI") == null;
    }

    /** Called on each progress tick. */
    public void update(List<TrialSummary> trials, double elapsed) {
        if (quiet) return;
        if (live) {
            redraw(render(trials, elapsed, true));
        } else if (System.nanoTime() - lastPlain >= plainEveryNanos) {
            lastPlain = System.nanoTime();
            out.println(statusLine(trials, elapsed));
        }
    }

    /** Called once at the end. */
    public void done(List<TrialSummary> trials, double elapsed) {
        if (quiet) return;
        if (live) redraw(render(trials, elapsed, false));
        else out.println(statusLine(trials, elapsed) + " (done)");
        out.flush();
    }

    private void redraw(String text) {
        StringBuilder sb = new StringBuilder();
        if (drawnLines > 0) sb.append("\033[").append(drawnLines).append("F\033[J");
        sb.append(text);
        drawnLines = (int) text.chars().filter(c -> c == '\n').count();
        out.print(sb);
        out.flush();
    }

    String statusLine(List<TrialSummary> trials, double elapsed) {
        Map<TrialStatus, Integer> counts = new EnumMap<>(TrialStatus.class);
        for (TrialSummary t : trials) counts.merge(t.status(), 1, Integer::sum);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "[gale] %6.1fs | %d trials", elapsed, trials.size()));
        for (Map.Entry<TrialStatus, Integer> e : counts.entrySet()) {
            sb.append(" | ").append(e.getValue()).append(' ').append(e.getKey());
        }
        TrialSummary best = best(trials);
        if (best != null) {
            sb.append(" | best ").append(metric).append('=').append(fmt(best.metric(metric)))
                    .append(" (").append(best.trialId()).append(')');
        }
        return sb.toString();
    }

    private TrialSummary best(List<TrialSummary> trials) {
        if (metric == null || mode == null) return null;
        TrialSummary best = null;
        for (TrialSummary t : trials) {
            double v = t.metric(metric);
            if (!Double.isNaN(v) && (best == null || mode.better(v, best.metric(metric)))) best = t;
        }
        return best;
    }

    private String render(List<TrialSummary> trials, double elapsed, boolean runningOnly) {
        StringBuilder sb = new StringBuilder(statusLine(trials, elapsed)).append('\n');
        List<List<String>> rows = new ArrayList<>();
        for (TrialSummary t : trials) {
            if (runningOnly && t.status() != TrialStatus.RUNNING) continue;
            if (rows.size() >= 12) break;
            rows.add(List.of(t.trialId(), t.status().name(), Long.toString(t.iterations()),
                    metric == null ? "" : fmt(t.metric(metric)), abbreviate(t.config().toString())));
        }
        if (!rows.isEmpty()) {
            sb.append(ResultGrid.formatTable(List.of("trial", "status", "iter", metric == null ? "metric" : metric, "config"), rows));
        }
        return sb.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 70 ? s : s.substring(0, 67) + "...";
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.5g", v);
    }
}
