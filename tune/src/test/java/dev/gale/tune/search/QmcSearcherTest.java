package dev.gale.tune.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.tune.Mode;
import dev.gale.tune.search.QmcSearcher.Kind;
import dev.gale.tune.search.internal.qmc.Halton;
import dev.gale.tune.search.internal.qmc.Sobol;
import org.hipparchus.random.SobolSequenceGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QmcSearcherTest {

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    static SearchSpace unitCube(int d) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < d; i++) m.put(String.format("x%02d", i), Domains.uniform(0, 1));
        return SearchSpace.of(m);
    }

    static QmcSearcher setUp(Kind kind, boolean scramble, SearchSpace space, long seed) {
        QmcSearcher s = QmcSearcher.builder().kind(kind).scramble(scramble).build();
        s.setup(space, "loss", Mode.MIN, 64, seed);
        return s;
    }

    static Map<String, Object> config(Searcher s, String id) {
        return assertInstanceOf(Suggestion.Config.class, s.suggest(id)).config();
    }

    @Test
    void unscrambledSobolMatchesTheKnownSequenceIn2D() {
        QmcSearcher s = setUp(Kind.SOBOL, false, unitCube(2), 1);
        double[][] want = {{0, 0}, {0.5, 0.5}, {0.75, 0.25}, {0.25, 0.75}, {0.375, 0.375}, {0.875, 0.875},
                {0.625, 0.125}, {0.125, 0.625}};
        for (int i = 0; i < want.length; i++) {
            assertArrayEquals(want[i], s.point(i), 0.0, "point " + i);
            Map<String, Object> c = config(s, "t" + i);
            assertEquals(want[i][0], (double) c.get("x00"), 0.0);
            assertEquals(want[i][1], (double) c.get("x01"), 0.0);
        }
    }

    @Test
    void unscrambledSobolMatchesHipparchusIn40Dimensions() {
        // Hipparchus reads the same Joe-Kuo file (new-joe-kuo-6.21201) and uses the same Gray-code order.
        Sobol ours = new Sobol(40, false, 0);
        SobolSequenceGenerator ref = new SobolSequenceGenerator(40);
        for (int i = 0; i < 1100; i++) {
            assertArrayEquals(ref.nextVector(), ours.point(i), 0.0, "point " + i);
        }
        SobolSequenceGenerator far = new SobolSequenceGenerator(1000);
        assertArrayEquals(far.skipTo(123_456), new Sobol(1000, false, 0).point(123_456), 0.0);
    }

    @Test
    void sobolBeyondTheEmbeddedTableIsRejectedWithAClearMessage() {
        QmcSearcher s = QmcSearcher.builder().build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.setup(unitCube(1001), "loss", Mode.MIN, 10, 1));
        assertTrue(e.getMessage().contains("at most 1000") && e.getMessage().contains("HALTON"), e.getMessage());
        QmcSearcher h = QmcSearcher.builder().kind(Kind.HALTON).build();
        h.setup(unitCube(1001), "loss", Mode.MIN, 10, 1);
        assertEquals(1001, h.point(5).length);
    }

    @Test
    void unscrambledHaltonIsTheRadicalInverseInBases2And3() {
        QmcSearcher s = setUp(Kind.HALTON, false, unitCube(3), 1);
        double[] base2 = {0, 1 / 2.0, 1 / 4.0, 3 / 4.0, 1 / 8.0, 5 / 8.0, 3 / 8.0, 7 / 8.0};
        double[] base3 = {0, 1 / 3.0, 2 / 3.0, 1 / 9.0, 4 / 9.0, 7 / 9.0, 2 / 9.0, 5 / 9.0};
        for (int i = 0; i < base2.length; i++) {
            double[] p = s.point(i);
            assertEquals(base2[i], p[0], 1e-15, "base 2, point " + i);
            assertEquals(base3[i], p[1], 1e-15, "base 3, point " + i);
            assertEquals(Halton.radicalInverse(i, 5), p[2], 1e-15, "base 5, point " + i);
        }
        for (int i = 0; i < 2000; i += 7) {
            double[] p = s.point(i);
            assertEquals(Halton.radicalInverse(i, 2), p[0], 1e-15);
            assertEquals(Halton.radicalInverse(i, 3), p[1], 1e-15);
        }
    }

    /** Every 1-D projection of n = b^k consecutive points from index 0 puts one point in each of the n intervals. */
    static void assertBalanced(QmcSearcher s, int d, int n) {
        for (int j = 0; j < d; j++) {
            Set<Integer> cells = new HashSet<>();
            for (int i = 0; i < n; i++) {
                double u = s.point(i)[j];
                assertTrue(u >= 0 && u < 1, "coordinate " + u + " outside [0,1)");
                cells.add((int) Math.floor(u * n));
            }
            assertEquals(n, cells.size(), "dimension " + j + " with " + n + " points");
        }
    }

    @Test
    void scrambledSobolStaysInTheUnitCubeAndIsBalanced() {
        for (long seed : new long[] {0, 1, 42, -7}) {
            QmcSearcher s = setUp(Kind.SOBOL, true, unitCube(40), seed);
            for (int k = 0; k <= 10; k++) {
                assertBalanced(s, 40, 1 << k);
            }
            // the first point is no longer the origin, and the seed matters
            assertNotEquals(0.0, s.point(0)[0]);
        }
        assertNotEquals(setUp(Kind.SOBOL, true, unitCube(3), 1).point(3)[1], setUp(Kind.SOBOL, true, unitCube(3), 2).point(3)[1]);
    }

    @Test
    void scrambledHaltonStaysInTheUnitCubeAndIsBalanced() {
        QmcSearcher s = setUp(Kind.HALTON, true, unitCube(2), 5);
        for (int k = 0; k <= 9; k++) {
            Set<Integer> cells = new HashSet<>();
            for (int i = 0; i < 1 << k; i++) cells.add((int) Math.floor(s.point(i)[0] * (1 << k)));
            assertEquals(1 << k, cells.size(), "base 2, 2^" + k);
        }
        for (int k = 0; k <= 6; k++) {
            int n = (int) Math.pow(3, k);
            Set<Integer> cells = new HashSet<>();
            for (int i = 0; i < n; i++) {
                double u = s.point(i)[1];
                assertTrue(u >= 0 && u < 1);
                cells.add((int) Math.floor(u * n));
            }
            assertEquals(n, cells.size(), "base 3, 3^" + k);
        }
        assertNotEquals(0.0, s.point(0)[0]);
    }

    /** A smooth function on [0,1)^d with integral exactly 1: the product of 1 + 0.5 sin(2 pi x) + (x - 0.5). */
    static double f(double[] x) {
        double p = 1;
        for (double v : x) p *= 1 + Math.sin(2 * Math.PI * v) * 0.5 + (v - 0.5);
        return p;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void qmcMeanOfASmoothFunctionBeatsRandomOverFixedSeeds(Kind kind) {
        int d = 4;
        int n = 256;
        double qmcErr = 0;
        double mcErr = 0;
        int qmcWins = 0;
        int seeds = 20;
        for (int seed = 0; seed < seeds; seed++) {
            QmcSearcher s = setUp(kind, true, unitCube(d), seed);
            double sum = 0;
            for (int i = 0; i < n; i++) {
                Map<String, Object> c = config(s, "t" + i);
                double[] x = new double[d];
                for (int j = 0; j < d; j++) x[j] = (double) c.get(String.format("x%02d", j));
                sum += f(x);
            }
            SplittableRandom rng = new SplittableRandom(1000 + seed);
            double mc = 0;
            for (int i = 0; i < n; i++) {
                double[] x = new double[d];
                for (int j = 0; j < d; j++) x[j] = rng.nextDouble();
                mc += f(x);
            }
            double q = Math.abs(sum / n - 1);
            double m = Math.abs(mc / n - 1);
            qmcErr += q;
            mcErr += m;
            if (q < m) qmcWins++;
        }
        assertTrue(qmcErr * 4 < mcErr, kind + ": mean |error| QMC " + qmcErr / seeds + " vs random " + mcErr / seeds);
        assertTrue(qmcWins >= 15, kind + ": QMC better in only " + qmcWins + " of " + seeds + " seeds");
    }

    static final SearchSpace MIXED = SearchSpace.of(map(
            "lr", Domains.loguniform(1e-5, 1e-1),
            "x", Domains.uniform(-5, 5),
            "q", Domains.quniform(0, 1, 0.1),
            "ql", Domains.qloguniform(1, 1000, 5),
            "n", Domains.randint(1, 11),
            "big", Domains.randint(0, 1L << 40),
            "k", Domains.qrandint(2, 20, 3),
            "c", Domains.choice("a", "b", "c"),
            "g", Domains.gridSearch(1, 2),
            "model", map("layers", Domains.randint(1, 4), "act", "relu",
                    "width", Domains.sampleFrom(cfg -> cfg.getInt("model.layers") * 64))));

    @ParameterizedTest
    @EnumSource(Kind.class)
    void domainMappingRespectsBoundsTypesAndBins(Kind kind) {
        QmcSearcher s = setUp(kind, true, MIXED, 3);
        assertEquals(10, s.dimension()); // sample_from takes no coordinate
        Map<Object, Integer> nCounts = new LinkedHashMap<>();
        Map<Object, Integer> cCounts = new LinkedHashMap<>();
        Map<Object, Integer> qCounts = new LinkedHashMap<>();
        Map<Object, Integer> kCounts = new LinkedHashMap<>();
        int total = kind == Kind.SOBOL ? 1024 : 990; // Halton: balanced per digit block of each base
        for (int i = 0; i < total; i++) {
            Map<String, Object> c = config(s, "t" + i);
            double lr = (Double) c.get("lr");
            assertTrue(lr >= 1e-5 && lr <= 1e-1);
            double x = (Double) c.get("x");
            assertTrue(x >= -5 && x < 5);
            double q = (Double) c.get("q");
            assertTrue(MIXED.domains().get("q").contains(q), "q = " + q);
            assertTrue(MIXED.domains().get("ql").contains(c.get("ql")), "ql = " + c.get("ql"));
            int n = assertInstanceOf(Integer.class, c.get("n"));
            assertTrue(n >= 1 && n <= 10);
            long big = assertInstanceOf(Long.class, c.get("big"));
            assertTrue(big >= 0 && big < 1L << 40);
            int k = assertInstanceOf(Integer.class, c.get("k"));
            assertTrue(k % 3 == 0 && k >= 3 && k <= 18, "k = " + k);
            assertTrue(List.of("a", "b", "c").contains(c.get("c")));
            assertTrue(List.of(1, 2).contains(c.get("g")));
            @SuppressWarnings("unchecked")
            Map<String, Object> model = (Map<String, Object>) c.get("model");
            int layers = assertInstanceOf(Integer.class, model.get("layers"));
            assertEquals("relu", model.get("act"));
            assertEquals(layers * 64, model.get("width"));
            nCounts.merge(n, 1, Integer::sum);
            cCounts.merge(c.get("c"), 1, Integer::sum);
            qCounts.merge(q, 1, Integer::sum);
            kCounts.merge(k, 1, Integer::sum);
        }
        // every value reached, and the bins nearly equally often (low discrepancy)
        assertEquals(10, nCounts.size());
        assertEquals(3, cCounts.size());
        assertEquals(11, qCounts.size());
        assertEquals(6, kCounts.size());
        for (Map<Object, Integer> counts : List.of(nCounts, cCounts, qCounts, kCounts)) {
            double expected = (double) total / counts.size();
            for (int v : counts.values()) {
                assertTrue(Math.abs(v - expected) <= Math.max(3, 0.03 * expected), counts + " expected ~" + expected);
            }
        }
    }

    @Test
    void logDomainsAreUniformInLogSpace() {
        SearchSpace space = SearchSpace.of(map("lr", Domains.loguniform(1e-6, 1)));
        QmcSearcher s = setUp(Kind.SOBOL, false, space, 0);
        int[] decades = new int[6];
        for (int i = 0; i < 1024; i++) {
            double lr = (Double) config(s, "t" + i).get("lr");
            decades[Math.min(5, (int) Math.floor(Math.log10(lr) + 6))]++;
        }
        for (int c : decades) assertTrue(Math.abs(c - 1024 / 6.0) <= 2, java.util.Arrays.toString(decades));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void saveAndRestoreContinueExactlyThroughJson(Kind kind) throws Exception {
        QmcSearcher a = setUp(kind, true, MIXED, 77);
        for (int i = 0; i < 13; i++) config(a, "t" + i);
        ObjectMapper json = new ObjectMapper();
        Object state = json.readValue(json.writeValueAsString(a.save()), Object.class);
        List<Map<String, Object>> rest = new ArrayList<>();
        for (int i = 13; i < 40; i++) rest.add(config(a, "t" + i));

        QmcSearcher b = QmcSearcher.builder().kind(kind).build();
        b.setup(MIXED, "loss", Mode.MIN, 64, 999); // a different experiment seed: the saved one wins
        b.restore(state);
        for (int i = 13; i < 40; i++) assertEquals(rest.get(i - 13), config(b, "t" + i), "trial " + i);

        QmcSearcher other = QmcSearcher.builder().kind(kind == Kind.SOBOL ? Kind.HALTON : Kind.SOBOL).build();
        other.setup(MIXED, "loss", Mode.MIN, 64, 77);
        assertThrows(IllegalArgumentException.class, () -> other.restore(state));
    }

    @Test
    void sameSeedSameSequenceAndResultsAreIgnored() {
        QmcSearcher a = setUp(Kind.SOBOL, true, MIXED, 5);
        QmcSearcher b = setUp(Kind.SOBOL, true, MIXED, 5);
        for (int i = 0; i < 20; i++) {
            Map<String, Object> ca = config(a, "t" + i);
            a.onTrialComplete("t" + i, new dev.gale.tune.Result("t" + i, 1, 0, 0, Map.of("loss", i)), false);
            assertEquals(ca, config(b, "t" + i));
        }
        assertEquals(64, a.plannedTrials(64));
        assertEquals("qmc_sobol", a.name());
    }
}
