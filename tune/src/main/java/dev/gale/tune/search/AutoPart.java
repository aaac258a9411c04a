package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.search.internal.relative.DomainCodec;
import dev.gale.tune.search.internal.relative.HistoryFed;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link AutoSearcher}'s sampler of one part of the space (a declarative space, or one group of a
 * define-by-run space): it follows the part's {@link AutoSchedule}, making each phase's sampler when
 * the phase begins and bringing it up to date (GP-BO and TPE are fed every completed trial, CMA-ES
 * is warm-started from them), and forwards each trial's calls to the sampler that proposed it.
 *
 * <p>As an engine of {@code RelativeSampling} ({@code engine} true) it receives the end of a trial
 * it proposed as {@code onTrialComplete(id, null, true)} followed by {@link #observe} with the
 * values and result (the convention for {@link HistoryFed} engines), and gives the proposer the
 * real outcome then. State: the completed trials, the live samplers' own snapshots, the trials in
 * flight; restored exactly.
 */
final class AutoPart implements Searcher, HistoryFed {
    private final AutoSearcher.Builder options;
    private final boolean engine;
    private SearchSpace space;
    private String metric;
    private Mode mode;
    private long seed;
    private int numSamples;
    // declarative, or one part of a define-by-run space
    private List<String> paths;
    private List<Domain> domains;
    private AutoSchedule schedule;
    private final List<Done> history = new ArrayList<>();
    private final Map<String, Live> live = new LinkedHashMap<>();
    private Live current;
    private final Map<String, Live> byTrial = new HashMap<>();
    private final Map<String, Map<String, Object>> suggestedValues = new HashMap<>();
    /** Engine mode: trials whose completion RelativeSampling reported as (null, error) and whose observe is due. */
    private final Map<String, Live> awaitingObserve = new HashMap<>();



    /** A completed trial: its values by path and its metric. */
    private record Done(String id, Map<String, Object> values, double metric) {
    }

    /** A set-up sampler of this part; {@code index} counts the samplers made (it seeds them). */
    private static final class Live {
        final String name;
        final long index;
        final Searcher searcher;
        final Map<String, Object> attributes;

        Live(String name, long index, Searcher searcher) {
            this.name = name;
            this.index = index;
            this.searcher = searcher;
            this.attributes = AutoSearcher.attributeMap(name);
        }
    }

    private long made;

    AutoPart(AutoSearcher.Builder options, boolean engine) {
        this.options = options;
        this.engine = engine;
    }

    @Override
    public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        this.space = space;
        this.metric = metric;
        this.mode = mode == null ? Mode.MIN : mode;
        this.seed = seed;
        this.numSamples = numSamples;
        paths = new ArrayList<>();
        domains = new ArrayList<>();
        space.domains().forEach((p, d) -> {
            if (!(d instanceof Domain.SampleFrom)) {
                paths.add(p);
                domains.add(d);
            }
        });
        history.clear();
        live.clear();
        byTrial.clear();
        suggestedValues.clear();
        awaitingObserve.clear();
        current = null;
        made = 0;
        schedule = scheduleFor(options, domains);
    }

    /**
     * The schedule of a part with these parameters: numeric without a categorical one, categorical
     * when at least half are (one-hot GP inputs and CMA-ES's categorical step scale badly), else mixed.
     */
    static AutoSchedule scheduleFor(AutoSearcher.Builder options, Collection<Domain> domains) {
        int cats = 0;
        for (Domain d : domains) if (d instanceof Domain.Choice || d instanceof Domain.GridSearch) cats++;
        return cats == 0 ? options.numeric : 2 * cats >= domains.size() ? options.categorical : options.mixed;
    }

    /** The schedule this part follows. */
    AutoSchedule schedule() {
        return schedule;
    }

    /** The sampler to use now, set up and brought up to date; the current one when the phase is unchanged. */
    private Live samplerNow() {
        String want = domains.isEmpty() ? "random" : schedule.at(history.size()).sampler();
        if (current != null && current.name.equals(want)) return current;
        Live l = make(want, made++, null);
        live.put(l.name + "#" + l.index, l);
        current = l;
        return l;
    }

    /** A new sampler {@code name}, set up; restored from {@code state}, or brought up to date with the history. */
    private Live make(String name, long index, Object state) {
        // the first sampler made gets the seed itself: a random start then gives exactly random search's first trials
        long subSeed = index == 0 ? seed : seed ^ BasicVariantSearcher.mix64(0xA070L + index);
        Searcher s = switch (name) {
            case "random" -> Searchers.random();
            case "gp" -> new GpSearcher();
            case "tpe" -> TpeSearcher.builder().bandwidthFactor(AutoSearcher.TPE_BANDWIDTH_FACTOR).build();
            case "cmaes+gp" -> new CmaGpPortfolio(sharing(), CmaGpPortfolio.GP_LIMIT, true);
            case "cmaes" -> state != null || history.isEmpty() ? new CmaEsSearcher() : warmCma();
            default -> throw new IllegalStateException("unknown sampler " + name);
        };
        s.setup(space, metric, mode, numSamples, subSeed);
        if (state != null) {
            s.restore(state);
        } else if (s instanceof HistoryFed h) {
            for (Done d : history) h.observe(d.id, d.values, result(d));
        }
        return new Live(name, index, s);
    }

    /**
     * The GP's share in a {@code cmaes+gp} phase: the one given to the builder (fixed), a fixed
     * {@link AutoSearcher#SMALL_BUDGET_GP_SHARE} for a known budget of at most
     * {@link AutoSearcher#SMALL_BUDGET} trials, a fixed {@link AutoSearcher#DEFAULT_GP_SHARE} in a
     * part of fewer than {@link AutoSearcher#ADAPTIVE_SHARE_MIN_DIMENSION} parameters, else
     * adaptive from {@link AutoSearcher#DEFAULT_GP_SHARE}.
     */
    private CmaGpPortfolio.Sharing sharing() {
        return sharing(options.gpShare, numSamples, domains.size());
    }

    /** {@link #sharing()} for a builder's share (NaN: none given), a budget and a part's number of parameters. */
    static CmaGpPortfolio.Sharing sharing(double gpShare, int numSamples, int dimension) {
        if (!Double.isNaN(gpShare)) return new CmaGpPortfolio.Sharing.Fixed(gpShare);
        if (numSamples <= AutoSearcher.SMALL_BUDGET) return new CmaGpPortfolio.Sharing.Fixed(AutoSearcher.SMALL_BUDGET_GP_SHARE);
        if (dimension < AutoSearcher.ADAPTIVE_SHARE_MIN_DIMENSION) return new CmaGpPortfolio.Sharing.Fixed(AutoSearcher.DEFAULT_GP_SHARE);
        return new CmaGpPortfolio.Sharing.Adaptive(AutoSearcher.DEFAULT_GP_SHARE);
    }

    /** CMA-ES warm-started from the completed trials. */
    private Searcher warmCma() {
        List<Map<String, Object>> configs = new ArrayList<>(history.size());
        List<Double> values = new ArrayList<>(history.size());
        for (Done d : history) {
            configs.add(d.values);
            values.add(d.metric);
        }
        return CmaEsSearcher.builder().warmStart(configs, values).build();
    }

    private Result result(Done d) {
        return new Result(d.id, 1, 0, 0, Map.of(metric, d.metric));
    }

    @Override
    public Suggestion suggest(String trialId) {
        Live l = samplerNow();
        Suggestion s = l.searcher.suggest(trialId);
        if (s instanceof Suggestion.Config c) {
            byTrial.put(trialId, l);
            Map<String, Object> v = new LinkedHashMap<>();
            for (String p : paths) v.put(p, AutoSearcher.valueAt(c.config(), p));
            suggestedValues.put(trialId, v);
        }
        return s;
    }

    @Override
    public void onTrialResult(String trialId, Result result) {
        Live l = byTrial.get(trialId);
        if (l != null) l.searcher.onTrialResult(trialId, result);
    }

    @Override
    public void onTrialComplete(String trialId, Result last, boolean error) {
        Live l = byTrial.remove(trialId);
        Map<String, Object> values = suggestedValues.remove(trialId);
        if (engine && error && last == null && l != null) {
            awaitingObserve.put(trialId, l); // RelativeSampling's way of ending a trial it observes next (or never, for a failure)
            return;
        }
        if (l != null) l.searcher.onTrialComplete(trialId, last, error);
        if (error || last == null || values == null) {
            retire(l);
            return;
        }
        double m = last.metric(metric);
        if (!Double.isFinite(m)) {
            retire(l);
            return;
        }
        learn(trialId, values, m, last, l);
        retire(l);
    }

    /** Records a completed trial and teaches it to the current sampler when that one did not propose it. */
    private void learn(String trialId, Map<String, Object> values, double m, Result last, Live proposer) {
        history.add(new Done(trialId, values, m));
        if (current != null && current != proposer && current.searcher instanceof HistoryFed h) h.observe(trialId, values, last);
    }

    /** Drops a sampler that is no longer current once none of its trials is in flight. */
    private void retire(Live l) {
        if (l == null || l == current) return;
        if (byTrial.containsValue(l) || awaitingObserve.containsValue(l)) return;
        live.values().remove(l);
    }

    /** Engine mode: a completed trial of this part (see {@link HistoryFed}). */
    @Override
    public void observe(String trialId, Map<String, Object> values, Result last) {
        double m = last == null ? Double.NaN : last.metric(metric);
        Live l = awaitingObserve.remove(trialId);
        if (l != null) l.searcher.onTrialComplete(trialId, last, false);
        if (Double.isFinite(m)) learn(trialId, new LinkedHashMap<>(values), m, last, l);
        retire(l);
    }

    /** The proposer's attributes of the trial ({@code sampler}), empty for a trial it does not know. */
    @Override
    public Map<String, Object> trialAttributes(String trialId) {
        Live l = byTrial.get(trialId);
        if (l == null) l = awaitingObserve.get(trialId);
        if (l == null) return Map.of();
        Map<String, Object> inner = l.searcher.trialAttributes(trialId);
        return inner.isEmpty() ? l.attributes : inner;
    }

    @Override
    public String name() {
        return "auto";
    }

    @Override
    public Object save() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("schedule", schedule.toString());
        s.put("made", made);
        List<Object> h = new ArrayList<>(history.size());
        for (Done d : history) {
            List<Object> row = new ArrayList<>(3);
            row.add(d.id);
            row.add(valueList(d.values));
            row.add(d.metric);
            h.add(row);
        }
        s.put("history", h);
        List<Object> samplers = new ArrayList<>();
        for (Live l : live.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", l.name);
            m.put("index", l.index);
            m.put("current", l == current);
            m.put("state", l.searcher.save());
            samplers.add(m);
        }
        s.put("samplers", samplers);
        s.put("trials", trialMap(byTrial));
        s.put("awaiting", trialMap(awaitingObserve));
        Map<String, Object> sv = new LinkedHashMap<>();
        for (String id : new java.util.TreeSet<>(suggestedValues.keySet())) sv.put(id, valueList(suggestedValues.get(id)));
        s.put("suggested", sv);
        return s;
    }

    private Map<String, Object> trialMap(Map<String, Live> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String id : new java.util.TreeSet<>(m.keySet())) out.put(id, m.get(id).index);
        return out;
    }

    private List<Object> valueList(Map<String, Object> values) {
        List<Object> out = new ArrayList<>(paths.size());
        for (String p : paths) out.add(values.get(p));
        return out;
    }

    private Map<String, Object> valueMap(Object list) {
        List<?> l = (List<?>) list;
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < paths.size(); i++) out.put(paths.get(i), DomainCodec.value(domains.get(i), l.get(i)));
        return out;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restore(Object state) {
        if (!(state instanceof Map<?, ?> s) || !(s.get("schedule") instanceof String saved)) {
            throw new IllegalArgumentException("not an auto searcher state of a searched space: " + state);
        }
        if (!schedule.toString().equals(saved)) {
            throw new IllegalArgumentException("auto searcher state with schedule " + saved + ", this one has " + schedule
                    + ": restore into a searcher built with the same options");
        }
        history.clear();
        live.clear();
        byTrial.clear();
        awaitingObserve.clear();
        suggestedValues.clear();
        current = null;
        made = ((Number) s.get("made")).longValue();
        for (Object o : (List<?>) s.get("history")) {
            List<?> row = (List<?>) o;
            history.add(new Done((String) row.get(0), valueMap(row.get(1)), ((Number) row.get(2)).doubleValue()));
        }
        Map<Long, Live> byIndex = new HashMap<>();
        for (Object o : (List<?>) s.get("samplers")) {
            Map<?, ?> m = (Map<?, ?>) o;
            Live l = make((String) m.get("name"), ((Number) m.get("index")).longValue(), m.get("state"));
            live.put(l.name + "#" + l.index, l);
            byIndex.put(l.index, l);
            if (Boolean.TRUE.equals(m.get("current"))) current = l;
        }
        ((Map<String, Object>) s.get("trials")).forEach((id, i) -> byTrial.put(id, byIndex.get(((Number) i).longValue())));
        ((Map<String, Object>) s.get("awaiting")).forEach((id, i) -> awaitingObserve.put(id, byIndex.get(((Number) i).longValue())));
        ((Map<String, Object>) s.get("suggested")).forEach((id, v) -> suggestedValues.put(id, valueMap(v)));
    }
}
