package dev.gale.tune.search.internal.tpe;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A univariate Parzen estimator of one numeric parameter, as Optuna's: one truncated normal per
 * observation (discretized when the parameter has a step) plus a prior kernel centred on the
 * range with sigma = span, bandwidths from the distance to the neighbours ("consider endpoints"
 * optional) clipped to {@code [span / min(100, 1 + kernels), span]} (the "magic clip").
 *
 * <p>A reusable buffer: {@link #fit} overwrites it. Evaluating the log density exactly
 * ({@link #logPdf}) visits the kernels outward from the query point and stops once the remaining
 * kernels provably add less than e^-20 of the mixture, so with narrow kernels (many observations)
 * it touches only the neighbourhood of the point. Kernels are summed in linear scale; normalizing
 * constants are computed lazily per kernel.
 *
 * <p>With many kernels of a continuous parameter most bandwidths sit at the clip floor, and
 * {@link #approx} sums those kernels by cells of half that bandwidth: each cell keeps the first 6
 * moments of its kernels, and its contribution at x is a 6-term Hermite expansion (one exp per
 * cell instead of one per kernel), with a rigorous bound of the truncation (Cramér's inequality),
 * of the cells too far to visit and of rounding. The other kernels are summed directly. Callers
 * use the bound to decide, and fall back to {@link #logPdf} where it cannot.
 */
final class Parzen1D {
    private ParamSpec p;
    private int m;
    private double[] mu = new double[16];
    private double[] sigma = new double[16];
    private double[] w = new double[16];
    private double[] invs = new double[16];   // lazily with c: 1 / sigma
    private double[] c = new double[16];      // lazily: w / (W Z) (/ (sigma sqrt(2 pi)) if continuous); NaN until needed
    private double[] sufSig = new double[16]; // max sigma over [j, m)
    private double[] preSig = new double[16]; // max sigma over [0, j]
    private boolean sufReady; // sufSig is computed on first use after a fit
    private double priorMu, priorSigma, priorA, totalW, logAmaxCount, half;
    /** Kernels whose share of the sum is provably below e^-TAIL are skipped. */
    private static final double TAIL = 20.0;
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2 * Math.PI);

    /**
     * Fits the estimator.
     *
     * @param spec       the parameter
     * @param sortedMus  the observations' internal values, ascending (first {@code count})
     * @param rawWeights the observations' weights, aligned with {@code sortedMus}
     */
    void fit(ParamSpec spec, double[] sortedMus, double[] rawWeights, int count, double priorWeight,
             boolean considerEndpoints, boolean magicClip) {
        fit(spec, sortedMus, rawWeights, count, priorWeight, considerEndpoints, magicClip, null, null);
    }

    /**
     * As {@link #fit(ParamSpec, double[], double[], int, double, boolean, boolean)}, with a cache of
     * kernels' normalizing constants: {@code obsOf[i]} is kernel i's observation (or -1), and for
     * observation {@code o}, {@code zCache[2o + 1]} is the reciprocal of its normalizer for the
     * bandwidth {@code zCache[2o]} (reused when the bandwidth is the same, refreshed otherwise).
     * Either may be null.
     */
    void fit(ParamSpec spec, double[] sortedMus, double[] rawWeights, int count, double priorWeight,
             boolean considerEndpoints, boolean magicClip, int[] obsOf, double[] zCache) {
        this.p = spec;
        this.m = count;
        if (mu.length < count) {
            int cap = Math.max(count, mu.length * 2);
            mu = new double[cap];
            sigma = new double[cap];
            w = new double[cap];
            c = new double[cap];
            invs = new double[cap];
            sufSig = new double[cap];
            preSig = new double[cap];
        }
        System.arraycopy(sortedMus, 0, mu, 0, count);
        double span = spec.span();
        double lo = spec.lo();
        double hi = spec.hi();
        half = spec.step() / 2;
        priorMu = 0.5 * (spec.low() + spec.high());
        priorSigma = span;
        // position of the prior among the sorted means (after equal values)
        int lo0 = 0, hi0 = count;
        while (lo0 < hi0) {
            int mid = (lo0 + hi0) >>> 1;
            if (mu[mid] <= priorMu) lo0 = mid + 1; else hi0 = mid;
        }
        int pp = lo0;
        double minSigma = magicClip ? span / Math.min(100.0, 1.0 + (count + 1)) : 1e-12;
        double maxSigma = span;
        double total = priorWeight;
        double maxW = priorWeight;
        double running = 0;
        for (int i = 0; i < count; i++) {
            double s;
            if (i == 0 || i == pp - 1 || i == pp || i == count - 1) {
                s = edgeSigma(i, pp, count, lo, hi, considerEndpoints);
            } else { // both neighbours are data kernels
                double here = mu[i];
                double left = here - mu[i - 1];
                double right = mu[i + 1] - here;
                s = left >= right ? left : right;
            }
            s = s > maxSigma ? maxSigma : s < minSigma ? minSigma : s; // min(max, max(min, s)), min ≤ max
            sigma[i] = s;
            double wi = rawWeights[i];
            w[i] = wi;
            total += wi;
            if (wi > maxW) maxW = wi;
            c[i] = Double.NaN;
            if (s > running) running = s;
            preSig[i] = running;
        }
        totalW = total;
        sufReady = false;
        priorA = priorWeight / total / Math.exp(TpeMath.logZ(priorMu, priorSigma, lo, hi))
                * (half > 0 ? 1.0 : INV_SQRT_2PI / priorSigma);
        // an upper bound of any data kernel's factor a (Z >= 0.34 since every mean lies in the
        // range and sigma <= span), times the number of kernels
        double amax = maxW / total / 0.34 * (half > 0 ? spec.step() * INV_SQRT_2PI / minSigma
                : INV_SQRT_2PI / minSigma);
        logAmaxCount = Math.log(amax * Math.max(1, count));
        fast = false;
        if (half == 0 && count >= EXPANSION_MIN) buildCells(minSigma, lo, span, obsOf, zCache);
    }

    // ---- the Hermite-expansion evaluation of many kernels of one bandwidth ----

    /** At least this many kernels before kernels of the clipped bandwidth are summed by cells. */
    static final int EXPANSION_MIN = 384;
    /** Terms of each cell's Hermite expansion. */
    private static final int P = 6;
    /** Cell width in units of the common bandwidth (so |u| ≤ 1/4 within a cell). */
    private static final double CELL = 0.5;
    /** Cells evaluated on each side of the query's cell (beyond: bounded, 10.5 bandwidths away). */
    private static final int WINDOW = 21;
    /** Cramér's bound: |He_k(t)| ≤ CRAMER · √(k!) · e^{t²/4}. */
    private static final double CRAMER = 1.0865;
    private static final double[] INV_FACT = new double[P];

    static {
        double f = 1;
        for (int k = 0; k < P; k++) {
            if (k > 0) f *= k;
            INV_FACT[k] = 1.0 / f;
        }
    }

    /** Whether the last fit summed the common-bandwidth kernels by cells ({@link #approx}). */
    private boolean fast;
    private double s0, invS0, cellW, cellLo, hermBound, skipFactor;
    private int nb, nd;
    private double[] cellA = new double[0];   // [b * P + k]: Σ a u^k / k!, u = (mu - centre_b) / s0
    private double[] cellM0 = new double[0];  // Σ a per cell
    private double[] cellPre = new double[0]; // prefix sums of cellM0 (nb + 1)
    private int[] dIdx = new int[16];         // the other kernels (their own bandwidth), ascending
    private double[] dPre = new double[16];   // max sigma over dIdx[0..j]
    private double[] dSuf = new double[16];   // max sigma over dIdx[j..nd)

    private void buildCells(double minSigma, double lo, double span, int[] obsOf, double[] zCache) {
        s0 = minSigma;
        invS0 = 1.0 / s0;
        cellW = CELL * s0;
        cellLo = lo;
        nb = Math.max(1, (int) Math.ceil(span / cellW));
        if (cellM0.length < nb) {
            cellM0 = new double[nb];
            cellA = new double[nb * P];
            cellPre = new double[nb + 1];
        }
        java.util.Arrays.fill(cellM0, 0, nb, 0);
        java.util.Arrays.fill(cellA, 0, nb * P, 0);
        if (dIdx.length < m) {
            dIdx = new int[m];
            dPre = new double[m];
            dSuf = new double[m];
        }
        nd = 0;
        double hi = lo + span;
        double scale = INV_SQRT_2PI / s0;
        double factor = scale / totalW;
        double invCellW = 1.0 / cellW;
        int cur = -1;
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0;
        for (int i = 0; i < m; i++) {
            if (sigma[i] != s0) {
                dIdx[nd++] = i;
                continue;
            }
            double zInv;
            int o = obsOf == null || zCache == null ? -1 : 2 * obsOf[i];
            if (o >= 0 && zCache[o] == s0) {
                zInv = zCache[o + 1];
            } else {
                zInv = 1.0 / TpeMath.normalizer(mu[i], s0, lo, hi);
                if (o >= 0) {
                    zCache[o] = s0;
                    zCache[o + 1] = zInv;
                }
            }
            // the kernel's factor (as kernelA up to rounding: the expansion is bounded, not exact)
            double a = w[i] * zInv * factor;
            double mi = mu[i];
            int b = (int) ((mi - lo) * invCellW);
            if (b >= nb) b = nb - 1;
            if (b != cur) {
                if (cur >= 0) flushCell(cur, a0, a1, a2, a3, a4, a5);
                cur = b;
                a0 = a1 = a2 = a3 = a4 = a5 = 0;
            }
            double u = (mi - (lo + (b + 0.5) * cellW)) * invS0; // |u| ≤ 1/4: mi lies in cell b
            double u2 = u * u;
            double p1 = a * u;
            double p2 = a * u2;
            a0 += a;
            a1 += p1;
            a2 += p2;
            a3 += p1 * u2;
            a4 += p2 * u2;
            a5 += p1 * (u2 * u2);
        }
        if (cur >= 0) flushCell(cur, a0, a1, a2, a3, a4, a5);
        double rMax = 0.25 * (1 + 1e-9);
        cellPre[0] = 0;
        for (int b = 0; b < nb; b++) cellPre[b + 1] = cellPre[b] + cellM0[b];
        // Σ_{k ≥ P} r^k / √k! ≤ r^P / √P! / (1 − r / √(P+1)), times Cramér's constant
        double sqrtFact = Math.sqrt(1.0 / INV_FACT[P - 1] * P);
        hermBound = CRAMER * Math.pow(rMax, P) / sqrtFact / (1 - rMax / Math.sqrt(P + 1)) * 1.01;
        double far = WINDOW * CELL;
        skipFactor = Math.exp(-0.5 * far * far);
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
        fast = true;
    }

    private void flushCell(int b, double a0, double a1, double a2, double a3, double a4, double a5) {
        int o = b * P;
        cellM0[b] += a0;
        cellA[o] += a0;
        cellA[o + 1] += a1;
        cellA[o + 2] += a2 * INV_FACT[2];
        cellA[o + 3] += a3 * INV_FACT[3];
        cellA[o + 4] += a4 * INV_FACT[4];
        cellA[o + 5] += a5 * INV_FACT[5];
    }

    /** Whether {@link #approx} is available (a continuous parameter with many kernels). */
    boolean fast() {
        return fast;
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
        double sum = term(x, priorMu, priorSigma, priorA);
        int bx = (int) Math.floor((x - cellLo) / cellW);
        int from = Math.max(0, bx - WINDOW);
        int to = Math.min(nb - 1, bx + WINDOW);
        double tailMass = 0; // Σ M0 e^{-t²/4} over the visited cells
        double cells = 0;
        if (from <= to) {
            for (int b = from; b <= to; b++) {
                double m0 = cellM0[b];
                if (m0 == 0) continue;
                double t = (x - (cellLo + (b + 0.5) * cellW)) * invS0;
                double t2 = t * t;
                double e = TpeMath.expNegHalf(t2);
                int o = b * P;
                double h0 = 1, h1 = t;
                double acc = cellA[o] + cellA[o + 1] * t;
                for (int k = 2; k < P; k++) {
                    double h2 = t * h1 - (k - 1) * h0;
                    acc += cellA[o + k] * h2;
                    h0 = h1;
                    h1 = h2;
                }
                cells += e * acc;
                tailMass += m0 * (t2 < 256 ? Math.sqrt(e) : Math.exp(-0.25 * t2));
            }
        }
        double skipped = cellPre[nb] - (from <= to ? cellPre[to + 1] - cellPre[from] : 0);
        sum += cells;
        double err = hermBound * tailMass + skipped * skipFactor;
        // the kernels of other bandwidths, outward from x, until the rest weigh < e^-TAIL of the sum
        if (nd > 0) {
            int lo = 0, hi = nd;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (mu[dIdx[mid]] < x) lo = mid + 1; else hi = mid;
            }
            double cut2 = cut2(Math.max(sum - err, Double.MIN_NORMAL));
            int visited = 1;
            boolean cutR = false, cutL = false;
            for (int j = lo; j < nd; j++) {
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
            for (int j = lo - 1; j >= 0; j--) {
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

    /** A draw from the mixture (on the parameter's grid when discrete). */
    double sample(SplittableRandom rng) {
        double u = rng.nextDouble() * totalW;
        int k = -1;
        for (int i = 0; i < m; i++) {
            u -= w[i];
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
        double v = c[i];
        if (Double.isNaN(v)) {
            double z = TpeMath.normalizer(mu[i], sigma[i], p.lo(), p.hi());
            v = w[i] / totalW / z;
            if (half == 0) v *= INV_SQRT_2PI / sigma[i];
            c[i] = v;
            invs[i] = 1.0 / sigma[i];
        }
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
        int lo = 0, hi = m;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (mu[mid] < x) lo = mid + 1; else hi = mid;
        }
        int pos = lo;
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

    @Override
    public String toString() {
        return "Parzen1D" + Arrays.toString(Arrays.copyOf(mu, m));
    }
}
