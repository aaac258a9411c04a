package dev.gale.tune.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GP-BO's TuRBO-style trust region: proposals stay near the best trial, and the state restores exactly. */
class GpTrustRegionTest {
    static SearchSpace space() {
        Map<String, Object> s = new LinkedHashMap<>();
        for (int i = 0; i < 4; i++) s.put("x" + i, Domains.uniform(-5, 5));
        return SearchSpace.of(s);
    }

    static double sphere(Map<String, Object> c) {
        double f = 0;
        for (int i = 0; i < 4; i++) {
            double v = ((Number) c.get("x" + i)).doubleValue() - 1.7;
            f += v * v;
        }
        return f;
    }

    /** Runs trials from..to-1; returns the mean distance of proposals from the best trial so far, over trials past 14. */
    static double run(Searcher s, int from, int to, List<Map<String, Object>> out, Map<String, Object>[] best) {
        double dist = 0;
        int n = 0;
        for (int i = from; i < to; i++) {
            String id = "t" + i;
            Map<String, Object> c = ((Suggestion.Config) s.suggest(id)).config();
            out.add(c);
            if (i >= 14 && best[0] != null) {
                double d = 0;
                for (int k = 0; k < 4; k++) {
                    double a = ((Number) c.get("x" + k)).doubleValue() - ((Number) best[0].get("x" + k)).doubleValue();
                    d += a * a;
                }
                dist += Math.sqrt(d);
                n++;
            }
            double v = sphere(c);
            if (best[0] == null || v < sphere(best[0])) best[0] = c;
            s.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("v", v)), false);
        }
        return n == 0 ? 0 : dist / n;
    }

    @Test
    @SuppressWarnings("unchecked")
    void proposalsStayNearTheBestTrial() {
        double tr = 0, plain = 0;
        for (long seed = 1; seed <= 2; seed++) {
            Searcher a = GpSearcher.builder().trustRegion(true).build();
            a.setup(space(), "v", Mode.MIN, 100, seed);
            Searcher b = new GpSearcher();
            b.setup(space(), "v", Mode.MIN, 100, seed);
            tr += run(a, 0, 30, new ArrayList<>(), new Map[1]);
            plain += run(b, 0, 30, new ArrayList<>(), new Map[1]);
        }
        assertTrue(tr < plain, "mean distance from the best trial: trust region " + tr / 2 + ", without " + plain / 2);
    }

    @Test
    @SuppressWarnings("unchecked")
    void restoresExactly() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Searcher a = GpSearcher.builder().trustRegion(true).build();
        a.setup(space(), "v", Mode.MIN, 100, 9);
        Map<String, Object>[] best = new Map[1];
        run(a, 0, 22, new ArrayList<>(), best);
        Searcher b = GpSearcher.builder().trustRegion(true).build();
        b.setup(space(), "v", Mode.MIN, 100, 9);
        b.restore(json.readValue(json.writeValueAsString(a.save()), Object.class));
        List<Map<String, Object>> ca = new ArrayList<>(), cb = new ArrayList<>();
        Map<String, Object>[] bestB = new Map[]{best[0]};
        run(a, 22, 30, ca, best);
        run(b, 22, 30, cb, bestB);
        assertEquals(ca, cb);
    }
}
