package dev.gale.tune.schedulers;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HyperBandSchedulerTest {
    private static Result r(String id, long it, double score) {
        return new Result(id, it, 0, 0, Map.of("score", score));
    }

    @Test
    void bracketArithmeticMatchesThePaper() {
        // Li et al. 2018, Table 1: R = 81, eta = 3
        HyperBandScheduler hb = HyperBandScheduler.builder().maxT(81).reductionFactor(3).build();
        assertEquals(5, hb.bracketCount());
        assertEquals(81, hb.bracketSize(4));
        assertEquals(34, hb.bracketSize(3));
        assertEquals(15, hb.bracketSize(2));
        assertEquals(8, hb.bracketSize(1));
        assertEquals(5, hb.bracketSize(0));
        assertArrayEquals(new double[]{1, 3, 9, 27, 81}, hb.milestones(4), 1e-9);
        assertArrayEquals(new double[]{3, 9, 27, 81}, hb.milestones(3), 1e-9);
        assertArrayEquals(new double[]{81}, hb.milestones(0), 1e-9);
        HyperBandScheduler small = HyperBandScheduler.builder().maxT(9).reductionFactor(3).build();
        assertEquals(3, small.bracketCount());
        assertEquals(9, small.bracketSize(2));
        assertEquals(5, small.bracketSize(1));
        assertEquals(3, small.bracketSize(0));
    }

    @Test
    void successiveHalvingWithinABracket() {
        HyperBandScheduler hb = HyperBandScheduler.builder().maxT(9).reductionFactor(3).build();
        hb.setup("score", Mode.MAX);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            ids.add("t" + i);
            hb.onTrialAdd("t" + i);
        }
        hb.onTrialAdd("t9"); // opens bracket s=1
        // rung 0 (t = 1): everyone pauses; nothing is planned before all 9 are there
        for (int i = 0; i < 9; i++) {
            assertEquals(Decision.PAUSE, hb.onTrialResult("t" + i, r("t" + i, 1, i)));
            if (i < 8) assertEquals(List.of(), hb.planPaused(ids.subList(0, i + 1), false).resume());
        }
        TrialScheduler.PausedPlan p = hb.planPaused(ids, false);
        assertEquals(List.of("t8", "t7", "t6"), p.resume());
        assertEquals(6, p.stop().size());
        // the promoted continue to t = 3 and pause again
        assertEquals(Decision.CONTINUE, hb.onTrialResult("t8", r("t8", 2, 8)));
        assertEquals(Decision.PAUSE, hb.onTrialResult("t8", r("t8", 3, 1)));
        assertEquals(Decision.PAUSE, hb.onTrialResult("t7", r("t7", 3, 5)));
        assertEquals(Decision.PAUSE, hb.onTrialResult("t6", r("t6", 3, 2)));
        p = hb.planPaused(List.of("t8", "t7", "t6"), false);
        assertEquals(List.of("t7"), p.resume());
        assertEquals(List.of("t6", "t8"), p.stop());
        assertEquals(Decision.STOP, hb.onTrialResult("t7", r("t7", 9, 9)));
        // a stopped trial that reports again is told to stop
        assertEquals(Decision.STOP, hb.onTrialResult("t0", r("t0", 2, 0)));
    }

    @Test
    void anUnfilledBracketIsHalvedWhenIdle() {
        HyperBandScheduler hb = HyperBandScheduler.builder().maxT(9).reductionFactor(3).build();
        hb.setup("score", Mode.MIN);
        for (String id : List.of("a", "b", "c", "d")) hb.onTrialAdd(id);
        hb.onTrialResult("a", r("a", 1, 4));
        hb.onTrialResult("b", r("b", 1, 1));
        hb.onTrialResult("c", r("c", 1, 3));
        hb.onTrialResult("d", r("d", 1, 2));
        assertEquals(List.of(), hb.planPaused(List.of("a", "b", "c", "d"), false).resume(), "bracket of 9 not full");
        TrialScheduler.PausedPlan p = hb.planPaused(List.of("a", "b", "c", "d"), true);
        assertEquals(List.of("b"), p.resume(), "MIN: lowest score continues, floor(4/3) = 1");
    }

    @Test
    void saveRestoreAndValidation() throws Exception {
        HyperBandScheduler hb = HyperBandScheduler.builder().maxT(9).reductionFactor(3).build();
        hb.setup("score", Mode.MAX);
        for (int i = 0; i < 3; i++) hb.onTrialAdd("t" + i);
        hb.onTrialResult("t0", r("t0", 1, 5));
        Object state = new com.fasterxml.jackson.databind.ObjectMapper().readValue(
                new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(hb.save()), Object.class);
        HyperBandScheduler back = HyperBandScheduler.builder().maxT(9).reductionFactor(3).build();
        back.setup("score", Mode.MAX);
        back.restore(state);
        assertEquals(hb.save(), back.save());
        assertEquals(Decision.CONTINUE, back.onTrialResult("t0", r("t0", 2, 5)), "t0 already recorded at rung 0");
        assertEquals(Decision.PAUSE, back.onTrialResult("t1", r("t1", 1, 5)));
        assertThrows(IllegalArgumentException.class, () -> HyperBandScheduler.builder().reductionFactor(1).build());
        assertThrows(IllegalArgumentException.class, () -> HyperBandScheduler.builder().maxT(0).build());
        HyperBandScheduler noMetric = HyperBandScheduler.builder().build();
        assertThrows(IllegalArgumentException.class, () -> noMetric.setup(null, Mode.MAX));
    }
}
