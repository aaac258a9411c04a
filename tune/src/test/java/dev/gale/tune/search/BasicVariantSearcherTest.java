package dev.gale.tune.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.tune.Mode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.gale.tune.search.Domains.gridSearch;
import static dev.gale.tune.search.Domains.loguniform;
import static dev.gale.tune.search.Domains.randint;
import static dev.gale.tune.search.Domains.uniform;
import static dev.gale.tune.search.SearchSpaceTest.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BasicVariantSearcherTest {

    private static final SearchSpace GRID_SPACE = SearchSpace.of(map(
            "a", gridSearch(1, 2, 3),
            "lr", uniform(0, 1),
            "model", map("b", gridSearch("x", "y"), "n", randint(0, 1000))));

    private static Searcher setUp(Searcher s, SearchSpace space, int numSamples, long seed) {
        // (metric and mode are ignored by this searcher)
        s.setup(space, "acc", Mode.MAX, numSamples, seed);
        return s;
    }

    /** The next n configs; fails if the searcher does not give a config. */
    private static List<Map<String, Object>> take(Searcher s, int n) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Suggestion sug = s.suggest("t" + i);
            out.add(assertInstanceOf(Suggestion.Config.class, sug, "suggestion " + i).config());
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Object b(Map<String, Object> cfg) {
        return ((Map<String, Object>) cfg.get("model")).get("b");
    }

    @Test
    void gridTimesNumSamplesInRayOrder() {
        Searcher s = setUp(Searchers.grid(), GRID_SPACE, 3, 42);
        assertEquals(18, s.plannedTrials(3));
        List<Map<String, Object>> cfgs = take(s, 18);
        assertSame(Suggestion.FINISHED, s.suggest("t18"));
        assertSame(Suggestion.FINISHED, s.suggest("t19"));

        // for sample in 0..2: for a in [1,2,3]: for b in [x,y]  (path order, last axis fastest)
        List<String> expected = new ArrayList<>();
        for (int sample = 0; sample < 3; sample++) {
            for (int a : new int[]{1, 2, 3}) {
                for (String bv : new String[]{"x", "y"}) {
                    expected.add(a + bv);
                }
            }
        }
        List<String> actual = new ArrayList<>();
        for (Map<String, Object> c : cfgs) {
            actual.add(c.get("a") + "" + b(c));
            double lr = (Double) c.get("lr");
            assertTrue(lr >= 0 && lr < 1);
        }
        assertEquals(expected, actual);
        // the random parameters differ between repetitions of the same grid point
        assertNotEquals(cfgs.get(0).get("lr"), cfgs.get(6).get("lr"));
    }

    @Test
    void withoutGridItIsNumSamplesRandomConfigs() {
        SearchSpace space = SearchSpace.of(map("lr", loguniform(1e-4, 1e-1)));
        Searcher s = setUp(Searchers.random(), space, 5, 1);
        assertEquals(5, s.plannedTrials(5));
        List<Map<String, Object>> cfgs = take(s, 5);
        assertSame(Suggestion.FINISHED, s.suggest("t5"));
        assertEquals(5, cfgs.stream().map(c -> c.get("lr")).distinct().count());
    }

    @Test
    void sameSeedSameSequenceOtherSeedOtherSequence() {
        List<Map<String, Object>> one = take(setUp(Searchers.random(), GRID_SPACE, 2, 7), 12);
        List<Map<String, Object>> two = take(setUp(Searchers.random(), GRID_SPACE, 2, 7), 12);
        List<Map<String, Object>> other = take(setUp(Searchers.random(), GRID_SPACE, 2, 8), 12);
        assertEquals(one, two);
        assertNotEquals(one, other);
    }

    @Test
    void saveRestoreMidwayGivesExactlyTheRemainingSequence() throws Exception {
        List<Map<String, Object>> all = take(setUp(Searchers.random(), GRID_SPACE, 3, 99), 18);

        Searcher first = setUp(Searchers.random(), GRID_SPACE, 3, 99);
        assertEquals(all.subList(0, 7), take(first, 7));
        Object state = first.save();
        // the snapshot survives JSON
        ObjectMapper json = new ObjectMapper();
        Object restoredState = json.readValue(json.writeValueAsString(state), Object.class);

        // set up with another seed on purpose: the snapshot's seed wins
        Searcher second = setUp(Searchers.random(), GRID_SPACE, 3, 12345);
        second.restore(restoredState);
        assertEquals(all.subList(7, 18), take(second, 11));
        assertSame(Suggestion.FINISHED, second.suggest("t18"));
        // and the original goes on identically
        assertEquals(all.subList(7, 18), take(first, 11));
    }

    @Test
    void rejectsBadUse() {
        assertThrows(IllegalArgumentException.class, () -> setUp(Searchers.random(), GRID_SPACE, 0, 1));
        assertThrows(IllegalStateException.class, () -> Searchers.random().suggest("t"));
        Searcher s = setUp(Searchers.random(), GRID_SPACE, 1, 1);
        assertThrows(IllegalArgumentException.class, () -> s.restore(Map.of("nothing", 1)));
    }

    @Test
    void byName() {
        assertEquals("random", Searchers.byName("random").name());
        assertEquals("grid", Searchers.byName(" GRID ").name());
        assertInstanceOf(BasicVariantSearcher.class, Searchers.byName("grid"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Searchers.byName("tpe2"));
        assertTrue(e.getMessage().contains("tpe2") && e.getMessage().contains("random") && e.getMessage().contains("grid"),
                e.getMessage());
    }
}
