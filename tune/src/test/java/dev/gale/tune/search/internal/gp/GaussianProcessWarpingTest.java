package dev.gale.tune.search.internal.gp;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GP's Kumaraswamy input warping: exact gradients, reuse of its factor, and what it is for. */
class GaussianProcessWarpingTest {

    private static double[][] points(SplittableRandom r, int n, int d) {
        double[][] x = new double[n][d];
        for (double[] row : x) for (int j = 0; j < d; j++) row[j] = r.nextDouble();
        return x;
    }

    @Test
    void likelihoodGradientIncludingTheWarpShapesMatchesFiniteDifferences() {
        SplittableRandom r = new SplittableRandom(5);
        int n = 25;
        double[][] x = points(r, n, 3);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = Math.sin(5 * Math.sqrt(x[i][0])) + x[i][1] * x[i][2];
        // inputs 0 and 2 warped; θ = (log ℓ × 3, log σf², log σn², log a × 2, log b × 2)
        GaussianProcess gp = new GaussianProcess(3, new boolean[] {true, false, true});
        assertEquals(2, gp.warpedInputs());
        LikelihoodGradientCheck.assertMatches(gp, x, y, n, new double[] {-0.9, 0.2, -0.4, 0.3, -5, -0.8, 0.5, 0.6, -0.3});
    }

    @Test
    void posteriorGradientByThePointFollowsTheWarping() {
        SplittableRandom r = new SplittableRandom(9);
        int n = 20;
        double[][] x = points(r, n, 2);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = Math.cos(4 * x[i][0]) - x[i][1];
        GaussianProcess gp = new GaussianProcess(2, new boolean[] {true, true});
        gp.theta(new double[] {-1, -0.5, 0.1, -6, -0.7, 0.4, 0.5, -0.2});
        gp.condition(x, y, n);
        double[] p = {0.31, 0.77};
        double[] kStar = new double[n], v = new double[n], u = new double[n], out = new double[2];
        double[] dMean = new double[2], dVar = new double[2];
        gp.predictWithGradient(p, kStar, v, u, out, dMean, dVar);
        for (int j = 0; j < 2; j++) {
            double h = 1e-6;
            double[] a = p.clone(), b = p.clone();
            a[j] += h;
            b[j] -= h;
            double[] oa = new double[2], ob = new double[2];
            gp.predict(a, kStar, v, oa);
            gp.predict(b, kStar, v, ob);
            assertEquals((oa[0] - ob[0]) / (2 * h), dMean[j], 1e-5, "mean, input " + j);
            assertEquals((oa[1] - ob[1]) / (2 * h), dVar[j], 1e-5, "variance, input " + j);
        }
        // the batched prediction warps its points the same way
        double[] m = new double[1], s = new double[1];
        gp.predictBatch(new double[][] {p}, 1, m, s);
        assertEquals(out[0], m[0], 1e-9);
        assertEquals(out[1], s[0], 1e-9);
    }

    @Test
    void extendingTheFactorRowByRowGivesTheSamePosteriorAsAFreshOne() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 30;
        double[][] x = points(r, n, 2);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = x[i][0] * x[i][0] - Math.sin(3 * x[i][1]);
        double[] th = {-0.6, -0.2, 0, -5, -0.5, 0.3, 0.2, -0.4};
        GaussianProcess grown = new GaussianProcess(2, new boolean[] {true, true});
        grown.theta(th);
        grown.condition(x, y, n - 5);
        grown.condition(x, y, n); // keeps the first n − 5 rows of its factor
        GaussianProcess fresh = new GaussianProcess(2, new boolean[] {true, true});
        fresh.theta(th);
        fresh.condition(x, y, n);
        double[] kStar = new double[n], v = new double[n], a = new double[2], b = new double[2];
        for (double[] p : points(r, 10, 2)) {
            grown.predict(p, kStar, v, a);
            fresh.predict(p, kStar, v, b);
            assertEquals(b[0], a[0], 1e-10);
            assertEquals(b[1], a[1], 1e-10);
        }
    }

    @Test
    void aFunctionWhoseScaleChangesAlongTheInputIsPredictedBetterWithWarping() {
        // sin(12 x^0.3): fast near 0, slow near 1; a Kumaraswamy warp with a ≈ 0.3 makes it stationary
        SplittableRandom r = new SplittableRandom(17);
        int n = 40;
        double[][] x = points(r, n, 1);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = Math.sin(12 * Math.pow(x[i][0], 0.3));
        standardize(y);
        GaussianProcess plain = new GaussianProcess(1);
        GaussianProcess warped = new GaussianProcess(1, new boolean[] {true});
        plain.fit(x, y, n, 100);
        warped.fit(x, y, n, 100);
        double mean = 0, sd = 0;
        for (double[] xi : x) mean += Math.sin(12 * Math.pow(xi[0], 0.3));
        mean /= n;
        for (double[] xi : x) sd += Math.pow(Math.sin(12 * Math.pow(xi[0], 0.3)) - mean, 2);
        sd = Math.sqrt(sd / n);
        double errPlain = 0, errWarped = 0;
        double[] kStar = new double[n], v = new double[n], out = new double[2];
        for (int t = 0; t < 400; t++) {
            double[] p = {(t + 0.5) / 400};
            double truth = (Math.sin(12 * Math.pow(p[0], 0.3)) - mean) / sd;
            plain.predict(p, kStar, v, out);
            errPlain += Math.pow(out[0] - truth, 2);
            warped.predict(p, kStar, v, out);
            errWarped += Math.pow(out[0] - truth, 2);
        }
        double a = Math.exp(warped.theta()[3]);
        assertTrue(a < 0.8, "fitted a = " + a + " (the low end should be stretched)");
        assertTrue(errWarped < 0.5 * errPlain, "squared error warped " + errWarped + " vs plain " + errPlain);
    }

    private static void standardize(double[] y) {
        double m = 0, s = 0;
        for (double v : y) m += v;
        m /= y.length;
        for (double v : y) s += (v - m) * (v - m);
        s = Math.sqrt(s / y.length);
        for (int i = 0; i < y.length; i++) y[i] = (y[i] - m) / s;
    }
}
