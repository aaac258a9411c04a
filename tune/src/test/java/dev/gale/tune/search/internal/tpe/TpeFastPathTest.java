package dev.gale.tune.search.internal.tpe;

import dev.gale.tune.search.TpeSearcher;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast evaluations of the "above" density (cell sums with Hermite expansions in the
 * univariate estimator, affine exponents with cached normalizers in the joint one) against the
 * exact sums: every approximation lies within its stated bound, and proposals are those of exact
 * scoring.
 */
class TpeFastPathTest {

    /** Many observations crowded near 0 (as late in a minimization) plus a sparse spread. */
    private static double draw(SplittableRandom rng) {
        return rng.nextDouble() < 0.8 ? Math.min(1, Math.abs(rng.nextGaussian() * 0.05)) : rng.nextDouble();
    }

    @Test
    void cellSumsOfTheUnivariateEstimatorStayWithinTheirBound() {
        SplittableRandom rng = new SplittableRandom(4);
        int m = 3000;
        double[] mus = new double[m];
        double[] ws = new double[m];
        for (int i = 0; i < m; i++) mus[i] = draw(rng);
        java.util.Arrays.sort(mus);
        for (int i = 0; i < m; i++) ws[i] = TpeMath.defaultWeight(rng.nextInt(m), m);
        ParamSpec spec = ParamSpec.continuous(0, 1);
        Parzen1D cells = new Parzen1D();
        cells.fit(spec, mus, ws, m, 1.0, false, true);
        assertTrue(cells.fast(), "cell sums are used past " + Parzen1D.EXPANSION_MIN + " kernels");
        Parzen1D exact = new Parzen1D();
        exact.fit(spec, mus, ws, m, 1.0, false, true);
        double worstBound = 0;
        for (int q = 0; q < 400; q++) {
            double x = q < 300 ? draw(rng) : rng.nextDouble();
            double approx = cells.approx(x);
            double err = cells.approxError;
            double reference = Math.exp(exact.logPdf(x));
            double slack = 3e-9 * reference; // the exact path's own tail cut (e^-20 on each side)
            assertTrue(Math.abs(approx - reference) <= err + slack,
                    "x=" + x + ": cells " + approx + " vs exact " + reference + ", bound " + err);
            worstBound = Math.max(worstBound, err / approx);
        }
        assertTrue(worstBound < 1e-4, "the bound is tight enough to decide: relative " + worstBound);
    }

    @Test
    void fastJointEvaluationStaysWithinItsBound() {
        ParamSpec[] ps = new ParamSpec[4];
        for (int d = 0; d < ps.length; d++) ps[d] = ParamSpec.continuous(d == 1 ? -3 : 0, d == 1 ? 7 : 1);
        fastWithinBound(ps, 9, rng -> point(ps, rng, true), (rng, q) -> point(ps, rng, q < 150), 200);
    }

    /** A point of a continuous space, each coordinate crowded near its low end ({@link #draw}) or uniform. */
    private static double[] point(ParamSpec[] ps, SplittableRandom rng, boolean crowded) {
        double[] x = new double[ps.length];
        for (int d = 0; d < ps.length; d++) x[d] = ps[d].low() + (crowded ? draw(rng) : rng.nextDouble()) * (ps[d].high() - ps[d].low());
        return x;
    }

    /**
     * Fits the joint estimator on 300 and on 1,200 kernels drawn by {@code kernel}, refits it with one
     * kernel fewer (another bandwidth, normalizers from the cache), and checks the fast evaluation
     * against the exact one at {@code queries} points drawn by {@code query}.
     */
    private static void fastWithinBound(ParamSpec[] ps, long seed, java.util.function.Function<SplittableRandom, double[]> kernel,
                                        java.util.function.BiFunction<SplittableRandom, Integer, double[]> query, int queries) {
        SplittableRandom rng = new SplittableRandom(seed);
        int dims = ps.length;
        for (int m : new int[]{300, 1200}) {
            double[] mus = new double[m * dims];
            double[] ws = new double[m];
            int[] obsOf = new int[m];
            for (int k = 0; k < m; k++) {
                System.arraycopy(kernel.apply(rng), 0, mus, k * dims, dims);
                ws[k] = TpeMath.defaultWeight(k, m);
                obsOf[k] = k;
            }
            ParzenJoint j = new ParzenJoint();
            j.fit(ps, mus, ws, m, 1.0, true, obsOf, TpeSearcher.DEFAULT_BANDWIDTH_FACTOR, 0);
            assertTrue(j.fast(), "fast joint evaluation past " + ParzenJoint.FAST_MIN + " kernels");
            j.fit(ps, mus, ws, m - 1, 1.0, true, obsOf, TpeSearcher.DEFAULT_BANDWIDTH_FACTOR, 0);
            double bound = j.approxBound();
            assertTrue(bound < 1e-3, "bound " + bound);
            for (int q = 0; q < queries; q++) {
                double[] x = query.apply(rng, q);
                double a = j.approxLog(x);
                double e = j.logPdf(x);
                assertTrue(Math.abs(a - e) <= bound, "m=" + m + " x=" + java.util.Arrays.toString(x) + ": fast " + a + " vs exact " + e + ", bound " + bound);
            }
        }
    }

    /** Two continuous and two categorical dimensions; the categories crowd on 0 as the losses do. */
    private static final ParamSpec[] MIXED = {ParamSpec.continuous(0, 1), ParamSpec.categorical(4), ParamSpec.continuous(-3, 7), ParamSpec.categorical(3)};

    private static double[] mixedPoint(SplittableRandom rng) {
        double[] x = new double[MIXED.length];
        for (int d = 0; d < MIXED.length; d++) {
            ParamSpec p = MIXED[d];
            x[d] = p.categorical() ? (rng.nextDouble() < 0.6 ? 0 : rng.nextInt(p.nChoices())) : p.low() + draw(rng) * (p.high() - p.low());
        }
        return x;
    }

    @Test
    void fastJointEvaluationWithCategoricalDimensionsStaysWithinItsBound() {
        SplittableRandom rng = new SplittableRandom(19);
        fastWithinBound(MIXED, 19, TpeFastPathTest::mixedPoint, (r, q) -> q < 200 ? mixedPoint(r)
                : new double[]{r.nextDouble(), r.nextInt(4), -3 + 10 * r.nextDouble(), r.nextInt(3)}, 300);
        // a discrete dimension keeps the exact path
        ParamSpec[] withInt = {ParamSpec.continuous(0, 1), ParamSpec.discrete(0, 10, 1)};
        int m = 400;
        double[] mus = new double[m * 2];
        double[] ws = new double[m];
        for (int k = 0; k < m; k++) {
            mus[2 * k] = rng.nextDouble();
            mus[2 * k + 1] = rng.nextInt(11);
            ws[k] = 1;
        }
        ParzenJoint j = new ParzenJoint();
        j.fit(withInt, mus, ws, m, 1.0, true, null, TpeSearcher.DEFAULT_BANDWIDTH_FACTOR, 0);
        assertTrue(!j.fast(), "no fast path with a discrete dimension");
    }

    @Test
    void multivariateProposalsWithCategoricalDimensionsAreThoseOfExactScoring() {
        SplittableRandom rng = new SplittableRandom(23);
        Observations obs = new Observations(MIXED.length);
        for (int i = 0; i < 1500; i++) {
            double[] x = mixedPoint(rng);
            obs.add(x, (x[0] - 0.02) * (x[0] - 0.02) + 0.01 * x[2] * x[2] + (x[1] == 0 ? 0 : 0.3) + (x[3] == 0 ? 0 : 0.2));
        }
        TpeModel.Settings settings = new TpeModel.Settings(24, n -> Math.min((int) Math.ceil(0.1 * n), 25), 1.0, false, true,
                true, TpeSearcher.DEFAULT_BANDWIDTH_FACTOR);
        TpeModel fast = new TpeModel(MIXED, settings, obs);
        TpeModel exact = new TpeModel(MIXED, settings, obs);
        exact.exactOnly = true;
        int proposals = 40;
        for (int i = 0; i < proposals; i++) {
            double[] a = new double[MIXED.length], b = new double[MIXED.length];
            fast.propose(new SplittableRandom(200 + i), new double[0][], 0, a);
            exact.propose(new SplittableRandom(200 + i), new double[0][], 0, b);
            assertArrayEquals(b, a, "proposal " + i);
        }
        assertTrue(fast.fastProposals == proposals, "fast path used: " + fast.fastProposals);
        assertTrue(fast.exactFallbacks < proposals / 2, "exact fallbacks " + fast.exactFallbacks + " of " + proposals);
    }

    /** The constant behind the normalizer cache: |d² log Z / d(log σ)²| ≤ 8 for a mean inside the range. */
    @Test
    void curvatureOfTheLogNormalizerIsBounded() {
        double worst = 0;
        for (int i = 0; i <= 200; i++) {
            double mu = i / 200.0; // range [0, 1]
            for (double sigma = 1e-3; sigma <= 1.0; sigma *= 1.02) {
                double za = -mu / sigma, zb = (1 - mu) / sigma;
                double z = TpeMath.ndtr(zb) - TpeMath.ndtr(za);
                double n1 = za * pdf(za) - zb * pdf(zb);
                double n2 = -za * (1 - za * za) * pdf(za) + zb * (1 - zb * zb) * pdf(zb);
                double second = n2 / z - (n1 / z) * (n1 / z);
                worst = Math.max(worst, Math.abs(second));
            }
        }
        assertTrue(worst <= 8, "max |(log Z)''| = " + worst);
    }

    private static double pdf(double z) {
        return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    }

    private static Observations crowd(int dims, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Observations obs = new Observations(dims);
        for (int i = 0; i < n; i++) {
            double[] x = new double[dims];
            double loss = 0;
            for (int d = 0; d < dims; d++) {
                x[d] = draw(rng);
                loss += (x[d] - 0.02) * (x[d] - 0.02);
            }
            obs.add(x, loss);
        }
        return obs;
    }

    private static void sameProposals(boolean multivariate, int pendingCount) {
        int dims = 3;
        ParamSpec[] ps = new ParamSpec[dims];
        for (int d = 0; d < dims; d++) ps[d] = ParamSpec.continuous(0, 1);
        Observations obs = crowd(dims, 1500, multivariate ? 21 : 22);
        TpeModel.Settings settings = new TpeModel.Settings(24, n -> Math.min((int) Math.ceil(0.1 * n), 25), 1.0, false, true,
                multivariate, TpeSearcher.DEFAULT_BANDWIDTH_FACTOR);
        TpeModel fast = new TpeModel(ps, settings, obs);
        TpeModel exact = new TpeModel(ps, settings, obs);
        exact.exactOnly = true;
        double[][] pending = new double[pendingCount][];
        SplittableRandom prng = new SplittableRandom(3);
        for (int k = 0; k < pendingCount; k++) pending[k] = new double[]{draw(prng), draw(prng), draw(prng)};
        int proposals = 40;
        for (int i = 0; i < proposals; i++) {
            double[] a = new double[dims], b = new double[dims];
            fast.propose(new SplittableRandom(100 + i), pending, pendingCount, a);
            exact.propose(new SplittableRandom(100 + i), pending, pendingCount, b);
            assertArrayEquals(b, a, "proposal " + i + (multivariate ? " (multivariate)" : ""));
        }
        assertTrue(fast.fastProposals == (multivariate ? proposals : (long) proposals * dims), "fast path used: " + fast.fastProposals);
        assertTrue(exact.fastProposals == 0);
        assertTrue(fast.exactFallbacks < fast.fastProposals / 2, "exact fallbacks " + fast.exactFallbacks + " of " + fast.fastProposals);
    }

    @Test
    void univariateProposalsAreThoseOfExactScoring() {
        sameProposals(false, 0);
        sameProposals(false, 5);
    }

    @Test
    void multivariateProposalsAreThoseOfExactScoring() {
        sameProposals(true, 0);
        sameProposals(true, 5);
    }
}
