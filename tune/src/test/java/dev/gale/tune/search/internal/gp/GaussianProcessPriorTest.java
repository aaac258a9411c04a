package dev.gale.tune.search.internal.gp;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GaussianProcessPriorTest {

    @Test
    void priorGradientMatchesFiniteDifferences() {
        GaussianProcess gp = new GaussianProcess(3);
        double[] th = {-0.7, 0.4, 1.9, 0.3, -5};
        double[] g = new double[5];
        gp.negLogPrior(th, g);
        for (int k = 0; k < th.length; k++) {
            double h = 1e-6;
            double[] a = th.clone(), b = th.clone();
            a[k] += h;
            b[k] -= h;
            double fd = (gp.negLogPrior(a, new double[5]) - gp.negLogPrior(b, new double[5])) / (2 * h);
            assertEquals(fd, g[k], 1e-5 * Math.max(1, Math.abs(fd)), "component " + k);
        }
    }

    @Test
    void posteriorGradientMatchesFiniteDifferencesAndThePriorKeepsAWeakInputAlive() {
        SplittableRandom r = new SplittableRandom(11);
        int n = 30;
        double[][] x = new double[n][2];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i][0] = r.nextDouble();
            x[i][1] = r.nextDouble();
            y[i] = Math.sin(6 * x[i][0]) + 0.05 * x[i][1];
        }
        GaussianProcess gp = new GaussianProcess(2);
        LikelihoodGradientCheck.assertMatches(gp, x, y, n, new double[] {-1, 1, 0.2, -6});
        gp.fit(x, y, n, 100);
        GaussianProcess ml = new GaussianProcess(2);
        ml.usePrior(false);
        ml.fit(x, y, n, 100);
        // the nearly irrelevant second input: maximum likelihood may push its length scale far out,
        // the prior holds it nearer the box size
        assertTrue(gp.theta()[1] <= ml.theta()[1] + 1e-9, "MAP " + gp.theta()[1] + " vs ML " + ml.theta()[1]);
        assertTrue(Math.exp(gp.theta()[1]) < 10, "MAP length scale " + Math.exp(gp.theta()[1]));
    }
}
