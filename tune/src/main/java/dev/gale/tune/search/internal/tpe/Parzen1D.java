package dev.gale.tune.search.internal.tpe;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A univariate Parzen estimator of one numeric parameter, as Optuna's: one truncated normal per
 * observation (discretized when the parameter has a step) plus a prior kernel centred on the
 * range with sigma = span, bandwidths from the distance to the neighbours ("consider endpoints"
 * optional) clipped to {@code [span / min(100, 1 + kernels), span]} (the "magic clip").
 *
 * <p>A reusable buffer: {@link #fit} overwrites it. Evaluating the log density visits the kernels
 * outward from the query point and stops once the remaining kernels provably add less than
 * e^-20 of the mixture, so with narrow kernels (many observations) it touches only the
 * neighbourhood of the point. Kernels are summed in linear scale; normalizing constants are computed lazily per kernel.
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
        int pp = 0;
        while (pp < count && mu[pp] <= priorMu) pp++;
        double minSigma = magicClip ? span / Math.min(100.0, 1.0 + (count + 1)) : 1e-12;
        double maxSigma = span;
        double total = priorWeight;
        double maxW = priorWeight;
        double running = 0;
        double prev = lo; // the with-prior neighbour on the left of the current kernel
        for (int i = 0; i < count; i++) {
            double here = mu[i];
            double left, right;
            if (i == pp) prev = priorMu; // the prior sits between kernel i-1 and kernel i
            left = here - prev;
            double next = i + 1 == pp ? priorMu : i + 1 < count ? mu[i + 1] : (pp == count ? priorMu : hi);
            right = next - here;
            double s = Math.max(left, right);
            if (!considerEndpoints) {
                int j = i < pp ? i : i + 1; // position in the with-prior order, 0..count
                if (j == 0) s = wp(1, pp) - wp(0, pp);
                else if (j == count) s = wp(count, pp) - wp(count - 1, pp);
            }
            s = Math.min(maxSigma, Math.max(minSigma, s));
            sigma[i] = s;
            double wi = rawWeights[i];
            w[i] = wi;
            total += wi;
            if (wi > maxW) maxW = wi;
            c[i] = Double.NaN;
            running = Math.max(running, s);
            preSig[i] = running;
            prev = here;
        }
        totalW = total;
        running = 0;
        for (int i = count - 1; i >= 0; i--) {
            running = Math.max(running, sigma[i]);
            sufSig[i] = running;
        }
        priorA = priorWeight / total / Math.exp(TpeMath.logZ(priorMu, priorSigma, lo, hi))
                * (half > 0 ? 1.0 : INV_SQRT_2PI / priorSigma);
        // an upper bound of any data kernel's factor a (Z >= 0.34 since every mean lies in the
        // range and sigma <= span), times the number of kernels
        double amax = maxW / total / 0.34 * (half > 0 ? spec.step() * INV_SQRT_2PI / minSigma
                : INV_SQRT_2PI / minSigma);
        logAmaxCount = Math.log(amax * Math.max(1, count));
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
