package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tries every configuration of a wrapped {@link Searcher} {@code repeat} times and tells the
 * wrapped searcher the mean, as Ray Tune's {@code Repeater} (useful for noisy objectives).
 *
 * <p>Promises:
 * <ul>
 *   <li>Trials are grouped in suggestion order: the first {@link #suggest} of a group asks the
 *       wrapped searcher (with that trial's id, the group's <em>primary</em> id) and the next
 *       {@code repeat - 1} suggestions return the same config without asking it. A WAIT or
 *       FINISHED of the wrapped searcher is returned as is and opens no group. With
 *       {@code setIndex} (default true, as Ray) each config gets a top-level key
 *       {@value #TRIAL_INDEX} = the trial's index in its group, 0 to repeat - 1.</li>
 *   <li>Once all {@code repeat} trials of a group have completed, the wrapped searcher's
 *       {@link #onTrialComplete} is called exactly once, with the primary id and a synthesized
 *       {@link Result}: metrics {@code {metric: mean, "trial_ids": [ids]}} where mean is the mean of
 *       the members' last values of the metric, leaving out members that ended without a result,
 *       without the metric or with NaN (Ray's nanmean); iteration, time_total_s and timestamp
 *       are the members' maxima. When no member has a value, the metric is left out of the
 *       result, and {@code error} is true when every member ended in error.</li>
 *   <li>Intermediate results are not forwarded (the wrapped searcher learns per group only);
 *       completions of unknown trial ids, or repeated completions, are ignored.</li>
 *   <li>{@link #setup} passes {@code ceil(numSamples / repeat)} samples to the wrapped searcher
 *       (numSamples counts trials, as in Ray), and {@link #plannedTrials} is
 *       {@code repeat × wrapped.plannedTrials(ceil(numSamples / repeat))}: every group is complete,
 *       so numSamples that is not a multiple of repeat is rounded up to one.</li>
 *   <li>{@link #save()} holds the wrapped state and the open groups; {@link #restore} continues
 *       exactly.</li>
 * </ul>
 */
public final class Repeater implements Searcher {

    /** The config key of a trial's index in its group (Ray's {@code TRIAL_INDEX}). */
    public static final String TRIAL_INDEX = "__trial_index__";

    private final Searcher searcher;
    private final int repeat;
    private final boolean setIndex;
    private String metric;
    /** Open groups by primary id, in creation order. */
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final Map<String, Group> byTrial = new HashMap<>();
    private Group current;

    private static final class Group {
        final String primary;
        final Map<String, Object> config;
        final List<String> members = new ArrayList<>();
        /** Completed members → {value or NaN, iteration, time, timestamp, error 0/1}. */
        final Map<String, double[]> done = new LinkedHashMap<>();

        Group(String primary, Map<String, Object> config) {
            this.primary = primary;
            this.config = config;
        }
    }

    /** Repeats each config of {@code searcher} {@code repeat} times, adding {@value #TRIAL_INDEX}. */
    public Repeater(Searcher searcher, int repeat) {
        this(searcher, repeat, true);
    }

    /** Repeats each config of {@code searcher} {@code repeat} times; {@code setIndex} adds {@value #TRIAL_INDEX}. */
    public Repeater(Searcher searcher, int repeat, boolean setIndex) {
        if (searcher == null) {
            throw new IllegalArgumentException("searcher is null: give the searcher whose configs to repeat");
        }
        if (repeat < 1) {
            throw new IllegalArgumentException("repeat = " + repeat + ": use 1 or more");
        }
        this.searcher = searcher;
        this.repeat = repeat;
        this.setIndex = setIndex;
    }

    /** The wrapped searcher. */
    public Searcher searcher() {
        return searcher;
    }

    /** How many trials each config gets. */
    public int repeat() {
        return repeat;
    }

    @Override
    public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        if (metric == null || metric.isBlank()) {
            throw new IllegalArgumentException("Repeater needs a metric to average: set TuneConfig.metric");
        }
        if (numSamples < 1) {
            throw new IllegalArgumentException("numSamples = " + numSamples + ": use 1 or more");
        }
        this.metric = metric;
        groups.clear();
        byTrial.clear();
        current = null;
        searcher.setup(space, metric, mode, innerSamples(numSamples), seed);
    }

    private int innerSamples(int numSamples) {
        return Math.ceilDiv(numSamples, repeat);
    }

    @Override
    public Suggestion suggest(String trialId) {
        if (metric == null) {
            throw new IllegalStateException("suggest before setup");
        }
        if (byTrial.containsKey(trialId)) {
            throw new IllegalArgumentException("trial id " + trialId + " was already suggested");
        }
        if (current == null || current.members.size() >= repeat) {
            Suggestion s = searcher.suggest(trialId);
            if (!(s instanceof Suggestion.Config c)) {
                return s;
            }
            current = new Group(trialId, c.config());
            groups.put(trialId, current);
        }
        int index = current.members.size();
        current.members.add(trialId);
        byTrial.put(trialId, current);
        Map<String, Object> config = new LinkedHashMap<>(current.config);
        if (setIndex) {
            config.put(TRIAL_INDEX, index);
        }
        return new Suggestion.Config(config);
    }

    @Override
    public void onTrialComplete(String trialId, Result last, boolean error) {
        Group g = byTrial.get(trialId);
        if (g == null || g.done.containsKey(trialId)) {
            return;
        }
        double value = last == null ? Double.NaN : last.metric(metric);
        g.done.put(trialId, last == null
                ? new double[] {value, 0, 0, 0, error ? 1 : 0}
                : new double[] {value, last.iteration(), last.timeTotalS(), last.timestamp(), error ? 1 : 0});
        if (g.members.size() < repeat || g.done.size() < repeat) {
            return;
        }
        double sum = 0;
        int n = 0;
        long iteration = 0;
        double time = 0;
        long timestamp = 0;
        boolean allError = true;
        for (double[] d : g.done.values()) {
            if (!Double.isNaN(d[0])) {
                sum += d[0];
                n++;
            }
            iteration = Math.max(iteration, (long) d[1]);
            time = Math.max(time, d[2]);
            timestamp = Math.max(timestamp, (long) d[3]);
            allError &= d[4] != 0;
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        if (n > 0) {
            metrics.put(metric, sum / n);
        }
        metrics.put("trial_ids", List.copyOf(g.members));
        for (String m : g.members) byTrial.remove(m);
        groups.remove(g.primary);
        if (current == g) current = null;
        searcher.onTrialComplete(g.primary, new Result(g.primary, iteration, time, timestamp, metrics), n == 0 && allError);
    }

    @Override
    public long plannedTrials(int numSamples) {
        return Math.multiplyExact(searcher.plannedTrials(innerSamples(numSamples)), (long) repeat);
    }

    /**
     * {@code {"searcher": <wrapped state>, "current": primary id or null, "groups": [{"primary",
     * "config", "members": [ids], "done": [{"trial", "value" (null for none), "iteration",
     * "time_total_s", "timestamp", "error"}]}]}}.
     */
    @Override
    public Object save() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("searcher", searcher.save());
        state.put("current", current == null ? null : current.primary);
        List<Object> gs = new ArrayList<>();
        for (Group g : groups.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("primary", g.primary);
            m.put("config", g.config);
            m.put("members", new ArrayList<>(g.members));
            List<Object> done = new ArrayList<>();
            for (Map.Entry<String, double[]> e : g.done.entrySet()) {
                double[] d = e.getValue();
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("trial", e.getKey());
                dm.put("value", Double.isNaN(d[0]) ? null : d[0]);
                dm.put("iteration", (long) d[1]);
                dm.put("time_total_s", d[2]);
                dm.put("timestamp", (long) d[3]);
                dm.put("error", d[4] != 0);
                done.add(dm);
            }
            m.put("done", done);
            gs.add(m);
        }
        state.put("groups", gs);
        return state;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restore(Object state) {
        if (metric == null) {
            throw new IllegalStateException("restore before setup");
        }
        if (!(state instanceof Map<?, ?> m) || !m.containsKey("searcher") || !(m.get("groups") instanceof List<?> gs)) {
            throw new IllegalArgumentException("not a Repeater state: " + state);
        }
        searcher.restore(m.get("searcher"));
        groups.clear();
        byTrial.clear();
        current = null;
        for (Object o : gs) {
            if (!(o instanceof Map<?, ?> gm) || gm.get("primary") == null || !(gm.get("config") instanceof Map<?, ?> cfg)
                    || !(gm.get("members") instanceof List<?> members) || !(gm.get("done") instanceof List<?> done)) {
                throw new IllegalArgumentException("bad group in Repeater state: " + o);
            }
            Group g = new Group(String.valueOf(gm.get("primary")), (Map<String, Object>) cfg);
            for (Object id : members) {
                g.members.add(String.valueOf(id));
                byTrial.put(String.valueOf(id), g);
            }
            for (Object d : done) {
                if (!(d instanceof Map<?, ?> dm) || dm.get("trial") == null) {
                    throw new IllegalArgumentException("bad completion in Repeater state: " + d);
                }
                g.done.put(String.valueOf(dm.get("trial")), new double[] {
                        dm.get("value") instanceof Number v ? v.doubleValue() : Double.NaN,
                        num(dm.get("iteration")), num(dm.get("time_total_s")), num(dm.get("timestamp")),
                        Boolean.TRUE.equals(dm.get("error")) ? 1 : 0});
            }
            groups.put(g.primary, g);
        }
        Object cur = m.get("current");
        if (cur != null) {
            current = groups.get(String.valueOf(cur));
            if (current == null) {
                throw new IllegalArgumentException("Repeater state names current group " + cur + " that is not among its groups");
            }
        }
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }

    /** The wrapped searcher's attributes of the trial's group (asked with the group's primary id). */
    @Override
    public Map<String, Object> trialAttributes(String trialId) {
        Group g = byTrial.get(trialId);
        return searcher.trialAttributes(g == null ? trialId : g.primary);
    }

    @Override
    public String name() {
        return searcher.name() + "+repeat" + repeat;
    }
}
