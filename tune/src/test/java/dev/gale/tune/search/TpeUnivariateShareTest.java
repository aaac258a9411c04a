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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Multivariate TPE's univariate share: on by default from 4 numeric parameters, seeded, restored exactly. */
class TpeUnivariateShareTest {
    static SearchSpace space(int numeric, int categorical) {
        Map<String, Object> s = new LinkedHashMap<>();
        for (int i = 0; i < numeric; i++) s.put("x" + i, Domains.uniform(-5, 5));
        for (int i = 0; i < categorical; i++) s.put("c" + i, Domains.choice("a", "b", "c"));
        return SearchSpace.of(s);
    }

    static double loss(Map<String, Object> c) {
        double f = 0;
        for (Map.Entry<String, Object> e : c.entrySet()) {
            if (e.getValue() instanceof Number n) f += (n.doubleValue() - 1) * (n.doubleValue() - 1);
            else if (!"a".equals(e.getValue())) f += 1;
        }
        return f;
    }

    static List<Map<String, Object>> run(Searcher s, int from, int to) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String id = "t" + i;
            Map<String, Object> c = ((Suggestion.Config) s.suggest(id)).config();
            out.add(c);
            s.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("v", loss(c))), false);
        }
        return out;
    }

    static List<Map<String, Object>> runWith(TpeSearcher s, SearchSpace space) {
        s.setup(space, "v", Mode.MIN, 100, 6);
        return run(s, 0, 40);
    }

    @Test
    void theDefaultSharesFromFourNumericParameters() {
        SearchSpace four = space(4, 0);
        assertNotEquals(runWith(TpeSearcher.builder().univariateShare(0).build(), four), runWith(new TpeSearcher(), four));
        assertEquals(runWith(TpeSearcher.builder().univariateShare(0.5).build(), four), runWith(new TpeSearcher(), four));
        SearchSpace small = space(3, 0);
        assertEquals(runWith(TpeSearcher.builder().univariateShare(0).build(), small), runWith(new TpeSearcher(), small));
        SearchSpace categorical = space(2, 5); // 7 parameters, 2 numeric
        assertEquals(runWith(TpeSearcher.builder().univariateShare(0).build(), categorical), runWith(new TpeSearcher(), categorical));
        assertThrows(IllegalArgumentException.class, () -> TpeSearcher.builder().univariateShare(1.5));
    }

    @Test
    void restoresExactly() throws Exception {
        ObjectMapper json = new ObjectMapper();
        TpeSearcher a = new TpeSearcher();
        a.setup(space(5, 1), "v", Mode.MIN, 100, 2);
        run(a, 0, 25);
        TpeSearcher b = new TpeSearcher();
        b.setup(space(5, 1), "v", Mode.MIN, 100, 2);
        b.restore(json.readValue(json.writeValueAsString(a.save()), Object.class));
        assertEquals(run(a, 25, 40), run(b, 25, 40));
    }
}
