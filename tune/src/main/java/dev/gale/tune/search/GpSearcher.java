package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.search.internal.gp.GaussianProcess;
import dev.gale.tune.search.internal.gp.Lbfgs;

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
    private final List<String> paths = new ArrayList<>();
    private final List<Domain> domains = new ArrayList<>();
    /** For each parameter its first input index; one-hot blocks span the choice count. */
    private int[] offset;
    private int dims;
    /** Whether input j is part of a categorical's one-hot block. */
    private boolean[] categoricalInput = new boolean[0];
    private final Map<String, double[]> pending = new LinkedHashMap<>();
    private final List<double[]> xs = new ArrayList<>();
    private final List<Double> ys = new ArrayList<>();
    /** Per observation, the constraint values (empty without constraints). */
    private final List<double[]> cs = new ArrayList<>();
    private GaussianProcess[] cgps = new GaussianProcess[0];
    private GaussianProcess gp;
    private int fittedAt = -1;
    /** Trust region (TuRBO-1 style): edge length in unit coordinates (≥ 1.6: off), success and failure counts, best loss seen. */
    private double trLength = TR_INIT;
    private int trSucc;
    private int trFail;
    private double trBest = Double.POSITIVE_INFINITY;
    private final boolean trustRegion;
    static final double TR_INIT = 0.8;
    static final double TR_MAX = 1.6;
    static final double TR_MIN = Math.pow(0.5, 7);

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
        paths.clear();
        domains.clear();
        space.domains().forEach((p, d) -> {
            if (!(d instanceof Domain.SampleFrom)) {
                paths.add(p);
                domains.add(d);
            }
        });
        offset = new int[domains.size()];
        int o = 0;
        for (int i = 0; i < domains.size(); i++) {
            offset[i] = o;
            o += width(domains.get(i));
        }
        dims = o;
        categoricalInput = new boolean[dims];
        for (int i = 0; i < domains.size(); i++) {
            if (Values.choices(domains.get(i)) != null) {
                for (int j = 0; j < width(domains.get(i)); j++) categoricalInput[offset[i] + j] = true;
            }
        }
        boolean[] warp = null;
        if (inputWarping) {
            warp = new boolean[dims];
            for (int j = 0; j < dims; j++) warp[j] = !categoricalInput[j];
        }
        gp = new GaussianProcess(Math.max(1, dims), warp);
        cgps = new GaussianProcess[constraints.size()];
        for (int k = 0; k < cgps.length; k++) cgps[k] = new GaussianProcess(Math.max(1, dims), warp);
        relative = new dev.gale.tune.search.internal.relative.RelativeSampling(engines,
                dev.gale.tune.search.internal.relative.RelativeSampling.Partition.INTERSECTION, metric, mode, seed);
    }

    private static int width(Domain d) {
        List<Object> choices = Values.choices(d);
        return choices == null ? 1 : choices.size();
    }

    @Override
    public Suggestion suggest(String trialId) {
        SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * ++counter));
        double[] u;
        if (xs.size() < startupTrials || dims == 0 || (EPS > 0 && rng.nextDouble() < EPS)) {
            u = new double[dims];
            for (int i = 0; i < dims; i++) u[i] = rng.nextDouble();
        } else {
            u = optimizeAcquisition(rng);
        }
        pending.put(trialId, u);
        return new Suggestion.Config(space.assemble(decode(u)));
    }

    private Map<String, Object> decode(double[] u) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < domains.size(); i++) {
            Domain d = domains.get(i);
            Object v;
            List<Object> vals = Values.choices(d);
            if (vals != null) {
                int best = 0;
                for (int k = 1; k < vals.size(); k++) if (u[offset[i] + k] > u[offset[i] + best]) best = k;
                v = vals.get(best);
            } else {
                v = QmcSearcher.map(d, Math.max(0, Math.min(Math.nextDown(1.0), u[offset[i]])));
            }
            values.put(paths.get(i), v);
        }
        return values;
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
        feasibilityOnly = !anyFeasible && !constraints.isEmpty();
        if (cMean.length != cgps.length) {
            cMean = new double[cgps.length];
            cStd = new double[cgps.length];
        }
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
        fitConstraints(x, nObs, refit);
        final double incumbent = best;
        double[] kStar = new double[total];
        double[] v = new double[total];
        double[] out = new double[2];
        double[] uBuf = new double[total];
        double[] dMean = new double[dims];
        double[] dVar = new double[dims];
        Lbfgs.Function negAcq = (p, grad) -> -logEiWithGradient(p, incumbent, kStar, v, uBuf, out, dMean, dVar, grad);
        int keep = Math.max(1, localStarts);
        double[][] starts = new double[keep + 1][];
        double[] startScores = new double[keep + 1];
        java.util.Arrays.fill(startScores, Double.NEGATIVE_INFINITY);
        // past 200 observations each evaluation costs O(n²): screen fewer random candidates
        double[] lo = new double[dims];
        double[] hi = new double[dims];
        java.util.Arrays.fill(hi, 1);
        if (trustRegion) trustRegion(x[bestIdx], lo, hi);
        int nCand = candidates;
        double[][] cand = new double[nCand][dims];
        for (int c = 0; c < nCand; c++) {
            for (int j = 0; j < dims; j++) cand[c][j] = lo[j] + rng.nextDouble() * (hi[j] - lo[j]);
        }
        double[] acq = logEiBatch(cand, nCand, incumbent);
        for (int c = 0; c < nCand; c++) {
            double[] p = cand[c];
            double a = acq[c];
            int worst = 0;
            for (int s = 1; s < keep; s++) if (startScores[s] < startScores[worst]) worst = s;
            if (a > startScores[worst]) {
                startScores[worst] = a;
                starts[worst] = p;
            }
        }
        starts[keep] = xs.get(bestIdx).clone();
        for (int j = 0; j < dims; j++) starts[keep][j] = Math.max(lo[j], Math.min(hi[j], starts[keep][j]));
        startScores[keep] = logEi(starts[keep], incumbent, kStar, v, out);
        double[] bestPoint = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int s = 0; s <= keep; s++) {
            if (starts[s] == null) continue;
            double[] p = starts[s].clone();
            double score = localStarts > 0 ? -Lbfgs.minimize(negAcq, p, lo, hi, 30, 5) : startScores[s];
            if (score > bestScore || bestPoint == null) {
                bestScore = score;
                bestPoint = p;
            }
        }
        return bestPoint;
    }

    static final double EPS = Double.parseDouble(System.getProperty("gale.gp.eps", "0"));
    /**
     * The trust region's box around {@code center}: edge {@code trLength} scaled per numeric input
     * by its length scale over their geometric mean (TuRBO's weighting), clipped to [0, 1];
     * categorical inputs unrestricted. Off (the whole box) while trLength ≥ TR_MAX.
     */
    private void trustRegion(double[] center, double[] lo, double[] hi) {
        if (trLength >= TR_MAX) return;
        double[] th = gp.theta();
        double logMean = 0;
        int k = 0;
        for (int j = 0; j < dims; j++) {
            if (!categoricalInput[j]) {
                logMean += th[j];
                k++;
            }
        }
        if (k == 0) return;
        logMean /= k;
        for (int j = 0; j < dims; j++) {
            if (categoricalInput[j]) continue;
            double w = Math.exp(th[j] - logMean);
            double half = 0.5 * trLength * Math.max(0.25, Math.min(4, w));
            lo[j] = Math.max(0, center[j] - half);
            hi[j] = Math.min(1, center[j] + half);
        }
    }

    /** TuRBO's update of the trust region after a completed observation with loss {@code y}. */
    private void updateTrustRegion(double y) {
        if (!trustRegion || xs.size() <= startupTrials) {
            trBest = Math.min(trBest, y);
            return;
        }
        if (y < trBest - 1e-3 * Math.abs(trBest)) {
            trSucc++;
            trFail = 0;
        } else {
            trFail++;
            trSucc = 0;
        }
        trBest = Math.min(trBest, y);
        int numeric = 0;
        for (boolean c : categoricalInput) if (!c) numeric++;
        if (trSucc >= 3) {
            trLength = Math.min(TR_MAX, 2 * trLength);
            trSucc = 0;
        } else if (trFail >= Math.max(4, numeric)) {
            trLength /= 2;
            trFail = 0;
        }
        if (trLength < TR_MIN) trLength = TR_INIT;
    }

    private boolean feasible(int i) {
        for (double c : cs.get(i)) if (c > 0) return false;
        return true;
    }

    /** Standardizes and (re)fits one GP per constraint on the completed observations. */
    private void fitConstraints(double[][] x, int nObs, boolean refit) {
        for (int k = 0; k < cgps.length; k++) {
            double m = 0;
            for (int i = 0; i < nObs; i++) m += cs.get(i)[k];
            m /= nObs;
            double sd = 0;
            for (int i = 0; i < nObs; i++) sd += Math.pow(cs.get(i)[k] - m, 2);
            sd = Math.sqrt(sd / nObs);
            if (!(sd > 1e-12)) sd = 1;
            double[] c = new double[nObs];
            for (int i = 0; i < nObs; i++) c[i] = (cs.get(i)[k] - m) / sd;
            if (refit) cgps[k].fit(x, c, nObs, 50);
            else cgps[k].condition(x, c, nObs);
            cMean[k] = m;
            cStd[k] = sd;
        }
    }

    private double[] cMean = new double[0];
    private double[] cStd = new double[0];

    /** log EI(p) for minimization below {@code incumbent} (standardized units), plus log P(feasible). */
    private double logEi(double[] p, double incumbent, double[] kStar, double[] v, double[] out) {
        double logPf = 0;
        for (int k = 0; k < cgps.length; k++) {
            cgps[k].predict(p, kStar, v, out);
            double zc = ((0 - cMean[k]) / cStd[k] - out[0]) / Math.sqrt(out[1]);
            logPf += logNormCdf(zc);
        }
        if (feasibilityOnly) return logPf;
        gp.predict(p, kStar, v, out);
        double sigma = Math.sqrt(out[1]);
        double z = (incumbent - out[0]) / sigma;
        return Math.log(sigma) + logH(z) + logPf;
    }

    private boolean feasibilityOnly;

    /** {@link #logEi} at {@code count} points, with the GPs' batched prediction. */
    private double[] logEiBatch(double[][] ps, int count, double incumbent) {
        double[] acq = new double[count];
        double[] m = new double[count];
        double[] s2 = new double[count];
        for (int k = 0; k < cgps.length; k++) {
            cgps[k].predictBatch(ps, count, m, s2);
            double bound = (0 - cMean[k]) / cStd[k];
            for (int c = 0; c < count; c++) acq[c] += logNormCdf((bound - m[c]) / Math.sqrt(s2[c]));
        }
        if (feasibilityOnly) return acq;
        gp.predictBatch(ps, count, m, s2);
        for (int c = 0; c < count; c++) {
            double sigma = Math.sqrt(s2[c]);
            double z = (incumbent - m[c]) / sigma;
            acq[c] += Math.log(sigma) + logH(z);
        }
        return acq;
    }

    /** {@link #logEi} and its gradient (written negated into {@code negGrad}, for minimization). */
    private double logEiWithGradient(double[] p, double incumbent, double[] kStar, double[] v, double[] u, double[] out,
                                     double[] dMean, double[] dVar, double[] negGrad) {
        java.util.Arrays.fill(negGrad, 0);
        double total = 0;
        for (int k = 0; k < cgps.length; k++) {
            cgps[k].predictWithGradient(p, kStar, v, u, out, dMean, dVar);
            double sc = Math.sqrt(out[1]);
            double zc = ((0 - cMean[k]) / cStd[k] - out[0]) / sc;
            total += logNormCdf(zc);
            double ratio = Math.exp(logNormPdf(zc) - logNormCdf(zc)); // φ/Φ
            for (int j = 0; j < dims; j++) {
                double dsc = dVar[j] / (2 * sc);
                double dz = (-dMean[j] - zc * dsc) / sc;
                negGrad[j] -= ratio * dz;
            }
        }
        if (feasibilityOnly) return total;
        gp.predictWithGradient(p, kStar, v, u, out, dMean, dVar);
        double sigma = Math.sqrt(out[1]);
        double z = (incumbent - out[0]) / sigma;
        double lh = logH(z);
        double ratio = Math.exp(logNormCdf(z) - lh); // Φ(z)/h(z) = d log h / dz
        for (int j = 0; j < dims; j++) {
            double ds = dVar[j] / (2 * sigma);
            double dz = (-dMean[j] - z * ds) / sigma;
            negGrad[j] -= ds / sigma + ratio * dz;
        }
        return total + Math.log(sigma) + lh;
    }

    static double logNormPdf(double z) {
        return -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
    }

    static double logNormCdf(double z) {
        if (z > -5) return Math.log(Math.max(normCdf(z), 1e-300));
        double z2 = z * z; // Mills ratio asymptotics
        return -0.5 * z2 - Math.log(-z) - 0.5 * Math.log(2 * Math.PI) + Math.log(1 - 1 / z2 + 3 / (z2 * z2));
    }

    /** log(z·Φ(z) + φ(z)). */
    static double logH(double z) {
        if (z > -5) {
            double h = z * normCdf(z) + Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
            return Math.log(Math.max(h, 1e-300));
        }
        // asymptotic: φ(z)/z² · (1 − 3/z² + 15/z⁴)
        double z2 = z * z;
        return -0.5 * z2 - 0.5 * Math.log(2 * Math.PI) - Math.log(z2) + Math.log(1 - 3 / z2 + 15 / (z2 * z2));
    }

    static double normCdf(double z) {
        return 0.5 * org.hipparchus.special.Erf.erfc(-z / Math.sqrt(2));
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
        updateTrustRegion(mode == Mode.MAX ? -m : m);
    }

    @Override
    public Object save() {
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("seed", Long.toString(seed));
        st.put("counter", counter);
        st.put("fitted_at", fittedAt);
        st.put("tr", List.of(trLength, trSucc, trFail, trBest == Double.POSITIVE_INFINITY ? "inf" : Double.toString(trBest)));
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
        if (st.get("tr") instanceof List<?> tr) {
            trLength = ((Number) tr.get(0)).doubleValue();
            trSucc = ((Number) tr.get(1)).intValue();
            trFail = ((Number) tr.get(2)).intValue();
            trBest = "inf".equals(tr.get(3)) ? Double.POSITIVE_INFINITY : Double.parseDouble((String) tr.get(3));
        }
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
        double[] u = new double[dims];
        for (int i = 0; i < domains.size(); i++) {
            Domain d = domains.get(i);
            Object v = values.get(paths.get(i));
            List<Object> choices = Values.choices(d);
            if (choices != null) u[offset[i] + dev.gale.tune.search.internal.relative.UnitCoordinates.index(choices, v)] = 1;
            else u[offset[i]] = dev.gale.tune.search.internal.relative.UnitCoordinates.of(d, v);
        }
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
