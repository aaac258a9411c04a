package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.search.internal.gp.GaussianProcess;
import dev.gale.tune.search.internal.gp.LogEiAcquisition;
import dev.gale.tune.search.internal.gp.TrustRegion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Bayesian optimization with a Gaussian process (Optuna's GPSampler in spirit): a Matérn-5/2 ARD
 * GP fitted by marginal likelihood, and the log of expected improvement maximized by multi-start
 * box-bounded L-BFGS.
 *
 * <p>Exactly: numeric parameters are one input each in [0, 1] (log scale for log domains; integers
 * and quantized values relaxed, then decoded into equal bins as {@link QmcSearcher} does); a
 * categorical parameter with k values is k one-hot inputs in [0, 1], decoded by argmax. The first
 * {@code startupTrials} trials are random. Then the completed trials' values (negated for MAX)
 * are warped by a Yeo-Johnson power transform fitted by maximum likelihood, as HEBO does
 * ({@code outputWarping}, on by default; monotone, so the ranking is kept) and standardized; the
 * hyperparameters (maximum a posteriori under Optuna's GPSampler prior: length scales near the
 * box size, a small noise) are refitted from the previous ones (every new result
 * while there are at most 50, then whenever the data grew by 10 %), and trials still running are added as
 * observations at the current best value (constant liar) so concurrent suggestions spread out.
 * The acquisition log-EI is evaluated at {@code candidates} random points (their posterior
 * variances solved together, vectorized over the points), and the best {@code localStarts} of
 * them (plus the best observed point) are refined with box-bounded L-BFGS on the analytic
 * gradient (30 iterations). Failed trials and trials without the metric are ignored. All
 * randomness is drawn per suggestion from (seed, counter); save/restore is exact.
 *
 * <p>This class keeps the observations, fits the GPs and drives the suggestions; the layout of the
 * inputs is {@code GpEncoding}'s, the acquisition and its maximization are
 * {@code internal.gp.LogEiAcquisition}'s, and the trust region is {@code internal.gp.TrustRegion}'s.
 */
public final class GpSearcher implements Searcher, dev.gale.tune.search.internal.relative.HistoryFed {
    private final int startupTrials;
    private final int candidates;
    private final int localStarts;
    private final boolean outputWarping;
    private final boolean inputWarping;
    private final List<String> constraints;
    private SearchSpace space;
    private String metric;
    private Mode mode;
    private long seed;
    private long counter;
    /** The layout of the space's parameters in the unit cube (set by setup). */
    private GpEncoding encoding;
    private final Map<String, double[]> pending = new LinkedHashMap<>();
    private final List<double[]> xs = new ArrayList<>();
    private final List<Double> ys = new ArrayList<>();
    /** Per observation, the constraint values (empty without constraints). */
    private final List<double[]> cs = new ArrayList<>();
    private GaussianProcess[] cgps = new GaussianProcess[0];
    private GaussianProcess gp;
    /** log EI (with the constraints' feasibility) on gp and cgps (set by setup). */
    private LogEiAcquisition acquisition;
    private int fittedAt = -1;
    /** Trust region (TuRBO-1 style), adapted only when {@link #trustRegion} is on. */
    private final TrustRegion region = new TrustRegion();
    private final boolean trustRegion;

    /** Fresh engines for define-by-run relative sampling. */
    private final java.util.function.Supplier<Searcher> engines;
    private dev.gale.tune.search.internal.relative.RelativeSampling relative;

    private GpSearcher(Builder b) {
        this.engines = () -> new GpSearcher(b);
        this.startupTrials = b.startupTrials;
        this.candidates = b.candidates;
        this.localStarts = b.localStarts;
        this.outputWarping = b.outputWarping;
        this.inputWarping = b.inputWarping;
        this.trustRegion = b.trustRegion;
        this.constraints = List.copyOf(b.constraints);
    }

    /** A GP searcher with defaults (10 startup trials, 512 candidates, 4 local starts). */
    public GpSearcher() {
        this(new Builder());
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of {@link GpSearcher}. */
    public static final class Builder {
        private int startupTrials = 10;
        private int candidates = 512;
        private int localStarts = 4;
        private boolean outputWarping = true;
        private boolean inputWarping;
        private boolean trustRegion;
        private final List<String> constraints = new ArrayList<>();

        private Builder() {
        }

        /**
         * Adds a constraint metric: a trial is feasible when its value is ≤ 0. Each constraint gets
         * a GP of its own; the acquisition becomes log EI + Σ log P(constraint ≤ 0), with the
         * incumbent the best feasible value (before any feasible trial: the probability of
         * feasibility alone).
         */
        public Builder constraint(String metric) { this.constraints.add(metric); return this; }

        public Builder startupTrials(int n) { this.startupTrials = n; return this; }
        public Builder candidates(int n) { this.candidates = n; return this; }
        public Builder localStarts(int n) { this.localStarts = n; return this; }

        /**
         * Whether the objective values are power-transformed (Yeo-Johnson, exponent by maximum
         * likelihood, as HEBO) before the GP sees them (default true); false: only standardized.
         */
        public Builder outputWarping(boolean on) { this.outputWarping = on; return this; }

        /**
         * Whether each numeric input is warped by a Kumaraswamy CDF {@code 1 − (1 − x^a)^b} whose
         * shapes are fitted with the GP's other hyperparameters (Snoek et al. 2014), so one length
         * scale per input can follow an effect that changes scale along the input (default false;
         * measured in docs/search-and-schedulers.md).
         */
        public Builder inputWarping(boolean on) { this.inputWarping = on; return this; }

        /**
         * A trust region as TuRBO-1 (Eriksson et al., NeurIPS 2019): the acquisition is maximized
         * in a box around the best trial, of edge L (0.8 at first) scaled per input by its length
         * scale; three improving trials in a row double L (up to 1.6, the whole box), as many
         * non-improving ones as inputs (at least 4) halve it, and below 2^-7 it starts again at 0.8.
         * Default off; see docs/search-and-schedulers.md for what it changed.
         */
        public Builder trustRegion(boolean on) { this.trustRegion = on; return this; }

        /** Validates and builds. */
        public GpSearcher build() {
            if (startupTrials < 1) throw new IllegalArgumentException("startupTrials = " + startupTrials + ": must be >= 1");
            if (candidates < 1) throw new IllegalArgumentException("candidates = " + candidates + ": must be >= 1");
            if (localStarts < 0) throw new IllegalArgumentException("localStarts = " + localStarts + ": must be >= 0");
            return new GpSearcher(this);
        }
    }

    @Override
    public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
        if (metric == null) throw new IllegalArgumentException("GpSearcher needs a metric: set TuneConfig.metric");
        this.space = space;
        this.metric = metric;
        this.mode = mode;
        this.seed = seed;
        encoding = new GpEncoding(space);
        int dims = encoding.dims();
        boolean[] categoricalInput = encoding.categoricalInput();
        boolean[] warp = null;
        if (inputWarping) {
            warp = new boolean[dims];
            for (int j = 0; j < dims; j++) warp[j] = !categoricalInput[j];
        }
        gp = new GaussianProcess(Math.max(1, dims), warp);
        cgps = new GaussianProcess[constraints.size()];
        for (int k = 0; k < cgps.length; k++) cgps[k] = new GaussianProcess(Math.max(1, dims), warp);
        acquisition = new LogEiAcquisition(gp, cgps, dims);
        relative = new dev.gale.tune.search.internal.relative.RelativeSampling(engines,
                dev.gale.tune.search.internal.relative.RelativeSampling.Partition.INTERSECTION, metric, mode, seed);
    }

    @Override
    public Suggestion suggest(String trialId) {
        SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * ++counter));
        int dims = encoding.dims();
        double[] u;
        if (xs.size() < startupTrials || dims == 0) {
            u = new double[dims];
            for (int i = 0; i < dims; i++) u[i] = rng.nextDouble();
        } else {
            u = optimizeAcquisition(rng);
        }
        pending.put(trialId, u);
        return new Suggestion.Config(space.assemble(encoding.decode(u)));
    }

    private double[] optimizeAcquisition(SplittableRandom rng) {
        int nObs = xs.size();
        double mean = 0;
        for (double v : ys) mean += v;
        mean /= nObs;
        double var = 0;
        for (double v : ys) var += (v - mean) * (v - mean);
        double std = Math.sqrt(var / nObs);
        if (!(std > 1e-12)) std = 1;
        int total = nObs + pending.size();
        double[][] x = new double[total][];
        double[] y = new double[total];
        double[] warped = null;
        if (outputWarping) {
            double[] raw = new double[nObs];
            for (int i = 0; i < nObs; i++) raw[i] = ys.get(i);
            warped = dev.gale.tune.search.internal.gp.PowerTransform.warp(raw, nObs);
        }
        double best = Double.POSITIVE_INFINITY;
        int bestIdx = 0;
        boolean anyFeasible = false;
        for (int i = 0; i < nObs; i++) {
            x[i] = xs.get(i);
            y[i] = warped != null ? warped[i] : (ys.get(i) - mean) / std;
            if (feasible(i) && y[i] < best) {
                best = y[i];
                bestIdx = i;
                anyFeasible = true;
            }
        }
        if (!anyFeasible) {
            for (int i = 0; i < nObs; i++) {
                if (y[i] < best) {
                    best = y[i];
                    bestIdx = i;
                }
            }
        }
        acquisition.feasibilityOnly(!anyFeasible && !constraints.isEmpty());
        // refit on every new result up to 50, then whenever the data grew by 10 % (the O(n³) fit dominates)
        boolean refit = fittedAt < 0 || (nObs <= 50 ? nObs != fittedAt : nObs >= fittedAt + Math.max(1, fittedAt / 10));
        if (refit) {
            gp.fit(x, y, nObs, 50);
            fittedAt = nObs;
        }
        int t = nObs;
        for (double[] p : pending.values()) {
            x[t] = p;
            y[t] = best; // constant liar
            t++;
        }
        gp.condition(x, y, total);
        acquisition.fitConstraints(x, cs, nObs, refit);
        int dims = encoding.dims();
        double[] lo = new double[dims];
        double[] hi = new double[dims];
        java.util.Arrays.fill(hi, 1);
        if (trustRegion) region.box(gp, encoding.categoricalInput(), dims, x[bestIdx], lo, hi);
        return acquisition.maximize(best, xs.get(bestIdx), lo, hi, total, candidates, localStarts, rng);
    }

    private boolean feasible(int i) {
        for (double c : cs.get(i)) if (c > 0) return false;
        return true;
    }

    /** log(z·Φ(z) + φ(z)); see {@link LogEiAcquisition#logH}. */
    static double logH(double z) {
        return LogEiAcquisition.logH(z);
    }

    @Override
    public void onTrialComplete(String trialId, Result last, boolean error) {
        if (relative != null) relative.complete(trialId, last, error);
        double[] u = pending.remove(trialId);
        if (u == null || error || last == null) return;
        double m = last.metric(metric);
        if (Double.isNaN(m) || Double.isInfinite(m)) return;
        double[] c = new double[constraints.size()];
        for (int k = 0; k < c.length; k++) {
            c[k] = last.metric(constraints.get(k));
            if (!Double.isFinite(c[k])) return; // no usable constraint value: the trial teaches nothing
        }
        xs.add(u);
        ys.add(mode == Mode.MAX ? -m : m);
        cs.add(c);
        region.update(mode == Mode.MAX ? -m : m, trustRegion && xs.size() > startupTrials, encoding.categoricalInput());
    }

    @Override
    public Object save() {
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("seed", Long.toString(seed));
        st.put("counter", counter);
        st.put("fitted_at", fittedAt);
        st.put("tr", region.save());
        st.put("theta", Values.doubles(gp.theta()));
        Map<String, Object> p = new LinkedHashMap<>();
        pending.forEach((k, v) -> p.put(k, Values.doubles(v)));
        st.put("pending", p);
        List<Object> x = new ArrayList<>();
        for (double[] a : xs) x.add(Values.doubles(a));
        st.put("x", x);
        st.put("y", new ArrayList<>(ys));
        List<Object> c = new ArrayList<>();
        for (double[] a : cs) c.add(Values.doubles(a));
        st.put("c", c);
        List<Object> ct = new ArrayList<>();
        for (GaussianProcess g : cgps) ct.add(Values.doubles(g.theta()));
        st.put("constraint_theta", ct);
        if (relative != null && !relative.isEmpty()) st.put("relative", relative.save());
        return st;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restore(Object state) {
        Map<String, Object> st = (Map<String, Object>) state;
        seed = Long.parseLong((String) st.get("seed"));
        counter = ((Number) st.get("counter")).longValue();
        fittedAt = ((Number) st.get("fitted_at")).intValue();
        if (st.get("tr") instanceof List<?> tr) region.restore(tr);
        gp.theta(Values.doubleArray(st.get("theta")));
        pending.clear();
        ((Map<String, Object>) st.get("pending")).forEach((k, v) -> pending.put(k, Values.doubleArray(v)));
        xs.clear();
        for (Object o : (List<Object>) st.get("x")) xs.add(Values.doubleArray(o));
        ys.clear();
        for (Object o : (List<Object>) st.get("y")) ys.add(((Number) o).doubleValue());
        cs.clear();
        for (Object o : (List<Object>) st.get("c")) cs.add(Values.doubleArray(o));
        List<Object> ct = (List<Object>) st.get("constraint_theta");
        for (int k = 0; k < cgps.length; k++) cgps[k].theta(Values.doubleArray(ct.get(k)));
        if (st.get("relative") != null) relative.restore(st.get("relative"));
    }

    /**
     * Define-by-run: names in the intersection space of the completed trials come from a joint
     * sample of a GP-BO engine on that space, drawn at the trial's first ask (Optuna's
     * {@code sample_relative}); other names are sampled independently at random.
     */
    @Override
    public Object suggestParameter(String trialId, String name, Domain domain) {
        return dev.gale.tune.search.internal.relative.RelativeSampling.suggestOr(relative, trialId, name, domain,
                () -> BasicVariantSearcher.randomParameter(seed, trialId, name, domain));
    }

    /** Learns from a define-by-run trial of the relative space (see {@code RelativeSampling}). */
    @Override
    public void observe(String trialId, Map<String, Object> values, Result last) {
        double[] u = encoding.encode(values);
        pending.put(trialId, u);
        onTrialComplete(trialId, last, false);
    }

    /** How many completed trials the GP has learned. */
    public int observations() {
        return xs.size();
    }

    @Override
    public String name() {
        return "gp";
    }
}
