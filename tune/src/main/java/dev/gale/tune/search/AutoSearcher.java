package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
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
 * ({@code RelativeSampling}). Define-by-run trials are drawn at random (seeded by the seed, the
 * trial id and the name) until the first one has completed (it tells which names there are) and
 * as many as the random phase of the schedule that its parameters would follow: 1 in all for a
 * numeric or mixed first trial, 10 for a categorical one by default; a name no completed trial
 * asked is drawn at random. Each part follows a {@link AutoSchedule}: which sampler proposes while fewer
 * than how many trials of the part have completed. By default ({@link #DEFAULT_NUMERIC},
 * {@link #DEFAULT_CATEGORICAL}) CMA-ES and GP-BO share a numeric or mixed part's trials from the
 * first ({@code cmaes+gp}: CMA-ES starts at the centre of the box; the GP learns every trial and,
 * once it has 10, proposes a share that follows how its trials rank against CMA-ES's, and its
 * trials that improve the best value are injected into CMA-ES's generations; in a part of at most
 * 4 parameters a TPE arm learns every trial and proposes 85 % of them once CMA-ES's step is still
 * wide after 15 generations, a rugged landscape; in a part of numeric parameters only, once
 * CMA-ES has closed in on a basin, a quarter of the trials go to the minimizer of a quadratic
 * fitted to the trials nearest the best; see {@code CmaGpPortfolio}, {@code TpeExplorer} and
 * {@code QuadraticPolish}); a part at least half categorical starts with 10 random trials (exactly
 * random search's first 10 for a declarative space), then TPE proposes. When a schedule moves
 * on, the next sampler starts from everything learned so far: GP-BO and TPE are fed every completed
 * trial, CMA-ES is warm-started ({@link CmaEsSearcher.Builder#warmStart}) from them. See
 * docs/search-and-schedulers.md for the measurements behind the defaults.
 *
 * <p><b>Recorded.</b> {@link #trialAttributes} names the sampler that proposed each trial
 * ({@code sampler}: {@code random}, {@code grid}, {@code gp}, {@code cmaes}, {@code tpe},
 * {@code polish} (the local quadratic model of {@link CmaGpPortfolio});
 * define-by-run parts answered by different samplers are joined with {@code +}), which the
 * controller writes into every result row of the trial.
 *
 * <p><b>Promises.</b> Seeded: the same seed and the same calls give the same suggestions.
 * {@link #save()} holds the completed trials, the trials in flight and each live sampler's own
 * snapshot; {@link #restore} continues exactly. Its own cost per suggestion is O(1) besides the
 * chosen sampler's (the history kept for a hand-over is appended to, and read once at a
 * hand-over).
 */
public final class AutoSearcher implements Searcher {

    private final Builder options;

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
    /** Define-by-run: completed trials drawn at random before the parts sample (1 until the first trial completes). */
    private long dbrRandomStart;
    /** Random search (and grid enumeration) for a space with grid axes or without a metric; null otherwise. */
    private BasicVariantSearcher plain;
    /** The sampler of a declarative space (one part); null for define-by-run and for random search / grid. */
    private AutoPart part;

    private static final Map<String, Map<String, Object>> ATTRIBUTES = new java.util.concurrent.ConcurrentHashMap<>();

    /** The shared map {@code {sampler: name}}. */
    static Map<String, Object> attributeMap(String name) {
        return ATTRIBUTES.computeIfAbsent(name, n -> Map.of("sampler", n));
    }

    private AutoSearcher(Builder b) {
        this.options = b;
    }

    /**
     * The default schedule of numeric parts and of parts with fewer categorical than numeric
     * parameters: no random start, since CMA-ES starts at the centre of the box and does not learn
     * from random trials, and every trial spent at random is one a converging CMA-ES does not have;
     * the GP learns CMA-ES's first trials instead (measured on the public and tuning functions:
     * better on 12 of 15, none worse beyond noise; docs/search-and-schedulers.md).
     */
    public static final String DEFAULT_NUMERIC = "cmaes+gp";
    /** The default schedule of parts with at least as many categorical as numeric parameters. */
    public static final String DEFAULT_CATEGORICAL = "random:10,tpe";
    /**
     * The GP's initial share in a {@code cmaes+gp} phase (it then adapts to how the GP's trials rank
     * against CMA-ES's), and its fixed share when the budget is at most {@link #SMALL_BUDGET}.
     */
    public static final double DEFAULT_GP_SHARE = 0.15, SMALL_BUDGET_GP_SHARE = 0.34;
    /**
     * The multivariate bandwidth factor of the TPE that a {@code tpe} phase runs (the TPE sampler's
     * own default is {@value TpeSearcher#DEFAULT_BANDWIDTH_FACTOR}; Optuna's 0.2): measured on the
     * categorical-heavy catmix7 over 120 seeds, fewer runs stayed on a wrong categorical
     * combination and the mean regret at 200 trials fell (docs/search-and-schedulers.md).
     */
    public static final double TPE_BANDWIDTH_FACTOR = 0.10;
    /**
     * Parts with fewer parameters than this keep the GP's fixed share
     * ({@value #DEFAULT_GP_SHARE}, every GP trial injected) instead of the adaptive one: in 2–3
     * dimensions the GP is the stronger of the two, and the adaptive share, falling after a few GP
     * trials that did not beat CMA-ES, left CMA-ES alone in a wrong basin on some seeds (measured on
     * the tuning and public functions, seeds 11–30: cond-branch 5.2e-4 against 9.9e-8, one seed at
     * 0.01; branin 3.9e-6 against 3.7e-7), while its gains were on 5–8 dimensions
     * (docs/search-and-schedulers.md).
     */
    public static final int ADAPTIVE_SHARE_MIN_DIMENSION = 5;
    /** A budget ({@code numSamples}) up to this many trials is small. */
    public static final int SMALL_BUDGET = 100;

    /** The default: {@link Builder}'s schedules. */
    public AutoSearcher() {
        this(new Builder());
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of {@link AutoSearcher}; the defaults are what {@link Searchers#auto()} uses. */
    public static final class Builder {
        AutoSchedule numeric = AutoSchedule.parse(DEFAULT_NUMERIC);
        AutoSchedule mixed = AutoSchedule.parse(DEFAULT_NUMERIC);
        AutoSchedule categorical = AutoSchedule.parse(DEFAULT_CATEGORICAL);
        double gpShare = Double.NaN;

        private Builder() {
        }

        /**
         * A fixed share of the GP's suggestions in a {@code cmaes+gp} phase (every GP trial then
         * injected into CMA-ES). Default: 0.34, fixed, when the budget ({@code numSamples}) is known
         * and at most 100 trials (a GP proposal is worth more when few trials are left for CMA-ES
         * to converge); 0.15, fixed, in a part of fewer than {@value #ADAPTIVE_SHARE_MIN_DIMENSION}
         * parameters; else adaptive: from 0.15, between 0.03 and 0.5, rising while the GP's
         * trials beat CMA-ES's recent ones and falling while they do not, and only GP trials that
         * improved the best value are injected (see {@code CmaGpPortfolio} and
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
            return new AutoSearcher(this);
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
        dbrAttributes.clear();
        relative = null;
        plain = null;
        part = null;
        dbrCompleted = 0;
        dbrRandomStart = 1;
        if (metric == null || metric.isEmpty() || !space.gridPaths().isEmpty()) {
            // nothing to optimize, or a grid the user wants enumerated (Ray's semantics): random search / grid
            plain = new BasicVariantSearcher(!space.gridPaths().isEmpty() ? "grid" : "random");
            plain.setup(space, metric, mode, numSamples, seed);
            return;
        }
        boolean sampled = false;
        for (Domain d : space.domains().values()) if (!(d instanceof Domain.SampleFrom)) sampled = true;
        if (!sampled) {
            relative = new RelativeSampling(() -> new AutoPart(options, true), RelativeSampling.Partition.GROUPS, metric, this.mode, seed);
            return;
        }
        part = new AutoPart(options, false);
        part.setup(space, metric, this.mode, numSamples, seed);
    }

    /**
     * The schedule this searcher follows for its declarative space; null for a define-by-run space
     * (each part has its own), and for random search or a grid (no metric, or grid axes).
     */
    public AutoSchedule schedule() {
        return part == null ? null : part.schedule();
    }

    /**
     * How many completed define-by-run trials are drawn at random before the parts sample, decided
     * when the first trial completes: the random phase of the schedule its parameters would follow,
     * at least 1 (the first trial tells which names there are).
     */
    long randomStart() {
        return dbrRandomStart;
    }

    /** Snapshots written before the random start depended on the first trial kept 10 trials. */
    private static final long LEGACY_DBR_RANDOM_START = 10;

    private static final List<String> NAMES = List.of("random", "gp", "cmaes", "tpe", "polish");

    // ---- the SPI ----------------------------------------------------------------------------------

    @Override
    public Suggestion suggest(String trialId) {
        if (space == null) throw new IllegalStateException("suggest before setup");
        if (plain != null) return plain.suggest(trialId);
        if (relative != null) return new Suggestion.Config(new LinkedHashMap<>()); // define-by-run: parameters are asked
        return part.suggest(trialId);
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
        if (part != null) part.onTrialResult(trialId, result);
    }

    @Override
    public void onTrialComplete(String trialId, Result last, boolean error) {
        if (plain != null) return;
        if (relative != null) {
            boolean counted = !error && last != null && Double.isFinite(last.metric(metric));
            if (counted && dbrCompleted == 0) {
                dbrRandomStart = Math.max(1, AutoPart.scheduleFor(options, relative.askedDomains(trialId)).randomStart());
            }
            relative.complete(trialId, last, error);
            dbrAttributes.remove(trialId);
            if (counted) dbrCompleted++;
            return;
        }
        part.onTrialComplete(trialId, last, error);
    }

    /**
     * Define-by-run: names of a group of the completed trials come from the group's joint sample
     * (drawn at the trial's first ask by the group's own schedule); other names at random.
     */
    @Override
    public Object suggestParameter(String trialId, String name, Domain domain) {
        if (relative == null) return Searcher.super.suggestParameter(trialId, name, domain);
        Map<String, Object> attr = dbrAttributes.get(trialId);
        if (attr == null && dbrCompleted < dbrRandomStart) attr = attributeMap("random");
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
        return part.trialAttributes(trialId);
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
            s.put("randomStart", dbrRandomStart);
            s.put("relative", relative.save());
            Map<String, Object> a = new LinkedHashMap<>();
            for (String id : new java.util.TreeSet<>(dbrAttributes.keySet())) a.put(id, dbrAttributes.get(id).get("sampler"));
            s.put("attributes", a);
            return s;
        }
        return part.save();
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
            dbrRandomStart = s.get("randomStart") instanceof Number n ? n.longValue() : dbrCompleted == 0 ? 1 : LEGACY_DBR_RANDOM_START;
            relative.restore(s.get("relative"));
            dbrAttributes.clear();
            ((Map<String, Object>) s.get("attributes")).forEach((id, a) -> dbrAttributes.put(id, attributeMap((String) a)));
            return;
        }
        part.restore(state);
    }
}
