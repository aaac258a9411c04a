package dev.gale.train;

import dev.gale.cluster.GaleNode;
import dev.gale.gpu.ResourceSpec;
import dev.gale.train.loops.CurveLoop;
import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.schedulers.AshaScheduler;
import dev.gale.tune.search.Domains;
import dev.gale.tune.search.Searchers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A 2-worker group as each trial of a tune experiment under ASHA. */
class TuneIntegrationTest {
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = GaleNode.startEmbedded();
    }

    @AfterAll
    static void stop() {
        if (node != null) node.close();
    }

    /*
     * ASHA, reduction factor 2, grace 1, maxT 4; trials one at a time in grid order:
     *  0 (a=5, b=0):    rung 1 {} → 5; rung 2 {} → 5; t = 4 = maxT                → 4 iterations
     *  1 (a=1, b=1):    rung 1 {5}: 2 < 5 → STOP                                    → 1
     *  2 (a=6, b=-0.5): rung 1 {5, 2} cut 3.5: 5.5 ok; rung 2 {5}: 5 >= 5 ok; maxT  → 4
     */
    @Test
    void eachTrialIsAWorkerGroupAndAshaStopsGroups(@TempDir Path tmp) throws Exception {
        DataParallelTrainer trainer = DataParallelTrainer.builder(CurveLoop.class).node(node)
                .scaling(ScalingConfig.of(2, ResourceSpec.ofCpus(0.5)))
                .run(new TrainRunConfig("unused", tmp, Duration.ofSeconds(30), Duration.ofSeconds(90)))
                .build();
        ResultGrid grid = Tuner.builder(trainer).node(node).resources(ResourceSpec.ofCpus(0))
                .paramSpace(Map.of("curve", Domains.gridSearch(0, 1, 2)))
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MAX).maxConcurrentTrials(1)
                        .searcher(Searchers.grid())
                        .scheduler(AshaScheduler.builder().maxT(4).gracePeriod(1).reductionFactor(2).build())
                        .build())
                .runConfig(new RunConfig("asha-groups", tmp, true, 200))
                .build().fit();
        assertEquals(3, grid.size());
        long[] expected = {4, 1, 4};
        List<TrialSummary> trials = grid.trials();
        for (int i = 0; i < 3; i++) {
            TrialSummary t = trials.get(i);
            assertEquals(TrialStatus.TERMINATED, t.status(), t.trialId() + " " + t);
            assertEquals(expected[i], t.iterations(), "iterations of curve " + i);
            assertEquals(expected[i], Files.readAllLines(t.trialDir().resolve("result.jsonl")).size());
            assertTrue(t.lastCheckpoint().isPresent(), "rank 0's checkpoint became the trial's");
            assertEquals(2.0, t.metric("world"), "each trial ran as a group of 2");
            assertTrue(Files.isDirectory(t.trialDir().resolve("group").resolve("logs")), "worker logs in the trial directory");
        }
    }
}
