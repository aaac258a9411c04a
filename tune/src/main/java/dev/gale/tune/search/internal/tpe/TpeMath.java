package dev.gale.tune.search.internal.tpe;

import java.util.SplittableRandom;

/** Normal-distribution helpers for the Parzen estimators (no allocation, no state). */
final class TpeMath {
    static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
    private static final double SQRT1_2 = Math.sqrt(0.5);
    /** Beyond this many standard deviations the normal tail is below 1e-17 and is taken as 0. */
    static final double FAR = 8.5;

    private TpeMath() {
    }

    /** The complementary error function (Chebyshev fit, relative error below 1.2e-7 everywhere). */
    static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double ans = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? ans : 2.0 - ans;
    }

    /** The standard normal CDF. */
    static double ndtr(double z) {
        return 0.5 * erfc(-z * SQRT1_2);
    }

    /** P(zlo &lt; Z &lt; zhi) for a standard normal Z, computed on the side of the smaller tail. */
    static double massBetween(double zlo, double zhi) {
        if (zlo <= -FAR && zhi >= FAR) return 1.0;
        if (zlo > 0) return ndtr(-zlo) - ndtr(-zhi);
        return ndtr(zhi) - ndtr(zlo);
    }

    /** log P(zlo &lt; Z &lt; zhi); the midpoint rule where the difference underflows. */
    static double logMassBetween(double zlo, double zhi) {
        double m = massBetween(zlo, zhi);
        if (m > 1e-280) return Math.log(m);
        double mid = 0.5 * (zlo + zhi);
        return -0.5 * mid * mid - HALF_LOG_2PI + Math.log(zhi - zlo);
    }

    private static final int PHI_PER_UNIT = 64;
    private static final int PHI_N = (int) (2 * FAR * PHI_PER_UNIT);
    private static final double[] PHI = new double[PHI_N + 2];
    private static final double[] PDF = new double[PHI_N + 2];

    static {
        for (int i = 0; i < PHI.length; i++) {
            double z = -FAR + (double) i / PHI_PER_UNIT;
            PHI[i] = ndtr(z);
            PDF[i] = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
        }
    }

    /**
     * The standard normal CDF by cubic Hermite interpolation of a table (steps of 1/64, absolute
     * error about 1e-7 from the table's values, no exp): for normalizing constants, which are at
     * least 0.3, not for tail probabilities.
     */
    static double ndtrTable(double z) {
        if (!(z > -FAR)) return z <= -FAR ? 0.0 : Double.NaN;
        if (z >= FAR) return 1.0;
        double u = (z + FAR) * PHI_PER_UNIT;
        int i = (int) u;
        double t = u - i;
        double t2 = t * t;
        double t3 = t2 * t;
        double h = 1.0 / PHI_PER_UNIT;
        return (2 * t3 - 3 * t2 + 1) * PHI[i] + (t3 - 2 * t2 + t) * h * PDF[i]
                + (-2 * t3 + 3 * t2) * PHI[i + 1] + (t3 - t2) * h * PDF[i + 1];
    }

    /**
     * The mass of N(mu, sigma) inside [a, b] where it is known to be large (mu inside [a, b],
     * sigma at most about b - a): the normalizing constant of a truncated kernel.
     */
    static double normalizer(double mu, double sigma, double a, double b) {
        double za = (a - mu) / sigma;
        double zb = (b - mu) / sigma;
        if (za <= -FAR && zb >= FAR) return 1.0;
        return ndtrTable(zb) - ndtrTable(za);
    }

    /** log of the mass of N(mu, sigma) inside [a, b]. */
    static double logZ(double mu, double sigma, double a, double b) {
        double za = (a - mu) / sigma;
        double zb = (b - mu) / sigma;
        if (za <= -FAR && zb >= FAR) return 0.0;
        return logMassBetween(za, zb);
    }

    /** A draw of N(mu, sigma) truncated to [a, b] (rejection; mu lies in [a, b] so it accepts fast). */
    static double sampleTruncated(SplittableRandom rng, double mu, double sigma, double a, double b) {
        for (int i = 0; i < 100; i++) {
            double v = mu + sigma * rng.nextGaussian();
            if (v >= a && v <= b) return v;
        }
        return Math.min(b, Math.max(a, mu));
    }

    private static final double EXP_H = 1.0 / 16;
    private static final int EXP_N = 16 * 256;
    private static final double[] EXP_TABLE = new double[EXP_N + 1];

    static {
        for (int k = 0; k <= EXP_N; k++) EXP_TABLE[k] = Math.exp(-0.5 * k * EXP_H);
    }

    /**
     * {@code exp(-u / 2)} for {@code u >= 0}: a table at steps of 1/16 times a degree-5 Taylor
     * polynomial of the remainder (relative error below 1e-11); 0 beyond u = 256.
     */
    static double expNegHalf(double u) {
        if (!(u < 256.0)) return u >= 256.0 ? 0.0 : Math.exp(-0.5 * u);
        int k = (int) (u * 16.0);
        double r = -0.5 * (u - k * EXP_H); // in (-1/32, 0]
        double p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120)))));
        return EXP_TABLE[k] * p;
    }

    /** Optuna's default weights: 1 for the last 25 observations, a linear ramp from 1/m before them. */
    static double defaultWeight(int pos, int m) {
        if (m < 25) return 1.0;
        int ramp = m - 25;
        if (pos >= ramp) return 1.0;
        if (ramp == 1) return 1.0 / m;
        double lo = 1.0 / m;
        return lo + (1.0 - lo) * pos / (ramp - 1);
    }
}
