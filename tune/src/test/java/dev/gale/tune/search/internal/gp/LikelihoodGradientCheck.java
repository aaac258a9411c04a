package dev.gale.tune.search.internal.gp;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Checks {@link GaussianProcess#negLogLikelihood}'s analytic gradient against central differences. */
final class LikelihoodGradientCheck {
    private LikelihoodGradientCheck() {
    }

    /** Every component of the gradient at {@code th} within 1e-4 (relative above 1) of a central difference. */
    static void assertMatches(GaussianProcess gp, double[][] x, double[] y, int n, double[] th) {
        double[] g = new double[th.length];
        gp.negLogLikelihood(x, y, n, th, g);
        for (int k = 0; k < th.length; k++) {
            double h = 1e-5;
            double[] a = th.clone(), b = th.clone();
            a[k] += h;
            b[k] -= h;
            double fd = (gp.negLogLikelihood(x, y, n, a, new double[th.length])
                    - gp.negLogLikelihood(x, y, n, b, new double[th.length])) / (2 * h);
            assertEquals(fd, g[k], 1e-4 * Math.max(1, Math.abs(fd)), "component " + k);
        }
    }
}
