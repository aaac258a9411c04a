package dev.gale.observability.experiment.internal;

import dev.gale.observability.experiment.BadLine;
import dev.gale.observability.experiment.ExperimentStatus;
import dev.gale.observability.experiment.ExperimentView;
import dev.gale.observability.experiment.Marker;
import dev.gale.observability.experiment.TrialView;
import dev.gale.observability.internal.Flat;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.TrialStatus;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One experiment's state as the dashboard keeps it: filled from its directory once, or live from
 * its callback. Thread-safe: writers (the callback thread, a loader) and readers (HTTP requests,
 * the event feed) share one lock, held only for in-memory work.
 *
 * <p>Promises: {@link #view()} is an immutable copy, rebuilt only for trials that changed since the
 * last one; {@link #drain()} hands the changes since the previous drain (changed trials, the results
 * added, in order) to the live feed, keeping at most {@value #MAX_PENDING_RESULTS} results between
 * two drains (beyond that it reports an overflow: the changed trials still carry their latest
 * state, but a reader that keeps whole curves must re-read those it shows).
 */
public final class ExperimentModel {
    /** Results kept for the live feed between two drains. */
    public static final int MAX_PENDING_RESULTS = 1_000;

    /**
     * A result as the live feed sends it.
     *
     * @param trialIndex the trial's index
     * @param trialId    the trial's id
     * @param iteration  its training_iteration
     * @param timestamp  when the trial reported it (epoch millis)
     * @param metrics    its numeric metrics (flat)
     */
    public record ResultPoint(int trialIndex, String trialId, long iteration, long timestamp, Map<String, Double> metrics) {
    }

    /**
     * What changed since the previous drain.
     *
     * @param version    the model's version now
     * @param experiment true when the experiment's own fields (status, metric, columns) changed
     * @param trials     the trials that changed, as they are now
     * @param results    the results added, in order
     * @param overflow   true when results were left out (more than {@link #MAX_PENDING_RESULTS})
     */
    public record Delta(long version, boolean experiment, List<TrialView> trials, List<ResultPoint> results, boolean overflow) {
        /** True when nothing changed. */
        public boolean isEmpty() {
            return !experiment && trials.isEmpty() && results.isEmpty() && !overflow;
        }
    }

    private final String id;
    private final String name;
    private final Path dir;
    private ExperimentStatus status = ExperimentStatus.INCOMPLETE;
    private String note = "";
    private String metric;
    private Mode mode;
    private String searcher = "";
    private String scheduler = "";
    private final Map<String, TrialModel> trials = new LinkedHashMap<>();
    private final Set<String> params = new LinkedHashSet<>();
    private final Set<String> metrics = new LinkedHashSet<>();
    private long maxIteration;
    private long version;
    private ExperimentView view;
    private boolean experimentChanged = true;
    private final Set<TrialModel> changed = new LinkedHashSet<>();
    private List<ResultPoint> pending = new ArrayList<>();
    private boolean overflow;

    public ExperimentModel(String id, String name, Path dir) {
        this.id = Objects.requireNonNull(id, "id");
        this.name = Objects.requireNonNull(name, "name");
        this.dir = dir;
    }

    public String id() {
        return id;
    }

    public Path dir() {
        return dir;
    }

    /** Sets the experiment's metric, mode and components. */
    public synchronized void describe(String metric, Mode mode, String searcher, String scheduler) {
        this.metric = metric;
        this.mode = mode;
        this.searcher = searcher == null ? "" : searcher;
        this.scheduler = scheduler == null ? "" : scheduler;
        experimentTouched();
    }

    /** Sets where the experiment stands, with a note (why it stopped; may be empty). */
    public synchronized void status(ExperimentStatus s, String note) {
        this.status = s;
        this.note = note == null ? "" : note;
        experimentTouched();
    }

    public synchronized ExperimentStatus status() {
        return status;
    }

    /**
     * Creates or updates a trial. A config different from the one it had (when it had one) adds a
     * {@link Marker.Kind#CONFIG_CHANGED} marker when {@code markConfigChange}.
     *
     * @param config its config, nested as sampled (flattened here)
     */
    public synchronized void trial(String trialId, TrialStatus st, Map<String, Object> config, int attempts, int failures,
                                   String node, String gpus, String error, boolean markConfigChange) {
        TrialModel t = trialModel(trialId);
        Map<String, Object> flat = Flat.flatten(config, ".");
        if (!flat.equals(t.config)) {
            if (markConfigChange && !t.config.isEmpty()) {
                t.markers.add(new Marker(lastIteration(t), Marker.Kind.CONFIG_CHANGED, describeChange(t.config, flat)));
            }
            t.config = flat;
            if (params.addAll(flat.keySet())) experimentTouched();
        }
        t.status = st;
        t.attempts = Math.max(1, attempts);
        t.failures = failures;
        if (node != null && !node.isEmpty()) t.node = node;
        if (gpus != null && !gpus.isEmpty()) t.gpus = gpus;
        t.error = error;
        touched(t);
    }

    /**
     * Appends a result of a trial: {@code metrics} as the trial reported them (nested maps
     * flattened with {@code /}); the automatic fields are added.
     */
    public synchronized void result(String trialId, long iteration, double timeTotalS, long timestamp, Map<String, Object> metrics) {
        TrialModel t = trialModel(trialId);
        Map<String, Object> flat = Flat.flatten(metrics, "/");
        Map<String, Double> numeric = new LinkedHashMap<>();
        t.last.clear();
        for (Map.Entry<String, Object> e : flat.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Number n) {
                double d = n.doubleValue();
                numeric.put(e.getKey(), d);
                t.last.put(e.getKey(), d);
            } else if (v != null) {
                t.last.put(e.getKey(), String.valueOf(v));
            }
        }
        numeric.put(Result.TRAINING_ITERATION, (double) iteration);
        numeric.put(Result.TIME_TOTAL_S, timeTotalS);
        t.last.put(Result.TRAINING_ITERATION, (double) iteration);
        t.last.put(Result.TIME_TOTAL_S, timeTotalS);
        if (this.metrics.addAll(numeric.keySet())) experimentTouched();
        t.append(iteration, timestamp, numeric);
        if (iteration > maxIteration) {
            maxIteration = iteration;
            for (TrialModel o : trials.values()) if (o.status == TrialStatus.TERMINATED) o.changed();
        }
        touched(t);
        if (pending.size() < MAX_PENDING_RESULTS) {
            pending.add(new ResultPoint(t.index, t.id, iteration, timestamp, numeric));
        } else {
            overflow = true;
        }
    }

    /** Adds a marker to a trial's curve. */
    public synchronized void marker(String trialId, Marker m) {
        TrialModel t = trialModel(trialId);
        t.markers.add(m);
        touched(t);
    }

    /** Records a line of a trial's result.jsonl that could not be read. */
    public synchronized void badLine(String trialId, BadLine b) {
        TrialModel t = trialModel(trialId);
        t.badLines.add(b);
        touched(t);
    }

    /** The last iteration of a trial (0 when it has no result or is unknown). */
    public synchronized long lastIteration(String trialId) {
        TrialModel t = trials.get(trialId);
        return t == null ? 0 : lastIteration(t);
    }

    /**
     * A worker group of distributed training: a RUNNING trial whose last result has each rank's
     * samples per second ({@code rank_samples_per_s/<rank>}, attached by the group's driver).
     *
     * @param trialId    the trial
     * @param node       the node of its current attempt (the driver's lease)
     * @param samplesPerS samples per second by rank, ranks ascending
     */
    public record WorkerGroup(String trialId, String node, java.util.SortedMap<Integer, Double> samplesPerS) {
        public WorkerGroup {
            samplesPerS = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(samplesPerS));
        }
    }

    /** The metric prefix of per-rank samples per second ({@code rank_samples_per_s/<rank>}). */
    public static final String RANK_RATE_PREFIX = "rank_samples_per_s/";

    /** The worker groups among the running trials (see {@link WorkerGroup}), in trial order. */
    public synchronized List<WorkerGroup> workerGroups() {
        List<WorkerGroup> out = null;
        for (TrialModel t : trials.values()) {
            if (t.status != TrialStatus.RUNNING || t.last.isEmpty()) continue;
            java.util.TreeMap<Integer, Double> ranks = null;
            for (Map.Entry<String, Object> e : t.last.entrySet()) {
                if (!e.getKey().startsWith(RANK_RATE_PREFIX) || !(e.getValue() instanceof Double d)) continue;
                try {
                    int rank = Integer.parseInt(e.getKey().substring(RANK_RATE_PREFIX.length()));
                    if (ranks == null) ranks = new java.util.TreeMap<>();
                    ranks.put(rank, d);
                } catch (NumberFormatException notARank) {
                    // another metric under the prefix: not a rank's figure
                }
            }
            if (ranks == null) continue;
            if (out == null) out = new ArrayList<>();
            out.add(new WorkerGroup(t.id, t.node, ranks));
        }
        return out == null ? List.of() : out;
    }

    /** The experiment as it is now. */
    public synchronized ExperimentView view() {
        ExperimentView v = view;
        if (v != null) return v;
        List<TrialView> list = new ArrayList<>(trials.size());
        for (TrialModel t : trials.values()) list.add(withDerivedMarkers(t));
        v = new ExperimentView(id, name, dir, status, metric, mode, searcher, scheduler, note, version, List.copyOf(params),
                List.copyOf(metrics), list);
        view = v;
        return v;
    }

    /** What changed since the previous drain (see the class comment). */
    public synchronized Delta drain() {
        List<TrialView> ts = new ArrayList<>(changed.size());
        for (TrialModel t : changed) ts.add(withDerivedMarkers(t));
        Delta d = new Delta(version, experimentChanged, ts, pending, overflow);
        changed.clear();
        pending = new ArrayList<>();
        overflow = false;
        experimentChanged = false;
        return d;
    }

    private TrialView withDerivedMarkers(TrialModel t) {
        return t.view(maxIteration);
    }

    private TrialModel trialModel(String trialId) {
        TrialModel t = trials.get(trialId);
        if (t == null) {
            t = new TrialModel(trials.size(), trialId);
            trials.put(trialId, t);
            experimentTouched();
        }
        return t;
    }

    private static long lastIteration(TrialModel t) {
        return t.size == 0 ? 0 : t.iterations[t.size - 1];
    }

    private void touched(TrialModel t) {
        t.changed();
        changed.add(t);
        version++;
        view = null;
    }

    private void experimentTouched() {
        experimentChanged = true;
        version++;
        view = null;
    }

    private static String describeChange(Map<String, Object> before, Map<String, Object> after) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Object> e : after.entrySet()) {
            Object old = before.get(e.getKey());
            if (!Objects.equals(old, e.getValue())) {
                if (!sb.isEmpty()) sb.append(", ");
                sb.append(e.getKey()).append(": ").append(old == null ? "(new)" : old).append(" → ").append(e.getValue());
            }
        }
        return sb.toString();
    }
}
