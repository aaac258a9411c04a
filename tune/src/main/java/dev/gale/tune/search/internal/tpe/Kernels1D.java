package dev.gale.tune.search.internal.tpe;

import java.util.Arrays;

/**
 * The kernels of a univariate Parzen estimator ({@link Parzen1D}), sorted by mean (equal means in
 * the order given): each kernel's bandwidth from the distance to its neighbours in the order of the
 * range's ends, the prior's centre and the data ("consider endpoints" optional), clipped to
 * {@code [span / min(100, 1 + kernels), span]} (the "magic clip"); its weight, explicit or by its
 * completion rank (Optuna's default weights); its normalizer, computed on demand and cached by
 * observation. {@link #insert} adds a kernel keeping the order; the caller then refreshes the
 * bandwidths of the kernels beside it ({@link #bandwidth}).
 *
 * <p>Arrays are package-visible for the estimator's loops; a buffer reused by every fit.
 */
final class Kernels1D {
    ParamSpec p;
    int m;
    double[] mu = new double[16];
    double[] sigma = new double[16];
    double[] invs = new double[16];   // 1 / sigma
    double[] zInv = new double[16];   // lazily: 1 / the kernel's normalizer; NaN until needed
    double[] w = new double[16];      // explicit weights (not ranked)
    int[] rank = new int[16];         // ranked: the kernel's completion rank
    int[] obsK = new int[16];         // ranked: the kernel's observation, or -1 (a pending trial)
    private double[] muOfRank = new double[16];
    /** Ranked: the caller's normalizer cache, by observation (see {@link Parzen1D#fitRanked}). */
    double[] zCache;
    boolean ranked;
    double lo, hi, span, half, priorMu, priorSigma, minSigma;
    /** Data kernels at or below the prior's centre. */
    int pp;
    private boolean considerEndpoints;

    /** Loads {@code count} sorted means and sets their bandwidths. */
    void load(ParamSpec spec, double[] sortedMus, int count, boolean considerEndpoints, boolean magicClip) {
        this.p = spec;
        this.m = count;
        this.considerEndpoints = considerEndpoints;
        ensure(count);
        System.arraycopy(sortedMus, 0, mu, 0, count);
        span = spec.span();
        lo = spec.lo();
        hi = spec.hi();
        half = spec.step() / 2;
        priorMu = 0.5 * (spec.low() + spec.high());
        priorSigma = span;
        pp = upperBound(priorMu);
        minSigma = magicClip ? span / Math.min(100.0, 1.0 + (count + 1)) : 1e-12;
        for (int i = 0; i < count; i++) {
            double s = bandwidth(i);
            sigma[i] = s;
            invs[i] = 1.0 / s;
            zInv[i] = Double.NaN;
        }
    }

    /** Explicit weights, aligned with the means. */
    void weights(double[] raw) {
        ranked = false;
        zCache = null;
        System.arraycopy(raw, 0, w, 0, m);
        ramp();
    }

    /** Weights by completion rank: {@code TpeMath.defaultWeight(ranks[i], count)}; see {@link Parzen1D#fitRanked}. */
    void ranks(int[] ranks, int[] obsOf, double[] zCache) {
        ranked = true;
        this.zCache = zCache;
        System.arraycopy(ranks, 0, rank, 0, m);
        System.arraycopy(obsOf, 0, obsK, 0, m);
        if (muOfRank.length < m + 1) muOfRank = new double[Math.max(m + 1, 2 * muOfRank.length)];
        for (int i = 0; i < m; i++) muOfRank[ranks[i]] = mu[i];
        ramp();
    }

    /** Room for {@code count} kernels; true when the arrays were reallocated. */
    boolean ensure(int count) {
        if (mu.length >= count) return false;
        int cap = Math.max(count, mu.length * 2);
        mu = Arrays.copyOf(mu, cap);
        sigma = Arrays.copyOf(sigma, cap);
        w = Arrays.copyOf(w, cap);
        invs = Arrays.copyOf(invs, cap);
        zInv = Arrays.copyOf(zInv, cap);
        rank = Arrays.copyOf(rank, cap);
        obsK = Arrays.copyOf(obsK, cap);
        return true;
    }

    int capacity() {
        return mu.length;
    }

    /**
     * Inserts the kernel of observation {@code obs} at value v with the next rank (ranked mode),
     * after any equal means; its bandwidth is left NaN for the caller to set. Returns its index.
     */
    int insert(double v, int obs) {
        int q = upperBound(v);
        ensure(m + 1);
        int tail = m - q;
        System.arraycopy(mu, q, mu, q + 1, tail);
        System.arraycopy(sigma, q, sigma, q + 1, tail);
        System.arraycopy(invs, q, invs, q + 1, tail);
        System.arraycopy(zInv, q, zInv, q + 1, tail);
        System.arraycopy(rank, q, rank, q + 1, tail);
        System.arraycopy(obsK, q, obsK, q + 1, tail);
        mu[q] = v;
        sigma[q] = Double.NaN;
        zInv[q] = Double.NaN;
        rank[q] = m;
        obsK[q] = obs;
        if (muOfRank.length < m + 1) muOfRank = Arrays.copyOf(muOfRank, 2 * (m + 1));
        muOfRank[m] = v;
        m++;
        if (v <= priorMu) pp++;
        ramp();
        return q;
    }

    /** Sets kernel i's bandwidth (its normalizer is recomputed when needed). */
    void setBandwidth(int i, double s) {
        sigma[i] = s;
        invs[i] = 1.0 / s;
        zInv[i] = Double.NaN;
    }

    /** How many data kernels have a mean at or below x. */
    int upperBound(double x) {
        int a = 0, b = m;
        while (a < b) {
            int mid = (a + b) >>> 1;
            if (mu[mid] <= x) a = mid + 1; else b = mid;
        }
        return a;
    }

    /** Kernel i's bandwidth: the larger distance to its neighbours (see {@link #edgeSigma}), clipped to [minSigma, span]. */
    double bandwidth(int i) {
        double s;
        if (i == 0 || i == pp - 1 || i == pp || i == m - 1) {
            s = edgeSigma(i);
        } else { // both neighbours are data kernels
            double here = mu[i];
            double left = here - mu[i - 1];
            double right = mu[i + 1] - here;
            s = left >= right ? left : right;
        }
        return s > span ? span : s < minSigma ? minSigma : s; // min(max, max(min, s)), min ≤ max
    }

    /**
     * The unclipped bandwidth of kernel i next to the prior or a bound: the larger distance to its
     * neighbours in the order with the prior kernel ({@code pp} data kernels before it) and the
     * range's ends; without "consider endpoints" the outermost kernels take their one neighbour.
     */
    private double edgeSigma(int i) {
        double here = mu[i];
        double prev = i == pp ? priorMu : i == 0 ? lo : mu[i - 1];
        double next = i + 1 == pp ? priorMu : i + 1 < m ? mu[i + 1] : (pp == m ? priorMu : hi);
        double s = Math.max(here - prev, next - here);
        if (!considerEndpoints) {
            int j = i < pp ? i : i + 1; // position in the with-prior order, 0..m
            if (j == 0) s = wp(1) - wp(0);
            else if (j == m) s = wp(m) - wp(m - 1);
        }
        return s;
    }

    private double wp(int j) {
        return j < pp ? mu[j] : j == pp ? priorMu : mu[j - 1];
    }

    /** Ranked mode: kernels of rank below {@code rampEnd} weigh alpha + beta·rank (Optuna's linspace from 1/m to 1), the others 1. */
    private int rampEnd;
    private double alpha, beta;

    /** Sets the ramp for the current count (none unless ranked with more than 25 kernels). */
    private void ramp() {
        rampEnd = ranked && m > 25 ? m - 25 : 0;
        alpha = rampEnd > 0 ? 1.0 / m : 0;
        beta = rampEnd > 1 ? (1.0 - 1.0 / m) / (rampEnd - 1) : 0;
    }

    /** Kernels of rank below this weigh less than 1; 0 unless ranked. */
    int rampEnd() {
        return rampEnd;
    }

    double alpha() {
        return alpha;
    }

    double beta() {
        return beta;
    }

    /** Kernel i's weight (before dividing by the total). */
    double weight(int i) {
        if (!ranked) return w[i];
        int r = rank[i];
        return r < rampEnd ? alpha + beta * r : 1.0;
    }

    /** 1 / kernel i's normalizer, from the cache when its bandwidth is the cached one. */
    double zInvOf(int i) {
        double z = zInv[i];
        if (z == z) return z;
        int o = ranked && zCache != null ? 2 * obsK[i] : -1;
        if (o >= 0 && zCache[o] == sigma[i]) {
            z = zCache[o + 1];
        } else {
            z = 1.0 / TpeMath.normalizer(mu[i], sigma[i], lo, hi);
            if (o >= 0) {
                zCache[o] = sigma[i];
                zCache[o + 1] = z;
            }
        }
        zInv[i] = z;
        return z;
    }

    /** The index of the kernel of rank r (its value is known; equal values are told apart by rank). */
    int indexOfRank(int r) {
        double v = muOfRank[r];
        int a = 0, e = m;
        while (a < e) {
            int mid = (a + e) >>> 1;
            if (mu[mid] < v) a = mid + 1; else e = mid;
        }
        while (rank[a] != r) a++;
        return a;
    }

    /** Test view: means, bandwidths, ranks and observations. */
    void describe(StringBuilder sb) {
        for (int i = 0; i < m; i++) {
            sb.append(mu[i]).append(' ').append(sigma[i]).append(' ').append(ranked ? rank[i] : -1).append(' ')
                    .append(ranked ? obsK[i] : -1).append('\n');
        }
    }
}
