package dev.gale.tune.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BOHB's searcher: one TPE model per budget, suggestions from the largest budget with enough results. */
class BohbTest {
    static final SearchSpace SPACE = SearchSpace.of(Map.of("x", Domains.uniform(0, 1)));

    static double x(Suggestion s) {
        return ((Number) ((Suggestion.Config) s).config().get("x")).doubleValue();
    }

    /** At budget 1 small x looks best, at budget 9 large x is best: the largest budget must win. */
    @Test
    void suggestsFromTheLargestBudgetWithEnoughResults() {
        Searcher s = Searchers.bohb(9, 3);
        assertEquals("bohb", s.name());
        s.setup(SPACE, "loss", Mode.MIN, 1000, 7);
        int id = 0;
        // 12 trials seen only at budget 1 (they were stopped there), and 12 that reached budget 9
        for (int i = 0; i < 24; i++) {
            String t = "t" + id++;
            double x = x(s.suggest(t));
            s.onTrialResult(t, new Result(t, 1, 0, 0, Map.of("loss", x)));           // budget 1: small x good
            if (i % 2 == 0) {
                s.onTrialResult(t, new Result(t, 3, 0, 0, Map.of("loss", 1 - x)));   // budget 3
                s.onTrialResult(t, new Result(t, 9, 0, 0, Map.of("loss", 1 - x)));   // budget 9: large x good
            }
            s.onTrialComplete(t, null, false);
        }
        double mean = 0;
        for (int i = 0; i < 20; i++) mean += x(s.suggest("n" + i)) / 20;
        assertTrue(mean > 0.6, "suggestions follow the budget-9 model (large x): mean x = " + mean);
    }

    @Test
    void randomUntilABudgetHasEnoughAndExactRestore() throws Exception {
        Searcher a = Searchers.bohb(9, 3);
        Searcher b = Searchers.bohb(9, 3);
        a.setup(SPACE, "loss", Mode.MIN, 1000, 3);
        b.setup(SPACE, "loss", Mode.MIN, 1000, 3);
        Searcher random = Searchers.random();
        random.setup(SPACE, "loss", Mode.MIN, 1000, 3);
        for (int i = 0; i < 15; i++) {
            String t = "t" + i;
            double x = x(a.suggest(t));
            a.onTrialResult(t, new Result(t, 3, 0, 0, Map.of("loss", (x - 0.3) * (x - 0.3))));
            a.onTrialComplete(t, null, false);
        }
        ObjectMapper json = new ObjectMapper();
        b.restore(json.readValue(json.writeValueAsString(a.save()), Object.class));
        for (int i = 15; i < 30; i++) {
            String t = "t" + i;
            double xa = x(a.suggest(t));
            assertEquals(xa, x(b.suggest(t)), "suggestion " + i);
            Result r = new Result(t, 3, 0, 0, Map.of("loss", (xa - 0.3) * (xa - 0.3)));
            a.onTrialResult(t, r);
            b.onTrialResult(t, r);
            a.onTrialComplete(t, r, false);
            b.onTrialComplete(t, r, false);
        }
    }

    /**
     * Define-by-run: each name has a model per budget. At budget 1 small x looks best, at budget 9
     * large x; once budget 9 has enough results its model wins, and a restored copy continues exactly.
     */
    @Test
    void defineByRunModelsEachBudgetPerNameAndRestoresExactly() throws Exception {
        Searcher s = Searchers.bohb(9, 3);
        s.setup(SearchSpace.of(Map.of()), "loss", Mode.MIN, Integer.MAX_VALUE, 7);
        Domain d = new Domain.Uniform(0, 1);
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
        int id = 0;
        for (int i = 0; i < 24; i++) {
            String t = "t" + id++;
            double x = ((Number) s.suggestParameter(t, "x", d)).doubleValue();
            s.onTrialResult(t, new Result(t, 1, 0, 0, Map.of("loss", x)));               // budget 1: small x good
            if (i % 2 == 0) {
                s.onTrialResult(t, new Result(t, 3, 0, 0, Map.of("loss", 1 - x)));       // budget 3
                s.onTrialResult(t, new Result(t, 9, 0, 0, Map.of("loss", 1 - x)));       // budget 9: large x good
            }
            s.onTrialComplete(t, null, false);
        }
        s.suggestParameter("running", "x", d); // asked before the save, reports after the restore
        ObjectMapper json = new ObjectMapper();
        Searcher b = Searchers.bohb(9, 3);
        b.setup(SearchSpace.of(Map.of()), "loss", Mode.MIN, Integer.MAX_VALUE, 7);
        b.restore(json.readValue(json.writeValueAsString(s.save()), Object.class));
        Result late = new Result("running", 9, 0, 0, Map.of("loss", 0.0));
        for (Searcher x : List.of(s, b)) {
            x.onTrialResult("running", late);
            x.onTrialComplete("running", late, false);
        }
        double mean = 0;
        for (int i = 0; i < 20; i++) {
            String t = "n" + i;
            double x = ((Number) s.suggestParameter(t, "x", d)).doubleValue();
            assertEquals(x, ((Number) b.suggestParameter(t, "x", d)).doubleValue(), "restored: suggestion " + i);
            mean += x / 20;
            Result r = new Result(t, 9, 0, 0, Map.of("loss", rnd.nextDouble()));
            s.onTrialResult(t, r);
            b.onTrialResult(t, r);
            s.onTrialComplete(t, r, false);
            b.onTrialComplete(t, r, false);
        }
        assertTrue(mean > 0.6, "suggestions follow the budget-9 model (large x): mean x = " + mean);
    }
}
