package dev.gale.tune.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleBiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code cmaes+gp} phase's sharing rules: the adaptive share follows how the GP's trials rank
 * against CMA-ES's, only improving GP trials reach CMA-ES, and the
 * adaptive state is saved exactly.
 */
class CmaGpPortfolioTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static CmaGpPortfolio adaptive() {
        CmaGpPortfolio p = new CmaGpPortfolio(new CmaGpPortfolio.Sharing.Adaptive(0.15), CmaGpPortfolio.GP_LIMIT);
        p.setup(AutoSearcherTest.numeric(), "loss", Mode.MIN, Integer.MAX_VALUE, 21);
        return p;
    }

    /** Runs trials {@code from..to-1} one at a time, valued by {@code value(gp?, i)}; returns who proposed each ("gp"/"cmaes"). */
    static List<Object> run(CmaGpPortfolio p, int from, int to, ToDoubleBiFunction<Boolean, Integer> value) {
        List<Object> who = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String id = "t" + i;
            p.suggest(id);
            Object s = p.trialAttributes(id).get("sampler");
            who.add(s);
            Result r = new Result(id, 1, 0, 0, Map.of("loss", value.applyAsDouble("gp".equals(s), i)));
            p.onTrialComplete(id, r, false);
        }
        return who;
    }

    static long gpCount(List<Object> who) {
        return who.stream().filter("gp"::equals).count();
    }

    @Test
    void theShareRisesWhileGpTrialsBeatCmaEsAndFallsWhileTheyLose() {
        CmaGpPortfolio winning = adaptive();
        List<Object> w = run(winning, 0, 160, (gp, i) -> gp ? -1000 - i : i);
        assertEquals(0, gpCount(w.subList(0, CmaGpPortfolio.GP_START)), "no GP proposal before its start: " + w);
        assertEquals(CmaGpPortfolio.MAX_SHARE, winning.share(), 1e-12);
        assertTrue(gpCount(w.subList(110, 160)) >= 20, "GP proposals among the last 50: " + w.subList(110, 160));

        CmaGpPortfolio losing = adaptive();
        List<Object> l = run(losing, 0, 160, (gp, i) -> gp ? 1000 + i : -i);
        assertTrue(losing.share() < 0.04, "share " + losing.share());
        assertTrue(gpCount(l.subList(110, 160)) <= 2, "GP proposals among the last 50: " + l.subList(110, 160));
    }

    @Test
    void aFixedShareStays() {
        CmaGpPortfolio p = new CmaGpPortfolio(new CmaGpPortfolio.Sharing.Fixed(0.25), CmaGpPortfolio.GP_LIMIT);
        p.setup(AutoSearcherTest.numeric(), "loss", Mode.MIN, 100, 4);
        List<Object> who = run(p, 0, 50, (gp, i) -> gp ? 1000 + i : -i);
        assertEquals(0.25, p.share(), 0);
        assertEquals(0, gpCount(who.subList(0, CmaGpPortfolio.GP_START)));
        assertEquals(10, gpCount(who.subList(10, 50)), who.toString());
        assertThrows(IllegalArgumentException.class, () -> new CmaGpPortfolio.Sharing.Adaptive(1.5));
        assertThrows(IllegalArgumentException.class, () -> new CmaGpPortfolio(null, 300));
    }

    @Test
    void autoAdaptsTheShareOnlyInPartsOfFiveOrMoreParametersWithABudgetOverOneHundred() {
        double d = AutoSearcher.DEFAULT_GP_SHARE;
        assertEquals(new CmaGpPortfolio.Sharing.Fixed(d), AutoPart.sharing(Double.NaN, 200, 2));
        assertEquals(new CmaGpPortfolio.Sharing.Fixed(d), AutoPart.sharing(Double.NaN, Integer.MAX_VALUE, 4));
        assertEquals(new CmaGpPortfolio.Sharing.Adaptive(d), AutoPart.sharing(Double.NaN, 200, 5));
        assertEquals(new CmaGpPortfolio.Sharing.Adaptive(d), AutoPart.sharing(Double.NaN, Integer.MAX_VALUE, 20));
        assertEquals(new CmaGpPortfolio.Sharing.Fixed(AutoSearcher.SMALL_BUDGET_GP_SHARE), AutoPart.sharing(Double.NaN, 100, 8));
        assertEquals(new CmaGpPortfolio.Sharing.Fixed(0.2), AutoPart.sharing(0.2, 200, 8));
    }

    /** The GP's trial in flight, after running until the GP proposes one. */
    static String gpTrialInFlight(CmaGpPortfolio p) {
        for (int i = 0; i < 200; i++) {
            String id = "t" + i;
            p.suggest(id);
            if ("gp".equals(p.trialAttributes(id).get("sampler"))) return id;
            p.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("loss", 10.0 + i % 7)), false);
        }
        throw new AssertionError("the GP proposed none of 200 trials");
    }

    @SuppressWarnings("unchecked")
    static String cmaState(CmaGpPortfolio p) throws Exception {
        return JSON.writeValueAsString(((Map<String, Object>) p.save()).get("cma"));
    }

    @Test
    void onlyGpTrialsThatImproveTheBestReachCmaEsTheOthersWeighTwiceInTheGp() throws Exception {
        CmaGpPortfolio p = adaptive();
        String id = gpTrialInFlight(p);
        String before = cmaState(p);
        int learned = p.gpObservations();
        p.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("loss", 50.0)), false); // worse than every trial so far
        assertEquals(before, cmaState(p), "a GP trial that did not improve reached CMA-ES");
        assertEquals(learned + 2, p.gpObservations(), "a failed GP proposal weighs twice in the GP");

        CmaGpPortfolio q = adaptive();
        String id2 = gpTrialInFlight(q);
        String before2 = cmaState(q);
        int learned2 = q.gpObservations();
        q.onTrialComplete(id2, new Result(id2, 1, 0, 0, Map.of("loss", -5.0)), false); // a new best
        assertNotEquals(before2, cmaState(q), "an improving GP trial was not injected into CMA-ES");
        assertEquals(learned2 + 1, q.gpObservations());

        CmaGpPortfolio fixed = new CmaGpPortfolio(new CmaGpPortfolio.Sharing.Fixed(0.15), CmaGpPortfolio.GP_LIMIT);
        fixed.setup(AutoSearcherTest.numeric(), "loss", Mode.MIN, 100, 21);
        String id3 = gpTrialInFlight(fixed);
        String before3 = cmaState(fixed);
        fixed.onTrialComplete(id3, new Result(id3, 1, 0, 0, Map.of("loss", 50.0)), false);
        assertNotEquals(before3, cmaState(fixed), "with a fixed share every GP trial is injected");
    }

    @Test
    void theAdaptiveStateIsRestoredExactly() throws Exception {
        ToDoubleBiFunction<Boolean, Integer> value = (gp, i) -> (gp ? -0.5 : 0) + Math.sin(i * 0.7) + (i % 5);
        for (int cut : new int[]{30, 47, 66}) {
            CmaGpPortfolio a = adaptive();
            run(a, 0, cut, value);
            a.suggest("flying");
            CmaGpPortfolio b = adaptive();
            b.restore(JSON.readValue(JSON.writeValueAsString(a.save()), Object.class));
            assertEquals(a.share(), b.share(), 0, "cut at " + cut);
            assertEquals(a.trialAttributes("flying"), b.trialAttributes("flying"));
            Result r = new Result("flying", 1, 0, 0, Map.of("loss", -3.0));
            a.onTrialComplete("flying", r, false);
            b.onTrialComplete("flying", r, false);
            assertEquals(JSON.writeValueAsString(a.save()), JSON.writeValueAsString(b.save()), "cut at " + cut);
            assertEquals(run(a, cut, 80, value), run(b, cut, 80, value), "cut at " + cut);
            assertEquals(JSON.writeValueAsString(a.save()), JSON.writeValueAsString(b.save()), "cut at " + cut);
        }
    }
}
