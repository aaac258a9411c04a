package dev.gale.tune.search;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

import static dev.gale.tune.search.Domains.choice;
import static dev.gale.tune.search.Domains.gridSearch;
import static dev.gale.tune.search.Domains.loguniform;
import static dev.gale.tune.search.Domains.qloguniform;
import static dev.gale.tune.search.Domains.qrandint;
import static dev.gale.tune.search.Domains.quniform;
import static dev.gale.tune.search.Domains.randint;
import static dev.gale.tune.search.Domains.sampleFrom;
import static dev.gale.tune.search.Domains.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DomainTest {

    private static final int N = 10_000;

    private static RandomGenerator rng() {
        return new SplittableRandom(42);
    }

    @Test
    void uniformStaysInBoundsAndSpreads() {
        Domain d = uniform(-2, 3);
        RandomGenerator r = rng();
        double min = Double.MAX_VALUE, max = -Double.MAX_VALUE;
        for (int i = 0; i < N; i++) {
            Double v = assertInstanceOf(Double.class, d.sample(r));
            assertTrue(v >= -2 && v < 3, "out of [-2, 3): " + v);
            assertTrue(d.contains(v));
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertTrue(min < -1.99 && max > 2.99, "samples should cover the range: " + min + " .. " + max);
        assertFalse(d.contains(3.5));
        assertFalse(d.contains("1"));
    }

    @Test
    void logUniformStaysInBoundsAndIsLogDistributed() {
        Domain d = loguniform(1e-4, 1);
        RandomGenerator r = new SplittableRandom(7);
        int[] perDecade = new int[4];
        for (int i = 0; i < 4000; i++) {
            double v = (Double) d.sample(r);
            assertTrue(v >= 1e-4 && v <= 1, "out of bounds: " + v);
            assertTrue(d.contains(v));
            int decade = (int) Math.floor(Math.log10(v) + 4); // [1e-4,1e-3) -> 0 ... [1e-1,1] -> 3
            perDecade[Math.min(decade, 3)]++;
        }
        // log-uniform: each decade gets ~1000 of 4000 (a uniform draw would put ~90% in the last decade).
        // The seed is fixed, so this is an exact, deterministic check.
        for (int c : perDecade) {
            assertTrue(c > 850 && c < 1150, "decade counts should be ~1000 each: " + java.util.Arrays.toString(perDecade));
        }
    }

    @Test
    void quniformRoundsToDecimalMultiplesWithinBounds() {
        Domain d = quniform(0.0, 0.5, 0.1);
        RandomGenerator r = rng();
        Set<Double> seen = new TreeSet<>();
        for (int i = 0; i < N; i++) {
            double v = (Double) d.sample(r);
            assertTrue(d.contains(v));
            seen.add(v);
        }
        // exactly the decimal multiples: 0.3, not 0.30000000000000004
        assertEquals(new TreeSet<>(List.of(0.0, 0.1, 0.2, 0.3, 0.4, 0.5)), seen);
    }

    @Test
    void quniformWithBoundsOffTheGridStaysInside() {
        Domain d = quniform(0.05, 0.95, 0.1);
        RandomGenerator r = rng();
        Set<Double> seen = new TreeSet<>();
        for (int i = 0; i < N; i++) {
            seen.add((Double) d.sample(r));
        }
        assertEquals(new TreeSet<>(List.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)), seen);
        assertFalse(d.contains(0.15));
        assertFalse(d.contains(1.0));
    }

    @Test
    void qloguniformIsQuantizedAndInBounds() {
        Domain d = qloguniform(1, 1000, 5);
        RandomGenerator r = rng();
        int small = 0;
        for (int i = 0; i < N; i++) {
            double v = (Double) d.sample(r);
            assertTrue(v >= 5 && v <= 1000, "out of bounds: " + v);
            assertEquals(0, v % 5, "not a multiple of 5: " + v);
            if (v <= 30) small++;
        }
        // log-distributed: P(v <= ~30) is about log(32.5)/log(1000) ~ 0.5, far above a uniform draw's 3 %
        assertTrue(small > N / 3, "qloguniform should favour small values: " + small);
    }

    @Test
    void randintIsHighExclusiveAndTyped() {
        Domain d = randint(1, 4);
        RandomGenerator r = rng();
        Set<Object> seen = new TreeSet<>();
        for (int i = 0; i < N; i++) {
            Object v = d.sample(r);
            assertInstanceOf(Integer.class, v);
            seen.add(v);
        }
        assertEquals(Set.of(1, 2, 3), seen);
        assertTrue(d.contains(3));
        assertTrue(d.contains(3L));
        assertTrue(d.contains(3.0));
        assertFalse(d.contains(4));
        assertFalse(d.contains(2.5));

        Domain big = randint(0, 5_000_000_000L);
        assertInstanceOf(Long.class, big.sample(r));
    }

    @Test
    void qrandintIsHighInclusiveMultiplesOfQ() {
        Domain d = qrandint(1, 8, 2);
        RandomGenerator r = rng();
        Set<Object> seen = new TreeSet<>();
        for (int i = 0; i < N; i++) {
            Object v = d.sample(r);
            assertInstanceOf(Integer.class, v);
            seen.add(v);
        }
        assertEquals(Set.of(2, 4, 6, 8), seen);
        assertFalse(d.contains(3));

        Set<Object> ones = new TreeSet<>();
        Domain q1 = qrandint(1, 8);
        for (int i = 0; i < N; i++) {
            ones.add(q1.sample(r));
        }
        assertEquals(Set.of(1, 2, 3, 4, 5, 6, 7, 8), ones);
    }

    @Test
    void choiceAndGridPickEveryValue() {
        Domain c = choice("a", 2, true);
        Domain g = gridSearch(List.of(1.5, 2.5));
        RandomGenerator r = rng();
        Set<Object> seen = new java.util.HashSet<>();
        Set<Object> seenGrid = new java.util.HashSet<>();
        for (int i = 0; i < 1000; i++) {
            seen.add(c.sample(r));
            seenGrid.add(g.sample(r));
        }
        assertEquals(Set.of("a", 2, true), seen);
        assertEquals(Set.of(1.5, 2.5), seenGrid);
        assertTrue(c.contains(2L), "numbers compare by value");
        assertFalse(c.contains("b"));
    }

    @Test
    void sameGeneratorStateSameValue() {
        Domain d = loguniform(1e-5, 1e-1);
        assertEquals(d.sample(new SplittableRandom(3)), d.sample(new SplittableRandom(3)));
    }

    @Test
    void sampleFromCannotBeSampledAlone() {
        assertThrows(IllegalStateException.class, () -> sampleFrom(c -> 1).sample(rng()));
    }

    @Test
    void kindsAreTheFileNames() {
        assertEquals("grid_search", gridSearch(1).kind());
        assertEquals("qloguniform", qloguniform(1, 2, 1).kind());
        assertEquals("randint", randint(1, 2).kind());
    }
}
