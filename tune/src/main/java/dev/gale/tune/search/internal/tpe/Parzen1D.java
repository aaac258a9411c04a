package dev.gale.tune.search.internal.tpe;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A univariate Parzen estimator of one numeric parameter, as Optuna's: one truncated normal per
 * observation (discretized when the parameter has a step) plus a prior kernel centred on the
 * range with sigma = span, bandwidths from the distance to the neighbours ("consider endpoints"
 * optional) clipped to {@code [span / min(100, 1 + kernels), span]} (the "magic clip").
 *
 * <p>A reusable buffer: {@link #fit} (explicit weights) and {@link #fitRanked} (Optuna's default
 * weights by completion rank, as the "above" estimator has them) overwrite it; after a ranked fit
 * without pending kernels, {@link #append} adds the kernel of a later observation in O(log n)
 * plus array shifts, touching only the bandwidths and cells that change, and leaves exactly the
 * estimator a fresh fit would give (the same kernels, bandwidths, cell sums and densities, to the
 * bit: the total weight is a function of the count, and every cell sum is recomputed from its
 * kernels in order). Evaluating the log density exactly
 * ({@link #logPdf}) visits the kernels outward from the query point and stops once the remaining
 * kernels provably add less than e^-20 of the mixture, so with narrow kernels (many observations)
 * it touches only the neighbourhood of the point. Kernels are summed in linear scale; normalizing
 * constants are computed lazily per kernel.
 *
 * <p>With many kernels of a continuous parameter most bandwidths sit at the clip floor, and
 * {@link #approx} sums those kernels by cells of half that bandwidth ({@link HermiteCells}), with
 * a rigorous bound; the other kernels are summed directly. Callers use the bound to decide, and
 * fall back to {@link #logPdf} where it cannot. Which kernels go to the cells and which are summed
 * directly, and keeping both current as kernels are appended, is {@link CellSummedKernels}' job.
 */
final class Parzen1D {
    private final Kernels1D kern = new Kernels1D();
    private double[] c = new double[16];      // the kernel's factor w / (W Z) (/ (sigma sqrt(2 pi)) if continuous), valid when cGen == gen
    private int[] cGen = new int[16];
    private int gen;
    private double[] sufSig = new double[16]; // max sigma over [j, m), computed on first use
    private double[] preSig = new double[16]; // max sigma over [0, j], computed on first use
    private boolean sufReady, preReady;
    private double priorA, totalW, logAmaxCount, priorWeight, maxW;
    private boolean appendable;
    /** Kernels whose share of the sum is provably below e^-TAIL are skipped. */
    private static final double TAIL = 20.0;
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2 * Math.PI);

    /**
     * Fits the estimator with explicit weights.
     *
     * @param spec       the parameter
     * @param sortedMus  the observations' internal values, ascending (first {@code count})
     * @param rawWeights the observations' weights, aligned with {@code sortedMus}
     */
    void fit(ParamSpec spec, double[] sortedMus, double[] rawWeights, int count, double priorWeight,
             boolean considerEndpoints, boolean magicClip) {
        kern.load(spec, sortedMus, count, considerEndpoints, magicClip);
        kern.weights(rawWeights);
        this.priorWeight = priorWeight;
        appendable = false;
        double total = priorWeight;
        double max = priorWeight;
        for (int i = 0; i < count; i++) {
            double wi = rawWeights[i];
            total += wi;
            if (wi > max) max = wi;
        }
        totalW = total;
        maxW = max;
        finishFit(magicClip);
    }

    /**
     * Fits the estimator with Optuna's default weights: kernel i weighs
     * {@code TpeMath.defaultWeight(ranks[i], count)} (as alpha + beta·rank), its rank being its place in completion order
     * (pending trials last). {@code obsOf[i]} is kernel i's observation (or -1), and for
     * observation {@code o}, {@code zCache[2o + 1]} is the reciprocal of its normalizer for the
     * bandwidth {@code zCache[2o]} (reused when the bandwidth is the same, refreshed otherwise).
     * With {@code appendable} (no pending kernel) observations completed later may be added with
     * {@link #append}, leaving the estimator exactly as a fresh fit would.
     */
    void fitRanked(ParamSpec spec, double[] sortedMus, int[] ranks, int[] obsOf, int count, double priorWeight,
                   boolean considerEndpoints, boolean magicClip, double[] zCache, boolean appendable) {
        kern.load(spec, sortedMus, count, considerEndpoints, magicClip);
        kern.ranks(ranks, obsOf, zCache);
        this.priorWeight = priorWeight;
        totalW = rankedTotal(count, priorWeight);
        maxW = count > 0 ? Math.max(priorWeight, 1.0) : priorWeight;
        finishFit(magicClip);
        this.appendable = appendable && fast;
    }

    /** Optuna's default weights of {@code count} kernels summed (a function of the count alone), plus the prior's. */
    static double rankedTotal(int count, double priorWeight) {
        if (count < 25) return priorWeight + count;
        int ramp = count - 25;
        double lo = 1.0 / count;
        double rampSum = ramp == 0 ? 0 : ramp == 1 ? lo : ramp * (1.0 + lo) / 2;
        return priorWeight + 25 + rampSum;
    }

    /** Scratch arrays as long as the kernels'. */
    private void fitScratch() {
        int cap = kern.capacity();
        if (c.length >= cap) return;
        c = new double[cap];
        cGen = new int[cap];
        sufSig = new double[cap];
        preSig = new double[cap];
        cellSums.grow(cap);
    }

    private void finishFit(boolean magicClip) {
        fitScratch();
        gen++;
        sufReady = false;
        preReady = false;
        refreshConstants();
        fast = kern.half == 0 && kern.m >= EXPANSION_MIN && magicClip;
        if (fast) cellSums.build(kern);
    }

    /** The prior's factor and the tail-cut constant, from totalW, maxW and the count. */
    private void refreshConstants() {
        Kernels1D k = kern;
        priorA = priorWeight / totalW / Math.exp(TpeMath.logZ(k.priorMu, k.priorSigma, k.lo, k.hi))
                * (k.half > 0 ? 1.0 : INV_SQRT_2PI / k.priorSigma);
        // an upper bound of any data kernel's factor a (Z >= 0.34 since every mean lies in the
        // range and sigma <= span), times the number of kernels
        double amax = maxW / totalW / 0.34 * (k.half > 0 ? k.p.step() * INV_SQRT_2PI / k.minSigma
                : INV_SQRT_2PI / k.minSigma);
        logAmaxCount = Math.log(amax * Math.max(1, k.m));
    }

    // ---- the Hermite-expansion evaluation of many kernels of one bandwidth ----

    /** At least this many kernels before kernels of the clipped bandwidth are summed by cells. */
    static final int EXPANSION_MIN = 384;

    /** Whether the last fit summed the common-bandwidth kernels by cells ({@link #approx}). */
    private boolean fast;
    /** The kernels of the clip floor by cells and the others by index, when {@link #fast}. */
    private final CellSummedKernels cellSums = new CellSummedKernels();

    /** Whether {@link #approx} is available (a continuous parameter with many kernels). */
    boolean fast() {
        return fast;
    }

    /** Whether {@link #append} may be called (a ranked fit without pending kernels, summed by cells). */
    boolean appendable() {
        return appendable;
    }

    /**
     * Adds the kernel of an observation completed after every kernel so far (its rank is the
     * count): bandwidths change only beside it, one kernel moves into the ramp of the weights, and
     * only the cells of kernels that changed are recomputed. The estimator is then exactly what
     * {@link #fitRanked} gives for the longer list.
     */
    void append(double v, int obs, double[] zCache) {
        if (!appendable) throw new IllegalStateException("append needs a ranked fit without pending kernels");
        Kernels1D k = kern;
        k.zCache = zCache;
        int oldRampEnd = k.rampEnd();
        int q = k.insert(v, obs);
        fitScratch();
        cellSums.inserted(k, q, oldRampEnd);
        totalW = rankedTotal(k.m, priorWeight);
        gen++;
        sufReady = false;
        preReady = false;
        refreshConstants();
    }

    /** The error bound of the last {@link #approx} call: the density lies within ± this of its value. */
    double approxError;

    /**
     * The mixture density at {@code x} (not its log) with the common-bandwidth kernels summed by
     * cells; {@link #approxError} is set to a rigorous bound of the difference from the exact sum
     * (expansion remainders, cells too far to visit, the far kernels of other bandwidths and
     * rounding). Only when {@link #fast()}.
     */
    double approx(double x) {
        Kernels1D k = kern;
        double[] mu = k.mu;
        double[] sigma = k.sigma;
        HermiteCells cells = cellSums.cells;
        if (!cells.prepared()) cells.prepare(k.alpha(), k.beta(), INV_SQRT_2PI / cells.bandwidth() / totalW);
        cellSums.prepareDirect(sigma);
        int[] dIdx = cellSums.dIdx;
        double[] dPre = cellSums.dPre;
        double[] dSuf = cellSums.dSuf;
        int nd = cellSums.nd;
        double sum = term(x, k.priorMu, k.priorSigma, priorA) + cells.eval(x);
        double err = cells.error;
        // the kernels of other bandwidths, outward from x, until the rest weigh < e^-TAIL of the sum
        if (nd > 0) {
            int a = 0, e = nd;
            while (a < e) {
                int mid = (a + e) >>> 1;
                if (mu[dIdx[mid]] < x) a = mid + 1; else e = mid;
            }
            double cut2 = cut2(Math.max(sum - err, Double.MIN_NORMAL));
            int visited = 1;
            boolean cutR = false, cutL = false;
            for (int j = a; j < nd; j++) {
                int i = dIdx[j];
                if ((visited++ & 31) == 0) cut2 = cut2(Math.max(sum - err, Double.MIN_NORMAL));
                double dist = mu[i] - x;
                if (dist > 0 && dist * dist > cut2 * dSuf[j] * dSuf[j]) {
                    cutR = true;
                    break;
                }
                sum += kernelTerm(x, i);
            }
            cut2 = cut2(Math.max(sum - err, Double.MIN_NORMAL));
            visited = 1;
            for (int j = a - 1; j >= 0; j--) {
                int i = dIdx[j];
                if ((visited++ & 31) == 0) cut2 = cut2(Math.max(sum - err, Double.MIN_NORMAL));
                double dist = x - mu[i];
                if (dist > 0 && dist * dist > cut2 * dPre[j] * dPre[j]) {
                    cutL = true;
                    break;
                }
                sum += kernelTerm(x, i);
            }
            if (cutR || cutL) err += 2 * Math.exp(-TAIL) * sum;
        }
        approxError = err + 1e-10 * sum; // expNegHalf's relative error is below 1e-11
        return sum;
    }

    /** A draw from the mixture (on the parameter's grid when discrete). */
    double sample(SplittableRandom rng) {
        Kernels1D k = kern;
        double u = rng.nextDouble() * totalW;
        int pick = -1;
        for (int i = 0; i < k.m; i++) {
            u -= k.weight(i);
            if (u < 0) {
                pick = i;
                break;
            }
        }
        double km = pick < 0 ? k.priorMu : k.mu[pick];
        double ks = pick < 0 ? k.priorSigma : k.sigma[pick];
        double v = TpeMath.sampleTruncated(rng, km, ks, k.p.lo(), k.p.hi());
        return k.p.snap(v);
    }

    private double kernelA(int i) {
        if (cGen[i] == gen) return c[i];
        double v = kern.weight(i) / totalW * kern.zInvOf(i);
        if (kern.half == 0) v *= INV_SQRT_2PI / kern.sigma[i];
        c[i] = v;
        cGen[i] = gen;
        return v;
    }

    /** Data kernel j's density (mass when discrete) at x, in linear scale. */
    private double kernelTerm(double x, int j) {
        double a = kernelA(j);
        Kernels1D k = kern;
        double half = k.half;
        if (half == 0) {
            double z = (x - k.mu[j]) * k.invs[j];
            return a * TpeMath.expNegHalf(z * z);
        }
        double is = k.invs[j];
        return a * TpeMath.massBetween((x - half - k.mu[j]) * is, (x + half - k.mu[j]) * is);
    }

    /** The kernel's density (mass when discrete) at x, in linear scale. */
    private double term(double x, double km, double ks, double ka) {
        double half = kern.half;
        if (half == 0) {
            double z = (x - km) / ks;
            return ka * TpeMath.expNegHalf(z * z);
        }
        return ka * TpeMath.massBetween((x - half - km) / ks, (x + half - km) / ks);
    }

    /**
     * log of the mixture density (probability mass when discrete) at {@code x}: the prior, then
     * the {@link #partial} neighbourhood, then the {@link #finish rest}.
     */
    double logPdf(double x) {
        long next = partial(x);
        return finish(x, partialSum, (int) (next >>> 32), (int) next);
    }

    /** The sum found by the last {@link #partial} call. */
    double partialSum;

    /**
     * First phase of {@link #logPdf}: sets {@link #partialSum} to the prior plus the kernels
     * within 3 of their sigma of {@code x} going outward (at most 1024 on each side), a lower bound
     * of the density; returns where {@link #finish} resumes, packed as
     * {@code (nextRight << 32) | (nextLeft + 1)}.
     */
    long partial(double x) {
        Kernels1D k = kern;
        double[] mu = k.mu;
        double[] sigma = k.sigma;
        int m = k.m;
        double half = k.half;
        double sum = term(x, k.priorMu, k.priorSigma, priorA);
        int a = 0, e = m;
        while (a < e) {
            int mid = (a + e) >>> 1;
            if (mu[mid] < x) a = mid + 1; else e = mid;
        }
        int pos = a;
        int r = pos;
        for (int end = Math.min(m, pos + 1024); r < end; r++) {
            if (mu[r] - x - half > 3.0 * sigma[r]) break;
            sum += kernelTerm(x, r);
        }
        int l = pos - 1;
        for (int end = Math.max(0, pos - 1024); l >= end; l--) {
            if (x - mu[l] - half > 3.0 * sigma[l]) break;
            sum += kernelTerm(x, l);
        }
        partialSum = sum;
        return ((long) r << 32) | (l + 1);
    }

    /**
     * Second phase of {@link #logPdf}: adds the kernels from {@code r} rightward and from
     * {@code l1 - 1} leftward to {@code sum}, stopping on each side once the remaining kernels
     * provably weigh less than e^-20 of the sum so far; returns the log.
     */
    double finish(double x, double sum, int r, int l1) {
        Kernels1D k = kern;
        double[] mu = k.mu;
        double[] sigma = k.sigma;
        int m = k.m;
        double half = k.half;
        if (!sufReady) {
            double running = 0;
            for (int i = m - 1; i >= 0; i--) {
                running = Math.max(running, sigma[i]);
                sufSig[i] = running;
            }
            sufReady = true;
        }
        if (!preReady) {
            double running = 0;
            for (int i = 0; i < m; i++) {
                running = Math.max(running, sigma[i]);
                preSig[i] = running;
            }
            preReady = true;
        }
        double cut2 = cut2(sum);
        int visited = 1;
        for (int j = r; j < m; j++) {
            if ((visited++ & 31) == 0) cut2 = cut2(sum);
            double dist = mu[j] - x - half;
            if (dist > 0) {
                double sg = sufSig[j];
                if (dist * dist > cut2 * sg * sg) break;
            }
            sum += kernelTerm(x, j);
        }
        cut2 = cut2(sum);
        visited = 1;
        for (int j = l1 - 1; j >= 0; j--) {
            if ((visited++ & 31) == 0) cut2 = cut2(sum);
            double dist = x - mu[j] - half;
            if (dist > 0) {
                double sg = preSig[j];
                if (dist * dist > cut2 * sg * sg) break;
            }
            sum += kernelTerm(x, j);
        }
        return Math.log(sum);
    }

    /** Squared scaled distance beyond which all remaining kernels add less than e^-TAIL of {@code sum}. */
    private double cut2(double sum) {
        double r = logAmaxCount - Math.log(sum) + TAIL;
        return r <= 0 ? 0 : 2 * r;
    }

    int count() {
        return kern.m;
    }

    /** Test view: the kernels (means, bandwidths, ranks, observations), the total weight and the directly summed kernels. */
    String state() {
        StringBuilder sb = new StringBuilder();
        sb.append("m=").append(kern.m).append(" pp=").append(kern.pp).append(" total=").append(totalW).append(" fast=").append(fast).append('\n');
        kern.describe(sb);
        sb.append("direct ").append(java.util.Arrays.toString(java.util.Arrays.copyOf(cellSums.dIdx, cellSums.nd)));
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Parzen1D" + Arrays.toString(Arrays.copyOf(kern.mu, kern.m));
    }
}
