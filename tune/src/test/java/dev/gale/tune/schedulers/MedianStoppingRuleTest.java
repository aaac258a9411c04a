package dev.gale.tune.schedulers;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.gale.tune.schedulers.AshaSchedulerTest.C;
import static dev.gale.tune.schedulers.AshaSchedulerTest.S;
import static dev.gale.tune.schedulers.AshaSchedulerTest.Step;
import static dev.gale.tune.schedulers.AshaSchedulerTest.play;
import static dev.gale.tune.schedulers.AshaSchedulerTest.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MedianStoppingRuleTest {

    /*
     * Defaults: training_iteration, grace 1, minSamplesRequired 3, MAX. Curves:
     *   A: 1, 2, 3, 4     B: 2, 3, 4, 5     C: 3, 4, 5, 6   (reported one trial after the other)
     * Running averages up to iteration t: A 1, 1.5, 2, 2.5; B 2, 2.5, 3, 3.5; C 3, 3.5, 4, 4.5.
     */
    static final List<Step> SCRIPT = List.of(
            new Step("A", 1, 1, C), new Step("A", 2, 2, C), new Step("A", 3, 3, C), new Step("A", 4, 4, C),
            // B has only A as another trial: fewer than 3 -> CONTINUE whatever its value
            new Step("B", 1, 2, C), new Step("B", 2, 3, C), new Step("B", 3, 4, C), new Step("B", 4, 5, C),
            new Step("C", 1, 3, C), new Step("C", 2, 4, C), new Step("C", 3, 5, C), new Step("C", 4, 6, C),
            // D at 1: median of {1, 2, 3} = 2; best 2.5 >= 2 -> CONTINUE
            new Step("D", 1, 2.5, C),
            // D at 2: median of {1.5, 2.5, 3.5} = 2.5; best 2.6 -> CONTINUE
            new Step("D", 2, 2.6, C),
            // D at 3: median of {2, 3, 4} = 3; best 2.7 < 3 -> STOP
            new Step("D", 3, 2.7, S),
            // E at 1: others A, B, C and D (D's last time 3 >= 1): averages {1, 2, 3, 2.5}, median 2.25;
            // E's best 2.25 equals it: not strictly worse -> CONTINUE
            new Step("E", 1, 2.25, C),
            // E at 2: averages {1.5, 2.5, 3.5, D: (2.5+2.6)/2 = 2.55}, median (2.5+2.55)/2 = 2.525; best 2.25 -> STOP
            new Step("E", 2, 2.0, S),
            // a stopped trial that reports again is told to stop again
            new Step("E", 3, 9.0, S));

    static MedianStoppingRule rule() {
        MedianStoppingRule r = MedianStoppingRule.builder().build();
        r.setup("acc", Mode.MAX);
        return r;
    }

    @Test
    void stopsTrialsWorseThanTheMedianOfRunningAverages() {
        MedianStoppingRule r = rule();
        play(r, SCRIPT, "acc", false);
        assertTrue(r.hasStopped("D") && r.hasStopped("E"));
    }

    @Test
    void minModeMirrorsMax() {
        MedianStoppingRule r = MedianStoppingRule.builder().metric("loss").mode(Mode.MIN).build();
        r.setup(null, null);
        play(r, SCRIPT, "loss", true);
    }

    @Test
    void gracePeriodExcludesEarlyResultsFromAveragesButNotFromTheBest() {
        MedianStoppingRule r = MedianStoppingRule.builder().gracePeriod(2).build();
        r.setup("acc", Mode.MAX);
        play(r, List.of(
                // iteration 1 is inside the grace period: never judged, never averaged
                new Step("A", 1, 100, C), new Step("A", 2, 1, C),
                new Step("B", 1, 100, C), new Step("B", 2, 2, C),
                new Step("C", 1, 100, C), new Step("C", 2, 3, C),
                new Step("D1", 1, 0, C),   // t < grace: CONTINUE although far worse
                // averages over [2, 2]: {1, 2, 3}, median 2 (with iteration 1 counted they would be ~50): 2.5 -> CONTINUE
                new Step("D1", 2, 2.5, C),
                // averages {1, 2, 3, 2.5}, median 2.25; the best counts iteration 1's 5 -> CONTINUE
                new Step("D2", 1, 5, C), new Step("D2", 2, 1.5, C),
                // averages {1, 2, 3, 2.5, 1.5}, median 2; best 1.5 -> STOP
                new Step("D3", 1, 0, C), new Step("D3", 2, 1.5, S)), "acc", false);
    }

    @Test
    void softStopPausesAndThenFallsBackToFifo() {
        MedianStoppingRule r = MedianStoppingRule.builder().hardStop(false).minSamplesRequired(1).build();
        r.setup("acc", Mode.MAX);
        play(r, List.of(new Step("A", 1, 5, C), new Step("B", 1, 1, Decision.PAUSE), new Step("B", 2, 0, C)), "acc", false);
    }

    @Test
    void completionDoesNotCountTheLastResultTwice() {
        MedianStoppingRule r = rule();
        play(r, SCRIPT.subList(0, 4), "acc", false);
        r.onTrialComplete("A", result("A", 4, "acc", 4));   // already seen: not recorded again
        r.onTrialComplete("A", result("A", 5, "acc", 4.5)); // newer: recorded
        @SuppressWarnings("unchecked")
        Map<String, Object> a = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) r.save()).get("trials")).get("A");
        assertEquals(List.of(1.0, 2.0, 3.0, 4.0, 5.0), a.get("t"));
    }

    @Test
    void saveRestoreMidwayContinuesExactly() throws Exception {
        MedianStoppingRule first = rule();
        play(first, SCRIPT.subList(0, 14), "acc", false);
        ObjectMapper json = new ObjectMapper();
        Object state = json.readValue(json.writeValueAsString(first.save()), Object.class);
        MedianStoppingRule second = rule();
        second.restore(state);
        play(second, SCRIPT.subList(14, SCRIPT.size()), "acc", false);
        assertThrows(IllegalArgumentException.class, () -> rule().restore(Map.of("type", "asha")));
    }

    @Test
    void missingMetricIsAnError() {
        MedianStoppingRule r = rule();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.onTrialResult("A", new Result("A", 1, 1, 1, Map.of("loss", 1))));
        assertTrue(e.getMessage().contains("'acc'") && e.getMessage().contains("loss"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> r.onTrialResult("A", new Result("A", 1, 1, 1, Map.of("acc", "high"))));
        assertThrows(IllegalArgumentException.class, () -> MedianStoppingRule.builder().minSamplesRequired(0).build());
    }
}
