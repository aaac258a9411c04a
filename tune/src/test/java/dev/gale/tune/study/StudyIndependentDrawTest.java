package dev.gale.tune.study;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.search.Domain;
import dev.gale.tune.search.IndependentDraw;
import dev.gale.tune.search.SearchSpace;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Searchers;
import dev.gale.tune.search.Suggestion;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A searcher that draws independently ({@link Searcher#independentDraw}, the random sampler) lets
 * each trial draw its define-by-run parameters where it runs: no ask reaches the searcher, every
 * value is recorded in the trial's params (failed trials included) exactly as the draw gives it,
 * a repeated ask gets the first value, an ask with another domain fails the trial as the
 * controller's answer would; and a study with the random sampler records the same parameters as
 * one whose every ask goes to the controller.
 */
class StudyIndependentDrawTest {
    static final List<String> CHOICES = List.of("a", "b", "c");

    /** Draws like the random searcher; counts the asks that reached it (there should be none). */
    static final class DrawOnly implements Searcher {
        final AtomicInteger asked = new AtomicInteger();
        long seed;

        @Override
        public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
            this.seed = seed;
        }

        @Override
        public Suggestion suggest(String trialId) {
            return new Suggestion.Config(new LinkedHashMap<>());
        }

        @Override
        public Object suggestParameter(String trialId, String name, Domain domain) {
            asked.incrementAndGet();
            return independentDraw(trialId).draw(name, domain);
        }

        @Override
        public IndependentDraw independentDraw(String trialId) {
            return new IndependentDraw(seed, trialId);
        }

        @Override
        public Object save() {
            return Map.of();
        }

        @Override
        public void restore(Object state) {
        }
    }

    /** Every ask goes to the controller: the random searcher's answers, without its independent draw. */
    static final class AskEveryTime implements Searcher {
        final Searcher inner = Searchers.random();

        @Override
        public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) {
            inner.setup(space, metric, mode, numSamples, seed);
        }

        @Override
        public Suggestion suggest(String trialId) {
            return inner.suggest(trialId);
        }

        @Override
        public Object suggestParameter(String trialId, String name, Domain domain) {
            return inner.suggestParameter(trialId, name, domain);
        }

        @Override
        public void onTrialComplete(String trialId, Result last, boolean error) {
            inner.onTrialComplete(trialId, last, error);
        }

        @Override
        public Object save() {
            return inner.save();
        }

        @Override
        public void restore(Object state) {
            inner.restore(state);
        }
    }

    /** x, n and c; x asked twice; trials with x < 0 fail after drawing everything. */
    static double objective(StudyTrial t) {
        double x = t.suggestFloat("x", -1, 1);
        int n = t.suggestInt("n", 1, 5);
        String c = t.suggestCategorical("c", CHOICES);
        assertEquals(x, t.suggestFloat("x", -1, 1), "a repeated ask gets the first value");
        if (x < 0) throw new IllegalStateException("x < 0");
        return x * x + n + c.length();
    }

    @Test
    void theTrialsDrawTheirParametersThemselvesAndEveryValueIsRecorded() {
        DrawOnly sampler = new DrawOnly();
        Study study = Study.builder().name("draws").mode(Mode.MIN).sampler(sampler).seed(11).maxFailures(100)
                .quiet(true).build();
        study.optimize(StudyIndependentDrawTest::objective, 16);
        assertEquals(0, sampler.asked.get(), "no ask reached the searcher: the trials drew their values");
        assertEquals(16, study.trials().size(), study.trials().toString());
        int failed = 0;
        for (FrozenTrial t : study.trials()) {
            IndependentDraw d = sampler.independentDraw(t.id());
            assertEquals(d.draw("x", new Domain.Uniform(-1, 1)), t.params().get("x"), t.toString());
            assertEquals(((Number) d.draw("n", new Domain.RandInt(1, 6))).intValue(),
                    ((Number) t.params().get("n")).intValue(), t.toString());
            assertEquals(d.draw("c", new Domain.Choice(new ArrayList<>(CHOICES))), t.params().get("c"), t.toString());
            if (t.state() == FrozenTrial.State.FAIL) {
                failed++;
                assertTrue(t.error().contains("x < 0"), t.error());
            }
        }
        assertTrue(failed > 0, "some trials failed (x < 0) and kept their parameters: " + study.trials());
    }

    @Test
    void anAskWithAnotherDomainFailsTheTrialNamingTheParameter() {
        Study study = Study.builder().name("clash").mode(Mode.MIN).sampler(Searchers.random()).seed(3).maxFailures(10)
                .quiet(true).build();
        study.optimize(t -> t.suggestFloat("x", -1, 1) + t.suggestFloat("x", 5, 6), 2);
        for (FrozenTrial t : study.trials()) {
            assertEquals(FrozenTrial.State.FAIL, t.state(), t.toString());
            assertNotNull(t.error());
            assertTrue(t.error().contains("parameter 'x' was suggested before as") && t.error().contains("outside the domain asked now"),
                    t.error());
            assertTrue(t.params().containsKey("x"), "the first value is recorded: " + t);
        }
    }

    @Test
    void theRandomSamplerRecordsWhatTheControllerWouldHaveAnswered() {
        List<Map<String, Object>> drawn = trace(Searchers.random());
        List<Map<String, Object>> asked = trace(new AskEveryTime());
        assertEquals(asked, drawn);
    }

    static List<Map<String, Object>> trace(Searcher sampler) {
        Study study = Study.builder().name("same").mode(Mode.MIN).sampler(sampler).seed(5).maxFailures(100)
                .maxConcurrentTrials(1).quiet(true).build();
        study.optimize(StudyIndependentDrawTest::objective, 12);
        List<Map<String, Object>> out = new ArrayList<>();
        for (FrozenTrial t : study.trials()) {
            Map<String, Object> p = new LinkedHashMap<>();
            t.params().forEach((k, v) -> p.put(k, v instanceof Number n && !(v instanceof Double) ? n.longValue() : v));
            p.put("state", t.state());
            out.add(p);
        }
        assertEquals(12, out.size());
        return out;
    }
}
