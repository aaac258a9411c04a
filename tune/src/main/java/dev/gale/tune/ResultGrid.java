package dev.gale.tune;

import dev.gale.tune.storage.ExperimentReader;
import dev.gale.tune.storage.ExperimentRecord;
import dev.gale.tune.storage.ExperimentSnapshot;
import dev.gale.tune.storage.ResultRow;
import dev.gale.tune.storage.TrialSnapshot;
import dev.gale.tune.storage.internal.ErrorText;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The outcome of an experiment: every trial with its status, config, last and best results and
 * error. Returned by {@link Tuner#fit()}, and loadable later from the experiment directory with
 * {@link #load(Path)}.
 */
public final class ResultGrid {
    private final Path experimentDir;
    private final String metric;
    private final Mode mode;
    private final List<TrialSummary> trials;

    /** A grid of {@code trials}; {@code metric}/{@code mode} are the experiment's (may be null). */
    public ResultGrid(Path experimentDir, String metric, Mode mode, List<TrialSummary> trials) {
        this.experimentDir = experimentDir;
        this.metric = metric;
        this.mode = mode;
        this.trials = List.copyOf(trials);
    }

    /** The experiment directory. */
    public Path experimentDir() {
        return experimentDir;
    }

    /** The experiment's metric, or null. */
    public String metric() {
        return metric;
    }

    /** The experiment's mode, or null. */
    public Mode mode() {
        return mode;
    }

    /** All trials in creation order. */
    public List<TrialSummary> trials() {
        return trials;
    }

    /** Number of trials. */
    public int size() {
        return trials.size();
    }

    /** The trial with this id. */
    public Optional<TrialSummary> trial(String trialId) {
        for (TrialSummary t : trials) if (t.trialId().equals(trialId)) return Optional.of(t);
        return Optional.empty();
    }

    /** Trials that ended in ERROR. */
    public List<TrialSummary> errors() {
        List<TrialSummary> out = new ArrayList<>();
        for (TrialSummary t : trials) if (t.status() == TrialStatus.ERROR) out.add(t);
        return out;
    }

    /** Number of trials in {@code status}. */
    public long count(TrialStatus status) {
        return trials.stream().filter(t -> t.status() == status).count();
    }

    /** The best trial by the experiment's metric and mode, on each trial's last result. */
    public TrialSummary best() {
        if (metric == null || mode == null) {
            throw new IllegalStateException("the experiment has no metric: use best(metric, mode)");
        }
        return best(metric, mode);
    }

    /**
     * The trial whose last result has the best {@code metric} (Ray's {@code scope="last"}); trials
     * without the metric are skipped, and so are INTERRUPTED trials (cut short by their driver
     * stopping: their last result is not where they would have ended).
     *
     * @throws IllegalArgumentException when no trial reported {@code metric}, naming those reported
     */
    public TrialSummary best(String metric, Mode mode) {
        return best(metric, mode, false);
    }

    /**
     * As {@link #best(String, Mode)}; with {@code allResults} the best value of any result of a
     * trial counts (Ray's {@code scope="all"}, using each trial's best result by the experiment's
     * metric when {@code metric} is that metric).
     */
    public TrialSummary best(String metric, Mode mode, boolean allResults) {
        TrialSummary best = null;
        double bestV = Double.NaN;
        int interrupted = 0;
        for (TrialSummary t : trials) {
            double v = allResults && metric.equals(this.metric) ? t.bestMetric(metric) : t.metric(metric);
            if (Double.isNaN(v)) continue;
            if (t.status() == TrialStatus.INTERRUPTED) {
                interrupted++;
                continue;
            }
            if (best == null || mode.better(v, bestV)) {
                best = t;
                bestV = v;
            }
        }
        if (best == null && interrupted > 0) {
            throw new IllegalArgumentException("only interrupted trials (" + interrupted + ") reported metric '" + metric
                    + "': resume the experiment to finish them");
        }
        if (best == null) {
            TreeSet<String> seen = new TreeSet<>();
            for (TrialSummary t : trials) seen.addAll(t.lastResult().keySet());
            throw new IllegalArgumentException("no trial reported metric '" + metric + "'; reported metrics: " + seen);
        }
        return best;
    }

    /**
     * The Pareto front of a multi-objective experiment: the trials whose last results are not
     * dominated (at least as good in every metric and better in one, each by its mode) by another
     * trial's. Trials missing a metric are left out.
     *
     * @throws IllegalArgumentException when the lists differ in length or are empty
     */
    public List<TrialSummary> paretoFront(List<String> metrics, List<Mode> modes) {
        if (metrics.isEmpty() || metrics.size() != modes.size()) {
            throw new IllegalArgumentException("paretoFront: give one mode per metric (" + metrics + ", " + modes + ")");
        }
        List<TrialSummary> candidates = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        for (TrialSummary t : trials) {
            double[] v = new double[metrics.size()];
            boolean ok = true;
            for (int i = 0; i < v.length && ok; i++) {
                double x = t.metric(metrics.get(i));
                ok = !Double.isNaN(x);
                v[i] = modes.get(i) == Mode.MIN ? x : -x;
            }
            if (ok) {
                candidates.add(t);
                values.add(v);
            }
        }
        List<TrialSummary> front = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            boolean dominated = false;
            for (int j = 0; j < candidates.size() && !dominated; j++) {
                if (i == j) continue;
                double[] a = values.get(j);
                double[] b = values.get(i);
                boolean noWorse = true;
                boolean better = false;
                for (int k = 0; k < a.length; k++) {
                    if (a[k] > b[k]) noWorse = false;
                    if (a[k] < b[k]) better = true;
                }
                dominated = noWorse && better;
            }
            if (!dominated) front.add(candidates.get(i));
        }
        return front;
    }

    /**
     * A text table: one row per trial with status, iterations, the metric, every other metric of
     * its last result (in the order the trials first reported them; the automatic fields
     * {@code training_iteration}, {@code time_total_s} and {@code timestamp} left out, iterations
     * being the {@code iter} column), the config and the error.
     */
    public String table() {
        List<String> keys = new ArrayList<>();
        List<String> metrics = new ArrayList<>();
        for (TrialSummary t : trials) {
            for (String k : flatKeys(t.config())) if (!keys.contains(k)) keys.add(k);
            for (String k : t.lastResult().keySet()) {
                if (!k.equals(metric) && !AUTOMATIC.contains(k) && !metrics.contains(k)) metrics.add(k);
            }
        }
        metrics.removeAll(keys);
        List<String> header = new ArrayList<>(List.of("trial", "status", "iter"));
        if (metric != null) header.add(metric);
        header.addAll(metrics);
        header.addAll(keys);
        header.add("error");
        List<List<String>> rows = new ArrayList<>();
        for (TrialSummary t : trials) {
            List<String> r = new ArrayList<>();
            r.add(t.trialId());
            r.add(t.status().name());
            r.add(Long.toString(t.iterations()));
            if (metric != null) r.add(fmt(t.lastResult().get(metric)));
            for (String k : metrics) r.add(fmt(t.lastResult().get(k)));
            Map<String, Object> flat = flatConfig(t.config());
            for (String k : keys) r.add(fmt(flat.get(k)));
            r.add(t.error() == null ? "" : abbreviate(t.error(), 60));
            rows.add(r);
        }
        return formatTable(header, rows);
    }

    @Override
    public String toString() {
        return table();
    }

    /** Fields every result has, not shown as metric columns by {@link #table()}. */
    private static final java.util.Set<String> AUTOMATIC = java.util.Set.of(Result.TRAINING_ITERATION, Result.TIME_TOTAL_S,
            Result.TIMESTAMP, dev.gale.tune.storage.ResultRow.TRIAL_ID, dev.gale.tune.storage.ResultRow.CHECKPOINT);

    /** Formats rows as an aligned text table. */
    public static String formatTable(List<String> header, List<List<String>> rows) {
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) w[i] = header.get(i).length();
        for (List<String> r : rows) for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], r.get(i).length());
        StringBuilder sb = new StringBuilder();
        appendRow(sb, header, w);
        for (int i = 0; i < w.length; i++) {
            sb.append("-".repeat(w[i]));
            sb.append(i + 1 < w.length ? "-+-" : "\n");
        }
        for (List<String> r : rows) appendRow(sb, r, w);
        return sb.toString();
    }

    private static void appendRow(StringBuilder sb, List<String> cells, int[] w) {
        for (int i = 0; i < w.length; i++) {
            String c = cells.get(i);
            sb.append(c).append(" ".repeat(w[i] - c.length()));
            sb.append(i + 1 < w.length ? " | " : "\n");
        }
    }

    static String fmt(Object v) {
        if (v == null) return "";
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (d != 0 && (Math.abs(d) < 1e-3 || Math.abs(d) >= 1e6)) return String.format(Locale.ROOT, "%.4g", d);
            return String.format(Locale.ROOT, "%.5f", d).replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return String.valueOf(v);
    }

    private static String abbreviate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 3) + "...";
    }

    private static List<String> flatKeys(Map<String, Object> config) {
        return new ArrayList<>(flatConfig(config).keySet());
    }

    /** The config with nested maps flattened to dotted keys. */
    public static Map<String, Object> flatConfig(Map<String, Object> config) {
        Map<String, Object> out = new LinkedHashMap<>();
        flattenInto("", config, out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void flattenInto(String prefix, Map<String, Object> m, Map<String, Object> out) {
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> sub) flattenInto(prefix + e.getKey() + ".", (Map<String, Object>) sub, out);
            else out.put(prefix + e.getKey(), e.getValue());
        }
    }

    /** A result as one map: the user's metrics plus the automatic fields; empty for null. */
    public static Map<String, Object> flatten(Result r) {
        if (r == null) return Map.of();
        Map<String, Object> m = new LinkedHashMap<>(r.metrics());
        m.put(Result.TRAINING_ITERATION, r.iteration());
        m.put(Result.TIME_TOTAL_S, r.timeTotalS());
        m.put(Result.TIMESTAMP, r.timestamp());
        return Collections.unmodifiableMap(m);
    }

    /**
     * Loads the grid of an experiment directory with {@link ExperimentReader}: statuses, configs
     * and errors from the snapshot corrected by the journal, results re-read from each trial's
     * {@code result.jsonl} (so results written after the last snapshot count too). Without a
     * snapshot (an experiment killed before its first one) it reads the journal and the trial
     * directories alone. A trial that did not end normally is never TERMINATED here: one that was
     * running or waiting when its driver stopped shows as RUNNING, PENDING, PAUSED or INTERRUPTED.
     *
     * @throws IllegalArgumentException when {@code dir} is not an experiment directory
     */
    public static ResultGrid load(Path dir) {
        ExperimentRecord rec = ExperimentReader.read(dir);
        ExperimentSnapshot st = rec.snapshot();
        List<TrialSummary> out = new ArrayList<>(st.trials().size());
        for (TrialSnapshot t : st.trials()) out.add(loadTrial(dir.resolve(t.trialId()), t, st.metric(), st.mode()));
        return new ResultGrid(dir, st.metric(), st.mode(), out);
    }

    private static TrialSummary loadTrial(Path tdir, TrialSnapshot rec, String metric, Mode mode) {
        Map<String, Object> config = rec.config();
        if (config.isEmpty()) {
            Map<String, Object> params = ExperimentReader.params(tdir);
            if (params != null) config = params;
        }
        Map<String, Object> last = null;
        Map<String, Object> best = null;
        String checkpoint = null;
        for (ResultRow row : ExperimentReader.results(tdir)) {
            if (row.checkpoint() != null) checkpoint = row.checkpoint();
            Map<String, Object> m = row.resultMap();
            last = m;
            if (metric != null && mode != null && m.get(metric) instanceof Number n
                    && (best == null || mode.better(n.doubleValue(), ((Number) best.get(metric)).doubleValue()))) {
                best = m;
            }
        }
        TrialStatus status = rec.status();
        String error = rec.error();
        if (status == TrialStatus.ERROR && error == null) error = ErrorText.firstCause(ExperimentReader.errorText(tdir));
        if (rec.checkpoint() != null) checkpoint = rec.checkpoint();
        return new TrialSummary(rec.trialId(), status, config, last, best, status == TrialStatus.ERROR ? error : null, tdir,
                checkpoint == null ? null : tdir.resolve(checkpoint), rec.attempts());
    }
}
