package dev.gale.bench;

import dev.gale.bench.quality.TestFunction;
import dev.gale.bench.quality.TestFunctions;
import dev.gale.tune.Mode;
import dev.gale.tune.search.SearchSpace;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Suggestion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QualityBenchTest {

    static List<TestFunction> functions() {
        List<TestFunction> all = new ArrayList<>(TestFunctions.all());
        for (String n : TestFunctions.SHIFTED_NAMES) all.add(TestFunctions.byName(n));
        for (String n : TestFunctions.EXTRA_NAMES) all.add(TestFunctions.byName(n));
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("functions")
    void givesItsOptimumAtTheKnownMinimizer(TestFunction f) {
        assertEquals(f.optimum(), f.evaluate(f.minimizer()), 1e-5, f.name());
    }

    /** No point of the space is below the stated optimum (catches a wrong sign or constant). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("functions")
    void noSampledPointBeatsTheOptimum(TestFunction f) {
        SplittableRandom rng = new SplittableRandom(42);
        for (int i = 0; i < 20_000; i++) {
            Map<String, Object> c = f.space().sample(rng, Map.of());
            double v = f.evaluate(c);
            assertTrue(Double.isFinite(v), f.name() + " at " + c);
            assertTrue(v >= f.optimum() - 1e-9, f.name() + " = " + v + " at " + c + " is below the optimum " + f.optimum());
        }
    }

    @Test
    void knownValuesAwayFromTheOptimum() {
        TestFunction branin = TestFunctions.branin();
        assertEquals(0.397887, branin.evaluate(Map.of("x1", -Math.PI, "x2", 12.275)), 1e-5);
        assertEquals(0.397887, branin.evaluate(Map.of("x1", 9.42478, "x2", 2.475)), 1e-5);
        assertEquals(1 + 4 + 2, TestFunctions.mixed().evaluate(Map.of("x", 0.0, "n", 5L, "c", "c")), 0);
        // at the origin every term is 100 * 0 + (1 - 0)^2
        assertEquals(4, TestFunctions.rosenbrock5().evaluate(Map.of("x1", 0.0, "x2", 0.0, "x3", 0.0, "x4", 0.0, "x5", 0.0)), 1e-12);
        assertEquals(SearchSpace.class, TestFunctions.levy10().space().getClass());
        assertEquals(10, TestFunctions.levy10().space().paths().size());
        assertEquals(6, TestFunctions.hartmann6().space().paths().size());
        assertThrows(IllegalArgumentException.class, () -> TestFunctions.byName("sphere"));
    }

    @Test
    void randomOnBraninAndMixedPrintsTheTable() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc = QualityBench.run(List.of("--samplers", "random,no-such-sampler", "--functions", "branin,mixed",
                "--seeds", "3", "--trials", "30", "--at", "10,30"), new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(rc == 0 || rc == 1, out);
        assertTrue(out.contains("not available: no-such-sampler"), out);
        assertTrue(out.contains("regret@10") && out.contains("regret@30") && out.contains("ms/suggest"), out);
        for (String fn : List.of("branin", "mixed")) {
            String row = out.lines().filter(l -> l.startsWith(fn + " ") && l.contains("| random")).findFirst()
                    .orElseThrow(() -> new AssertionError("no row for " + fn + " in\n" + out));
            String[] cells = row.split("\\|");
            assertEquals(5, cells.length, row);
            double[] r10 = meanSe(cells[2]), r30 = meanSe(cells[3]);
            double ms = Double.parseDouble(cells[4].trim());
            for (double v : new double[]{r10[0], r10[1], r30[0], r30[1], ms}) assertTrue(Double.isFinite(v) && v >= 0, row);
            assertTrue(r30[0] <= r10[0], row);
            assertTrue(out.lines().anyMatch(l -> l.startsWith(fn + ": best random")), out);
        }
    }

    private static double[] meanSe(String cell) {
        String[] p = cell.trim().split("±");
        return new double[]{Double.parseDouble(p[0].trim()), Double.parseDouble(p[1].trim())};
    }

    @Test
    void regretIsNonNegativeAndNonIncreasingPerSeed() {
        for (TestFunction f : List.of(TestFunctions.branin(), TestFunctions.mixed())) {
            for (long seed = 1; seed <= 3; seed++) {
                QualityBench.Run r = QualityBench.runSeed("random", f, seed, 30);
                assertEquals(30, r.completed());
                assertTrue(r.regretAt(30, f) <= r.regretAt(10, f), f.name() + " seed " + seed);
                for (int k = 2; k <= 30; k++) assertTrue(r.regretAt(k, f) <= r.regretAt(k - 1, f));
                assertTrue(r.regretAt(1, f) >= 0, f.name());
            }
        }
    }

    @Test
    void sameSeedSameRun() {
        TestFunction f = TestFunctions.hartmann6();
        assertEquals(QualityBench.runSeed("random", f, 7, 20).bestSoFar()[19], QualityBench.runSeed("random", f, 7, 20).bestSoFar()[19]);
    }

    @Test
    void waitIsABugAndFinishedEndsTheRun() {
        TestFunction f = TestFunctions.mixed();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> QualityBench.runSeed(fake(() -> Suggestion.WAIT), "waiter", f, 1, 10));
        assertTrue(e.getMessage().contains("WAIT"), e.getMessage());

        int[] n = {0};
        QualityBench.Run r = QualityBench.runSeed(fake(() -> n[0]++ < 5
                ? new Suggestion.Config(Map.of("x", 1.0 + n[0], "n", 3L, "c", "a")) : Suggestion.FINISHED), "five", f, 1, 10);
        assertEquals(5, r.completed());
        assertEquals(1.0, r.regretAt(10, f), 1e-12); // best was x = 2 at trial 1, carried to 10
    }

    private static Searcher fake(Supplier<Suggestion> next) {
        return new Searcher() {
            @Override
            public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
            }

            @Override
            public Suggestion suggest(String trialId) {
                return next.get();
            }

            @Override
            public Object save() {
                return Map.of();
            }

            @Override
            public void restore(Object state) {
            }
        };
    }

    @Test
    void samplerNamesTryOtherSpellings() {
        assertEquals(List.of("cmaes", "cma_es", "cma-es", "cma"), dev.gale.bench.quality.SamplerNames.candidates("cmaes"));
        assertTrue(dev.gale.bench.quality.SamplerNames.candidates("qmc-sobol").containsAll(List.of("qmc_sobol", "qmcsobol", "sobol")));
        assertEquals("random", dev.gale.bench.quality.SamplerNames.resolve("random"));
        assertThrows(IllegalArgumentException.class, () -> dev.gale.bench.quality.SamplerNames.resolve("no-such-sampler"));
    }

    @Test
    void rejectsBadOptions() {
        assertThrows(IllegalArgumentException.class, () -> QualityBench.parse(List.of("--fast", "1")));
        assertThrows(IllegalArgumentException.class, () -> QualityBench.parse(List.of("--functions", "sphere")));
        assertThrows(IllegalArgumentException.class, () -> QualityBench.parse(List.of("--trials", "30", "--at", "50")));
        QualityBench.Options o = QualityBench.parse(List.of());
        assertEquals(QualityBench.DEFAULT_SAMPLERS, o.samplers());
        assertEquals(20, o.seeds());
        assertEquals(200, o.trials());
        assertEquals(List.of(50, 200), o.at());
        assertEquals(1, o.threads());
        assertEquals(1, o.firstSeed());
        assertEquals(21, QualityBench.parse(List.of("--first-seed", "21")).firstSeed());
        assertThrows(IllegalArgumentException.class, () -> QualityBench.parse(List.of("--first-seed", "-1")));
    }

    @Test
    void shiftedFunctionsMoveTheOptimumAndKeepItsValue() {
        for (String n : TestFunctions.SHIFTED_NAMES) {
            TestFunction s = TestFunctions.byName(n);
            TestFunction f = TestFunctions.byName(n.replace("-shifted", ""));
            assertEquals(f.optimum(), s.optimum());
            assertNotEquals(f.minimizer(), s.minimizer(), n + " moves the optimum");
            assertTrue(s.evaluate(f.minimizer()) > s.optimum() + 1e-3, n + " is not optimal at the unshifted optimum");
        }
    }

    @Test
    void firstSeedSelectsTheSeeds() throws Exception {
        String a = table(new ArrayList<>(List.of("--samplers", "random", "--functions", "ackley5", "--seeds", "2", "--trials", "10",
                "--first-seed", "3")));
        String b = table(new ArrayList<>(List.of("--samplers", "random", "--functions", "ackley5", "--seeds", "2", "--trials", "10")));
        assertTrue(a.contains("seeds (3..4)"), a);
        assertNotEquals(regrets(a), regrets(b));
    }

    @Test
    void threadsGiveTheSameRegretAsOneThread() throws Exception {
        List<String> a = new ArrayList<>(List.of("--samplers", "random", "--functions", "ackley5", "--seeds", "4", "--trials", "20"));
        String one = table(a);
        a.addAll(List.of("--threads", "2"));
        String two = table(a);
        assertEquals(regrets(one), regrets(two));
    }

    private static String table(List<String> args) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        QualityBench.run(args, new PrintStream(buf, true, StandardCharsets.UTF_8));
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static String regrets(String out) {
        String row = out.lines().filter(l -> l.startsWith("ackley5 ")).findFirst().orElseThrow();
        return row.substring(0, row.lastIndexOf('|'));
    }
}
