package dev.gale.tune.study;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.schedulers.AshaScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StudyTest {
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = GaleNode.startEmbedded();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void optimizeAsksParametersWhileTheObjectiveRuns(@TempDir Path tmp) throws Exception {
        Study study = Study.builder().name("quad").storagePath(tmp).node(node).quiet(true).maxConcurrentTrials(2).build();
        ResultGrid g = study.optimize(trial -> {
            double x = trial.suggestFloat("x", -5, 5);
            int n = trial.suggestInt("n", 1, 10);
            String act = trial.suggestCategorical("act", List.of("relu", "tanh"));
            double lr = trial.suggestFloat("opt.lr", 1e-4, 1e-1, true);
            assertEquals(x, trial.suggestFloat("x", -5, 5), "asking again gives the first answer");
            assertTrue(lr >= 1e-4 && lr <= 1e-1 && (act.equals("relu") || act.equals("tanh")));
            return (x - 2) * (x - 2) + (n - 3) * (n - 3);
        }, 20);
        assertEquals(20, g.count(TrialStatus.TERMINATED));
        assertEquals(20, study.trials().size());
        double min = Double.POSITIVE_INFINITY;
        for (FrozenTrial t : study.trials()) {
            assertEquals(FrozenTrial.State.COMPLETE, t.state());
            double x = ((Number) t.params().get("x")).doubleValue();
            int n = ((Number) t.params().get("n")).intValue();
            assertTrue(x >= -5 && x < 5 && n >= 1 && n <= 10, t.toString());
            assertEquals((x - 2) * (x - 2) + (n - 3) * (n - 3), t.value(), 1e-12);
            min = Math.min(min, t.value());
        }
        assertEquals(min, study.bestValue());
        // the chosen parameters are the trial's config on disk too
        TrialSummary first = g.trials().get(0);
        String params = Files.readString(first.trialDir().resolve("params.json"));
        assertTrue(params.contains("\"x\"") && params.contains("\"lr\""), params);
        assertTrue(Files.isDirectory(tmp.resolve("quad").resolve("optimize_1")));
    }

    @Test
    void aPrunerStopsTrialsThroughReport(@TempDir Path tmp) {
        Map<String, Integer> stepsRun = new ConcurrentHashMap<>();
        AtomicInteger sawPrune = new AtomicInteger();
        // 9 steps: ASHA's rungs are at steps 1, 2, 4, 8 and 16, so a trial pruned at any of them
        // (step 8 included) stops before its last step; with 8 steps, one pruned at rung 8 had run them all
        int steps = 9;
        Study study = Study.builder().name("pruned").storagePath(tmp).node(node).quiet(true).maxConcurrentTrials(1).seed(11)
                .pruner(AshaScheduler.builder().maxT(20).gracePeriod(1).reductionFactor(2).build()).build();
        study.optimize(trial -> {
            double q = trial.suggestFloat("q", 0, 1);
            double v = 0;
            for (int step = 1; step <= steps; step++) {
                v = q + 1.0 / step;
                stepsRun.merge(trial.id(), 1, Integer::sum);
                trial.report(step, v);
                if (trial.shouldPrune()) {
                    sawPrune.incrementAndGet();
                    trial.prune();
                }
            }
            return v;
        }, 12);
        long pruned = study.trials().stream().filter(t -> t.state() == FrozenTrial.State.PRUNED).count();
        assertTrue(pruned >= 1, "ASHA prunes some of 12 trials: " + study.trials());
        assertEquals(pruned, sawPrune.get(), "each pruned trial saw shouldPrune() right after its report");
        for (FrozenTrial t : study.trials()) {
            if (t.state() == FrozenTrial.State.PRUNED) assertTrue(stepsRun.get(t.id().substring(t.id().indexOf('/') + 1)) < steps);
        }
        assertTrue(study.bestValue() < 1.2);
    }

    @Test
    void aParameterAskedWithTwoDomainsFailsTheTrialOnly(@TempDir Path tmp) {
        Study study = Study.builder().name("bad").storagePath(tmp).node(node).quiet(true).build();
        study.optimize(trial -> {
            double a = trial.suggestFloat("a", 0, 1);
            if (trial.id().endsWith("2")) trial.suggestInt("a", 5, 9);
            return a;
        }, 3);
        assertEquals(List.of(FrozenTrial.State.COMPLETE, FrozenTrial.State.FAIL, FrozenTrial.State.COMPLETE),
                study.trials().stream().map(FrozenTrial::state).toList());
        assertTrue(study.trials().get(1).error().contains("'a'"), study.trials().get(1).error());
    }

    @Test
    void askAndTell(@TempDir Path tmp) throws Exception {
        Study study = Study.builder().name("at").storagePath(tmp).mode(Mode.MAX).build();
        for (int i = 0; i < 10; i++) {
            StudyTrial t = study.ask();
            int k = t.suggestInt("k", 0, 20);
            double y = t.suggestFloat("y", 0, 1, 0.25);
            assertTrue(y == 0 || y == 0.25 || y == 0.5 || y == 0.75 || y == 1.0, "step 0.25: " + y);
            if (i == 3) study.tellFailed(t, "diverged");
            else study.tell(t, k + y);
        }
        assertEquals(10, study.trials().size());
        assertEquals(FrozenTrial.State.FAIL, study.trials().get(3).state());
        FrozenTrial best = study.bestTrial();
        assertEquals(((Number) best.params().get("k")).intValue() + ((Number) best.params().get("y")).doubleValue(), best.value());
        assertEquals(10, Files.readAllLines(tmp.resolve("at").resolve("ask_tell.jsonl")).size());
        StudyTrial t = study.ask();
        study.tell(t, 1.0);
        assertThrows(IllegalArgumentException.class, () -> study.tell(t, 2.0), "told twice");
    }
}
