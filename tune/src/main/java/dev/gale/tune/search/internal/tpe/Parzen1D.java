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
 * fall back to {@link #logPdf} where it cannot.
 */
final class Parzen1D {
    private ParamSpec p;
    private int m;
    private double[] mu = new double[16];
    private double[] sigma = new double[16];
    private double[] w = new double[16];      // weights mode: the kernels' weights
    private double[] invs = new double[16];   // 1 / sigma
    private double[] zInv = new double[16];   // lazily: 1 / the kernel's normalizer; NaN until needed
    private double[] c = new double[16];      // the kernel's factor w / (W Z) (/ (sigma sqrt(2 pi)) if continuous), valid when cGen == gen
    private int[] cGen = new int[16];
    private int gen;
    private double[] sufSig = new double[16]; // max sigma over [j, m), computed on first use
    private double[] preSig = new double[16]; // max sigma over [0, j], computed on first use
    private boolean sufReady, preReady;
    private double priorMu, priorSigma, priorA, totalW, logAmaxCount, half, priorWeight, lo, hi, span, minSigma, maxW;
    /** Data kernels at or below the prior's centre. */
    private int pp;
    private boolean considerEndpoints;
    /** Kernels whose share of the sum is provably below e^-TAIL are skipped. */
    private static final double TAIL = 20.0;
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2 * Math.PI);

    // ranked mode (the "above" estimator): weights are Optuna's default weights by rank
    private boolean ranked;
    private int[] rank = new int[16];
    private int[] obsK = new int[16];          // the kernel's observation, or -1 (a pending trial)
    private double[] muOfRank = new double[16];
    private double[] zCache;                   // the caller's normalizer cache, by observation (see fitRanked)
    private boolean appendable;

    /**
     * Fits the estimator with explicit weights.
     *
     * @param spec       the parameter
     * @param sortedMus  the observations' internal values, ascending (first {@code count})
     * @param rawWeights the observations' weights, aligned with {@code sortedMus}
     */
    void fit(ParamSpec spec, double[] sortedMus, double[] rawWeights, int count, double priorWeight,
             boolean considerEndpoints, boolean magicClip) {
        begin(spec, sortedMus, count, priorWeight, considerEndpoints, magicClip);
        ranked = false;
        appendable = false;
        zCache = null;
        double total = priorWeight;
        double max = priorWeight;
        for (int i = 0; i < count; i++) {
            double wi = rawWeights[i];
            w[i] = wi;
            total += wi;
            if (wi > max) max = wi;
        }
        totalW = total;
        maxW = max;
        finishFit(magicClip);
    }

    /**
     * Fits the estimator with Optuna's default weights: kernel i weighs
     * {@code TpeMath.defaultWeight(ranks[i], count)}, its rank being its place in completion order
     * (pending trials last). {@code obsOf[i]} is kernel i's observation (or -1), and for
     * observation {@code o}, {@code zCache[2o + 1]} is the reciprocal of its normalizer for the
     * bandwidth {@code zCache[2o]} (reused when the bandwidth is the same, refreshed otherwise).
     * With {@code appendable} (no pending kernel) observations completed later may be added with
     * {@link #append}, leaving the estimator exactly as a fresh fit would.
     */
    void fitRanked(ParamSpec spec, double[] sortedMus, int[] ranks, int[] obsOf, int count, double priorWeight,
                   boolean considerEndpoints, boolean magicClip, double[] zCache, boolean appendable) {
        begin(spec, sortedMus, count, priorWeight, considerEndpoints, magicClip);
        ranked = true;
        this.zCache = zCache;
        System.arraycopy(ranks, 0, rank, 0, count);
        System.arraycopy(obsOf, 0, obsK, 0, count);
        if (muOfRank.length < count + 1) muOfRank = new double[Math.max(count + 1, 2 * muOfRank.length)];
        for (int i = 0; i < count; i++) muOfRank[ranks[i]] = sortedMus[i];
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

    private void begin(ParamSpec spec, double[] sortedMus, int count, double priorWeight, boolean considerEndpoints, boolean magicClip) {
        this.p = spec;
        this.m = count;
        this.priorWeight = priorWeight;
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

    private void ensure(int count) {
        if (mu.length >= count) return;
        int cap = Math.max(count, mu.length * 2);
        mu = java.util.Arrays.copyOf(mu, cap);
        sigma = java.util.Arrays.copyOf(sigma, cap);
        w = java.util.Arrays.copyOf(w, cap);
        invs = java.util.Arrays.copyOf(invs, cap);
        zInv = java.util.Arrays.copyOf(zInv, cap);
        rank = java.util.Arrays.copyOf(rank, cap);
        obsK = java.util.Arrays.copyOf(obsK, cap);
        c = new double[cap];
        cGen = new int[cap];
        gen++; // every cached factor is stale
        sufSig = new double[cap];
        preSig = new double[cap];
        dIdx = java.util.Arrays.copyOf(dIdx, cap);
        dPre = new double[cap];
        dSuf = new double[cap];
    }

    /** How many data kernels have a mean at or below x. */
    private int upperBound(double x) {
        int a = 0, b = m;
        while (a < b) {
            int mid = (a + b) >>> 1;
            if (mu[mid] <= x) a = mid + 1; else b = mid;
        }
        return a;
    }

    /** Kernel i's bandwidth: the larger distance to its neighbours (see {@link #edgeSigma}), clipped to [minSigma, span]. */
    private double bandwidth(int i) {
        double s;
        if (i == 0 || i == pp - 1 || i == pp || i == m - 1) {
            s = edgeSigma(i, pp, m, lo, hi, considerEndpoints);
        } else { // both neighbours are data kernels
            double here = mu[i];
            double left = here - mu[i - 1];
            double right = mu[i + 1] - here;
            s = left >= right ? left : right;
        }
        return s > span ? span : s < minSigma ? minSigma : s; // min(max, max(min, s)), min ≤ max
    }

    private void finishFit(boolean magicClip) {
        gen++;
        sufReady = false;
        preReady = false;
        refreshConstants();
        fast = half == 0 && m >= EXPANSION_MIN && magicClip;
        if (fast) buildCells();
    }

    /** The prior's factor and the tail-cut constant, from totalW, maxW and the count. */
    private void refreshConstants() {
        priorA = priorWeight / totalW / Math.exp(TpeMath.logZ(priorMu, priorSigma, lo, hi))
                * (half > 0 ? 1.0 : INV_SQRT_2PI / priorSigma);
        // an upper bound of any data kernel's factor a (Z >= 0.34 since every mean lies in the
        // range and sigma <= span), times the number of kernels
        double amax = maxW / totalW / 0.34 * (half > 0 ? p.step() * INV_SQRT_2PI / minSigma
                : INV_SQRT_2PI / minSigma);
        logAmaxCount = Math.log(amax * Math.max(1, m));
    }

    // ---- the Hermite-expansion evaluation of many kernels of one bandwidth ----

    /** At least this many kernels before kernels of the clipped bandwidth are summed by cells. */
    static final int EXPANSION_MIN = 384;

    /** Whether the last fit summed the common-bandwidth kernels by cells ({@link #approx}). */
    private boolean fast;
    private final HermiteCells cells = new HermiteCells();
    private int[] dIdx = new int[16];         // the other kernels (their own bandwidth), ascending
    private double[] dPre = new double[16];   // max sigma over dIdx[0..j]
    private double[] dSuf = new double[16];   // max sigma over dIdx[j..nd)
    private int nd;
    private boolean dReady;
    private final double[] acc0 = new double[HermiteCells.P];
    private final double[] acc1 = new double[HermiteCells.P];
    private final double[] accF = new double[HermiteCells.P];

    private void buildCells() {
        double s0 = minSigma;
        cells.reset(s0, lo, span);
        nd = 0;
        int from = 0;
        int cur = -1;
        for (int i = 0; i < m; i++) {
            if (sigma[i] != s0) {
                dIdx[nd++] = i;
                continue;
            }
            int b = cells.cellOf(mu[i]);
            if (b != cur) {
                if (cur >= 0) storeCell(cur, from, i);
                cur = b;
                from = i;
            }
        }
        if (cur >= 0) storeCell(cur, from, m);
        dReady = false;
    }

    /** The first kernel index of cell b or a later one. */
    private int firstOfCell(int b) {
        int a = 0, e = m;
        while (a < e) {
            int mid = (a + e) >>> 1;
            if (cells.cellOf(mu[mid]) < b) a = mid + 1; else e = mid;
        }
        return a;
    }

    /** Recomputes cell b's moments from its kernels (indices [from, to) hold them and maybe others of their own bandwidth). */
    private void storeCell(int b, int from, int to) {
        java.util.Arrays.fill(acc0, 0);
        java.util.Arrays.fill(acc1, 0);
        java.util.Arrays.fill(accF, 0);
        double s0 = cells.bandwidth();
        int rampEnd = rampEnd();
        for (int i = from; i < to; i++) {
            if (sigma[i] != s0) continue;
            double t = zInvOf(i);
            double u = cells.offset(b, mu[i]);
            if (ranked && rank[i] < rampEnd) {
                powers(acc0, t, u);
                powers(acc1, rank[i] * t, u);
            } else {
                powers(accF, ranked ? t : w[i] * t, u);
            }
        }
        cells.store(b, acc0, acc1, accF);
    }

    private static void powers(double[] acc, double a, double u) {
        double u2 = u * u;
        double p1 = a * u;
        double p2 = a * u2;
        acc[0] += a;
        acc[1] += p1;
        acc[2] += p2;
        acc[3] += p1 * u2;
        acc[4] += p2 * u2;
        acc[5] += p1 * (u2 * u2);
    }

    /** Ranked mode: kernels of rank below this weigh less than 1 (Optuna's ramp); 0 otherwise. */
    private int rampEnd() {
        return ranked && m > 25 ? m - 25 : 0;
    }

    /** 1 / kernel i's normalizer, from the cache when its bandwidth is the cached one. */
    private double zInvOf(int i) {
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
     * count): bandwidths change only next to it and at the edges, one kernel moves into the ramp of
     * the weights, and only the cells of kernels that changed are recomputed. The estimator is
     * then exactly what {@link #fitRanked} gives for the longer list.
     */
    void append(double v, int obs, double[] zCache) {
        if (!appendable) throw new IllegalStateException("append needs a ranked fit without pending kernels");
        this.zCache = zCache;
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
        if (muOfRank.length < m + 1) muOfRank = java.util.Arrays.copyOf(muOfRank, 2 * (m + 1));
        muOfRank[m] = v;
        int oldRampEnd = rampEnd();
        m++;
        if (v <= priorMu) pp++;
        for (int j = 0; j < nd; j++) if (dIdx[j] >= q) dIdx[j]++;
        touched = 0;
        double s0 = cells.bandwidth();
        // kernels whose weight moved from 1 into the ramp
        for (int r = oldRampEnd; r < rampEnd(); r++) {
            int i = indexOfRank(r);
            if (sigma[i] == s0) touch(cells.cellOf(mu[i]));
        }
        // a bandwidth depends only on the kernel's neighbours in the order of the range's ends, the
        // prior's centre and the data: only the new kernel and the two beside it have new ones
        for (int i = Math.max(0, q - 1), end = Math.min(m, q + 2); i < end; i++) {
            double ns = bandwidth(i);
            double os = sigma[i];
            if (ns == os) continue; // the new kernel's NaN never equals
            if (os == s0) touch(cells.cellOf(mu[i]));
            else if (os == os) removeDirect(i);
            sigma[i] = ns;
            invs[i] = 1.0 / ns;
            zInv[i] = Double.NaN;
            if (ns == s0) touch(cells.cellOf(mu[i]));
            else addDirect(i);
        }
        for (int t = 0; t < touched; t++) {
            int b = touchedCells[t];
            storeCell(b, firstOfCell(b), firstOfCell(b + 1));
        }
        totalW = rankedTotal(m, priorWeight);
        gen++;
        sufReady = false;
        preReady = false;
        dReady = false;
        cells.invalidate();
        refreshConstants();
    }

    private final int[] touchedCells = new int[32];
    private int touched;

    private void touch(int b) {
        for (int t = 0; t < touched; t++) if (touchedCells[t] == b) return;
        touchedCells[touched++] = b;
    }

    /** The index of the kernel of rank r (its value is known; equal values are told apart by rank). */
    private int indexOfRank(int r) {
        double v = muOfRank[r];
        int a = 0, e = m;
        while (a < e) {
            int mid = (a + e) >>> 1;
            if (mu[mid] < v) a = mid + 1; else e = mid;
        }
        while (rank[a] != r) a++;
        return a;
    }

    private void removeDirect(int i) {
        int j = java.util.Arrays.binarySearch(dIdx, 0, nd, i);
        System.arraycopy(dIdx, j + 1, dIdx, j, nd - j - 1);
        nd--;
    }

    private void addDirect(int i) {
        int j = -java.util.Arrays.binarySearch(dIdx, 0, nd, i) - 1;
        System.arraycopy(dIdx, j, dIdx, j + 1, nd - j);
        dIdx[j] = i;
        nd++;
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
        if (!cells.prepared()) {
            int ramp = rampEnd();
            double alpha = ramp > 0 ? 1.0 / m : 0;
            double beta = ramp > 1 ? (1.0 - alpha) / (ramp - 1) : 0;
            cells.prepare(alpha, beta, INV_SQRT_2PI / cells.bandwidth() / totalW);
        }
        if (!dReady) {
            double run = 0;
            for (int j = 0; j < nd; j++) {
                run = Math.max(run, sigma[dIdx[j]]);
                dPre[j] = run;
            }
            run = 0;
            for (int j = nd - 1; j >= 0; j--) {
                run = Math.max(run, sigma[dIdx[j]]);
                dSuf[j] = run;
            }
            dReady = true;
        }
        double sum = term(x, priorMu, priorSigma, priorA) + cells.eval(x);
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

    /**
     * The unclipped bandwidth of kernel i next to the prior or a bound: the larger distance to its
     * neighbours in the order with the prior kernel ({@code pp} data kernels before it) and the
     * range's ends; without "consider endpoints" the outermost kernels take their one neighbour.
     */
    private double edgeSigma(int i, int pp, int count, double lo, double hi, boolean considerEndpoints) {
        double here = mu[i];
        double prev = i == pp ? priorMu : i == 0 ? lo : mu[i - 1];
        double next = i + 1 == pp ? priorMu : i + 1 < count ? mu[i + 1] : (pp == count ? priorMu : hi);
        double s = Math.max(here - prev, next - here);
        if (!considerEndpoints) {
            int j = i < pp ? i : i + 1; // position in the with-prior order, 0..count
            if (j == 0) s = wp(1, pp) - wp(0, pp);
            else if (j == count) s = wp(count, pp) - wp(count - 1, pp);
        }
        return s;
    }

    private double wp(int j, int pp) {
        return j < pp ? mu[j] : j == pp ? priorMu : mu[j - 1];
    }

    /** Kernel i's weight (before dividing by the total). */
    private double weight(int i) {
        return ranked ? TpeMath.defaultWeight(rank[i], m) : w[i];
    }

    /** A draw from the mixture (on the parameter's grid when discrete). */
    double sample(SplittableRandom rng) {
        double u = rng.nextDouble() * totalW;
        int k = -1;
        for (int i = 0; i < m; i++) {
            u -= weight(i);
            if (u < 0) {
                k = i;
                break;
            }
        }
        double km = k < 0 ? priorMu : mu[k];
        double ks = k < 0 ? priorSigma : sigma[k];
        double v = TpeMath.sampleTruncated(rng, km, ks, p.lo(), p.hi());
        return p.snap(v);
    }

    private double kernelA(int i) {
        if (cGen[i] == gen) return c[i];
        double v = weight(i) / totalW * zInvOf(i);
        if (half == 0) v *= INV_SQRT_2PI / sigma[i];
        c[i] = v;
        cGen[i] = gen;
        return v;
    }

    /** Data kernel j's density (mass when discrete) at x, in linear scale. */
    private double kernelTerm(double x, int j) {
        double a = kernelA(j);
        if (half == 0) {
            double z = (x - mu[j]) * invs[j];
            return a * TpeMath.expNegHalf(z * z);
        }
        double is = invs[j];
        return a * TpeMath.massBetween((x - half - mu[j]) * is, (x + half - mu[j]) * is);
    }

    /** The kernel's density (mass when discrete) at x, in linear scale. */
    private double term(double x, double km, double ks, double ka) {
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
        double sum = term(x, priorMu, priorSigma, priorA);
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
        return m;
    }

    /** Test view: the kernels' means, bandwidths, ranks (ranked mode) and the direct kernels, to compare two estimators. */
    String state() {
        StringBuilder sb = new StringBuilder();
        sb.append("m=").append(m).append(" pp=").append(pp).append(" total=").append(totalW).append(" fast=").append(fast).append('\n');
        for (int i = 0; i < m; i++) {
            sb.append(mu[i]).append(' ').append(sigma[i]).append(' ').append(ranked ? rank[i] : -1).append(' ')
                    .append(ranked ? obsK[i] : -1).append('\n');
        }
        sb.append("direct ").append(java.util.Arrays.toString(java.util.Arrays.copyOf(dIdx, nd)));
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Parzen1D" + Arrays.toString(Arrays.copyOf(mu, m));
    }
}
