package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.search.internal.tpe.Observations;
import dev.gale.tune.search.internal.tpe.ParamSpec;
import dev.gale.tune.search.internal.tpe.TpeModel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;

/**
 * Tree-structured Parzen Estimator search with the semantics of Optuna's {@code TPESampler}
 * (single objective), written for Gale.
 *
 * <p>How it proposes: the first {@code nStartupTrials} suggestions (counted in completed trials)
 * are random, as {@link BasicVariantSearcher}. After that the completed trials are split by the
 * metric into the best {@code gamma(n)} (default {@code min(ceil(0.1 n), 25)}) and the rest; a
 * Parzen estimator is fitted to each group, {@code nEiCandidates} points are drawn from the
 * estimator of the good group l, and the point maximizing {@code log l(x) - log g(x)} is
 * suggested. Estimators, as Optuna's: truncated normals on the internal scale (the log of the
 * value for log domains), discretized truncated normals for integer and quantized domains, a
 * prior kernel (centre of the range, sigma = range, weight {@code priorWeight}), bandwidths from
 * the neighbour distances (the outermost kernels also consider the distance to the bounds,
 * {@code considerEndpoints}, on by default where Optuna has it off) with the "magic clip" {@code [range / min(100, 1 + kernels), range]}
 * (univariate) or {@code 0.2 · n^(-1/(D+4)) · range} (multivariate), Optuna's default weights
 * (recent observations weigh more beyond 25), and for choices a prior-weighted categorical
 * distribution per observation.
 *
 * <p>Domains: uniform, loguniform (log scale), quniform (a grid of multiples of q), qloguniform
 * (continuous on the log scale, then quantized), randint and qrandint (integer grids; Integer
 * values when both bounds fit an int), choice and grid_search (categorical: a grid_search axis is
 * searched like a choice, not enumerated), sample_from (resolved by {@link SearchSpace#assemble}).
 *
 * <p>Modes: univariate (default; each parameter modelled on its own) or {@code multivariate}
 * (one joint estimator: the same candidates for all parameters, one product kernel per
 * observation). In multivariate mode a share of the suggestions ({@code univariateShare}; by
 * default half of them with 4 or more numeric parameters) comes from the univariate model fitted
 * on the same trials. {@code constantLiar}: trials suggested but not completed join the bad group
 * as if they had the worst value, so concurrent suggestions spread out.
 *
 * <p>Conditional parameters: the model stores, per trial, a value for each parameter path or
 * "missing"; the univariate mode already fits each parameter on the trials that have it, and the
 * multivariate mode on the trials that have every parameter. Declarative spaces give every trial
 * every parameter, so nothing is missing there. Define-by-run studies use one univariate model per
 * parameter name ({@link #suggestParameter}); with {@code multivariate}, the names of the
 * intersection space of the completed trials are sampled jointly by a multivariate engine, and with
 * {@code group} each group of names that always co-occur gets its own joint estimator (Optuna's
 * {@code group=True}); names outside stay univariate.
 *
 * <p>Learning: from the last result of each completed trial; trials that ended in error, reported
 * nothing, or lack a finite value of the metric are ignored. MAX is negated internally.
 *
 * <p>Reproducibility: suggestion number {@code i} draws from {@code new SplittableRandom(seed ^
 * mix64(i))}; {@link #save()} holds the counter, the seed, the completed observations and the
 * pending trials, so {@link #restore} continues exactly. After {@code numSamples} suggestions it
 * answers {@link Suggestion#FINISHED}. It never answers {@link Suggestion#WAIT}.
 */
public final class TpeSearcher implements Searcher, dev.gale.tune.search.internal.relative.HistoryFed {

    /** The default multivariate bandwidth factor (Optuna's is 0.2); see {@link Builder#bandwidthFactor}. */
    public static final double DEFAULT_BANDWIDTH_FACTOR = 0.07;
    /** The default share of univariate proposals for spaces of 4 or more numeric parameters; see {@link Builder#univariateShare}. */
    public static final double DEFAULT_UNIVARIATE_SHARE = 0.5;

    /** Optuna's default gamma: {@code min(ceil(0.1 n), 25)}. */
    public static int defaultGamma(int n) {
        return Math.min((int) Math.ceil(0.1 * n), 25);
    }

    private final int nStartupTrials;
    private final int nEiCandidates;
    private final IntUnaryOperator gamma;
    private final double priorWeight;
    private final boolean considerEndpoints;
    private final boolean considerMagicClip;
    private final boolean multivariate;
    private final boolean constantLiar;
    private final boolean group;
    private final double bandwidthFactor;
    private final double univariateShare;
    /** Fresh engines for define-by-run relative sampling (multivariate only). */
    private final java.util.function.Supplier<Searcher> engines;
    private dev.gale.tune.search.internal.relative.RelativeSampling relative;
    /** BOHB: the budgets whose results are modelled separately, with their observations and models; null otherwise. */
    private final TpeBudgets budgets;
    private final List<String> constraints;
    /** Define-by-run: one univariate model per parameter name. */
    private final TpeByName names;

    private SearchSpace space;
    private String metric;
    private Mode mode;
    private int numSamples;
    private long seed;
    private String[] paths;
    private Domain[] domains;
    private ParamSpec[] specs;
    private Observations observations;
    private TpeModel model;
    /** The univariate model over the same observations, for the share of suggestions it makes (multivariate only). */
    private TpeModel uniModel;
    /** The univariate share in effect (resolved from the space's size at setup). */
    private double uniShare;
    private long counter;
    private final LinkedHashMap<String, double[]> pending = new LinkedHashMap<>();
    private double[][] pendingBuf = new double[4][];

    /** A searcher with Optuna's defaults, except {@code considerEndpoints} (true). */
    public TpeSearcher() {
        this(builder());
    }

    private TpeSearcher(Builder b) {
        this.nStartupTrials = b.nStartupTrials;
        this.nEiCandidates = b.nEiCandidates;
        this.gamma = b.gamma;
        this.priorWeight = b.priorWeight;
        this.considerEndpoints = b.considerEndpoints;
        this.considerMagicClip = b.considerMagicClip;
        this.multivariate = b.multivariate;
        this.constantLiar = b.constantLiar;
        this.group = b.group;
        this.bandwidthFactor = b.bandwidthFactor;
        this.univariateShare = b.univariateShare;
        this.engines = () -> new TpeSearcher(b);
        this.constraints = List.copyOf(b.constraints);
        this.names = new TpeByName(new TpeModel.Settings(nEiCandidates, gamma, priorWeight, considerEndpoints,
                considerMagicClip, false, bandwidthFactor), nStartupTrials, b.budgets);
        this.budgets = b.budgets == null ? null : new TpeBudgets(b.budgetAttr, b.budgets, names);
    }

    /** A builder with Optuna's defaults, except {@code considerEndpoints} (true). */
    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a {@link TpeSearcher}; every setter validates its argument. */
    public static final class Builder {
        private int nStartupTrials = 10;
        private int nEiCandidates = 24;
        private IntUnaryOperator gamma = TpeSearcher::defaultGamma;
        private double priorWeight = 1.0;
        private boolean considerEndpoints = true;
        private boolean considerMagicClip = true;
        private boolean multivariate = true;
        private boolean constantLiar = false;
        private boolean group = false;
        private double bandwidthFactor = DEFAULT_BANDWIDTH_FACTOR;
        private double univariateShare = Double.NaN;
        private String budgetAttr;
        private double[] budgets;
        private final List<String> constraints = new ArrayList<>();

        private Builder() {
        }

        /**
         * Adds a constraint metric: a trial is feasible when its value is ≤ 0. As Optuna's TPE does
         * with constraints, infeasible trials rank after every feasible one (among themselves by
         * total violation), so the "good" group holds feasible trials whenever there are enough.
         */
        public Builder constraint(String metric) {
            if (metric == null || metric.isBlank()) throw new IllegalArgumentException("constraint metric is blank");
            this.constraints.add(metric);
            return this;
        }

        /**
         * BOHB (Falkner et al., 2018): model each budget separately. A trial's result is recorded
         * at every budget in {@code budgets} its {@code timeAttr} has reached (once per budget);
         * suggestions come from the TPE model of the largest budget with at least
         * {@code max(nStartupTrials, parameters + 2)} results, and are random before any has.
         * Pair it with a {@code HyperBandScheduler} whose milestones are these budgets
         * ({@code Searchers.bohb(maxT, eta)} does both). In define-by-run studies each parameter
         * name has its own univariate model per budget, fed by the results of the trials that asked
         * it, and suggests from the largest budget with at least {@code max(nStartupTrials, 3)}
         * results (random before).
         */
        public Builder budgets(String timeAttr, double... budgets) {
            if (timeAttr == null || timeAttr.isBlank()) throw new IllegalArgumentException("budgets: timeAttr is blank");
            if (budgets == null || budgets.length == 0) throw new IllegalArgumentException("budgets: give at least one budget");
            double[] b = budgets.clone();
            java.util.Arrays.sort(b);
            for (double v : b) if (!(v > 0)) throw new IllegalArgumentException("budgets: " + v + " must be > 0");
            this.budgetAttr = timeAttr;
            this.budgets = b;
            return this;
        }

        /** Random suggestions until this many trials completed (default 10, ≥ 0). */
        public Builder nStartupTrials(int n) {
            if (n < 0) throw new IllegalArgumentException("nStartupTrials = " + n + ": use 0 or more");
            this.nStartupTrials = n;
            return this;
        }

        /** Candidates drawn from l(x) per suggestion (default 24, ≥ 1). */
        public Builder nEiCandidates(int n) {
            if (n < 1) throw new IllegalArgumentException("nEiCandidates = " + n + ": use 1 or more");
            this.nEiCandidates = n;
            return this;
        }

        /** Size of the good group given the number of completed trials (default {@link #defaultGamma}). */
        public Builder gamma(IntUnaryOperator gamma) {
            if (gamma == null) throw new IllegalArgumentException("gamma is null");
            this.gamma = gamma;
            return this;
        }

        /** Weight of the prior kernel (default 1.0, &gt; 0). */
        public Builder priorWeight(double w) {
            if (!(w > 0) || Double.isInfinite(w)) throw new IllegalArgumentException("priorWeight = " + w + ": use a finite value > 0");
            this.priorWeight = w;
            return this;
        }

        /**
         * Whether bandwidths of the outermost kernels consider the distance to the bounds (default
         * true, unlike Optuna's false: in Gale's quality benchmark it lowered TPE's regret at 200
         * trials on all six test functions but Hartmann6, where it was even; hyperopt does the same).
         */
        public Builder considerEndpoints(boolean b) {
            this.considerEndpoints = b;
            return this;
        }

        /** Whether bandwidths are clipped below at range / min(100, 1 + kernels) (default true). */
        public Builder considerMagicClip(boolean b) {
            this.considerMagicClip = b;
            return this;
        }

        /**
         * Joint estimator over all parameters (default true, unlike Optuna's false: with Gale's
         * bandwidths it beat the univariate estimators on all six functions of the quality
         * benchmark, over 40 seeds; {@code multivariate(false)} gives Optuna's default model).
         */
        public Builder multivariate(boolean b) {
            this.multivariate = b;
            return this;
        }

        /**
         * With {@code multivariate}: the share of suggestions (chosen at random per suggestion,
         * seeded) proposed by the univariate model fitted on the same trials instead of the joint
         * one. Default: {@value #DEFAULT_UNIVARIATE_SHARE} for spaces of 4 or more numeric parameters,
         * 0 for others. The univariate model's per-parameter bandwidths keep moving where the joint
         * model has committed to one valley (shifted optima); see docs/search-and-schedulers.md.
         */
        public Builder univariateShare(double share) {
            if (!(share >= 0 && share <= 1)) throw new IllegalArgumentException("univariateShare = " + share + ": use a value in [0, 1]");
            this.univariateShare = share;
            return this;
        }

        /**
         * The multivariate bandwidth factor: each numeric dimension's kernels have
         * {@code factor · m^(-1/(D+4)) · span} (Scott's rule on the range, m kernels, D
         * dimensions), never below the magic clip. Default {@value #DEFAULT_BANDWIDTH_FACTOR};
         * Optuna uses 0.2, which in Gale's quality benchmark explored too widely to refine
         * (regret 2-6 times higher at 200 trials). In (0, 1].
         */
        public Builder bandwidthFactor(double factor) {
            if (!(factor > 0 && factor <= 1)) throw new IllegalArgumentException("bandwidthFactor = " + factor + ": use a value in (0, 1]");
            this.bandwidthFactor = factor;
            return this;
        }

        /** Pending trials join the bad group with the worst value (default false). */
        public Builder constantLiar(boolean b) {
            this.constantLiar = b;
            return this;
        }

        /**
         * With {@link #multivariate}: in define-by-run studies, split the parameters into groups
         * that always occur together in the completed trials and fit one joint estimator per group
         * (Optuna's {@code group=True}), instead of one on the intersection of all trials. Declarative
         * spaces give every trial every parameter (one group), so it changes nothing there.
         * Default false.
         */
        public Builder group(boolean b) {
            this.group = b;
            return this;
        }

        public TpeSearcher build() {
            if (group && !multivariate) throw new IllegalArgumentException("group(true) needs multivariate(true): groups are joint estimators");
            return new TpeSearcher(this);
        }
    }

    @Override
    public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        if (space == null) throw new IllegalArgumentException("search space is null");
        if (metric == null || metric.isEmpty()) {
            throw new IllegalArgumentException("TPE needs a metric to optimize: set TuneConfig.metric");
        }
        if (numSamples < 1) throw new IllegalArgumentException("numSamples = " + numSamples + ": use 1 or more");
        this.space = space;
        this.metric = metric;
        this.mode = mode == null ? Mode.MIN : mode;
        this.numSamples = numSamples;
        this.seed = seed;
        List<String> ps = new ArrayList<>();
        List<Domain> ds = new ArrayList<>();
        for (Map.Entry<String, Domain> e : space.domains().entrySet()) {
            if (e.getValue() instanceof Domain.SampleFrom) continue;
            ps.add(e.getKey());
            ds.add(e.getValue());
        }
        paths = ps.toArray(new String[0]);
        domains = ds.toArray(new Domain[0]);
        specs = new ParamSpec[domains.length];
        for (int i = 0; i < domains.length; i++) specs[i] = TpeScale.spec(domains[i]);
        reset();
        relative = multivariate && budgets == null ? new dev.gale.tune.search.internal.relative.RelativeSampling(engines,
                group ? dev.gale.tune.search.internal.relative.RelativeSampling.Partition.GROUPS : dev.gale.tune.search.internal.relative.RelativeSampling.Partition.INTERSECTION, metric, this.mode, seed) : null;
    }

    private void reset() {
        observations = new Observations(specs.length);
        model = new TpeModel(specs, new TpeModel.Settings(nEiCandidates, gamma, priorWeight, considerEndpoints,
                considerMagicClip, multivariate, bandwidthFactor), observations);
        int numeric = 0;
        for (ParamSpec p : specs) if (!p.categorical()) numeric++;
        uniShare = Double.isNaN(univariateShare) ? (numeric >= 4 ? DEFAULT_UNIVARIATE_SHARE : 0) : univariateShare;
        uniModel = multivariate && uniShare > 0 ? new TpeModel(specs, new TpeModel.Settings(nEiCandidates, gamma, priorWeight,
                considerEndpoints, considerMagicClip, false, bandwidthFactor), observations) : null;
        counter = 0;
        pending.clear();
        if (budgets != null) {
            budgets.reset(specs, new TpeModel.Settings(nEiCandidates, gamma, priorWeight, considerEndpoints,
                    considerMagicClip, multivariate, bandwidthFactor));
        }
    }

    @Override
    public Suggestion suggest(String trialId) {
        if (space == null) throw new IllegalStateException("suggest before setup");
        if (counter >= numSamples) return Suggestion.FINISHED;
        SplittableRandom rng = new SplittableRandom(seed ^ BasicVariantSearcher.mix64(counter));
        counter++;
        int dims = specs.length;
        double[] x = new double[dims];
        TpeModel use = model;
        if (uniModel != null && budgets == null
                && new SplittableRandom(seed ^ BasicVariantSearcher.mix64(~counter)).nextDouble() < uniShare) {
            use = uniModel;
        }
        boolean random = observations.size() < nStartupTrials;
        if (budgets != null) {
            int need = Math.max(nStartupTrials, dims + 2);
            use = budgets.model(need);
            random = use == null;
        }
        if (random || dims == 0) {
            for (int d = 0; d < dims; d++) x[d] = TpeScale.random(domains[d], rng);
        } else {
            int np = 0;
            if (constantLiar) {
                if (pendingBuf.length < pending.size()) pendingBuf = new double[pending.size() * 2][];
                for (double[] row : pending.values()) pendingBuf[np++] = row;
            }
            use.propose(rng, pendingBuf, np, x);
        }
        Map<String, Object> values = HashMap.newHashMap(dims);
        for (int d = 0; d < dims; d++) {
            values.put(paths[d], TpeScale.toValue(domains[d], d, x)); // also snaps x[d] to the stored internal value
        }
        pending.put(trialId, x);
        return new Suggestion.Config(space.assemble(values));
    }

    /**
     * Define-by-run (Optuna's {@code sample_independent}): each parameter name has its own
     * univariate TPE model, fitted on the completed trials that asked for it; random until
     * {@code nStartupTrials} of them completed. A name asked with a different domain than the
     * first time is sampled at random. With {@code multivariate}, names of the intersection space
     * (with {@code group}, of any co-occurring group) of the completed trials come instead from a
     * joint sample drawn at the trial's first ask ({@code RelativeSampling}).
     */
    @Override
    public Object suggestParameter(String trialId, String name, Domain domain) {
        Object rel = relative == null ? null : relative.suggest(trialId, name, domain);
        Object v;
        if (rel != null) {
            v = rel;
            names.chosen(trialId, name, domain, rel);
        } else {
            v = names.suggest(trialId, name, domain, seed);
        }
        if (relative != null) relative.record(trialId, name, domain, v);
        return v;
    }

    /** Learns from a define-by-run trial of the relative space (see {@code RelativeSampling}). */
    @Override
    public void observe(String trialId, Map<String, Object> values, Result last) {
        double[] x = new double[specs.length];
        for (int d = 0; d < x.length; d++) x[d] = TpeScale.of(domains[d], values.get(paths[d]));
        pending.put(trialId, x);
        onTrialComplete(trialId, last, false);
    }

    /**
     * BOHB: records the result at every budget its time attribute newly reached — in the joint
     * model of a suggested trial, or, for a define-by-run trial, in the per-budget model of each
     * name it has asked so far (with the domain the name was first asked with).
     */
    @Override
    public void onTrialResult(String trialId, Result result) {
        if (budgets == null) return;
        double[] x = pending.get(trialId);
        if (x == null && !names.asked(trialId)) return;
        double t = result.metric(budgets.timeAttr());
        double v = result.metric(metric);
        if (Double.isNaN(t) || !Double.isFinite(v)) return;
        double loss = mode == Mode.MAX ? -v : v;
        budgets.record(trialId, x, t, loss);
    }

    /**
     * The loss TPE ranks by: the metric (negated for MAX), or, for a trial violating a constraint,
     * a value above every feasible loss that grows with the total violation. NaN when unusable.
     */
    private double rankedLoss(Result r) {
        double v = r.metric(metric);
        if (!Double.isFinite(v)) return Double.NaN;
        double loss = mode == Mode.MAX ? -v : v;
        if (constraints.isEmpty()) return loss;
        double violation = 0;
        for (String c : constraints) {
            double cv = r.metric(c);
            if (Double.isNaN(cv)) return Double.NaN;
            violation += Math.max(0, cv);
        }
        return violation > 0 ? 1e299 + 1e300 * (violation / (1 + violation)) : loss;
    }

    @Override
    public void onTrialComplete(String trialId, Result last, boolean error) {
        if (relative != null) relative.complete(trialId, last, error);
        if (budgets != null) budgets.complete(trialId);
        names.complete(trialId, error || last == null ? Double.NaN : rankedLoss(last));
        double[] x = pending.remove(trialId);
        if (x == null || error || last == null) return;
        double loss = rankedLoss(last);
        if (Double.isNaN(loss)) return;
        observations.add(x, loss);
    }

    /** How many completed trials the model learned from. */
    public int observed() {
        return observations == null ? 0 : observations.size();
    }

    /**
     * {@code {"seed": "<seed>", "counter": n, "paths": [...], "observations": [{"x": [...], "loss": v}],
     * "pending": [{"id": ..., "x": [...]}]}}; x on the internal scale (log for log domains, index for
     * choices; null for a missing parameter).
     */
    @Override
    public Object save() {
        if (space == null) throw new IllegalStateException("save before setup");
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("seed", Long.toString(seed));
        state.put("counter", counter);
        state.put("paths", List.of(paths));
        List<Object> obs = new ArrayList<>(observations.size());
        double[] row = new double[specs.length];
        for (int i = 0; i < observations.size(); i++) {
            for (int d = 0; d < specs.length; d++) row[d] = observations.value(d, i);
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("x", toList(row));
            o.put("loss", observations.loss(i));
            obs.add(o);
        }
        state.put("observations", obs);
        List<Object> pend = new ArrayList<>(pending.size());
        for (Map.Entry<String, double[]> e : pending.entrySet()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("id", e.getKey());
            o.put("x", toList(e.getValue()));
            pend.add(o);
        }
        state.put("pending", pend);
        names.save(state);
        if (relative != null && !relative.isEmpty()) state.put("relative", relative.save());
        if (budgets != null) budgets.save(state, specs.length);
        return state;
    }

    /** A saved row: the values, null for a missing parameter. */
    static List<Object> toList(double[] row) {
        List<Object> l = new ArrayList<>(row.length);
        for (double v : row) l.add(Double.isNaN(v) ? null : v);
        return l;
    }

    private double[] fromList(Object o) {
        if (!(o instanceof List<?> l) || l.size() != specs.length) {
            throw new IllegalArgumentException("not a TpeSearcher state: x must be a list of " + specs.length + " numbers, got " + o);
        }
        double[] row = new double[specs.length];
        for (int d = 0; d < row.length; d++) {
            Object v = l.get(d);
            if (v == null) row[d] = Double.NaN;
            else if (v instanceof Number n) row[d] = n.doubleValue();
            else throw new IllegalArgumentException("not a TpeSearcher state: " + v + " in x is not a number");
        }
        return row;
    }

    @Override
    public void restore(Object state) {
        if (space == null) throw new IllegalStateException("restore before setup");
        if (!(state instanceof Map<?, ?> m) || !(m.get("counter") instanceof Number c)
                || !(m.get("observations") instanceof List<?> obs)) {
            throw new IllegalArgumentException("not a TpeSearcher state: " + state);
        }
        if (m.get("paths") instanceof List<?> p && !p.equals(List.of(paths))) {
            throw new IllegalArgumentException("the saved TPE state is for parameters " + p + ", this space has " + List.of(paths));
        }
        reset();
        Object s = m.get("seed");
        if (s instanceof Number n) seed = n.longValue();
        else if (s instanceof String str) seed = Long.parseLong(str);
        counter = c.longValue();
        for (Object o : obs) {
            if (!(o instanceof Map<?, ?> om) || !(om.get("loss") instanceof Number loss)) {
                throw new IllegalArgumentException("not a TpeSearcher observation: " + o);
            }
            observations.add(fromList(om.get("x")), loss.doubleValue());
        }
        if (m.get("pending") instanceof List<?> pend) {
            for (Object o : pend) {
                if (!(o instanceof Map<?, ?> om) || !(om.get("id") instanceof String id)) {
                    throw new IllegalArgumentException("not a TpeSearcher pending trial: " + o);
                }
                pending.put(id, fromList(om.get("x")));
            }
        }
        names.restore(m);
        if (relative != null && m.get("relative") != null) relative.restore(m.get("relative"));
        if (budgets != null) budgets.restore(m, this::fromList);
    }

    @Override
    public String name() {
        return budgets != null ? "bohb" : multivariate ? "tpe" : "tpe_univariate";
    }
}
