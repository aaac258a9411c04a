package dev.gale.tune.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TPE arm of the {@code cmaes+gp} phase: it engages where CMA-ES's step stays wide (a rugged
 * landscape), not where CMA-ES converges, only in parts of at most four parameters, then proposes
 * most trials under its own name; its state is restored exactly.
 */
class TpeExplorerTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static SearchSpace box(int d, double lo, double hi) {
        Map<String, Object> s = new LinkedHashMap<>();
        for (int i = 1; i <= d; i++) s.put("x" + i, Domains.uniform(lo, hi));
        return SearchSpace.of(s);
    }

    /** Schwefel's function: deceptive, a basin every ~100 units. */
    static double schwefel(Map<String, Object> c) {
        double f = 418.9828872724338 * c.size();
        for (Object v : c.values()) {
            double x = ((Number) v).doubleValue();
            f -= x * Math.sin(Math.sqrt(Math.abs(x)));
        }
        return f;
    }

    static double sphere(Map<String, Object> c) {
        double f = 0;
        for (Object v : c.values()) {
            double x = ((Number) v).doubleValue() - 0.3;
            f += x * x;
        }
        return f;
    }

    static CmaGpPortfolio portfolio(SearchSpace space, long seed) {
        CmaGpPortfolio p = new CmaGpPortfolio(new CmaGpPortfolio.Sharing.Fixed(AutoSearcher.DEFAULT_GP_SHARE), CmaGpPortfolio.GP_LIMIT, true);
        p.setup(space, "loss", Mode.MIN, Integer.MAX_VALUE, seed);
        return p;
    }

    /** Runs trials {@code from..to-1} one at a time; returns who proposed each ("cmaes", "gp", "tpe"). */
    static List<Object> run(CmaGpPortfolio p, int from, int to, ToDoubleFunction<Map<String, Object>> f) {
        List<Object> who = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String id = "t" + i;
            Map<String, Object> config = ((Suggestion.Config) p.suggest(id)).config();
            who.add(p.trialAttributes(id).get("sampler"));
            p.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("loss", f.applyAsDouble(config))), false);
        }
        return who;
    }

    static long count(List<Object> who, String sampler) {
        return who.stream().filter(sampler::equals).count();
    }

    /** The first seed of 1–10 on which the arm engages within 150 trials of Schwefel's function in {@code d} dimensions. */
    static long engagingSeed(int d) {
        for (long seed = 1; seed <= 10; seed++) {
            CmaGpPortfolio p = portfolio(box(d, -500, 500), seed);
            if (run(p, 0, 150, TpeExplorerTest::schwefel).contains("tpe")) return seed;
        }
        throw new AssertionError("the arm engaged on none of seeds 1-10 within 150 trials (" + d + "-D)");
    }

    @Test
    void theArmEngagesWhereCmaEsStaysWideAndTakesMostTrials() {
        int engaged = 0;
        for (long seed = 1; seed <= 10; seed++) {
            CmaGpPortfolio p = portfolio(box(4, -500, 500), seed);
            List<Object> who = run(p, 0, 200, TpeExplorerTest::schwefel);
            int first = who.indexOf("tpe");
            assertEquals(first >= 0, p.tpeEngaged(), "seed " + seed);
            if (first < 0) continue;
            engaged++;
            assertTrue(first >= 15 * 8 * 85 / 100, "seed " + seed + ": the arm proposed before CMA-ES's 15th generation: trial " + first);
            List<Object> after = who.subList(first, who.size());
            double share = (double) count(after, "tpe") / after.size();
            assertTrue(share > 0.8 && share < 0.9, "seed " + seed + ": TPE's share once engaged: " + share + " " + after);
        }
        assertTrue(engaged >= 6, "the arm engaged on " + engaged + " of 10 runs of Schwefel's function");
    }

    @Test
    void inTwoOrThreeParametersOnceTheSearchStallsWithTheArmEngagedTheGpTakesItsShareOfEveryTurn() throws Exception {
        long seed = engagingSeed(3);
        CmaGpPortfolio p = portfolio(box(3, -500, 500), seed);
        List<Object> who = run(p, 0, 150, TpeExplorerTest::schwefel);
        assertTrue(p.tpeEngaged(), who.toString());
        // nothing improves from here: after 15 such trials the GP proposes 15 % of all the trials
        // (until it is dropped at 300 completed trials); a restore in the middle changes nothing
        List<Object> stalled = new ArrayList<>(run(p, 150, 220, c -> 1e9));
        CmaGpPortfolio restored = portfolio(box(3, -500, 500), seed);
        restored.restore(JSON.readValue(JSON.writeValueAsString(p.save()), Object.class));
        List<Object> later = run(p, 220, CmaGpPortfolio.GP_LIMIT - 10, c -> 1e9);
        assertEquals(later, run(restored, 220, CmaGpPortfolio.GP_LIMIT - 10, c -> 1e9), "the stalled state is restored exactly");
        stalled.addAll(later);
        List<Object> rest = stalled.subList(CmaGpPortfolio.STALL, stalled.size());
        double gp = (double) count(rest, "gp") / rest.size(), tpe = (double) count(rest, "tpe") / rest.size();
        assertTrue(Math.abs(gp - AutoSearcher.DEFAULT_GP_SHARE) < 0.03, "the GP's share once stalled: " + gp + " " + rest);
        assertTrue(Math.abs(tpe - 0.85 * 0.85) < 0.03, "the arm's share of the rest: " + tpe + " " + rest);
        // a new best ends the stall: the GP goes back to the arm's leftovers
        CmaGpPortfolio q = portfolio(box(3, -500, 500), seed);
        run(q, 0, 150, TpeExplorerTest::schwefel);
        run(q, 150, 200, c -> 1e9);
        List<Object> improving = run(q, 200, 280, new java.util.function.ToDoubleFunction<>() {
            double next = -1;

            @Override
            public double applyAsDouble(Map<String, Object> c) {
                return next -= 1; // every trial a new best
            }
        });
        assertTrue(count(improving, "gp") <= 4, "with every trial a new best the GP shares only the arm's leftovers: " + improving);
        // in 4 parameters the GP stays on the arm's leftovers
        long seed4 = engagingSeed(4);
        CmaGpPortfolio four = portfolio(box(4, -500, 500), seed4);
        run(four, 0, 150, TpeExplorerTest::schwefel);
        List<Object> stalled4 = run(four, 150, CmaGpPortfolio.GP_LIMIT - 10, c -> 1e9);
        assertTrue(count(stalled4, "gp") <= 6, "4-D, stalled: " + stalled4);
    }

    @Test
    void theArmStaysOutWhereCmaEsConverges() {
        for (long seed = 1; seed <= 3; seed++) {
            CmaGpPortfolio p = portfolio(box(4, -1, 1), seed);
            List<Object> who = run(p, 0, 200, TpeExplorerTest::sphere);
            assertFalse(p.tpeEngaged(), "seed " + seed);
            assertEquals(0, count(who, "tpe"), "seed " + seed + ": " + who);
        }
    }

    @Test
    void noArmInPartsOfMoreThanFourParametersOrWithoutIt() {
        CmaGpPortfolio five = portfolio(box(5, -500, 500), 3);
        assertEquals(0, count(run(five, 0, 200, TpeExplorerTest::schwefel), "tpe"));
        assertFalse(five.tpeEngaged());
        CmaGpPortfolio plain = new CmaGpPortfolio(new CmaGpPortfolio.Sharing.Fixed(AutoSearcher.DEFAULT_GP_SHARE), CmaGpPortfolio.GP_LIMIT);
        plain.setup(box(4, -500, 500), "loss", Mode.MIN, Integer.MAX_VALUE, 3);
        assertEquals(0, count(run(plain, 0, 200, TpeExplorerTest::schwefel), "tpe"));
    }

    @Test
    void theArmsStateIsRestoredExactly() throws Exception {
        SearchSpace space = box(4, -500, 500);
        long seed = engagingSeed(4);
        CmaGpPortfolio a = portfolio(space, seed);
        List<Object> who = run(a, 0, 150, TpeExplorerTest::schwefel);
        assertTrue(who.contains("tpe"), "the arm did not engage before the cut: " + who);
        String flying = null;
        for (int i = 150; flying == null; i++) {
            String id = "t" + i;
            Map<String, Object> c = ((Suggestion.Config) a.suggest(id)).config();
            if ("tpe".equals(a.trialAttributes(id).get("sampler"))) flying = id;
            else a.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("loss", schwefel(c))), false);
        }
        CmaGpPortfolio b = portfolio(space, seed);
        b.restore(JSON.readValue(JSON.writeValueAsString(a.save()), Object.class));
        assertTrue(b.tpeEngaged());
        assertEquals(Map.of("sampler", "tpe"), b.trialAttributes(flying));
        Result r = new Result(flying, 1, 0, 0, Map.of("loss", 100.0));
        a.onTrialComplete(flying, r, false);
        b.onTrialComplete(flying, r, false);
        assertEquals(JSON.writeValueAsString(a.save()), JSON.writeValueAsString(b.save()));
        assertEquals(run(a, 300, 360, TpeExplorerTest::schwefel), run(b, 300, 360, TpeExplorerTest::schwefel));
        assertEquals(JSON.writeValueAsString(a.save()), JSON.writeValueAsString(b.save()));
    }

    /** A trial's value and the sampler that proposed it. */
    record Trial(double value, Object sampler) {
    }

    /** One trial of Schwefel's function in 4-D through {@code auto}: declarative, or define-by-run (each name asked). */
    static Trial autoTrial(AutoSearcher s, String id, boolean defineByRun) {
        Map<String, Object> c = new LinkedHashMap<>();
        if (defineByRun) {
            for (int i = 1; i <= 4; i++) c.put("x" + i, s.suggestParameter(id, "x" + i, new Domain.Uniform(-500, 500)));
        } else {
            c = ((Suggestion.Config) s.suggest(id)).config();
        }
        double v = schwefel(c);
        Object sampler = s.trialAttributes(id).get("sampler");
        s.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("loss", v)), false);
        return new Trial(v, sampler);
    }

    static AutoSearcher auto(boolean defineByRun, long seed) {
        AutoSearcher a = new AutoSearcher();
        a.setup(defineByRun ? SearchSpace.of(Map.of()) : box(4, -500, 500), "loss", Mode.MIN, Integer.MAX_VALUE, seed);
        return a;
    }

    @Test
    void autoRecordsTheArmsTrialsAndRestoresThemExactlyDeclarativeAndDefineByRun() throws Exception {
        for (boolean dbr : new boolean[]{false, true}) {
            AutoSearcher a = null;
            int t = 0;
            for (long seed = 1; seed <= 10 && a == null; seed++) {
                AutoSearcher x = auto(dbr, seed);
                for (t = 0; t < 200; t++) {
                    if ("tpe".equals(autoTrial(x, "t" + t, dbr).sampler())) break;
                }
                if (t < 200) a = x;
            }
            assertTrue(a != null, (dbr ? "define-by-run" : "declarative") + ": auto's TPE arm proposed no trial in 200 on seeds 1-10");
            AutoSearcher b = new AutoSearcher();
            b.setup(dbr ? SearchSpace.of(Map.of()) : box(4, -500, 500), "loss", Mode.MIN, Integer.MAX_VALUE, 99);
            b.restore(JSON.readValue(JSON.writeValueAsString(a.save()), Object.class));
            List<Trial> ta = new ArrayList<>(), tb = new ArrayList<>();
            for (int i = t + 1; i < t + 41; i++) {
                ta.add(autoTrial(a, "t" + i, dbr));
                tb.add(autoTrial(b, "t" + i, dbr));
            }
            assertEquals(ta, tb, dbr ? "define-by-run" : "declarative");
            long tpe = ta.stream().filter(x -> "tpe".equals(x.sampler())).count();
            assertTrue(tpe > 25, "the arm's share after the restore: " + ta);
        }
    }
}
