package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.search.internal.local.QuadraticModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.gale.tune.search.TpeExplorerTest.JSON;
import static dev.gale.tune.search.TpeExplorerTest.box;
import static dev.gale.tune.search.TpeExplorerTest.count;
import static dev.gale.tune.search.TpeExplorerTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The polishing arm of the {@code cmaes+gp} phase: the quadratic model's step is the minimizer of
 * a quadratic it is fitted to, and none where the fit has no minimum; the arm engages once CMA-ES
 * has closed in, proposes under its own name, brings a smooth basin's minimum to the last digits,
 * stays out of parts with a categorical parameter, and is restored exactly.
 */
class QuadraticPolishTest {
    /** A rotated, ill-conditioned quadratic in 3-D with its minimum at (0.21, -0.13, 0.05) (scaled coordinates). */
    static double quadratic(double[] z) {
        double a = z[0] - 0.21, b = z[1] + 0.13, c = z[2] - 0.05;
        return 4 + 9 * a * a + 2 * a * b + b * b + 0.5 * b * c + 3 * c * c + 0.7 * a * c;
    }

    static double[][] ball(int m, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] z = new double[m][n];
        for (double[] p : z) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                p[i] = r.nextDouble(-1, 1);
                s += p[i] * p[i];
            }
            if (s > 1) for (int i = 0; i < n; i++) p[i] /= Math.sqrt(s);
        }
        return z;
    }

    @Test
    void theStepIsTheMinimizerOfTheQuadraticItIsFittedTo() {
        double[][] z = ball(20, 3, 7);
        double[] y = new double[20];
        for (int t = 0; t < 20; t++) y[t] = quadratic(z[t]);
        double[] d = QuadraticModel.step(z, y, 20, 3);
        assertNotNull(d);
        assertEquals(0.21, d[0], 1e-9);
        assertEquals(-0.13, d[1], 1e-9);
        assertEquals(0.05, d[2], 1e-9);
    }

    @Test
    void aStepBeyondThePointsIsCutToTheirRadiusAndAFitWithoutAMinimumGivesNone() {
        double[][] z = ball(12, 2, 3);
        double[] bowl = new double[12], saddle = new double[12], line = new double[12];
        for (int t = 0; t < 12; t++) {
            double x = z[t][0], v = z[t][1];
            bowl[t] = (x - 5) * (x - 5) + v * v; // minimum at distance 5
            saddle[t] = x * x - v * v;
            line[t] = x + v;
        }
        double[] d = QuadraticModel.step(z, bowl, 12, 2);
        assertNotNull(d);
        assertEquals(1, Math.hypot(d[0], d[1]), 1e-9);
        assertEquals(1, d[0], 1e-6);
        assertNull(QuadraticModel.step(z, saddle, 12, 2));
        assertNull(QuadraticModel.step(z, line, 12, 2));
        assertNull(QuadraticModel.step(z, bowl, 5, 2), "fewer points than coefficients");
    }

    @Test
    void theArmProposesTheMinimizerNearTheBestAndNothingWhenItWouldRepeatTheBest() {
        List<String> paths = List.of("x", "y");
        QuadraticPolish q = QuadraticPolish.of(paths, List.of(new Domain.Uniform(-4, 4), new Domain.Uniform(0, 10)));
        assertNotNull(q);
        SplittableRandom r = new SplittableRandom(5);
        for (int t = 0; t < 11; t++) {
            double x = 1.5 + r.nextDouble(-0.5, 0.5), y = 7 + r.nextDouble(-0.5, 0.5);
            q.learn(Map.of("x", x, "y", y), bowl(x, y));
            assertNull(q.propose(), "fewer points than twice the coefficients");
        }
        q.learn(Map.of("x", 1.4, "y", 7.2), bowl(1.4, 7.2));
        Map<String, Object> c = q.propose();
        assertNotNull(c);
        assertEquals(1.7, (Double) c.get("x"), 1e-9);
        assertEquals(6.9, (Double) c.get("y"), 1e-9);

        QuadraticPolish ints = QuadraticPolish.of(List.of("k"), List.of(new Domain.RandInt(0, 100)));
        assertNotNull(ints);
        for (int k = 30; k <= 36; k++) ints.learn(Map.of("k", k), (k - 33.2) * (k - 33.2));
        assertNull(ints.propose(), "the minimizer rounds to the best trial itself");

        assertNull(QuadraticPolish.of(List.of("x", "c"), List.of(new Domain.Uniform(0, 1), Domains.choice("a", "b"))));
    }

    static double bowl(double x, double y) {
        double a = x - 1.7, b = y - 6.9;
        return 2 * a * a + a * b + 3 * b * b - 1;
    }

    /** Goldstein–Price on [-2, 2]²: values over six decades, minimum 3 at (0, -1). */
    static double goldstein(Map<String, Object> c) {
        double x = ((Number) c.get("x1")).doubleValue(), y = ((Number) c.get("x2")).doubleValue();
        double a = 1 + Math.pow(x + y + 1, 2) * (19 - 14 * x + 3 * x * x - 14 * y + 6 * x * y + 3 * y * y);
        double b = 30 + Math.pow(2 * x - 3 * y, 2) * (18 - 32 * x + 12 * x * x + 48 * y - 36 * x * y + 27 * y * y);
        return a * b;
    }

    @Test
    void inThePortfolioTheArmEngagesOnceCmaEsClosesInAndItsTrialsSetTheBest() {
        for (long seed = 1; seed <= 3; seed++) {
            CmaGpPortfolio p = TpeExplorerTest.portfolio(box(2, -2, 2), seed);
            List<Object> who = new ArrayList<>();
            double best = Double.POSITIVE_INFINITY;
            Object bestBy = null;
            for (int i = 0; i < 200; i++) {
                String id = "t" + i;
                Map<String, Object> c = ((Suggestion.Config) p.suggest(id)).config();
                Object by = p.trialAttributes(id).get("sampler");
                who.add(by);
                double v = goldstein(c);
                if (v < best) {
                    best = v;
                    bestBy = by;
                }
                p.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("loss", v)), false);
            }
            assertTrue(p.polishEngaged(), "seed " + seed);
            assertTrue(count(who, "polish") > 10, "seed " + seed + ": " + who);
            assertFalse(who.subList(0, 20).contains("polish"), "before CMA-ES closed in: " + who);
            assertEquals("polish", bestBy, "seed " + seed + ": the best trial was not the arm's");
            assertTrue(best - 3 < 1e-12, "seed " + seed + ": regret " + (best - 3));
        }
    }

    @Test
    void autoRecordsTheArmsTrialsDeclarativeAndDefineByRun() {
        for (boolean dbr : new boolean[]{false, true}) {
            AutoSearcher a = new AutoSearcher();
            a.setup(dbr ? SearchSpace.of(Map.of()) : box(2, -2, 2), "loss", Mode.MIN, 200, 4);
            List<Object> who = new ArrayList<>();
            double best = Double.POSITIVE_INFINITY;
            for (int i = 0; i < 200; i++) {
                String id = "t" + i;
                Map<String, Object> c = new LinkedHashMap<>();
                if (dbr) {
                    for (String x : List.of("x1", "x2")) c.put(x, a.suggestParameter(id, x, new Domain.Uniform(-2, 2)));
                } else {
                    c = ((Suggestion.Config) a.suggest(id)).config();
                }
                who.add(a.trialAttributes(id).get("sampler"));
                double v = goldstein(c);
                best = Math.min(best, v);
                a.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("loss", v)), false);
            }
            String mode = dbr ? "define-by-run" : "declarative";
            assertTrue(count(who, "polish") > 10, mode + ": " + who);
            assertTrue(best - 3 < 1e-12, mode + ": regret " + (best - 3));
        }
    }

    @Test
    void noArmInAPartWithACategoricalParameter() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("x1", Domains.uniform(-2, 2));
        s.put("x2", Domains.uniform(-2, 2));
        s.put("c", Domains.choice(List.of("a", "b")));
        CmaGpPortfolio p = TpeExplorerTest.portfolio(SearchSpace.of(s), 1);
        List<Object> who = run(p, 0, 200, c -> goldstein(c) + ("a".equals(c.get("c")) ? 0 : 1));
        assertEquals(0, count(who, "polish"));
        assertFalse(p.polishEngaged());
    }

    @Test
    void theArmsStateIsRestoredExactlyWithOneOfItsTrialsInFlight() throws Exception {
        SearchSpace space = box(2, -2, 2);
        CmaGpPortfolio a = TpeExplorerTest.portfolio(space, 2);
        run(a, 0, 80, QuadraticPolishTest::goldstein);
        assertTrue(a.polishEngaged());
        String flying = null;
        for (int i = 80; flying == null; i++) {
            String id = "t" + i;
            Map<String, Object> c = ((Suggestion.Config) a.suggest(id)).config();
            if ("polish".equals(a.trialAttributes(id).get("sampler"))) flying = id;
            else a.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("loss", goldstein(c))), false);
            assertTrue(i < 200, "no polishing trial in trials 80-200");
        }
        CmaGpPortfolio b = TpeExplorerTest.portfolio(space, 2);
        b.restore(JSON.readValue(JSON.writeValueAsString(a.save()), Object.class));
        assertTrue(b.polishEngaged());
        assertEquals(Map.of("sampler", "polish"), b.trialAttributes(flying));
        Result r = new Result(flying, 1, 0, 0, Map.of("loss", 3.5));
        a.onTrialComplete(flying, r, false);
        b.onTrialComplete(flying, r, false);
        assertEquals(JSON.writeValueAsString(a.save()), JSON.writeValueAsString(b.save()));
        assertEquals(run(a, 300, 360, QuadraticPolishTest::goldstein), run(b, 300, 360, QuadraticPolishTest::goldstein));
        assertEquals(JSON.writeValueAsString(a.save()), JSON.writeValueAsString(b.save()));
    }
}
