package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Nsga2SearcherTest {
    static final int N = 5;

    static SearchSpace zdtSpace() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < N; i++) m.put("x" + i, Domains.uniform(0, 1));
        return SearchSpace.of(m);
    }

    /** ZDT1: f1 = x0, g = 1 + 9/(n-1)·Σ x_i (i ≥ 1), f2 = g·(1 − sqrt(f1/g)); true front f2 = 1 − sqrt(f1). */
    static double[] zdt1(Map<String, Object> c) {
        double f1 = ((Number) c.get("x0")).doubleValue();
        double s = 0;
        for (int i = 1; i < N; i++) s += ((Number) c.get("x" + i)).doubleValue();
        double g = 1 + 9 * s / (N - 1);
        return new double[]{f1, g * (1 - Math.sqrt(f1 / g))};
    }

    static List<double[]> run(Searcher s, long seed, int trials, List<Map<String, Object>> configs) {
        s.setup(zdtSpace(), null, Mode.MIN, trials, seed);
        List<double[]> points = new ArrayList<>();
        for (int t = 0; t < trials; t++) {
            String id = "t" + t;
            Map<String, Object> c = ((Suggestion.Config) s.suggest(id)).config();
            if (configs != null) configs.add(c);
            double[] f = zdt1(c);
            points.add(f);
            s.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("f1", f[0], "f2", f[1])), false);
        }
        return points;
    }

    static List<double[]> front(List<double[]> pts) {
        List<double[]> out = new ArrayList<>();
        for (double[] p : pts) {
            boolean dom = false;
            for (double[] q : pts) {
                if (q != p && q[0] <= p[0] && q[1] <= p[1] && (q[0] < p[0] || q[1] < p[1])) {
                    dom = true;
                    break;
                }
            }
            if (!dom) out.add(p);
        }
        return out;
    }

    static double meanGap(List<double[]> front) {
        double s = 0;
        for (double[] p : front) s += p[1] - (1 - Math.sqrt(p[0]));
        return s / front.size();
    }

    static Nsga2Searcher nsga() {
        return Nsga2Searcher.builder().objective("f1", Mode.MIN).objective("f2", Mode.MIN).populationSize(40).build();
    }

    @Test
    void zdt1FrontComesCloseToTheTrueFront() {
        for (long seed : new long[]{1, 2, 3}) {
            List<double[]> f = front(run(nsga(), seed, 3000, null));
            double gap = meanGap(f);
            double lo = f.stream().mapToDouble(p -> p[0]).min().orElseThrow();
            double hi = f.stream().mapToDouble(p -> p[0]).max().orElseThrow();
            double randomGap = meanGap(front(run(Searchers.random(), seed, 3000, null)));
            System.out.printf("seed %d: NSGA-II front %d points, mean gap %.4f, f1 in [%.3f, %.3f]; random gap %.4f%n",
                    seed, f.size(), gap, lo, hi, randomGap);
            assertTrue(gap < 0.05, "mean distance above the true front: " + gap);
            assertTrue(gap < randomGap / 5, "far better than random: " + gap + " vs " + randomGap);
            assertTrue(lo < 0.1 && hi > 0.8, "the front spreads over f1: [" + lo + ", " + hi + "]");
        }
    }

    @Test
    void constraintsAreHonoured() {
        // feasible only when x0 >= 0.5 (constraint c = 0.5 - x0 <= 0)
        Nsga2Searcher s = Nsga2Searcher.builder().objective("f1", Mode.MIN).objective("f2", Mode.MIN)
                .constraint("c").populationSize(20).build();
        s.setup(zdtSpace(), null, Mode.MIN, 600, 9);
        int feasibleLate = 0;
        for (int t = 0; t < 600; t++) {
            String id = "t" + t;
            Map<String, Object> c = ((Suggestion.Config) s.suggest(id)).config();
            double[] f = zdt1(c);
            double con = 0.5 - ((Number) c.get("x0")).doubleValue();
            if (t >= 400 && con <= 0) feasibleLate++;
            s.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("f1", f[0], "f2", f[1], "c", con)), false);
        }
        assertTrue(feasibleLate >= 180, "late suggestions are nearly all feasible: " + feasibleLate + " of 200");
    }

    @Test
    void saveRestoreContinuesExactly() throws Exception {
        Nsga2Searcher a = nsga();
        List<Map<String, Object>> ca = new ArrayList<>();
        run(a, 4, 100, ca);
        Object state = new com.fasterxml.jackson.databind.ObjectMapper().readValue(
                new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(a.save()), Object.class);
        Nsga2Searcher b = nsga();
        b.setup(zdtSpace(), null, Mode.MIN, 200, 4);
        b.restore(state);
        for (int t = 100; t < 150; t++) {
            String id = "t" + t;
            Map<String, Object> x = ((Suggestion.Config) a.suggest(id)).config();
            Map<String, Object> y = ((Suggestion.Config) b.suggest(id)).config();
            assertEquals(x, y, "suggestion " + t);
            double[] f = zdt1(x);
            Result r = new Result(id, 1, 0, 0, Map.of("f1", f[0], "f2", f[1]));
            a.onTrialComplete(id, r, false);
            b.onTrialComplete(id, r, false);
        }
    }

    @Test
    void validation() {
        assertThrows(IllegalArgumentException.class, () -> Nsga2Searcher.builder().build());
        assertThrows(IllegalArgumentException.class, () -> Nsga2Searcher.builder().objective("a", Mode.MIN).populationSize(2).build());
    }
}
