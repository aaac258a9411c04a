package dev.gale.tune.schedulers;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AshaSchedulerTest {

    static final Decision C = Decision.CONTINUE;
    static final Decision S = Decision.STOP;

    static Result result(String trial, long iteration, String metric, double value) {
        return new Result(trial, iteration, iteration * 10.0, 1_000L * iteration, Map.of(metric, value));
    }

    /** One step of a scripted run: trial, iteration, metric value, and the decision expected. */
    record Step(String trial, long iter, double value, Decision expected) {
    }

    /*
     * reductionFactor 2, gracePeriod 1, maxT 8, one bracket, mode MAX. Rungs (highest first):
     * 8, 4, 2, 1. The cutoff at a rung is numpy's percentile 50 ('linear') of the scores already
     * recorded there; a trial is stopped when its score is strictly below it.
     */
    static final List<Step> SCRIPT = List.of(
            // iteration 1 reaches rung 1
            new Step("A", 1, 1.0, C),   // rung 1 empty: no cutoff; rung1 = {1}
            new Step("B", 1, 4.0, C),   // cutoff pct50{1} = 1; 4 >= 1
            new Step("C", 1, 2.0, S),   // cutoff pct50{1,4} = 2.5; 2 < 2.5 -> STOP
            new Step("D", 1, 3.0, C),   // cutoff pct50{1,2,4} = 2; 3 >= 2 (C's score counts though C stopped)
            // iteration 2 reaches rung 2
            new Step("A", 2, 1.5, C),   // rung 2 empty; rung2 = {1.5}
            new Step("B", 2, 5.0, C),   // cutoff 1.5
            new Step("D", 2, 3.0, S),   // cutoff pct50{1.5,5} = 3.25; 3 < 3.25 -> STOP
            // iteration 3: no new rung
            new Step("A", 3, 1.8, C),
            new Step("B", 3, 5.5, C),
            // iteration 4 reaches rung 4
            new Step("B", 4, 6.0, C),   // rung 4 empty; rung4 = {6}
            new Step("A", 4, 2.0, S),   // cutoff pct50{6} = 6; 2 < 6 -> STOP
            // a late trial
            new Step("E", 1, 3.5, C),   // rung1 = {1,2,3,4}: pct50 = 2.5 (index 1.5); 3.5 >= 2.5
            new Step("E", 2, 2.0, S),   // rung2 = {1.5,3,5}: pct50 = 3 (index 1); 2 < 3 -> STOP
            // B runs to maxT
            new Step("B", 5, 6.5, C),
            new Step("B", 6, 6.6, C),
            new Step("B", 7, 6.7, C),
            new Step("B", 8, 6.8, S));  // training_iteration 8 >= maxT 8 -> STOP

    static AshaScheduler asha(int brackets) {
        return AshaScheduler.builder().reductionFactor(2).gracePeriod(1).maxT(8).brackets(brackets).build();
    }

    static void play(TrialScheduler s, List<Step> steps, String metric, boolean negate) {
        List<String> log = new ArrayList<>();
        List<String> want = new ArrayList<>();
        for (Step st : steps) {
            double v = negate ? -st.value() : st.value();
            log.add(st.trial() + "@" + st.iter() + "=" + s.onTrialResult(st.trial(), result(st.trial(), st.iter(), metric, v)));
            want.add(st.trial() + "@" + st.iter() + "=" + st.expected());
        }
        assertEquals(want, log);
    }

    @Test
    void stopsExactlyTheScriptedTrials() {
        AshaScheduler s = asha(1);
        s.setup("acc", Mode.MAX);
        for (String t : List.of("A", "B", "C", "D", "E")) s.onTrialAdd(t);
        assertArrayEquals(new double[]{8, 4, 2, 1}, s.milestones(0));
        play(s, SCRIPT, "acc", false);
    }

    @Test
    void minModeNegatesTheScore() {
        // the same run with loss = -acc and mode MIN gives the same decisions
        AshaScheduler s = AshaScheduler.builder().reductionFactor(2).maxT(8).metric("loss").mode(Mode.MIN).build();
        s.setup("ignored", Mode.MAX); // the builder's metric and mode win
        play(s, SCRIPT, "loss", true);
    }

    @Test
    void saveRestoreMidwayContinuesExactly() throws Exception {
        AshaScheduler first = asha(1);
        first.setup("acc", Mode.MAX);
        play(first, SCRIPT.subList(0, 7), "acc", false);
        ObjectMapper json = new ObjectMapper();
        Object state = json.readValue(json.writeValueAsString(first.save()), Object.class);

        AshaScheduler second = asha(1);
        second.setup("acc", Mode.MAX);
        second.restore(state);
        play(second, SCRIPT.subList(7, SCRIPT.size()), "acc", false);
        assertEquals(json.writeValueAsString(first.save()).length() > 0, true);

        AshaScheduler other = AshaScheduler.builder().reductionFactor(3).maxT(8).build();
        other.setup("acc", Mode.MAX);
        assertThrows(IllegalArgumentException.class, () -> other.restore(state));
    }

    @Test
    void bracketsAreRoundRobinAndStartLater() {
        AshaScheduler s = asha(3);
        s.setup("acc", Mode.MAX);
        // bracket s has milestones 1 x 2^(k+s) <= 8
        assertArrayEquals(new double[]{8, 4, 2, 1}, s.milestones(0));
        assertArrayEquals(new double[]{8, 4, 2}, s.milestones(1));
        assertArrayEquals(new double[]{8, 4}, s.milestones(2));
        for (String t : List.of("t0", "t1", "t2", "t3", "t4")) s.onTrialAdd(t);
        assertEquals(List.of(0, 1, 2, 0, 1), List.of(s.bracketOfTrial("t0"), s.bracketOfTrial("t1"),
                s.bracketOfTrial("t2"), s.bracketOfTrial("t3"), s.bracketOfTrial("t4")));
        // bracket 0: t0 then a worse t3 at iteration 1 -> t3 stopped
        assertEquals(C, s.onTrialResult("t0", result("t0", 1, "acc", 5)));
        assertEquals(S, s.onTrialResult("t3", result("t3", 1, "acc", 1)));
        // bracket 1 has no rung at 1: a worse t4 is not judged at iteration 1 ...
        assertEquals(C, s.onTrialResult("t1", result("t1", 1, "acc", 5)));
        assertEquals(C, s.onTrialResult("t4", result("t4", 1, "acc", 1)));
        // ... but at iteration 2
        assertEquals(C, s.onTrialResult("t1", result("t1", 2, "acc", 5)));
        assertEquals(S, s.onTrialResult("t4", result("t4", 2, "acc", 1)));
        // a trial never added joins the next bracket on its first result
        assertEquals(C, s.onTrialResult("t5", result("t5", 1, "acc", 0)));
        assertEquals(2, s.bracketOfTrial("t5"));
    }

    @Test
    void completionRecordsANewlyReachedRungAndLeavesTheBracket() {
        AshaScheduler s = asha(1);
        s.setup("acc", Mode.MAX);
        s.onTrialAdd("A");
        assertEquals(C, s.onTrialResult("A", result("A", 1, "acc", 10)));
        // A ends at iteration 2 before its result reaches us: completion records 10 at rung 2
        s.onTrialComplete("A", result("A", 2, "acc", 10));
        assertEquals(-1, s.bracketOfTrial("A"));
        s.onTrialAdd("B");
        assertEquals(C, s.onTrialResult("B", result("B", 1, "acc", 20)));
        assertEquals(S, s.onTrialResult("B", result("B", 2, "acc", 9))); // cutoff pct50{10} = 10
    }

    @Test
    void cutoffIsNumpyPercentileLinear() {
        // expected values computed with numpy.nanpercentile(values, (1 - 1/rf) * 100)
        assertEquals(0.25, cutoff(2, 0.1, 0.4));
        assertEquals(0.3, cutoff(3, 0.1, 0.2, 0.3, 0.7));
        assertEquals(0.375, cutoff(4, 0.1, 0.35, 0.4));
        assertEquals(0.42333333333333334, cutoff(3, 0.11, 0.29, 0.33, 0.47, 0.52));
        assertEquals(0.3156378593333334, cutoff(3, 0.001, 0.123456789, 0.7));
        assertEquals(0.6625, cutoff(4, 0.1, 0.2, 0.3, 0.55, 0.7, 0.9));
        assertEquals(3.25, cutoff(4, 1, 2, 3, 4));
        assertEquals(7.0, cutoff(4, 7));
    }

    private static double cutoff(double rf, double... sorted) {
        return SchedulerSupport.percentileLinear(sorted, sorted.length, (1 - 1 / rf) * 100);
    }

    @Test
    void missingOrNaNMetricIsAnError() {
        AshaScheduler s = asha(1);
        s.setup("acc", Mode.MAX);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> s.onTrialResult("A", result("A", 1, "loss", 0.5)));
        assertTrue(missing.getMessage().contains("'acc'") && missing.getMessage().contains("loss")
                && missing.getMessage().contains("'A'"), missing.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> s.onTrialResult("A", result("A", 1, "acc", Double.NaN)));
        assertTrue(nan.getMessage().contains("'acc'") && nan.getMessage().contains("NaN"), nan.getMessage());
        AshaScheduler noTime = AshaScheduler.builder().timeAttr("epoch").build();
        noTime.setup("acc", Mode.MAX);
        IllegalArgumentException time = assertThrows(IllegalArgumentException.class,
                () -> noTime.onTrialResult("A", result("A", 1, "acc", 1)));
        assertTrue(time.getMessage().contains("'epoch'"), time.getMessage());
    }

    @Test
    void optionsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> AshaScheduler.builder().reductionFactor(1).build());
        assertThrows(IllegalArgumentException.class, () -> AshaScheduler.builder().gracePeriod(0).build());
        assertThrows(IllegalArgumentException.class, () -> AshaScheduler.builder().gracePeriod(200).build());
        assertThrows(IllegalArgumentException.class, () -> AshaScheduler.builder().maxT(-1).build());
        assertThrows(IllegalArgumentException.class, () -> AshaScheduler.builder().brackets(0).build());
        AshaScheduler noMetric = AshaScheduler.builder().build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> noMetric.setup(null, Mode.MAX));
        assertTrue(e.getMessage().contains("metric"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AshaScheduler.builder().build().setup("acc", null));
    }

    @Test
    void defaultsAreRays() {
        AshaScheduler s = AshaScheduler.builder().build();
        // grace 1, rf 4, maxT 100: milestones 1, 4, 16, 64
        assertArrayEquals(new double[]{64, 16, 4, 1}, s.milestones(0));
    }
}
