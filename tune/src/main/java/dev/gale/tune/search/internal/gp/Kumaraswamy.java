package dev.gale.tune.search.internal.gp;

/**
 * Input warping by the Kumaraswamy CDF (Snoek et al., ICML 2014; BoTorch's {@code Warp}):
 * {@code w(x) = 1 − (1 − x^a)^b} on [0, 1], strictly increasing, the identity at a = b = 1. With
 * a &lt; 1 it stretches the low end of an input, with b &lt; 1 the high end, so a GP with one
 * length scale per input can model a function whose scale of variation changes along the input
 * (a log-scale effect on a linear axis, an optimum pressed against a bound). Inputs are clamped to
 * [{@link #EPS}, 1 − {@link #EPS}] first, so the map and its derivatives stay finite.
 */
final class Kumaraswamy {
    static final double EPS = 1e-6;

    private Kumaraswamy() {
    }

    static double clamp(double x) {
        return x < EPS ? EPS : Math.min(x, 1 - EPS);
    }

    /** {@code w(x)} for shape parameters {@code a}, {@code b}. */
    static double warp(double x, double a, double b) {
        double xa = Math.pow(clamp(x), a);
        return 1 - Math.pow(1 - xa, b);
    }

    /** dw/dx at {@code x} (at the clamped point when x is outside the clamp). */
    static double slope(double x, double a, double b) {
        double c = clamp(x);
        double xa = Math.pow(c, a);
        return a * b * xa / c * Math.pow(1 - xa, b - 1);
    }

    /**
     * {@code w(x)} with its derivatives with respect to log a and log b, written to
     * {@code out[0..2]}.
     */
    static void warpWithGradient(double x, double a, double b, double[] out) {
        double c = clamp(x);
        double xa = Math.pow(c, a);
        double q = 1 - xa;
        double qb = Math.pow(q, b);
        out[0] = 1 - qb;
        // dw/da = b q^(b-1) x^a ln x, times a for log a
        out[1] = a * b * Math.pow(q, b - 1) * xa * Math.log(c);
        // dw/db = −q^b ln q, times b for log b
        out[2] = -b * qb * Math.log(q);
    }
}
