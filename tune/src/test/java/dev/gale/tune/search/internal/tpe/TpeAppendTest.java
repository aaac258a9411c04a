package dev.gale.tune.search.internal.tpe;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The univariate "above" estimator grown one observation at a time ({@link Parzen1D#append}) is
 * the estimator a fresh fit gives: the same kernels, bandwidths and ranks, the same cell sums and
 * exact densities to the bit, so TPE proposes the same points either way.
 */
class TpeAppendTest {

    /**
     * Crowded near 0.3 as late in a minimization, a sparse spread (kernels wider than the clip
     * floor, also next to the prior's centre), repeated values, the bounds.
     */
    private static double draw(SplittableRandom rng, List<Double> earlier) {
        double u = rng.nextDouble();
        if (u < 0.02 && !earlier.isEmpty()) return earlier.get(rng.nextInt(earlier.size())); // an exact tie
        if (u < 0.03) return rng.nextBoolean() ? 0.0 : 1.0;
        if (u < 0.93) return Math.min(1, Math.max(0, 0.3 + 0.02 * rng.nextGaussian()));
        return rng.nextDouble();
    }

    private static Parzen1D fresh(ParamSpec spec, List<Double> values, boolean considerEndpoints) {
        int m = values.size();
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(values.get(a), values.get(b))); // stable: ties in completion order
        double[] mus = new double[m];
        int[] ranks = new int[m];
        int[] obs = new int[m];
        for (int k = 0; k < m; k++) {
            mus[k] = values.get(order[k]);
            ranks[k] = order[k];
            obs[k] = order[k];
        }
        double[] z = new double[2 * m];
        Arrays.fill(z, Double.NaN);
        Parzen1D p = new Parzen1D();
        p.fitRanked(spec, mus, ranks, obs, m, 1.0, considerEndpoints, true, z, true);
        return p;
    }

    @Test
    void appendingGivesTheEstimatorAFreshFitGives() {
        for (boolean considerEndpoints : new boolean[] {false, true}) {
            ParamSpec spec = ParamSpec.continuous(-2, 3);
            SplittableRandom rng = new SplittableRandom(considerEndpoints ? 7 : 8);
            List<Double> values = new ArrayList<>();
            for (int i = 0; i < Parzen1D.EXPANSION_MIN; i++) values.add(-2 + 5 * draw(rng, values));
            Parzen1D grown = fresh(spec, values, considerEndpoints);
            assertTrue(grown.appendable(), "a ranked fit past " + Parzen1D.EXPANSION_MIN + " kernels without pending ones can grow");
            double[] z = new double[4 * 2000];
            Arrays.fill(z, Double.NaN);
            for (int i = values.size(); i < 1100; i++) {
                double v = -2 + 5 * draw(rng, values);
                values.add(v);
                grown.append(v, i, z);
                Parzen1D ref = fresh(spec, values, considerEndpoints);
                assertEquals(ref.state(), grown.state(), "after " + (i + 1) + " kernels");
                for (int q = 0; q < 12; q++) {
                    double x = -2 + 5 * (q < 4 ? draw(rng, values) : rng.nextDouble());
                    assertEquals(ref.approx(x), grown.approx(x), 0.0, "cells at " + x);
                    assertEquals(ref.approxError, grown.approxError, 0.0, "bound at " + x);
                    assertEquals(ref.logPdf(x), grown.logPdf(x), 0.0, "exact density at " + x);
                }
            }
        }
    }

    @Test
    void tpeProposesTheSamePointsWhetherItsEstimatorsGrowOrAreRefitted() {
        int dims = 3;
        ParamSpec[] ps = {ParamSpec.continuous(0, 1), ParamSpec.continuous(-5, 5), ParamSpec.discrete(0, 20, 1)};
        TpeModel.Settings settings = new TpeModel.Settings(24, n -> Math.min((int) Math.ceil(0.1 * n), 25), 1.0, true, true,
                false, 0.07);
        Observations obsA = new Observations(dims);
        Observations obsB = new Observations(dims);
        TpeModel grown = new TpeModel(ps, settings, obsA);
        TpeModel refitted = new TpeModel(ps, settings, obsB);
        refitted.freshFits = true;
        SplittableRandom noise = new SplittableRandom(3);
        List<double[]> inFlight = new ArrayList<>();
        for (int t = 0; t < 1300; t++) {
            // between trials 700 and 760 two trials are in flight (constant liar: pending kernels, no appends)
            double[][] pending = t >= 700 && t < 760 ? inFlight.toArray(new double[0][]) : new double[0][];
            double[] a = new double[dims], b = new double[dims];
            if (t < 30) {
                for (int d = 0; d < dims; d++) a[d] = ps[d].snap(ps[d].lo() + noise.nextDouble() * (ps[d].hi() - ps[d].lo()));
                b = a.clone();
            } else {
                grown.propose(new SplittableRandom(1000 + t), pending, pending.length, a);
                refitted.propose(new SplittableRandom(1000 + t), pending, pending.length, b);
            }
            assertArrayEquals(b, a, "proposal " + t);
            double loss = (a[0] - 0.3) * (a[0] - 0.3) + Math.abs(Math.sin(a[1])) + 0.01 * a[2] + 0.05 * noise.nextGaussian();
            if (t >= 700 && t < 760) {
                inFlight.add(a);
                if (inFlight.size() > 2) {
                    double[] done = inFlight.remove(0);
                    obsA.add(done, loss);
                    obsB.add(done, loss);
                }
                continue;
            }
            for (double[] done : inFlight) {
                obsA.add(done, loss);
                obsB.add(done, loss);
            }
            inFlight.clear();
            obsA.add(a, loss);
            obsB.add(a, loss);
        }
        assertTrue(grown.appends > 1000, "the grown model appended: " + grown.appends);
        assertEquals(0, refitted.appends);
    }
}
