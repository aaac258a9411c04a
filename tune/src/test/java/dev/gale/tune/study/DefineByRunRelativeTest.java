package dev.gale.tune.study;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.cluster.GaleNode;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.search.CmaEsSearcher;
import dev.gale.tune.search.Domain;
import dev.gale.tune.search.GpSearcher;
import dev.gale.tune.search.Nsga2Searcher;
import dev.gale.tune.search.QmcSearcher;
import dev.gale.tune.search.SearchSpace;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Searchers;
import dev.gale.tune.search.TpeSearcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Relative (joint) sampling in define-by-run studies: CMA-ES, GP-BO, NSGA-II, QMC and multivariate
 * TPE sample the intersection space (or, for grouped TPE, each group) of the completed trials with
 * their own model; conditional spaces work with every sampler; state restores exactly.
 */
class DefineByRunRelativeTest {
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = GaleNode.startEmbedded();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    static Searcher sampler(String name) {
        return switch (name) {
            case "random" -> Searchers.random();
            case "tpe" -> Searchers.tpeUnivariate();
            case "tpe-multivariate" -> TpeSearcher.builder().multivariate(true).build();
            case "tpe-group" -> TpeSearcher.builder().multivariate(true).group(true).build();
            case "cmaes" -> CmaEsSearcher.builder().build();
            case "gp" -> GpSearcher.builder().build();
            case "qmc" -> QmcSearcher.builder().build();
            case "nsga2" -> Nsga2Searcher.builder().objective("value", Mode.MIN).objective("value2", Mode.MIN).build();
            default -> throw new IllegalArgumentException(name);
        };
    }

    static double quadratic(StudyTrial t) {
        double x = t.suggestFloat("x", -5, 5);
        double y = t.suggestFloat("y", -5, 5);
        return (x - 1.5) * (x - 1.5) + (y + 2) * (y + 2);
    }

    static double optimizeBest(Searcher s, Path dir, long seed, int n) {
        // one trial at a time: with two at once the order results arrive in follows thread scheduling,
        // and so does what the sampler learned (CMA-ES's mean 0.0966 once missed the bound by 2 % under load)
        Study study = Study.builder().name("q" + seed).storagePath(dir).node(node).quiet(true).sampler(s).seed(seed)
                .maxConcurrentTrials(1).build();
        study.optimize(DefineByRunRelativeTest::quadratic, n);
        return study.bestValue();
    }

    /** On the cluster path, CMA-ES and GP-BO in define-by-run beat random search on a quadratic (60 trials, 3 seeds). */
    @ParameterizedTest
    @ValueSource(strings = {"cmaes", "gp"})
    void relativeSamplersConvergeThroughOptimize(String name, @TempDir Path tmp) {
        int wins = 0;
        double rel = 0;
        double rnd = 0;
        for (long seed = 1; seed <= 3; seed++) {
            double a = optimizeBest(sampler(name), tmp.resolve(name), seed, 60);
            double b = optimizeBest(Searchers.random(), tmp.resolve("random"), seed, 60);
            rel += a;
            rnd += b;
            if (a < b) wins++;
            System.out.printf("seed %d: %s %.5f random %.5f%n", seed, name, a, b);
        }
        System.out.printf("define-by-run quadratic, 60 trials, 3 seeds: %s mean best %.4f, random %.4f%n", name, rel / 3, rnd / 3);
        // seeded random search gets lucky on a seed now and then (seed 1: 0.0257 against CMA-ES's 0.0254):
        // the mean must be three times better and at most one seed a near tie
        assertTrue(wins >= 2 && rel < rnd / 3, name + " " + rel / 3 + " vs random " + rnd / 3 + ", wins " + wins);
    }

    /**
     * The independent (random) answer the model-based searchers fall back to, to tell relative
     * samples apart from it: random search's define-by-run answer with the same seed (7), as the
     * fallback is seeded by the experiment seed, the trial id and the name.
     */
    static Object independent(String trialId, String name, Domain d) {
        Searcher random = Searchers.random();
        random.setup(SearchSpace.of(Map.of()), "value", Mode.MIN, Integer.MAX_VALUE, 7);
        return random.suggestParameter(trialId, name, d);
    }

    static final Domain X = new Domain.Uniform(-5, 5);
    static final Domain Y = new Domain.Uniform(-5, 5);

    /**
     * The first trial is sampled independently; from the second on, every name of the
     * intersection space comes from the relative engine, not from the independent fallback; a
     * name asked by only some trials stays independent.
     */
    @ParameterizedTest
    @ValueSource(strings = {"cmaes", "gp", "qmc", "nsga2", "tpe-multivariate"})
    void theRelativeEngineAnswersTheIntersectionNames(String name) {
        Searcher s = sampler(name);
        s.setup(SearchSpace.of(Map.of()), "value", Mode.MIN, Integer.MAX_VALUE, 7);
        // the independent fallback: TPE's univariate sampler for TPE, random for the others
        Searcher twin = name.startsWith("tpe") ? Searchers.tpeUnivariate() : null;
        if (twin != null) twin.setup(SearchSpace.of(Map.of()), "value", Mode.MIN, Integer.MAX_VALUE, 7);
        Domain extra = new Domain.Uniform(0, 1);
        for (int i = 0; i < 12; i++) {
            String id = "t" + i;
            Object x = s.suggestParameter(id, "x", X);
            Object y = s.suggestParameter(id, "y", Y);
            Object ix = twin != null ? twin.suggestParameter(id, "x", X) : independent(id, "x", X);
            Object iy = twin != null ? twin.suggestParameter(id, "y", Y) : independent(id, "y", Y);
            if (i == 0) {
                assertEquals(ix, x);
            } else {
                assertNotEquals(ix, x, "trial " + i);
                assertNotEquals(iy, y, "trial " + i);
            }
            if (i % 2 == 1) {
                Object ie = twin != null ? twin.suggestParameter(id, "e", extra) : independent(id, "e", extra);
                assertEquals(ie, s.suggestParameter(id, "e", extra), "e is outside the intersection");
            }
            double xv = ((Number) x).doubleValue();
            double yv = ((Number) y).doubleValue();
            Result r = new Result(id, 1, 0, 0, Map.of("value", xv * xv + yv, "value2", (xv - 2) * (xv - 2) - yv));
            s.onTrialComplete(id, r, false);
            if (twin != null) twin.onTrialComplete(id, r, false);
        }
    }

    /** Sobol over the intersection: after the first trial, 16 trials put one x in each 1/16 of the range. */
    @Test
    void qmcDefineByRunFollowsTheSequenceOverTheIntersection() {
        Searcher s = sampler("qmc");
        s.setup(SearchSpace.of(Map.of()), "value", Mode.MIN, Integer.MAX_VALUE, 11);
        Domain u = new Domain.Uniform(0, 1);
        int[] bins = new int[16];
        for (int i = 0; i < 17; i++) {
            String id = "t" + i;
            double x = ((Number) s.suggestParameter(id, "x", u)).doubleValue();
            if (i > 0) bins[(int) (x * 16)]++;
            s.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("value", x)), false);
        }
        for (int b = 0; b < 16; b++) assertEquals(1, bins[b], "bin " + b + " of " + java.util.Arrays.toString(bins));
    }

    /** NSGA-II (two objectives) in define-by-run puts most late trials on the Pareto set, far more than random. */
    @Test
    void nsga2DefineByRunFindsTheParetoSet() {
        int nsga = paretoHits(sampler("nsga2"));
        int rnd = paretoHits(Searchers.random());
        System.out.printf("define-by-run NSGA-II: %d of the last 40 trials near the Pareto set, random %d%n", nsga, rnd);
        assertTrue(nsga > 2 * rnd && nsga >= 5, "NSGA-II " + nsga + " vs random " + rnd);
    }

    static int paretoHits(Searcher s) {
        s.setup(SearchSpace.of(Map.of()), "value", Mode.MIN, Integer.MAX_VALUE, 3);
        Domain d = new Domain.Uniform(-10, 10);
        int hits = 0;
        for (int i = 0; i < 160; i++) {
            String id = "t" + i;
            double x = ((Number) s.suggestParameter(id, "x", d)).doubleValue();
            double y = ((Number) s.suggestParameter(id, "y", d)).doubleValue();
            // Pareto set: y = 0 and 0 <= x <= 2
            if (i >= 120 && x >= -0.5 && x <= 2.5 && Math.abs(y) < 1) hits++;
            s.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("value", x * x + y * y, "value2", (x - 2) * (x - 2) + y * y)), false);
        }
        return hits;
    }

    static double conditional(StudyTrial t) {
        String branch = t.suggestCategorical("branch", List.of("a", "b"));
        if (branch.equals("a")) {
            double x = t.suggestFloat("x", -4, 4);
            int y = t.suggestInt("y", 0, 10);
            assertTrue(x >= -4 && x < 4 && y >= 0 && y <= 10, "a: x = " + x + ", y = " + y);
            return (x - 1) * (x - 1) + Math.abs(y - 6) * 0.5;
        }
        double z = t.suggestFloat("z", 1e-4, 1, true);
        assertTrue(z >= 1e-4 && z <= 1, "b: z = " + z);
        return 1 + Math.pow(Math.log10(z) + 2, 2);
    }

    /** A conditional space (branch a has x, y; branch b has z) through optimize, with every sampler. */
    @ParameterizedTest
    @ValueSource(strings = {"random", "tpe", "tpe-multivariate", "tpe-group", "cmaes", "gp", "qmc", "nsga2"})
    void conditionalSpaceWorksWithEverySampler(String name, @TempDir Path tmp) {
        Study study = Study.builder().name("cond").storagePath(tmp).node(node).quiet(true).sampler(sampler(name)).seed(5).build();
        study.optimize(DefineByRunRelativeTest::conditional, 24);
        assertEquals(24, study.trials().size());
        int a = 0;
        for (FrozenTrial t : study.trials()) {
            assertEquals(FrozenTrial.State.COMPLETE, t.state(), t.toString());
            Map<String, Object> p = t.params();
            if ("a".equals(p.get("branch"))) {
                a++;
                assertTrue(p.get("x") instanceof Double && p.get("y") instanceof Integer && !p.containsKey("z"), p.toString());
            } else {
                assertTrue("b".equals(p.get("branch")) && p.get("z") instanceof Double && !p.containsKey("x"), p.toString());
            }
        }
        assertTrue(a > 0 && a < 24, name + ": both branches are explored, a = " + a);
    }

    static double runAskTell(Searcher s, Path dir, long seed, int n) {
        Study study = Study.builder().name("g" + seed).storagePath(dir).sampler(s).seed(seed).build();
        for (int i = 0; i < n; i++) {
            StudyTrial t = study.ask();
            study.tell(t, conditional2(t));
        }
        return study.bestValue();
    }

    /** Branch a: x and y interact (the optimum is on a diagonal), so a joint estimator helps. */
    static double conditional2(StudyTrial t) {
        String branch = t.suggestCategorical("branch", List.of("a", "b"));
        if (branch.equals("a")) {
            double x = t.suggestFloat("x", -5, 5);
            double y = t.suggestFloat("y", -5, 5);
            return (x - y) * (x - y) + (x + y - 3) * (x + y - 3) * 0.05;
        }
        double z = t.suggestFloat("z", -5, 5);
        return 3 + 0.04 * z * z;
    }

    /** Grouped TPE fits one estimator per group: [branch], [x, y], [z]; and it does at least as well as independent TPE. */
    @Test
    @SuppressWarnings("unchecked")
    void groupedTpeDecomposesTheConditionalSpace(@TempDir Path tmp) {
        Searcher g = sampler("tpe-group");
        runAskTell(g, tmp.resolve("one"), 1, 15);
        Map<String, Object> rel = (Map<String, Object>) ((Map<String, Object>) g.save()).get("relative");
        List<List<String>> parts = new ArrayList<>();
        for (Object o : (List<Object>) rel.get("slots")) {
            List<String> names = new ArrayList<>();
            for (Object row : (List<Object>) ((Map<String, Object>) o).get("part")) names.add((String) ((List<Object>) row).get(0));
            parts.add(names);
        }
        assertEquals(List.of(List.of("branch"), List.of("x", "y"), List.of("z")), parts);

        double grouped = 0;
        double indep = 0;
        int wins = 0;
        double[] ga = new double[6];
        double[] ia = new double[6];
        for (long seed = 1; seed <= 6; seed++) {
            double a = runAskTell(sampler("tpe-group"), tmp.resolve("group"), seed, 80);
            double b = runAskTell(sampler("tpe"), tmp.resolve("tpe"), seed, 80);
            grouped += a;
            indep += b;
            if (a <= b) wins++;
            ga[(int) seed - 1] = a;
            ia[(int) seed - 1] = b;
        }
        System.out.printf("conditional, 80 trials, 6 seeds: grouped TPE mean best %.4f, independent TPE %.4f, grouped wins %d/6%n",
                grouped / 6, indep / 6, wins);
        // per seed and by the median: one seed of six can stall in the valley (seed 2 does, at 2.4),
        // which a mean over six would let dominate
        java.util.Arrays.sort(ga);
        java.util.Arrays.sort(ia);
        assertTrue(wins >= 4, "grouped won " + wins + " of 6: " + java.util.Arrays.toString(ga) + " vs " + java.util.Arrays.toString(ia));
        assertTrue(ga[2] + ga[3] < ia[2] + ia[3], "grouped median " + (ga[2] + ga[3]) / 2 + " vs independent " + (ia[2] + ia[3]) / 2);
    }

    /** Saved mid-run (a trial half asked), restored into a fresh searcher: the same continuation. */
    @ParameterizedTest
    @ValueSource(strings = {"cmaes", "gp", "qmc", "nsga2", "tpe-multivariate", "tpe-group"})
    void defineByRunStateRestoresExactly(String name) throws Exception {
        Supplier<Searcher> make = () -> {
            Searcher s = sampler(name);
            s.setup(SearchSpace.of(Map.of()), "value", Mode.MIN, Integer.MAX_VALUE, 9);
            return s;
        };
        Searcher a = make.get();
        for (int i = 0; i < 14; i++) step(List.of(a), "t" + i);
        a.suggestParameter("half", "branch", BRANCH); // a trial in flight at save time
        ObjectMapper json = new ObjectMapper();
        Searcher b = make.get();
        b.restore(json.readValue(json.writeValueAsString(a.save()), Object.class));
        List<Object> seqA = new ArrayList<>();
        seqA.add(a.suggestParameter("half", "x", new Domain.Uniform(-5, 5)));
        List<Object> seqB = new ArrayList<>();
        seqB.add(b.suggestParameter("half", "x", new Domain.Uniform(-5, 5)));
        for (Searcher s : List.of(a, b)) s.onTrialComplete("half", new Result("half", 1, 0, 0, Map.of("value", 1.0, "value2", 1.0)), false);
        for (int i = 14; i < 30; i++) {
            List<Map<String, Object>> vs = step(List.of(a, b), "t" + i);
            seqA.add(vs.get(0));
            seqB.add(vs.get(1));
        }
        assertEquals(seqA, seqB);
    }

    static final Domain BRANCH = new Domain.Choice(List.of("a", "b"));

    /** One conditional trial asked of each searcher in turn (values must agree for the same searcher state). */
    static List<Map<String, Object>> step(List<Searcher> ss, String id) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Searcher s : ss) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("branch", s.suggestParameter(id, "branch", BRANCH));
            double v;
            if ("a".equals(p.get("branch"))) {
                double x = ((Number) s.suggestParameter(id, "x", new Domain.Uniform(-5, 5))).doubleValue();
                int y = ((Number) s.suggestParameter(id, "y", new Domain.RandInt(0, 8))).intValue();
                p.put("x", x);
                p.put("y", y);
                v = x * x + y;
            } else {
                double z = ((Number) s.suggestParameter(id, "z", new Domain.LogUniform(1e-3, 1))).doubleValue();
                p.put("z", z);
                v = 1 + z;
            }
            s.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("value", v, "value2", -v)), false);
            out.add(p);
        }
        return out;
    }
}
