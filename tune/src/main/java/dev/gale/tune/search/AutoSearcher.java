package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.search.internal.relative.DomainCodec;
import dev.gale.tune.search.internal.relative.HistoryFed;
import dev.gale.tune.search.internal.relative.RelativeSampling;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gale's default searcher: it chooses the sampler for each trial from what it knows, so a user
 * never has to ({@link Searchers#auto()}, the default of {@code TuneConfig} and {@code Study}).
 *
 * <p><b>What it does.</b> Without a metric, or with grid axes in the space, it is random search /
 * grid enumeration ({@link BasicVariantSearcher}, Ray's semantics). Otherwise the space is split
 * into the parts a sampler can model jointly: a declarative space ({@code Tuner}) is one part; a
 * define-by-run space ({@code Study}) is split, as Optuna's TPE {@code group=True}, into groups of
 * names that always occur together in the completed trials, each sampled jointly
 * ({@code RelativeSampling}); until {@value #DBR_RANDOM_START} define-by-run trials have completed,
 * and for a name no completed trial asked, values are drawn at random (seeded by the seed, the
 * trial id and the name). Each part follows a {@link AutoSchedule}: which sampler proposes while fewer
 * than how many trials of the part have completed. By default ({@link #DEFAULT_NUMERIC},
 * {@link #DEFAULT_CATEGORICAL}) a part starts with 10 random trials (exactly random search's first
 * 10 for a declarative space), then CMA-ES and GP-BO share its trials ({@code cmaes+gp}: the GP
 * proposes a share, its trials injected into CMA-ES's generations, see {@code CmaGpPortfolio}), or,
 * when at least half of the part's parameters are categorical, TPE proposes. When a schedule moves
 * on, the next sampler starts from everything learned so far: GP-BO and TPE are fed every completed
 * trial, CMA-ES is warm-started ({@link CmaEsSearcher.Builder#warmStart}) from them. See
 * docs/search-and-schedulers.md for the measurements behind the defaults.
 *
 * <p><b>Recorded.</b> {@link #trialAttributes} names the sampler that proposed each trial
 * ({@code sampler}: {@code random}, {@code grid}, {@code gp}, {@code cmaes}, {@code tpe};
 * define-by-run parts answered by different samplers are joined with {@code +}), which the
 * controller writes into every result row of the trial.
 *
 * <p><b>Promises.</b> Seeded: the same seed and the same calls give the same suggestions.
 * {@link #save()} holds the completed trials, the trials in flight and each live sampler's own
 * snapshot; {@link #restore} continues exactly. Its own cost per suggestion is O(1) besides the
 * chosen sampler's (the history kept for a hand-over is appended to, and read once at a
 * hand-over).
 */
public final class AutoSearcher implements Searcher, HistoryFed {

    private final Builder options;
    /** True for an engine on one part of a define-by-run space (made by {@link RelativeSampling}). */
    private final boolean engine;

    private SearchSpace space;
    private String metric;
    private Mode mode;
    private long seed;
    private int numSamples;
    // define-by-run (the space given to setup is empty)
    private RelativeSampling relative;
    private final Map<String, Map<String, Object>> dbrAttributes = new HashMap<>();
    /** Define-by-run: trials completed without error, counted for the random start. */
    private long dbrCompleted;
    /** Random search (and grid enumeration) for a space with grid axes or without a metric; null otherwise. */
    private BasicVariantSearcher plain;
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

    /** A set-up sampler of this searcher; {@code index} counts the samplers made (it seeds them). */
    private static final class Live {
        final String name;
        final long index;
        final Searcher searcher;
        final Map<String, Object> attributes;

        Live(String name, long index, Searcher searcher) {
            this.name = name;
            this.index = index;
            this.searcher = searcher;
            this.attributes = attributeMap(name);
        }
    }

    private long made;

    private static final Map<String, Map<String, Object>> ATTRIBUTES = new java.util.concurrent.ConcurrentHashMap<>();

    private static Map<String, Object> attributeMap(String name) {
        return ATTRIBUTES.computeIfAbsent(name, n -> Map.of("sampler", n));
    }

    private AutoSearcher(Builder b, boolean engine) {
        this.options = b;
        this.engine = engine;
    }

    /** The default schedule of numeric parts and of parts with fewer categorical than numeric parameters. */
    public static final String DEFAULT_NUMERIC = "random:10,cmaes+gp";
    /** The default schedule of parts with at least as many categorical as numeric parameters. */
    public static final String DEFAULT_CATEGORICAL = "random:10,tpe";
    /** The GP's default share in a {@code cmaes+gp} phase, and its share when the budget is at most {@link #SMALL_BUDGET}. */
    public static final double DEFAULT_GP_SHARE = 0.15, SMALL_BUDGET_GP_SHARE = 0.34;
    /** A budget ({@code numSamples}) up to this many trials is small. */
    public static final int SMALL_BUDGET = 100;

    /** The default: {@link Builder}'s schedules. */
    public AutoSearcher() {
        this(new Builder(), false);
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of {@link AutoSearcher}; the defaults are what {@link Searchers#auto()} uses. */
    public static final class Builder {
        private AutoSchedule numeric = AutoSchedule.parse(DEFAULT_NUMERIC);
        private AutoSchedule mixed = AutoSchedule.parse(DEFAULT_NUMERIC);
        private AutoSchedule categorical = AutoSchedule.parse(DEFAULT_CATEGORICAL);
        private double gpShare = Double.NaN;

        private Builder() {
        }

        /**
         * The GP's share of the suggestions in a {@code cmaes+gp} phase. Default: 0.34 when the
         * budget ({@code numSamples}) is known and at most 100 trials, else 0.15 (measured: a GP
         * proposal is worth more when few trials are left for CMA-ES to converge; see
         * docs/search-and-schedulers.md).
         */
        public Builder gpShare(double share) {
            if (!(share >= 0 && share <= 1)) throw new IllegalArgumentException("gpShare = " + share + ": use a value in [0, 1]");
            this.gpShare = share;
            return this;
        }

        /** The schedule of a part whose parameters are all numeric (floats, integers). */
        public Builder numeric(AutoSchedule s) { this.numeric = s; return this; }

        /** The schedule of a part with numeric and categorical parameters, fewer categorical than numeric. */
        public Builder mixed(AutoSchedule s) { this.mixed = s; return this; }

        /** The schedule of a part whose parameters are at least half categorical. */
        public Builder categorical(AutoSchedule s) { this.categorical = s; return this; }

        /** Validates and builds. */
        public AutoSearcher build() {
            if (numeric == null || mixed == null || categorical == null) throw new IllegalArgumentException("a schedule is null: give one for every kind of part");
            return new AutoSearcher(this, false);
        }
    }

    // ---- setup ----------------------------------------------------------------------------------

    @Override
    public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        if (space == null) throw new IllegalArgumentException("search space is null");
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
        dbrAttributes.clear();
        current = null;
        made = 0;
        relative = null;
        plain = null;
        dbrCompleted = 0;
        if (metric == null || metric.isEmpty() || !space.gridPaths().isEmpty()) {
            // nothing to optimize, or a grid the user wants enumerated (Ray's semantics): random search / grid
            plain = new BasicVariantSearcher(!space.gridPaths().isEmpty() ? "grid" : "random");
            plain.setup(space, metric, mode, numSamples, seed);
            schedule = null;
            return;
        }
        int cats = 0;
        for (Domain d : domains) if (d instanceof Domain.Choice || d instanceof Domain.GridSearch) cats++;
        // categorical when at least half the parameters are: one-hot GP inputs and CMA-ES's categorical step scale badly
        schedule = cats == 0 ? options.numeric : 2 * cats >= domains.size() ? options.categorical : options.mixed;
        if (domains.isEmpty() && !engine) {
            relative = new RelativeSampling(() -> new AutoSearcher(options, true), RelativeSampling.Partition.GROUPS, metric, this.mode, seed);
        }
    }

    /**
     * The schedule this searcher follows for its declarative space; null for a define-by-run space
     * (each part has its own), and for random search or a grid (no metric, or grid axes).
     */
    public AutoSchedule schedule() {
        return plain != null || domains == null || domains.isEmpty() ? null : schedule;
    }

    /** How many completed define-by-run trials are drawn at random before the parts are sampled jointly. */
    static final int DBR_RANDOM_START = 10;

    private static final List<String> NAMES = List.of("random", "gp", "cmaes", "tpe");

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
            case "tpe" -> new TpeSearcher();
            case "cmaes+gp" -> new CmaGpPortfolio(!Double.isNaN(options.gpShare) ? options.gpShare
                    : numSamples <= SMALL_BUDGET ? SMALL_BUDGET_GP_SHARE : DEFAULT_GP_SHARE, CmaGpPortfolio.GP_LIMIT);
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

    // ---- the SPI ----------------------------------------------------------------------------------

    @Override
    public Suggestion suggest(String trialId) {
        if (space == null) throw new IllegalStateException("suggest before setup");
        if (plain != null) return plain.suggest(trialId);
        if (relative != null) return new Suggestion.Config(new LinkedHashMap<>()); // define-by-run: parameters are asked
        Live l = samplerNow();
        Suggestion s = l.searcher.suggest(trialId);
        if (s instanceof Suggestion.Config c) {
            byTrial.put(trialId, l);
            Map<String, Object> v = new LinkedHashMap<>();
            for (String p : paths) v.put(p, valueAt(c.config(), p));
            suggestedValues.put(trialId, v);
        }
        return s;
    }

    static Object valueAt(Map<String, Object> config, String path) {
        Object cur = config;
        for (String k : path.split("\\.")) {
            if (!(cur instanceof Map<?, ?> m)) return null;
            cur = m.get(k);
        }
        return cur;
    }

    @Override
    public void onTrialResult(String trialId, Result result) {
        if (plain != null) return;
        Live l = byTrial.get(trialId);
        if (l != null) l.searcher.onTrialResult(trialId, result);
    }

    @Override
    public void onTrialComplete(String trialId, Result last, boolean error) {
        if (plain != null) return;
        if (relative != null) {
            relative.complete(trialId, last, error);
            dbrAttributes.remove(trialId);
            if (!error && last != null && Double.isFinite(last.metric(metric))) dbrCompleted++;
            return;
        }
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

    /**
     * Define-by-run: names of a group of the completed trials come from the group's joint sample
     * (drawn at the trial's first ask by the group's own schedule); other names at random.
     */
    @Override
    public Object suggestParameter(String trialId, String name, Domain domain) {
        if (relative == null) return Searcher.super.suggestParameter(trialId, name, domain);
        Map<String, Object> attr = dbrAttributes.get(trialId);
        if (attr == null && dbrCompleted < DBR_RANDOM_START) attr = attributeMap("random");
        if (attr == RANDOM_START) {
            // the random start: exactly random search's define-by-run sampling, recorded for the parts' samplers
            Object v = BasicVariantSearcher.randomParameter(seed, trialId, name, domain);
            relative.record(trialId, name, domain, v);
            dbrAttributes.put(trialId, attr);
            return v;
        }
        boolean first = attr == null;
        Object v = RelativeSampling.suggestOr(relative, trialId, name, domain, () -> BasicVariantSearcher.randomParameter(seed, trialId, name, domain));
        if (first) dbrAttributes.put(trialId, dbrAttribute(trialId));
        return v;
    }

    /** The attributes of a define-by-run trial of the random start (compared by identity). */
    private static final Map<String, Object> RANDOM_START = attributeMap("random");

    private Map<String, Object> dbrAttribute(String trialId) {
        List<String> names = new ArrayList<>();
        for (Map<String, Object> a : relative.engineAttributes(trialId)) {
            Object s = a.get("sampler");
            if (s != null && !names.contains(s.toString())) names.add(s.toString());
        }
        if (names.isEmpty()) return attributeMap("random");
        names.sort(java.util.Comparator.comparingInt(NAMES::indexOf));
        return attributeMap(String.join("+", names));
    }

    /** {@code sampler}: which sampler proposed the trial (see the class comment); empty for a trial it does not know. */
    @Override
    public Map<String, Object> trialAttributes(String trialId) {
        if (plain != null) return attributeMap(plain.name());
        if (relative != null) {
            Map<String, Object> a = dbrAttributes.get(trialId);
            return a == null ? Map.of() : a;
        }
        Live l = byTrial.get(trialId);
        if (l == null) l = awaitingObserve.get(trialId);
        if (l == null) return Map.of();
        Map<String, Object> inner = l.searcher.trialAttributes(trialId);
        return inner.isEmpty() ? l.attributes : inner;
    }

    /** As random search for a space with grid axes (grid size × numSamples), else {@code numSamples}. */
    @Override
    public long plannedTrials(int numSamples) {
        return plain != null ? plain.plannedTrials(numSamples) : numSamples;
    }

    @Override
    public String name() {
        return "auto";
    }

    // ---- state ------------------------------------------------------------------------------------

    @Override
    public Object save() {
        if (space == null) throw new IllegalStateException("save before setup");
        Map<String, Object> s = new LinkedHashMap<>();
        if (plain != null) {
            s.put("plain", plain.save());
            return s;
        }
        if (relative != null) {
            s.put("completed", dbrCompleted);
            s.put("relative", relative.save());
            Map<String, Object> a = new LinkedHashMap<>();
            for (String id : new java.util.TreeSet<>(dbrAttributes.keySet())) a.put(id, dbrAttributes.get(id).get("sampler"));
            s.put("attributes", a);
            return s;
        }
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
        for (Map.Entry<String, Live> e : live.entrySet()) {
            Live l = e.getValue();
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
        if (!(state instanceof Map<?, ?> s)) throw new IllegalArgumentException("not an auto searcher state: " + state);
        if (plain != null) {
            if (s.get("plain") == null) throw new IllegalArgumentException("auto searcher state of a searching run given to a random/grid one");
            plain.restore(s.get("plain"));
            return;
        }
        if (relative != null) {
            if (s.get("relative") == null) throw new IllegalArgumentException("auto searcher state of a declarative space given to a define-by-run one");
            dbrCompleted = ((Number) s.get("completed")).longValue();
            relative.restore(s.get("relative"));
            dbrAttributes.clear();
            ((Map<String, Object>) s.get("attributes")).forEach((id, a) -> dbrAttributes.put(id, attributeMap((String) a)));
            return;
        }
        if (!schedule.toString().equals(s.get("schedule"))) {
            throw new IllegalArgumentException("auto searcher state with schedule " + s.get("schedule") + ", this one has " + schedule
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
