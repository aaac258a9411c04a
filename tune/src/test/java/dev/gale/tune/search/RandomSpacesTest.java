package dev.gale.tune.search;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every registered sampler through define-by-run calls on seeded random spaces of every domain
 * kind (tiny integer ranges, one-choice categoricals, quantized and log domains, names a trial
 * sometimes skips), both modes, with results that are NaN, lack the metric or come from failed
 * trials: each value lies in its domain, and a sampler saved half-way and restored into a fresh one
 * makes the same suggestions as the original from then on. The same for declarative spaces
 * suggested whole, with up to three trials in flight completing out of order.
 */
class RandomSpacesTest {

    static List<String> samplers() {
        return Searchers.NAMES;
    }

    /** Spaces per sampler: fewer for GP-BO, whose suggestions cost more. */
    private static int spaces(String name) {
        return name.startsWith("gp") ? 3 : 10;
    }

    private static int trials(String name) {
        return name.startsWith("gp") ? 36 : 60;
    }

    @ParameterizedTest
    @MethodSource("samplers")
    void declarativeSpacesWithTrialsInFlightCompletingOutOfOrder(String name) {
        int spaces = spaces(name);
        int trials = trials(name);
        for (int sp = 0; sp < spaces; sp++) {
            Random r = new Random(1000 + sp);
            int np = 1 + r.nextInt(8);
            Map<String, Domain> doms = new LinkedHashMap<>();
            for (int i = 0; i < np; i++) doms.put("p" + i, domain(r));
            Mode mode = r.nextBoolean() ? Mode.MIN : Mode.MAX;
            String where = name + ", space " + sp + " " + doms;
            SearchSpace space = SearchSpace.of(doms);
            Searcher s = Searchers.byName(name);
            s.setup(space, "value", mode, trials, sp);
            Searcher restored = null;
            Deque<String> inFlight = new ArrayDeque<>();
            Map<String, Double> values = new TreeMap<>();
            int asked = 0;
            while (asked < trials || !inFlight.isEmpty()) {
                boolean ask = asked < trials && (inFlight.size() < 1 + r.nextInt(3));
                if (ask) {
                    String id = "trial_" + (++asked);
                    Suggestion sug = s.suggest(id);
                    if (restored != null) assertEquals(sug, restored.suggest(id), where + ": after the restore, " + id);
                    if (sug instanceof Suggestion.Finished) break;
                    if (!(sug instanceof Suggestion.Config c)) continue; // Wait: a trial must complete first
                    double v = 0;
                    int i = 0;
                    for (Map.Entry<String, Domain> e : doms.entrySet()) {
                        Object x = c.config().get(e.getKey());
                        assertTrue(e.getValue().contains(x), where + ": " + id + " " + e.getKey() + " = " + x);
                        v += x instanceof Number n ? Math.sin(n.doubleValue() * (++i)) : x.hashCode() % 7;
                    }
                    values.put(id, v);
                    inFlight.add(id);
                } else {
                    String id = r.nextBoolean() ? inFlight.pollFirst() : inFlight.pollLast();
                    Map<String, Object> m = new TreeMap<>();
                    int kind = r.nextInt(20);
                    if (kind == 0) m.put("value", Double.NaN);
                    else if (kind == 1) m.put("other", 1.0);
                    else m.put("value", values.get(id));
                    Result res = new Result(id, 1, 0, 0, m);
                    for (Searcher t : restored == null ? List.of(s) : List.of(s, restored)) {
                        t.onTrialResult(id, res);
                        t.onTrialComplete(id, res, kind == 2);
                    }
                }
                if (restored == null && asked == trials / 2) {
                    restored = Searchers.byName(name);
                    restored.setup(space, "value", mode, trials, sp);
                    restored.restore(s.save());
                }
            }
        }
    }

    private static Domain domain(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> new Domain.Uniform(-r.nextInt(5), 1 + r.nextInt(5));
            case 1 -> new Domain.LogUniform(1e-5, 1e-5 + r.nextDouble() * 10);
            case 2 -> new Domain.RandInt(0, 1 + r.nextInt(3));
            case 3 -> new Domain.QRandInt(0, 10, 1 + r.nextInt(10));
            case 4 -> new Domain.QUniform(0, 1, r.nextBoolean() ? 0.25 : 1);
            case 5 -> {
                List<Object> v = new ArrayList<>();
                for (int j = 0, k = 1 + r.nextInt(4); j < k; j++) v.add("c" + j);
                yield new Domain.Choice(v);
            }
            case 6 -> new Domain.QLogUniform(1, 1000, 1);
            default -> new Domain.Uniform(0, 1e-9 + r.nextDouble());
        };
    }

    @ParameterizedTest
    @MethodSource("samplers")
    void valuesStayInTheirDomainsAndARestoredSamplerContinuesAlike(String name) {
        int spaces = spaces(name);
        int trials = trials(name);
        for (int sp = 0; sp < spaces; sp++) {
            Random r = new Random(sp);
            int np = 1 + r.nextInt(8);
            List<Domain> doms = new ArrayList<>();
            for (int i = 0; i < np; i++) doms.add(domain(r));
            boolean conditional = r.nextBoolean();
            Mode mode = r.nextBoolean() ? Mode.MIN : Mode.MAX;
            String where = name + ", space " + sp + " " + doms + (conditional ? " (names skipped now and then)" : "");
            Searcher s = Searchers.byName(name);
            s.setup(SearchSpace.of(Map.of()), "value", mode, Integer.MAX_VALUE, sp);
            Searcher restored = null;
            for (int k = 1; k <= trials; k++) {
                String id = "optimize_1/trial_" + k;
                double v = 0;
                for (int i = 0; i < np; i++) {
                    if (conditional && i > 0 && (k + i) % 3 == 0) continue;
                    Object x = s.suggestParameter(id, "p" + i, doms.get(i));
                    assertTrue(doms.get(i).contains(x), where + ": trial " + k + " p" + i + " = " + x);
                    if (restored != null) {
                        assertEquals(x, restored.suggestParameter(id, "p" + i, doms.get(i)), where + ": after the restore, trial " + k + " p" + i);
                    }
                    v += x instanceof Number n ? Math.sin(n.doubleValue() * (i + 1)) : x.hashCode() % 7;
                }
                Map<String, Object> m = new TreeMap<>();
                int kind = r.nextInt(20);
                if (kind == 0) m.put("value", Double.NaN);
                else if (kind == 1) m.put("other", 1.0);
                else m.put("value", v);
                Result res = new Result(id.substring(id.indexOf('/') + 1), 1, 0, 0, m);
                for (Searcher t : restored == null ? List.of(s) : List.of(s, restored)) {
                    t.onTrialResult(id, res);
                    t.onTrialComplete(id, res, kind == 2);
                }
                if (k == trials / 2) {
                    restored = Searchers.byName(name);
                    restored.setup(SearchSpace.of(Map.of()), "value", mode, Integer.MAX_VALUE, sp);
                    restored.restore(s.save());
                }
            }
        }
    }
}
