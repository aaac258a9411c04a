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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The auto searcher: its schedule, what it records, its random start, its fallbacks and exact save/restore. */
class AutoSearcherTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static SearchSpace numeric() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("x", Domains.uniform(-5, 5));
        s.put("lr", Domains.loguniform(1e-4, 1e-1));
        s.put("n", Domains.randint(1, 11));
        return SearchSpace.of(s);
    }

    static double loss(Map<String, Object> c) {
        double x = ((Number) c.get("x")).doubleValue();
        double lr = Math.log10(((Number) c.get("lr")).doubleValue()) + 2;
        int n = ((Number) c.get("n")).intValue();
        return (x - 1) * (x - 1) + lr * lr + 0.1 * (n - 3) * (n - 3);
    }

    static AutoSearcher small() {
        return AutoSearcher.builder().numeric(AutoSchedule.parse("random:5,gp:15,cmaes")).build();
    }

    /** Runs trials {@code from..to-1} one at a time; returns the configs and records the sampler of each. */
    static List<Map<String, Object>> run(Searcher s, int from, int to, List<Object> samplers) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String id = "t" + i;
            Map<String, Object> c = ((Suggestion.Config) s.suggest(id)).config();
            out.add(c);
            if (samplers != null) samplers.add(s.trialAttributes(id).get("sampler"));
            Result r = new Result(id, 1, 0, 0, Map.of("loss", loss(c)));
            s.onTrialResult(id, r);
            s.onTrialComplete(id, r, false);
        }
        return out;
    }

    @Test
    void followsItsScheduleAndRecordsTheSamplerOfEachTrial() {
        AutoSearcher a = small();
        a.setup(numeric(), "loss", Mode.MIN, 100, 3);
        assertEquals("random:5,gp:15,cmaes", a.schedule().toString());
        List<Object> used = new ArrayList<>();
        run(a, 0, 40, used);
        for (int i = 0; i < 40; i++) {
            assertEquals(i < 5 ? "random" : i < 15 ? "gp" : "cmaes", used.get(i), "trial " + i);
        }
        assertEquals(Map.of(), a.trialAttributes("unknown"));
    }

    static SearchSpace categorical() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("x", Domains.uniform(-5, 5));
        s.put("c", Domains.choice("a", "b", "c"));
        return SearchSpace.of(s);
    }

    @Test
    void aCategoricalPartsRandomStartIsRandomSearch() {
        AutoSearcher a = new AutoSearcher();
        a.setup(categorical(), "loss", Mode.MIN, 1000, 11);
        Searcher r = Searchers.random();
        r.setup(categorical(), "loss", Mode.MIN, 1000, 11);
        for (int i = 0; i < 10; i++) assertEquals(r.suggest("t" + i), a.suggest("t" + i), "trial " + i);
        assertEquals("random:10,tpe", a.schedule().toString());
        assertEquals(10, a.schedule().randomStart());
    }

    @Test
    void aNumericPartStartsWithCmaEsAtTheCentreAndTheGpJoinsAfterTenTrials() {
        AutoSearcher a = new AutoSearcher();
        a.setup(numeric(), "loss", Mode.MIN, 1000, 11);
        assertEquals("cmaes+gp", a.schedule().toString());
        assertEquals(0, a.schedule().randomStart());
        List<Object> used = new ArrayList<>();
        List<Map<String, Object>> configs = run(a, 0, 40, used);
        for (int i = 0; i < 10; i++) assertEquals("cmaes", used.get(i), "trial " + i + " of " + used);
        assertTrue(used.subList(10, 40).contains("gp") && used.subList(10, 40).contains("cmaes"), used.toString());
        // until the GP proposes, the trials are exactly CMA-ES's own run (centre start, same seed)
        Searcher cma = new CmaEsSearcher();
        cma.setup(numeric(), "loss", Mode.MIN, 1000, 11);
        assertEquals(run(cma, 0, 10, null), configs.subList(0, 10));
    }

    @Test
    void withoutAMetricOrWithAGridItIsRandomSearchOrGrid() {
        AutoSearcher a = new AutoSearcher();
        a.setup(numeric(), null, Mode.MAX, 7, 2);
        Searcher r = Searchers.random();
        r.setup(numeric(), null, Mode.MAX, 7, 2);
        assertNull(a.schedule());
        for (int i = 0; i < 7; i++) assertEquals(r.suggest("t" + i), a.suggest("t" + i));
        assertEquals("random", a.trialAttributes("t1").get("sampler"));
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("a", Domains.gridSearch(1, 2, 3));
        g.put("x", Domains.uniform(0, 1));
        AutoSearcher grid = new AutoSearcher();
        grid.setup(SearchSpace.of(g), "loss", Mode.MIN, 2, 5);
        Searcher plain = Searchers.grid();
        plain.setup(SearchSpace.of(g), "loss", Mode.MIN, 2, 5);
        assertEquals(6, grid.plannedTrials(2));
        for (int i = 0; i < 7; i++) assertEquals(plain.suggest("t" + i), grid.suggest("t" + i), "trial " + i);
    }

    @Test
    void beatsRandomSearch() {
        double auto = 0, rnd = 0;
        for (long seed = 1; seed <= 3; seed++) {
            AutoSearcher a = small();
            a.setup(numeric(), "loss", Mode.MIN, 40, seed);
            Searcher r = Searchers.random();
            r.setup(numeric(), "loss", Mode.MIN, 40, seed);
            auto += run(a, 0, 40, null).stream().mapToDouble(AutoSearcherTest::loss).min().orElseThrow();
            rnd += run(r, 0, 40, null).stream().mapToDouble(AutoSearcherTest::loss).min().orElseThrow();
        }
        assertTrue(auto < rnd / 5, "auto " + auto / 3 + " vs random " + rnd / 3);
    }

    @Test
    void maximizesInMaxMode() {
        AutoSearcher a = small();
        a.setup(numeric(), "score", Mode.MAX, 40, 9);
        double best = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < 40; i++) {
            String id = "t" + i;
            Map<String, Object> c = ((Suggestion.Config) a.suggest(id)).config();
            double score = -loss(c);
            best = Math.max(best, score);
            a.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("score", score)), false);
        }
        assertTrue(best > -0.5, "best score " + best);
    }

    /** Snapshots at every step of a run that crosses both hand-overs, with a trial in flight, continue exactly. */
    @Test
    void restoresExactlyAcrossHandOvers() throws Exception {
        for (int cut : new int[]{3, 9, 15, 22}) {
            AutoSearcher a = small();
            a.setup(numeric(), "loss", Mode.MIN, 100, 5);
            run(a, 0, cut, null);
            Map<String, Object> inFlight = ((Suggestion.Config) a.suggest("flying")).config();
            AutoSearcher b = small();
            b.setup(numeric(), "loss", Mode.MIN, 100, 5);
            b.restore(JSON.readValue(JSON.writeValueAsString(a.save()), Object.class));
            assertEquals(a.trialAttributes("flying"), b.trialAttributes("flying"));
            Result r = new Result("flying", 1, 0, 0, Map.of("loss", loss(inFlight)));
            a.onTrialComplete("flying", r, false);
            b.onTrialComplete("flying", r, false);
            List<Object> sa = new ArrayList<>(), sb = new ArrayList<>();
            assertEquals(run(a, cut, 30, sa), run(b, cut, 30, sb), "cut at " + cut);
            assertEquals(sa, sb);
        }
        AutoSearcher other = AutoSearcher.builder().numeric(AutoSchedule.parse("random:3,cmaes")).build();
        other.setup(numeric(), "loss", Mode.MIN, 100, 5);
        AutoSearcher a = small();
        a.setup(numeric(), "loss", Mode.MIN, 100, 5);
        Object saved = JSON.readValue(JSON.writeValueAsString(a.save()), Object.class);
        assertThrows(IllegalArgumentException.class, () -> other.restore(saved));
    }

    @Test
    void cmaEsAndGpShareTrialsAndRestoreExactly() throws Exception {
        java.util.function.Supplier<AutoSearcher> make = () -> AutoSearcher.builder().numeric(AutoSchedule.parse("random:3,cmaes+gp")).build();
        AutoSearcher a = make.get();
        a.setup(numeric(), "loss", Mode.MIN, 100, 12);
        List<Object> used = new ArrayList<>();
        run(a, 0, 40, used);
        assertEquals(List.of("random", "random", "random"), used.subList(0, 3));
        assertTrue(used.subList(3, 40).contains("cmaes") && used.subList(10, 40).contains("gp"), used.toString());
        for (int cut : new int[]{5, 17, 26}) {
            AutoSearcher x = make.get();
            x.setup(numeric(), "loss", Mode.MIN, 100, 12);
            run(x, 0, cut, null);
            Map<String, Object> inFlight = ((Suggestion.Config) x.suggest("flying")).config();
            AutoSearcher y = make.get();
            y.setup(numeric(), "loss", Mode.MIN, 100, 12);
            y.restore(JSON.readValue(JSON.writeValueAsString(x.save()), Object.class));
            assertEquals(x.trialAttributes("flying"), y.trialAttributes("flying"));
            Result r = new Result("flying", 1, 0, 0, Map.of("loss", loss(inFlight)));
            x.onTrialComplete("flying", r, false);
            y.onTrialComplete("flying", r, false);
            List<Object> sx = new ArrayList<>(), sy = new ArrayList<>();
            assertEquals(run(x, cut, 40, sx), run(y, cut, 40, sy), "cut at " + cut);
            assertEquals(sx, sy);
        }
    }

    static final Domain X = new Domain.Uniform(0, 1);
    static final Domain Y = new Domain.RandInt(0, 10);
    static final Domain BRANCH = new Domain.Choice(List.of("a", "b"));

    /** A conditional define-by-run trial: branch a asks x and y, branch b asks x only. */
    static double dbrTrial(Searcher s, String id) {
        String br = (String) s.suggestParameter(id, "branch", BRANCH);
        double x = ((Number) s.suggestParameter(id, "x", X)).doubleValue();
        double v = (x - 0.3) * (x - 0.3);
        if (br.equals("a")) v += 0.01 * Math.abs(((Number) s.suggestParameter(id, "y", Y)).intValue() - 4);
        else v += 0.5;
        return v;
    }

    static List<Double> dbrRun(Searcher s, int from, int to, List<Object> samplers) {
        List<Double> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String id = "t" + i;
            double v = dbrTrial(s, id);
            out.add(v);
            if (samplers != null) samplers.add(s.trialAttributes(id).get("sampler"));
            s.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("value", v)), false);
        }
        return out;
    }

    @Test
    void defineByRunStartsAsRandomThenSamplesGroupsJointly() {
        AutoSearcher a = new AutoSearcher();
        a.setup(SearchSpace.of(Map.of()), "value", Mode.MIN, Integer.MAX_VALUE, 7);
        List<Object> used = new ArrayList<>();
        List<Double> va = dbrRun(a, 0, 40, used);
        int start = (int) a.randomStart();
        List<Double> rnd = new ArrayList<>();
        for (int i = 0; i < start; i++) {
            String id = "t" + i;
            Searcher seeded = new Searcher() {
                public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
                }

                public Suggestion suggest(String trialId) {
                    return Suggestion.FINISHED;
                }

                public Object save() {
                    return null;
                }

                public void restore(Object state) {
                }

                @Override
                public Object suggestParameter(String trialId, String name, Domain domain) {
                    return BasicVariantSearcher.randomParameter(7, trialId, name, domain);
                }
            };
            rnd.add(dbrTrial(seeded, id));
        }
        // the first trial (seed 7) took branch b: {branch, x}, half categorical, so the categorical schedule's 10
        assertEquals(10, start);
        assertEquals(rnd, va.subList(0, start), "the random start draws as random search, seeded");
        for (int i = 0; i < start; i++) assertEquals("random", used.get(i), "trial " + i);
        for (int i = start; i < 40; i++) assertNotEquals("random", used.get(i), "trial " + i);
        double best = va.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        assertTrue(best < 0.01, "best " + best);
    }

    @Test
    void defineByRunRandomStartFollowsTheFirstTrialsParameters() throws Exception {
        // numeric: only the first trial is random (it tells the names), then CMA-ES proposes
        AutoSearcher a = new AutoSearcher();
        a.setup(SearchSpace.of(Map.of()), "value", Mode.MIN, Integer.MAX_VALUE, 5);
        List<Object> used = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String id = "n" + i;
            double x = ((Number) a.suggestParameter(id, "x", X)).doubleValue();
            int y = ((Number) a.suggestParameter(id, "y", Y)).intValue();
            used.add(a.trialAttributes(id).get("sampler"));
            a.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("value", x * x + y)), false);
            if (i == 0) assertEquals(1, a.randomStart());
        }
        assertEquals("random", used.getFirst());
        for (int i = 1; i < 12; i++) assertEquals("cmaes", used.get(i), "trial " + i + " of " + used);
        // a snapshot keeps the decision; one without it (written before) keeps the fixed 10 of then
        AutoSearcher b = new AutoSearcher();
        b.setup(SearchSpace.of(Map.of()), "value", Mode.MIN, Integer.MAX_VALUE, 5);
        b.restore(JSON.readValue(JSON.writeValueAsString(a.save()), Object.class));
        assertEquals(1, b.randomStart());
        @SuppressWarnings("unchecked")
        Map<String, Object> old = (Map<String, Object>) JSON.readValue(JSON.writeValueAsString(a.save()), Map.class);
        old.remove("randomStart");
        AutoSearcher c = new AutoSearcher();
        c.setup(SearchSpace.of(Map.of()), "value", Mode.MIN, Integer.MAX_VALUE, 5);
        c.restore(old);
        assertEquals(10, c.randomStart());
        // categorical-heavy (one choice, no other name): the categorical schedule's 10 random trials
        AutoSearcher d = new AutoSearcher();
        d.setup(SearchSpace.of(Map.of()), "value", Mode.MIN, Integer.MAX_VALUE, 5);
        List<Object> dUsed = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            String id = "c" + i;
            String br = (String) d.suggestParameter(id, "branch", BRANCH);
            dUsed.add(d.trialAttributes(id).get("sampler"));
            d.onTrialComplete(id, new Result(id, 1, 0, 0, Map.of("value", br.equals("a") ? 0.0 : 1.0)), false);
        }
        assertEquals(10, d.randomStart());
        for (int i = 0; i < 10; i++) assertEquals("random", dUsed.get(i), "trial " + i + " of " + dUsed);
        for (int i = 10; i < 14; i++) assertEquals("tpe", dUsed.get(i), "trial " + i + " of " + dUsed);
    }

    /** Engines with short schedules, so a few dozen trials cross every hand-over. */
    static AutoSearcher shortDbr() {
        return AutoSearcher.builder().numeric(AutoSchedule.parse("random:3,gp:8,cmaes"))
                .mixed(AutoSchedule.parse("random:3,gp:8,cmaes")).categorical(AutoSchedule.parse("random:3,tpe")).build();
    }

    @Test
    void defineByRunRestoresExactly() throws Exception {
        for (int cut : new int[]{4, 14, 30}) {
            AutoSearcher a = shortDbr();
            a.setup(SearchSpace.of(Map.of()), "value", Mode.MIN, Integer.MAX_VALUE, 8);
            dbrRun(a, 0, cut, null);
            a.suggestParameter("flying", "branch", BRANCH);
            AutoSearcher b = shortDbr();
            b.setup(SearchSpace.of(Map.of()), "value", Mode.MIN, Integer.MAX_VALUE, 8);
            b.restore(JSON.readValue(JSON.writeValueAsString(a.save()), Object.class));
            assertEquals(a.trialAttributes("flying"), b.trialAttributes("flying"));
            assertEquals(dbrTrial(a, "flying"), dbrTrial(b, "flying"));
            List<Object> sa = new ArrayList<>(), sb = new ArrayList<>();
            assertEquals(dbrRun(a, cut, cut + 25, sa), dbrRun(b, cut, cut + 25, sb), "cut at " + cut);
            assertEquals(sa, sb);
        }
    }

    @Test
    void schedulesAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> AutoSchedule.parse("gp,cmaes"));
        assertThrows(IllegalArgumentException.class, () -> AutoSchedule.parse("gp:20,cmaes:10,tpe"));
        assertThrows(IllegalArgumentException.class, () -> AutoSchedule.parse("nsga:10,gp"));
        assertEquals("gp:20,cmaes", AutoSchedule.parse("gp:20, cmaes").toString());
    }
}
