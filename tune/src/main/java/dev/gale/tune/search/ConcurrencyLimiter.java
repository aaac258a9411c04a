package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Limits how many trials of a wrapped {@link Searcher} run at once, as Ray Tune's
 * {@code ConcurrencyLimiter}.
 *
 * <p>Promises:
 * <ul>
 *   <li>A trial is <em>live</em> from the {@link #suggest} that gave it a config until its
 *       {@link #onTrialComplete}. While {@code maxConcurrent} trials are live, {@link #suggest}
 *       answers {@link Suggestion#WAIT} without asking the wrapped searcher; otherwise it forwards
 *       to the wrapped searcher and returns its answer (a trial that got WAIT or FINISHED does not
 *       become live).</li>
 *   <li>{@link #onTrialResult} and {@link #onTrialComplete} are forwarded for live trials only;
 *       calls for other trial ids are ignored (as Ray does).</li>
 *   <li>Batch mode ({@code batch = true}, Ray's {@code batch=True}): completions are held back and
 *       handed to the wrapped searcher together, in completion order, once every live trial has
 *       completed; only then do the trials stop being live. So the wrapped searcher sees batches of
 *       up to {@code maxConcurrent} trials (a smaller last batch when it finished early).</li>
 *   <li>{@link #plannedTrials}, {@link #name()} (suffixed) and {@link #setup} are forwarded.
 *       {@link #save()} holds the wrapped searcher's state, the live trials and the held-back
 *       completions; {@link #restore} continues exactly.</li>
 * </ul>
 */
public final class ConcurrencyLimiter implements Searcher {

    private final Searcher searcher;
    private final int maxConcurrent;
    private final boolean batch;
    private final Set<String> live = new LinkedHashSet<>();
    private final Map<String, Held> held = new LinkedHashMap<>();

    private record Held(Result last, boolean error) {
    }

    /** Wraps {@code searcher}, allowing at most {@code maxConcurrent} live trials. */
    public ConcurrencyLimiter(Searcher searcher, int maxConcurrent) {
        this(searcher, maxConcurrent, false);
    }

    /**
     * Wraps {@code searcher}, allowing at most {@code maxConcurrent} live trials; in batch mode the
     * wrapped searcher hears of completions only when the whole batch has completed.
     */
    public ConcurrencyLimiter(Searcher searcher, int maxConcurrent, boolean batch) {
        if (searcher == null) {
            throw new IllegalArgumentException("searcher is null: give the searcher to limit");
        }
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("maxConcurrent = " + maxConcurrent + ": use 1 or more");
        }
        this.searcher = searcher;
        this.maxConcurrent = maxConcurrent;
        this.batch = batch;
    }

    /** The wrapped searcher. */
    public Searcher searcher() {
        return searcher;
    }

    /** The limit. */
    public int maxConcurrent() {
        return maxConcurrent;
    }

    /** The trials suggested and not yet completed (in batch mode: whose batch has not been handed on). */
    public Set<String> liveTrials() {
        return Set.copyOf(live);
    }

    @Override
    public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        live.clear();
        held.clear();
        searcher.setup(space, metric, mode, numSamples, seed);
    }

    @Override
    public Suggestion suggest(String trialId) {
        if (live.size() >= maxConcurrent) {
            return Suggestion.WAIT;
        }
        Suggestion s = searcher.suggest(trialId);
        if (s instanceof Suggestion.Config) {
            live.add(trialId);
        }
        return s;
    }

    @Override
    public void onTrialResult(String trialId, Result result) {
        if (live.contains(trialId) && !held.containsKey(trialId)) {
            searcher.onTrialResult(trialId, result);
        }
    }

    @Override
    public void onTrialComplete(String trialId, Result last, boolean error) {
        if (!live.contains(trialId) || held.containsKey(trialId)) {
            return;
        }
        if (!batch) {
            searcher.onTrialComplete(trialId, last, error);
            live.remove(trialId);
            return;
        }
        held.put(trialId, new Held(last, error));
        if (held.size() == live.size()) {
            List<Map.Entry<String, Held>> done = new ArrayList<>(held.entrySet());
            held.clear();
            for (Map.Entry<String, Held> e : done) {
                searcher.onTrialComplete(e.getKey(), e.getValue().last(), e.getValue().error());
                live.remove(e.getKey());
            }
        }
    }

    @Override
    public long plannedTrials(int numSamples) {
        return searcher.plannedTrials(numSamples);
    }

    /**
     * {@code {"searcher": <wrapped state>, "live": [ids], "held": [{"trial": id, "error": bool,
     * "last": <result map or null>}]}}.
     */
    @Override
    public Object save() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("searcher", searcher.save());
        state.put("live", new ArrayList<>(live));
        List<Object> h = new ArrayList<>();
        for (Map.Entry<String, Held> e : held.entrySet()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("trial", e.getKey());
            m.put("error", e.getValue().error());
            m.put("last", resultToMap(e.getValue().last()));
            h.add(m);
        }
        state.put("held", h);
        return state;
    }

    @Override
    public void restore(Object state) {
        if (!(state instanceof Map<?, ?> m) || !m.containsKey("searcher") || !(m.get("live") instanceof List<?> l)) {
            throw new IllegalArgumentException("not a ConcurrencyLimiter state: " + state);
        }
        searcher.restore(m.get("searcher"));
        live.clear();
        held.clear();
        for (Object id : l) live.add(String.valueOf(id));
        if (m.get("held") instanceof List<?> h) {
            for (Object o : h) {
                if (!(o instanceof Map<?, ?> e) || e.get("trial") == null) {
                    throw new IllegalArgumentException("bad held completion in ConcurrencyLimiter state: " + o);
                }
                held.put(String.valueOf(e.get("trial")), new Held(resultFromMap(e.get("last")), Boolean.TRUE.equals(e.get("error"))));
            }
        }
    }

    /** The wrapped searcher's attributes of the trial. */
    @Override
    public Map<String, Object> trialAttributes(String trialId) {
        return searcher.trialAttributes(trialId);
    }

    @Override
    public String name() {
        return searcher.name() + "+limit" + maxConcurrent;
    }

    /** A result as a JSON-friendly map (null stays null). */
    static Map<String, Object> resultToMap(Result r) {
        if (r == null) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trial_id", r.trialId());
        m.put("iteration", r.iteration());
        m.put("time_total_s", r.timeTotalS());
        m.put("timestamp", r.timestamp());
        m.put("metrics", new LinkedHashMap<>(r.metrics()));
        return m;
    }

    /** The inverse of {@link #resultToMap}. */
    @SuppressWarnings("unchecked")
    static Result resultFromMap(Object o) {
        if (o == null) return null;
        if (!(o instanceof Map<?, ?> m) || !(m.get("iteration") instanceof Number it) || !(m.get("time_total_s") instanceof Number t)
                || !(m.get("timestamp") instanceof Number ts) || !(m.get("metrics") instanceof Map<?, ?> metrics)) {
            throw new IllegalArgumentException("not a saved result: " + o);
        }
        return new Result(String.valueOf(m.get("trial_id")), it.longValue(), t.doubleValue(), ts.longValue(),
                new LinkedHashMap<>((Map<String, Object>) metrics));
    }
}
