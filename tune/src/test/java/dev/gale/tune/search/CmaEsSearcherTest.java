package dev.gale.tune.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

import static dev.gale.tune.search.Domains.*;
import static org.junit.jupiter.api.Assertions.*;

class CmaEsSearcherTest {

    private static final long[] SEEDS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

    private static Result result(String id, double v) {
        return new Result(id, 1, 0, 0, Map.of("loss", v));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cfg(Suggestion s) {
        return ((Suggestion.Config) s).config();
    }

    private static double num(Map<String, Object> c, String k) {
        return ((Number) c.get(k)).doubleValue();
    }

    /** Sequential run: suggest, evaluate, complete; returns the best value found. */
    private static double best(Searcher s, SearchSpace space, ToDoubleFunction<Map<String, Object>> f, int trials,
                               long seed) {
        s.setup(space, "loss", Mode.MIN, trials, seed);
        double best = Double.POSITIVE_INFINITY;
        for (int t = 0; t < trials; t++) {
            String id = "t" + t;
            Map<String, Object> c = cfg(s.suggest(id));
            double v = f.applyAsDouble(c);
            best = Math.min(best, v);
            s.onTrialComplete(id, result(id, v), false);
        }
        return best;
    }

    private static SearchSpace box(int n, double lo, double hi) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) m.put("x" + i, uniform(lo, hi));
        return SearchSpace.of(m);
    }

    @Test
    void boundsAndTypesAreAlwaysRespected() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("q", quniform(-1.0, 1.0, 0.1));
        inner.put("ql", qloguniform(1.0, 1000.0, 5.0));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("u", uniform(-3.0, 2.0));
        m.put("lr", loguniform(1e-5, 1e-1));
        m.put("n", randint(1, 10));
        m.put("qi", qrandint(8, 64, 8));
        m.put("big", randint(-(1L << 40), 1L << 40));
        m.put("c", choice("a", "b", "c"));
        m.put("g", gridSearch(1, 2));
        m.put("nested", inner);
        m.put("k", "const");
        m.put("twice", sampleFrom(c -> c.getInt("n") * 2));
        SearchSpace space = SearchSpace.of(m);
        Map<String, Domain> doms = space.domains();
        for (long seed : new long[]{1, 2, 3}) {
            CmaEsSearcher s = CmaEsSearcher.builder().maxGenerationsPerRun(8).build();
            s.setup(space, "loss", Mode.MIN, 400, seed);
            assertEquals(List.of("u", "lr", "n", "qi", "big", "nested.q", "nested.ql"), s.continuousPaths());
            assertEquals(List.of("c", "g"), s.fallbackPaths());
            Set<Object> nSeen = new HashSet<>();
            for (int t = 0; t < 400; t++) {
                String id = "t" + t;
                Map<String, Object> c = cfg(s.suggest(id));
                assertInstanceOf(Double.class, c.get("u"));
                assertInstanceOf(Double.class, c.get("lr"));
                assertInstanceOf(Integer.class, c.get("n"));
                assertInstanceOf(Integer.class, c.get("qi"));
                assertInstanceOf(Long.class, c.get("big"));
                @SuppressWarnings("unchecked")
                Map<String, Object> nested = (Map<String, Object>) c.get("nested");
                assertInstanceOf(Double.class, nested.get("q"));
                assertInstanceOf(Double.class, nested.get("ql"));
                for (String p : List.of("u", "lr", "n", "qi", "big", "c", "g")) {
                    assertTrue(doms.get(p).contains(c.get(p)), p + " = " + c.get(p));
                }
                assertTrue(doms.get("nested.q").contains(nested.get("q")), "q = " + nested.get("q"));
                assertTrue(doms.get("nested.ql").contains(nested.get("ql")), "ql = " + nested.get("ql"));
                assertEquals("const", c.get("k"));
                assertEquals((Integer) c.get("n") * 2, c.get("twice"));
                nSeen.add(c.get("n"));
                // pushes every parameter towards its upper bound, so the mirror is exercised
                double v = -num(c, "u") - Math.log(num(c, "lr")) * -1 - num(c, "n") - num(c, "qi") - num(nested, "q")
                        - num(nested, "ql");
                s.onTrialComplete(id, result(id, v), false);
            }
            assertEquals(9, nSeen.size(), "every integer in randint(1, 10) is reachable: " + nSeen);
            assertTrue(s.generations() > 10);
        }
    }

    private static double sphere5(Map<String, Object> c) {
        double s = 0;
        for (int i = 0; i < 5; i++) {
            double d = num(c, "x" + i) - 1.3;
            s += d * d;
        }
        return s;
    }

    @Test
    void beatsRandomOnA5dSphere() {
        SearchSpace space = box(5, -5, 5);
        double sumCma = 0;
        double sumRandom = 0;
        int wins = 0;
        for (long seed : SEEDS) {
            double c = best(new CmaEsSearcher(), space, CmaEsSearcherTest::sphere5, 150, seed);
            double r = best(new BasicVariantSearcher(), space, CmaEsSearcherTest::sphere5, 150, seed);
            sumCma += c;
            sumRandom += r;
            if (c < r) wins++;
        }
        System.out.printf("5-D sphere, 150 trials: mean best CMA-ES %.4g, random %.4g, CMA-ES wins %d/10%n",
                sumCma / 10, sumRandom / 10, wins);
        assertTrue(wins >= 8, "wins " + wins);
        assertTrue(sumCma < sumRandom / 5, "CMA-ES " + sumCma / 10 + " vs random " + sumRandom / 10);
    }

    private static double rotatedEllipsoid(Map<String, Object> c) {
        double x = num(c, "x0") - 0.7;
        double y = num(c, "x1") + 0.4;
        double a = Math.PI / 6;
        double u = Math.cos(a) * x - Math.sin(a) * y;
        double v = Math.sin(a) * x + Math.cos(a) * y;
        return u * u + 100 * v * v;
    }

    @Test
    void convergesOnA2dRotatedEllipsoid() {
        SearchSpace space = box(2, -2, 2);
        for (long seed : new long[]{11, 12, 13}) {
            double b = best(new CmaEsSearcher(), space, CmaEsSearcherTest::rotatedEllipsoid, 300, seed);
            System.out.printf("rotated ellipsoid 2-D, 300 trials, seed %d: best %.3g%n", seed, b);
            assertTrue(b < 1e-6, "seed " + seed + ": best " + b);
        }
    }

    private static double rastrigin(Map<String, Object> c) {
        double s = 20;
        for (int i = 0; i < 2; i++) {
            double x = num(c, "x" + i);
            s += x * x - 10 * Math.cos(2 * Math.PI * x);
        }
        return s;
    }

    @Test
    void ipopRestartDoublesThePopulationOnRastrigin() {
        SearchSpace space = box(2, -5.12, 5.12);
        CmaEsSearcher s = CmaEsSearcher.builder().maxGenerationsPerRun(10).build();
        s.setup(space, "loss", Mode.MIN, 1, 7);
        assertEquals(6, s.populationSize());
        double b = best(s, space, CmaEsSearcherTest::rastrigin, 600, 7);
        assertTrue(s.restarts() >= 2, "restarts " + s.restarts());
        assertEquals(6 << s.restarts(), s.populationSize());
        assertTrue(b < 2.5, "best " + b);
    }

    @Test
    void ipopRestartsWhenARunConvergesWithDefaultSettings() {
        SearchSpace space = box(2, -1, 1);
        CmaEsSearcher s = new CmaEsSearcher();
        best(s, space, c -> num(c, "x0") * num(c, "x0") + num(c, "x1") * num(c, "x1"), 3000, 3);
        assertTrue(s.restarts() >= 1, "restarts " + s.restarts());
        assertTrue(s.populationSize() >= 12);
    }

    @Test
    void noRestartWhenTheStrategyIsNone() {
        SearchSpace space = box(2, -5.12, 5.12);
        CmaEsSearcher s = CmaEsSearcher.builder().maxGenerationsPerRun(5).restartStrategy(CmaEsSearcher.RestartStrategy.NONE).build();
        best(s, space, CmaEsSearcherTest::rastrigin, 200, 7);
        assertEquals(0, s.restarts());
        assertEquals(6, s.populationSize());
    }

    @Test
    void maximizesWithModeMax() {
        SearchSpace space = box(3, -2, 2);
        CmaEsSearcher s = new CmaEsSearcher();
        s.setup(space, "score", Mode.MAX, 300, 5);
        double best = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < 300; t++) {
            String id = "t" + t;
            Map<String, Object> c = cfg(s.suggest(id));
            double v = -(Math.pow(num(c, "x0") - 1, 2) + Math.pow(num(c, "x1"), 2) + Math.pow(num(c, "x2") + 1, 2));
            best = Math.max(best, v);
            s.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("score", v)), false);
        }
        assertTrue(best > -1e-4, "best " + best);
    }

    @Test
    void errorsAndMissingMetricsAreDropped() {
        SearchSpace space = box(2, 0, 1);
        CmaEsSearcher s = new CmaEsSearcher();
        s.setup(space, "loss", Mode.MIN, 100, 1);
        for (int t = 0; t < 12; t++) {
            String id = "e" + t;
            s.suggest(id);
            if (t % 3 == 0) s.onTrialComplete(id, result(id, 1.0), true);
            else if (t % 3 == 1) s.onTrialComplete(id, null, false);
            else s.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("other", 1.0)), false);
        }
        assertEquals(0, s.generations());
        for (int t = 0; t < 6; t++) {
            String id = "ok" + t;
            s.suggest(id);
            s.onTrialComplete(id, result(id, t), false);
        }
        assertEquals(1, s.generations());
    }

    @Test
    void lateResultsOfAToldGenerationAreIgnored() {
        SearchSpace space = box(2, 0, 1);
        CmaEsSearcher s = new CmaEsSearcher();
        s.setup(space, "loss", Mode.MIN, 100, 1);
        for (int t = 0; t < 8; t++) s.suggest("t" + t); // 6 + 2 extra in generation 0
        for (int t = 0; t < 6; t++) s.onTrialComplete("t" + t, result("t" + t, t), false);
        assertEquals(1, s.generations());
        s.onTrialComplete("t6", result("t6", 0), false);
        s.onTrialComplete("t7", result("t7", 0), false);
        for (int t = 8; t < 13; t++) {
            s.suggest("t" + t);
            s.onTrialComplete("t" + t, result("t" + t, t), false);
        }
        assertEquals(1, s.generations(), "the two late results did not count for generation 1");
        s.suggest("t13");
        s.onTrialComplete("t13", result("t13", 13), false);
        assertEquals(2, s.generations());
    }

    /**
     * Four trials in flight, completed out of order, every ninth failing; at suggestion
     * {@code swapAt} the searcher is saved, the state goes through JSON and a fresh searcher
     * continues. Returns every suggested config.
     */
    private static final List<Integer> TOLD_AT_SWAP = new ArrayList<>();

    private static List<Map<String, Object>> drive(SearchSpace space, long seed, int total, int swapAt) throws Exception {
        CmaEsSearcher s = CmaEsSearcher.builder().maxGenerationsPerRun(4).build();
        s.setup(space, "loss", Mode.MIN, total, seed);
        List<Map<String, Object>> out = new ArrayList<>();
        List<String> inflight = new ArrayList<>();
        Map<String, Map<String, Object>> configs = new LinkedHashMap<>();
        int step = 0;
        while (out.size() < total) {
            if (out.size() == swapAt && swapAt >= 0) {
                ObjectMapper json = new ObjectMapper();
                Object state = json.readValue(json.writeValueAsString(s.save()), Object.class);
                TOLD_AT_SWAP.add(((List<?>) ((Map<?, ?>) state).get("told")).size());
                assertEquals(4, ((List<?>) ((Map<?, ?>) state).get("pending")).size());
                s = CmaEsSearcher.builder().maxGenerationsPerRun(4).build();
                s.setup(space, "loss", Mode.MIN, total, seed);
                s.restore(state);
                swapAt = -1;
            }
            if (inflight.size() < 4) {
                String id = "t" + out.size();
                Map<String, Object> c = cfg(s.suggest(id));
                out.add(c);
                inflight.add(id);
                configs.put(id, c);
            } else {
                String id = inflight.remove((step * 7) % 4);
                Map<String, Object> c = configs.get(id);
                double v = Math.pow(num(c, "x") - 0.3, 2) + Math.pow(Math.log10(num(c, "lr")) + 3, 2)
                        + Math.pow(num(c, "n") - 4, 2) + ("b".equals(c.get("c")) ? 0 : 1);
                s.onTrialComplete(id, result(id, v), step % 9 == 0);
                step++;
            }
        }
        return out;
    }

    @Test
    void restoreContinuesExactlyAfterAJsonRoundTrip() throws Exception {
        SearchSpace space = SearchSpace.of(Map.of("x", uniform(-1, 1), "lr", loguniform(1e-5, 1e-1),
                "n", randint(0, 10), "c", choice("a", "b", "c")));
        TOLD_AT_SWAP.clear();
        for (long seed : new long[]{1, 42}) {
            List<Map<String, Object>> straight = drive(space, seed, 80, -1);
            assertEquals(straight.subList(0, 70), drive(space, seed, 70, 40));
            for (int swap = 30; swap < 50; swap++) {
                List<Map<String, Object>> resumed = drive(space, seed, swap + 30, swap);
                assertEquals(straight.subList(0, swap + 30), resumed, "swap at " + swap);
            }
            assertEquals(straight, drive(space, seed, 80, -1), "deterministic");
            assertNotEquals(straight.subList(40, 70), drive(space, seed + 1, 70, -1).subList(40, 70));
        }
        assertTrue(TOLD_AT_SWAP.stream().anyMatch(k -> k >= 3), "some snapshots hold results of an untold generation: "
                + TOLD_AT_SWAP);
    }

    @Test
    void categoricalsAreRandomAloneAndAdaptedBesideContinuousParameters() {
        SearchSpace onlyCat = SearchSpace.of(Map.of("c", choice("a", "b", "c"), "g", gridSearch(1, 2, 3)));
        CmaEsSearcher s = new CmaEsSearcher();
        s.setup(onlyCat, "loss", Mode.MIN, 300, 9);
        assertEquals(List.of(), s.continuousPaths());
        assertEquals(0, s.populationSize());
        Set<List<Object>> seen = new HashSet<>();
        List<Map<String, Object>> first = new ArrayList<>();
        for (int t = 0; t < 300; t++) {
            Map<String, Object> c = cfg(s.suggest("t" + t));
            first.add(c);
            seen.add(List.of(c.get("c"), c.get("g")));
            s.onTrialComplete("t" + t, result("t" + t, "a".equals(c.get("c")) ? 0 : 1), false);
        }
        assertEquals(9, seen.size());
        CmaEsSearcher again = new CmaEsSearcher();
        again.setup(onlyCat, "loss", Mode.MIN, 300, 9);
        for (int t = 0; t < 300; t++) assertEquals(first.get(t), cfg(again.suggest("t" + t)));

        // mixed: x is modelled by CMA-ES, c by the adapted categorical distribution (CatCMA's step):
        // the choice that matters comes to dominate, the others stay reachable through the margin
        SearchSpace mixed = SearchSpace.of(Map.of("x", uniform(-5, 5), "c", choice("a", "b", "c")));
        CmaEsSearcher m = new CmaEsSearcher();
        m.setup(mixed, "loss", Mode.MIN, 600, 3);
        assertEquals(List.of("x"), m.continuousPaths());
        assertEquals(List.of("c"), m.fallbackPaths());
        Map<Object, Integer> counts = new LinkedHashMap<>();
        double bestX = Double.POSITIVE_INFINITY;
        for (int t = 0; t < 600; t++) {
            Map<String, Object> c = cfg(m.suggest("t" + t));
            counts.merge(c.get("c"), 1, Integer::sum);
            double x = num(c, "x");
            bestX = Math.min(bestX, Math.abs(x - 1));
            m.onTrialComplete("t" + t, result("t" + t, (x - 1) * (x - 1) + ("a".equals(c.get("c")) ? 0 : 10)), false);
        }
        assertTrue(counts.get("a") > 350, "counts " + counts);
        assertTrue(counts.get("b") > 30 && counts.get("c") > 30, "counts " + counts);
        assertTrue(bestX < 1e-3, "x " + bestX);
    }

    @Test
    void jacobiEigenReconstructsTheMatrix() {
        int n = 6;
        double[] a = new double[n * n];
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = r.nextDouble(-1, 1);
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        }
        double[] vals = new double[n];
        double[] vecs = new double[n * n];
        dev.gale.tune.search.internal.cma.SymmetricEigen.decompose(a, n, vals, vecs);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double rec = 0;
                double orth = 0;
                for (int k = 0; k < n; k++) {
                    rec += vecs[i * n + k] * vals[k] * vecs[j * n + k];
                    orth += vecs[k * n + i] * vecs[k * n + j];
                }
                assertEquals(a[i * n + j], rec, 1e-12);
                assertEquals(i == j ? 1 : 0, orth, 1e-12);
            }
        }
    }

    @Test
    void worksThroughTheTuner(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        dev.gale.tune.ResultGrid g = dev.gale.tune.Tuner.builder(ctx -> {
                    double x = ctx.config().getDouble("x");
                    double y = ctx.config().getDouble("y");
                    ctx.report(Map.of("loss", (x - 0.5) * (x - 0.5) + (y + 0.25) * (y + 0.25)));
                })
                .paramSpace(Map.of("x", uniform(-2, 2), "y", uniform(-2, 2)))
                .tuneConfig(dev.gale.tune.TuneConfig.builder().metric("loss").mode(Mode.MIN).numSamples(200)
                        .maxConcurrentTrials(3).seed(4).searcher(new CmaEsSearcher()).build())
                .runConfig(new dev.gale.tune.RunConfig("cma", tmp, false, 200))
                .build().fit();
        assertEquals(200, g.size());
        double best = ((Number) g.best().lastResult().get("loss")).doubleValue();
        assertTrue(best < 1e-3, "best " + best);
    }

    @Test
    void needsAMetric() {
        assertThrows(IllegalArgumentException.class,
                () -> new CmaEsSearcher().setup(box(1, 0, 1), null, Mode.MIN, 10, 1));
    }
}
