package dev.gale.tune.search.internal.cma;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Ask/tell CMA-ES (Hansen, "The CMA Evolution Strategy: A Tutorial", 2016) on the unit box
 * {@code [0,1]^n}, minimizing, with IPOP restarts (Auger and Hansen 2005).
 *
 * <p>Algorithm: weighted recombination of the best {@code mu = floor(lambda/2)} of
 * {@code lambda} samples with positive log weights; cumulative step-size adaptation; rank-one
 * plus rank-mu covariance update with the {@code h_sigma} stall, the worse half entering with
 * negative weights (active CMA, scaled by {@code n / |C^{-1/2} y|^2}); default constants of the
 * tutorial's 2016 version, as the {@code cmaes} library that Optuna uses. The eigendecomposition of C is computed once per generation (at the end of
 * {@link #tell}). Bounds: every sample is mirrored into [0,1] coordinate by coordinate
 * (reflection with period 2) and the update uses the mirrored point, as Optuna's {@code cmaes}
 * uses its repaired point.
 *
 * <p>Sampling: with {@code mirroredOrthogonal} (the default in {@code CmaEsSearcher}) the
 * generation's standard normal vectors are orthogonalized in blocks of n and used in mirrored
 * pairs (z, −z) — mirrored orthogonal sampling (Wang, Emmerich and Bäck, 2014); otherwise each
 * is an independent draw.
 *
 * <p>Randomness: sample {@code k} of generation {@code g} of run {@code r} is drawn from
 * {@code new SplittableRandom(mix(seed, r, g, k))} (independent sampling) or computed from the
 * block drawn from {@code mix(seed, r, g, -(k / 2 / n + 2))} (mirrored orthogonal), and the
 * random mean of a restart from {@code mix(seed, r, -1, 0)}, so the state is only the numbers in
 * {@link #save()}.
 *
 * <p>Restarts: a run stops when (a) the fitness range of the last generation and of the best
 * values of the last {@code 10 + ceil(30 n / lambda)} generations is below {@code tolFun},
 * (b) {@code sigma × max(sqrt(C_ii), |pc_i|)} is below {@code tolX}, (c) the condition number of
 * C exceeds {@code 1e14}, (d) {@code sigma × max(D)} exceeds {@code 1e4} (diverging), or (e) the
 * run has made {@code maxGenerations} generations. With restarts on, the next run starts from a
 * uniformly random mean with {@code sigma0}, {@code C = I} and the population size multiplied by
 * {@code incPopSize}; with restarts off the run simply continues.
 */
public final class CmaEs {

    /**
     * Settings; see the class comment. {@code popSize <= 0} means the default 4 + floor(3 ln n);
     * {@code maxGenerations} 0 means {@link #defaultMaxGenerations}, negative means no limit.
     */
    public record Options(double sigma0, int popSize, boolean restarts, int incPopSize, int maxGenerations,
                          double tolFun, double tolX, boolean mirroredOrthogonal) {
        public Options {
            if (!(sigma0 > 0) || Double.isInfinite(sigma0)) throw new IllegalArgumentException("sigma0 = " + sigma0 + ": use a positive number (1/6 by default)");
            if (incPopSize < 1) throw new IllegalArgumentException("incPopSize = " + incPopSize + ": use 1 or more (2 for IPOP)");
            if (tolFun < 0 || tolX < 0) throw new IllegalArgumentException("tolFun and tolX must be >= 0");
        }
    }

    private final int n;
    private final long seed;
    private final Options opt;
    private final double chiN;

    // run state
    private int restart;
    private int lambda;
    private long generation;      // within the run
    private double sigma;
    private double[] mean;
    private double[] c;           // row-major n×n
    private double[] pc;
    private double[] ps;
    /** The recent best values and the tests that end a run. */
    private final TerminationCriteria termination;

    // derived from lambda
    private int mu;
    private double[] weights;
    private double mueff, cc, cs, c1, cmu, damps;
    /** Sum of all lambda weights (positive and negative). */
    private double weightSum;

    // derived from C, once per generation
    private final double[] b;
    private final double[] d;
    private final double[] eig;

    /** The mirrored orthogonal directions (used when {@code opt.mirroredOrthogonal()}). */
    private final OrthogonalBlocks blocks;

    /** A fresh optimizer on {@code [0,1]^n} with mean 0.5 in every coordinate. */
    public CmaEs(int n, long seed, Options opt) {
        if (n < 1) throw new IllegalArgumentException("dimension " + n + " < 1");
        this.n = n;
        this.seed = seed;
        this.opt = opt;
        this.chiN = Math.sqrt(n) * (1 - 1.0 / (4 * n) + 1.0 / (21.0 * n * n));
        this.b = new double[n * n];
        this.d = new double[n];
        this.eig = new double[n];
        this.blocks = new OrthogonalBlocks(n, seed);
        this.termination = new TerminationCriteria(n, opt);
        int lam = opt.popSize() > 0 ? opt.popSize() : 4 + (int) Math.floor(3 * Math.log(n));
        double[] m0 = new double[n];
        Arrays.fill(m0, 0.5);
        startRun(0, Math.max(lam, 2), m0);
    }

    private void startRun(int restart, int lambda, double[] m) {
        this.restart = restart;
        this.lambda = lambda;
        this.generation = 0;
        this.sigma = opt.sigma0();
        this.mean = m;
        this.c = new double[n * n];
        for (int i = 0; i < n; i++) c[i * n + i] = 1;
        this.pc = new double[n];
        this.ps = new double[n];
        termination.clear();
        deriveConstants();
        decompose();
    }

    private void deriveConstants() {
        // Hansen (2016), "The CMA Evolution Strategy: A Tutorial", eqs. (49)-(58), as the cmaes
        // library: lambda weights, the best mu positive (summing to 1), the rest negative (active CMA)
        mu = lambda / 2;
        weights = new double[lambda];
        double posSum = 0, posSq = 0, negSum = 0, negSq = 0;
        for (int i = 0; i < lambda; i++) {
            weights[i] = Math.log((lambda + 1) / 2.0) - Math.log(i + 1);
            if (weights[i] > 0) {
                posSum += weights[i];
                posSq += weights[i] * weights[i];
            } else {
                negSum -= weights[i];
                negSq += weights[i] * weights[i];
            }
        }
        mueff = posSum * posSum / posSq;
        double mueffMinus = negSq > 0 ? negSum * negSum / negSq : 0;
        double alphaCov = 2;
        cc = (4 + mueff / n) / (n + 4 + 2 * mueff / n);
        cs = (mueff + 2) / (n + mueff + 5);
        c1 = alphaCov / ((n + 1.3) * (n + 1.3) + mueff);
        cmu = Math.min(1 - c1, alphaCov * (mueff - 2 + 1 / mueff) / ((n + 2) * (n + 2) + alphaCov * mueff / 2));
        damps = 1 + 2 * Math.max(0, Math.sqrt((mueff - 1) / (n + 1)) - 1) + cs;
        double alphaMuMinus = 1 + c1 / cmu;
        double alphaMueffMinus = 1 + 2 * mueffMinus / (mueff + 2);
        double alphaPosDefMinus = (1 - c1 - cmu) / (n * cmu);
        double negScale = Math.min(alphaMuMinus, Math.min(alphaMueffMinus, alphaPosDefMinus));
        weightSum = 0;
        for (int i = 0; i < lambda; i++) {
            weights[i] = weights[i] > 0 ? weights[i] / posSum : negSum > 0 ? negScale * weights[i] / negSum : 0;
            weightSum += weights[i];
        }
    }

    private void decompose() {
        SymmetricEigen.decompose(c, n, eig, b);
        for (int i = 0; i < n; i++) {
            if (!(eig[i] > 1e-300)) eig[i] = 1e-300;
            d[i] = Math.sqrt(eig[i]);
        }
    }

    /**
     * Restarts the current run from a given search distribution (warm start): mean {@code m},
     * step size {@code sigma} and covariance {@code cov} (row-major n×n, symmetric positive
     * definite; normalized here so C's largest diagonal entry is 1 and sigma absorbs the scale),
     * evolution paths zero, generation 0. The population size is kept.
     */
    public void warmStart(double[] m, double sigma, double[] cov) {
        if (m.length != n || cov.length != n * n) throw new IllegalArgumentException("warm start of dimension " + m.length + ", this one has " + n);
        if (!(sigma > 0) || Double.isInfinite(sigma)) throw new IllegalArgumentException("warm start sigma = " + sigma + ": must be positive");
        double maxDiag = 0;
        for (int i = 0; i < n; i++) maxDiag = Math.max(maxDiag, cov[i * n + i]);
        if (!(maxDiag > 0)) throw new IllegalArgumentException("warm start covariance has no positive diagonal");
        startRun(restart, lambda, m.clone());
        this.sigma = sigma * Math.sqrt(maxDiag);
        for (int i = 0; i < n * n; i++) c[i] = cov[i] / maxDiag;
        decompose();
    }

    /** The dimension. */
    public int dimension() {
        return n;
    }

    /** The population size of the current run. */
    public int populationSize() {
        return lambda;
    }

    /**
     * An external point made fit to be told with this generation's samples (Hansen, "Injecting
     * external solutions into CMA-ES", 2011): its step from the mean, {@code y = (x − m)/σ}, is
     * shortened so that its Mahalanobis length {@code |C^-1/2 y|} is at most
     * {@code sqrt(n) + 2n/(n + 2)}; the result is {@code m + σ y}.
     */
    public double[] clipInjected(double[] x) {
        if (x.length != n) throw new IllegalArgumentException("point of dimension " + x.length + ", this one has " + n);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = (x[i] - mean[i]) / sigma;
        double norm2 = 0;
        for (int k = 0; k < n; k++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += b[i * n + k] * y[i];
            norm2 += (s / d[k]) * (s / d[k]);
        }
        double cap = Math.sqrt(n) + 2.0 * n / (n + 2);
        double scale = norm2 > cap * cap ? cap / Math.sqrt(norm2) : 1;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = mean[i] + sigma * scale * y[i];
        return out;
    }

    /** Restarts so far (0 in the first run). */
    public int restarts() {
        return restart;
    }

    /** Generations completed in the current run. */
    public long generation() {
        return generation;
    }

    /** The current step size. */
    public double sigma() {
        return sigma;
    }

    /** The largest standard deviation of the current search distribution along a coordinate: {@code sigma × sqrt(max C_ii)}, in [0,1] units. */
    public double maxStep() {
        double m = 0;
        for (int i = 0; i < n; i++) m = Math.max(m, c[i * n + i]);
        return sigma * Math.sqrt(m);
    }

    /** A copy of the current mean. */
    public double[] mean() {
        return mean.clone();
    }

    /**
     * Sample {@code k} (0-based, any k) of the current generation, mirrored into [0,1]: a pure
     * function of the state and k.
     */
    public double[] ask(long k) {
        double[] z = new double[n];
        if (opt.mirroredOrthogonal()) {
            double[] o = blocks.direction(restart, generation, k);
            for (int i = 0; i < n; i++) z[i] = d[i] * o[i];
        } else {
            SplittableRandom rng = new SplittableRandom(mix(seed, restart, generation, k));
            for (int i = 0; i < n; i++) z[i] = d[i] * rng.nextGaussian();
        }
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            double y = 0;
            for (int j = 0; j < n; j++) y += b[i * n + j] * z[j];
            x[i] = mirror(mean[i] + sigma * y);
        }
        return x;
    }

    /** Reflects {@code v} into [0,1] (period 2). */
    static double mirror(double v) {
        if (v >= 0 && v <= 1) return v;
        if (Double.isNaN(v)) return 0.5;
        double y = v - 2 * Math.floor(v / 2);
        if (y > 1) y = 2 - y;
        return Math.min(1, Math.max(0, y));
    }

    /**
     * Updates the distribution from exactly {@link #populationSize()} evaluated points (any
     * order; fitness is minimized, NaN is not allowed), then advances the generation, possibly
     * restarting.
     *
     * @return true when this tell started a new run (IPOP restart)
     */
    public boolean tell(double[][] xs, double[] fitness) {
        if (xs.length != lambda || fitness.length != lambda) {
            throw new IllegalArgumentException("tell needs " + lambda + " points, got " + xs.length);
        }
        Integer[] order = new Integer[lambda];
        for (int i = 0; i < lambda; i++) order[i] = i;
        Arrays.sort(order, (p, q) -> {
            int r = Double.compare(fitness[p], fitness[q]);
            return r != 0 ? r : Integer.compare(p, q);
        });
        double[] old = mean;
        double[] yw = new double[n];
        double[][] ys = new double[lambda][n];
        for (int r = 0; r < lambda; r++) {
            double[] x = xs[order[r]];
            for (int i = 0; i < n; i++) {
                ys[r][i] = (x[i] - old[i]) / sigma;
                if (r < mu) yw[i] += weights[r] * ys[r][i];
            }
        }
        double[] m = new double[n];
        for (int i = 0; i < n; i++) m[i] = old[i] + sigma * yw[i];
        // C^{-1/2} yw = B D^{-1} B^T yw
        double[] t = new double[n];
        for (int k = 0; k < n; k++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += b[i * n + k] * yw[i];
            t[k] = s / d[k];
        }
        double csn = Math.sqrt(cs * (2 - cs) * mueff);
        double psNorm2 = 0;
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int k = 0; k < n; k++) s += b[i * n + k] * t[k];
            ps[i] = (1 - cs) * ps[i] + csn * s;
            psNorm2 += ps[i] * ps[i];
        }
        double psNorm = Math.sqrt(psNorm2);
        double denom = Math.sqrt(1 - Math.pow(1 - cs, 2.0 * (generation + 1)));
        boolean hsig = psNorm / denom / chiN < 1.4 + 2.0 / (n + 1);
        double ccn = Math.sqrt(cc * (2 - cc) * mueff);
        for (int i = 0; i < n; i++) pc[i] = (1 - cc) * pc[i] + (hsig ? ccn * yw[i] : 0);
        // active update: a negative weight is scaled by n / |C^{-1/2} y|^2 (tutorial eq. 46)
        double[] wc = new double[lambda];
        for (int r = 0; r < lambda; r++) {
            if (weights[r] >= 0) {
                wc[r] = weights[r];
                continue;
            }
            double norm2 = 0;
            for (int k = 0; k < n; k++) {
                double s = 0;
                for (int i = 0; i < n; i++) s += b[i * n + k] * ys[r][i];
                norm2 += (s / d[k]) * (s / d[k]);
            }
            wc[r] = norm2 > 0 ? weights[r] * n / norm2 : 0;
        }
        double decay = 1 - c1 - cmu * weightSum + (hsig ? 0 : c1 * cc * (2 - cc));
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double rankMu = 0;
                for (int r = 0; r < lambda; r++) rankMu += wc[r] * ys[r][i] * ys[r][j];
                double v = decay * c[i * n + j] + c1 * pc[i] * pc[j] + cmu * rankMu;
                c[i * n + j] = v;
                c[j * n + i] = v;
            }
        }
        sigma *= Math.exp(Math.min(1.0, (cs / damps) * (psNorm / chiN - 1)));
        mean = m;
        generation++;
        decompose();

        if (termination.record(fitness, lambda, generation, sigma, c, pc, d)) {
            if (opt.restarts()) {
                SplittableRandom rng = new SplittableRandom(mix(seed, restart + 1, -1, 0));
                double[] m0 = new double[n];
                for (int i = 0; i < n; i++) m0[i] = rng.nextDouble();
                long next = (long) lambda * opt.incPopSize();
                startRun(restart + 1, (int) Math.min(next, 1 << 20), m0);
                return true;
            }
        }
        return false;
    }

    /** The default generation budget of a run: 100 + 50 (n + 3)² / sqrt(lambda). */
    public static int defaultMaxGenerations(int n, int lambda) {
        return (int) (100 + 50.0 * (n + 3) * (n + 3) / Math.sqrt(lambda));
    }

    // ---- state ------------------------------------------------------------------------------

    /** The state as plain maps, lists and strings; doubles are written exactly (hex). */
    public Map<String, Object> save() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("n", n);
        s.put("restart", restart);
        s.put("lambda", lambda);
        s.put("generation", generation);
        s.put("sigma", Hex.of(sigma));
        s.put("mean", Hex.of(mean));
        s.put("C", Hex.of(c));
        s.put("pc", Hex.of(pc));
        s.put("ps", Hex.of(ps));
        s.put("bestHistory", Hex.of(termination.history()));
        return s;
    }

    /** Restores a {@link #save()} of an optimizer with the same dimension, seed and options. */
    public void restore(Map<?, ?> s) {
        int sn = ((Number) s.get("n")).intValue();
        if (sn != n) throw new IllegalArgumentException("CMA-ES state of dimension " + sn + ", this one has " + n);
        restart = ((Number) s.get("restart")).intValue();
        lambda = ((Number) s.get("lambda")).intValue();
        generation = ((Number) s.get("generation")).longValue();
        sigma = Hex.parse((String) s.get("sigma"));
        mean = Hex.parseArray((String) s.get("mean"), n);
        c = Hex.parseArray((String) s.get("C"), n * n);
        pc = Hex.parseArray((String) s.get("pc"), n);
        ps = Hex.parseArray((String) s.get("ps"), n);
        termination.restore(Hex.parseArray((String) s.get("bestHistory"), -1));
        deriveConstants();
        decompose();
    }

    /** A well-spread 64-bit hash of the four numbers. */
    public static long mix(long seed, long a, long b, long c) {
        long h = mix64(seed ^ 0x9E3779B97F4A7C15L);
        h = mix64(h ^ a);
        h = mix64(h + 0x632BE59BD9B4E019L ^ b);
        return mix64(h + 0x9E3779B97F4A7C15L ^ c);
    }

    /** The SplitMix64 finalizer. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
