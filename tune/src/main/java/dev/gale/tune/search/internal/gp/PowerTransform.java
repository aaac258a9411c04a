package dev.gale.tune.search.internal.gp;

/**
 * Output warping for the GP's targets, as HEBO does (Cowen-Rivers et al., 2022): the values are
 * divided by their standard deviation, passed through the Yeo-Johnson power transform with the
 * exponent λ ∈ [−2, 1] that maximizes the Gaussian log-likelihood, and standardized (HEBO
 * searches every λ; Gale stops at 1, the identity, so that the low end of the minimized
 * objective is never compressed, only stretched). The map is
 * strictly increasing, so ranks (and the best observation) are kept; heavy-tailed objectives (a
 * few huge values, as Rosenbrock's far from its valley) become closer to Gaussian, which the GP
 * assumes, and the region of good values gets more of the GP's resolution.
 */
public final class PowerTransform {
    private PowerTransform() {
    }

    /**
     * The largest exponent tried: 1 (the identity). Exponents below 1 compress high values and
     * stretch low ones; above 1 they would do the opposite, and for a minimized objective the low
     * end is where the GP needs its resolution.
     */
    static final int MAX_LAMBDA = 1;

    /** The warped and standardized values of {@code y[0..n)} (all zero when they are all equal). */
    public static double[] warp(double[] y, int n) {
        double[] out = new double[n];
        if (n == 0) return out;
        double mean = 0;
        for (int i = 0; i < n; i++) mean += y[i];
        mean /= n;
        double var = 0;
        for (int i = 0; i < n; i++) var += (y[i] - mean) * (y[i] - mean);
        double std = Math.sqrt(var / n);
        if (!(std > 1e-12) || !Double.isFinite(std)) return out;
        double[] s = new double[n];
        double logJac = 0; // Σ sign(s) log(|s| + 1)
        for (int i = 0; i < n; i++) {
            s[i] = y[i] / std;
            logJac += Math.signum(s[i]) * Math.log1p(Math.abs(s[i]));
        }
        double bestL = 1, bestLl = Double.NEGATIVE_INFINITY;
        for (int k = 0; k <= 10 * (MAX_LAMBDA + 2); k++) {
            double l = -2 + 0.1 * k;
            double ll = logLikelihood(s, n, l, logJac, out);
            if (ll > bestLl) {
                bestLl = ll;
                bestL = l;
            }
        }
        // golden-section refinement around the best grid point
        double a = Math.max(-2, bestL - 0.1), b = Math.min(MAX_LAMBDA, bestL + 0.1);
        double g = (Math.sqrt(5) - 1) / 2;
        for (int it = 0; it < 25; it++) {
            double c = b - g * (b - a), d = a + g * (b - a);
            if (logLikelihood(s, n, c, logJac, out) >= logLikelihood(s, n, d, logJac, out)) b = d;
            else a = c;
        }
        double mid = (a + b) / 2;
        double lambda = logLikelihood(s, n, mid, logJac, out) >= bestLl ? mid : bestL;
        for (int i = 0; i < n; i++) out[i] = yeoJohnson(s[i], lambda);
        double m = 0;
        for (int i = 0; i < n; i++) m += out[i];
        m /= n;
        double v = 0;
        for (int i = 0; i < n; i++) v += (out[i] - m) * (out[i] - m);
        double sd = Math.sqrt(v / n);
        if (!(sd > 1e-12) || !Double.isFinite(sd)) {
            java.util.Arrays.fill(out, 0);
            return out;
        }
        for (int i = 0; i < n; i++) out[i] = (out[i] - m) / sd;
        return out;
    }

    /** The profile log-likelihood of λ (up to a constant); uses {@code buf} as scratch. */
    private static double logLikelihood(double[] s, int n, double lambda, double logJac, double[] buf) {
        double m = 0;
        for (int i = 0; i < n; i++) {
            buf[i] = yeoJohnson(s[i], lambda);
            m += buf[i];
        }
        m /= n;
        double v = 0;
        for (int i = 0; i < n; i++) v += (buf[i] - m) * (buf[i] - m);
        v /= n;
        if (!(v > 0) || !Double.isFinite(v)) return Double.NEGATIVE_INFINITY;
        return -0.5 * n * Math.log(v) + (lambda - 1) * logJac;
    }

    /** The Yeo-Johnson transform of {@code x} with exponent {@code lambda}. */
    public static double yeoJohnson(double x, double lambda) {
        if (x >= 0) {
            return Math.abs(lambda) < 1e-12 ? Math.log1p(x) : (Math.pow(x + 1, lambda) - 1) / lambda;
        }
        double l2 = 2 - lambda;
        return Math.abs(l2) < 1e-12 ? -Math.log1p(-x) : -(Math.pow(1 - x, l2) - 1) / l2;
    }
}
