package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CMA-ES's warm start (WS-CMA-ES) and the injection of trials it did not suggest. */
class CmaEsWarmStartTest {
    static SearchSpace space() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("x", Domains.uniform(0, 1));
        s.put("y", Domains.uniform(0, 1));
        return SearchSpace.of(s);
    }

    static double dist(Map<String, Object> c) {
        double x = ((Number) c.get("x")).doubleValue() - 0.8, y = ((Number) c.get("y")).doubleValue() - 0.2;
        return Math.sqrt(x * x + y * y);
    }

    static double meanDistanceOfFirst(CmaEsSearcher s, int n) {
        double d = 0;
        for (int i = 0; i < n; i++) d += dist(((Suggestion.Config) s.suggest("t" + i)).config());
        return d / n;
    }

    @Test
    void warmStartSamplesAroundTheBestEarlierTrials() {
        List<Map<String, Object>> configs = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 40; i++) {
            Map<String, Object> c = Map.of("x", r.nextDouble(), "y", r.nextDouble());
            configs.add(c);
            values.add(dist(c));
        }
        CmaEsSearcher warm = CmaEsSearcher.builder().warmStart(configs, values).build();
        warm.setup(space(), "v", Mode.MIN, 100, 3);
        CmaEsSearcher cold = new CmaEsSearcher();
        cold.setup(space(), "v", Mode.MIN, 100, 3);
        double w = meanDistanceOfFirst(warm, 6), c = meanDistanceOfFirst(cold, 6);
        assertTrue(w < 0.25 && w < c / 2, "warm " + w + " cold " + c);
        // MAX mode negates the values: the same trials with negated values are the same warm start
        List<Double> negated = values.stream().map(v -> -v).toList();
        CmaEsSearcher max = CmaEsSearcher.builder().warmStart(configs, negated).build();
        max.setup(space(), "v", Mode.MAX, 100, 3);
        assertEquals(w, meanDistanceOfFirst(max, 6), 1e-12);
    }

    @Test
    void tooFewUsableTrialsStartCold() {
        List<Map<String, Object>> configs = List.of(Map.of("x", 0.5), Map.of("x", 0.1, "y", 0.3));
        CmaEsSearcher warm = CmaEsSearcher.builder().warmStart(configs, List.of(1.0, 2.0)).build();
        warm.setup(space(), "v", Mode.MIN, 100, 4);
        CmaEsSearcher cold = new CmaEsSearcher();
        cold.setup(space(), "v", Mode.MIN, 100, 4);
        for (int i = 0; i < 6; i++) assertEquals(cold.suggest("t" + i), warm.suggest("t" + i));
        assertThrows(IllegalArgumentException.class, () -> CmaEsSearcher.builder().warmStart(configs, List.of(1.0)));
    }

    @Test
    void injectedTrialsCountAsMembersOfTheGeneration() {
        CmaEsSearcher s = new CmaEsSearcher();
        s.setup(space(), "v", Mode.MIN, 100, 5);
        int lambda = s.populationSize();
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < lambda - 1; i++) {
            Map<String, Object> c = Map.of("x", r.nextDouble(), "y", r.nextDouble());
            s.inject(c, dist(c));
        }
        assertEquals(0, s.generations());
        s.inject(Map.of("y", 0.5), 1.0); // lacks x: ignored
        s.inject(Map.of("x", 0.9, "y", 0.1), Double.NaN); // no value: ignored
        assertEquals(0, s.generations());
        String id = "own";
        Map<String, Object> c = ((Suggestion.Config) s.suggest(id)).config();
        s.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("v", dist(c))), false);
        assertEquals(1, s.generations(), "lambda - 1 injected trials and one of its own make a generation");
    }
}
