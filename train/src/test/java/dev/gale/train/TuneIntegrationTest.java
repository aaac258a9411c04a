package dev.gale.train;

import dev.gale.cluster.GaleNode;
import dev.gale.gpu.ResourceSpec;
import dev.gale.train.loops.CurveLoop;
import dev.gale.train.loops.PbtLoop;
import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.schedulers.AshaScheduler;
import dev.gale.tune.schedulers.PopulationBasedTraining;
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

    /*
     * Two 2-worker groups at once under PBT (interval 4 iterations, bottom half exploits top half):
     * lr 0.001 loses 1 per step, lr 0.1 gains 1, so the first is ranked last at every perturbation and
     * must take the second's checkpoint: its group is torn down and a new group resumes from the donor
     * group's checkpoint.
     */
    @Test
    void pbtExploitRestartsAGroupFromTheDonorGroupsCheckpoint(@TempDir Path tmp) throws Exception {
        DataParallelTrainer trainer = DataParallelTrainer.builder(PbtLoop.class).node(node)
                .scaling(ScalingConfig.of(2, ResourceSpec.ofCpus(0.25)))
                .run(new TrainRunConfig("unused", tmp, Duration.ofSeconds(30), Duration.ofSeconds(90)))
                .config("steps", 16).config("stepMillis", 400)
                .build();
        PopulationBasedTraining pbt = PopulationBasedTraining.builder().perturbationInterval(4).quantileFraction(0.5)
                .resampleProbability(0).mutate("lr", List.of(0.001, 0.01, 0.1, 1.0)).seed(5).build();
        ResultGrid grid = Tuner.builder(trainer).node(node).resources(ResourceSpec.ofCpus(0))
                .paramSpace(Map.of("lr", Domains.gridSearch(0.001, 0.1)))
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MAX).maxConcurrentTrials(2)
                        .searcher(Searchers.grid()).scheduler(pbt).build())
                .runConfig(new RunConfig("pbt-groups", tmp, true, 200))
                .build().fit();
        assertEquals(2, grid.size());
        assertTrue(pbt.exploits() >= 1, "PBT exploited at least once");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        Map<String, List<Map<?, ?>>> results = new java.util.LinkedHashMap<>();
        for (TrialSummary t : grid.trials()) {
            assertEquals(TrialStatus.TERMINATED, t.status(), t.toString());
            List<Map<?, ?>> rows = new java.util.ArrayList<>();
            for (String line : Files.readAllLines(t.trialDir().resolve("result.jsonl"))) rows.add(json.readValue(line, Map.class));
            results.put(t.trialId(), rows);
        }
        // lineage: a group of one trial resumed from a checkpoint written by a group of the other trial
        boolean continued = false;
        for (var e : results.entrySet()) {
            for (Map<?, ?> row : e.getValue()) {
                int from = ((Number) row.get("fromGroup")).intValue();
                if (from < 0) continue;
                String writer = results.entrySet().stream().filter(o -> o.getValue().stream()
                        .anyMatch(r -> ((Number) r.get("group")).intValue() == from)).map(Map.Entry::getKey).findFirst().orElse(null);
                assertTrue(writer != null, "group " + from + " that wrote the checkpoint reported in some trial: " + results);
                if (!writer.equals(e.getKey())) {
                    continued = true;
                    assertEquals(2.0, ((Number) row.get("world")).doubleValue(), "the new group has 2 workers");
                }
            }
        }
        assertTrue(continued, "a trial's group continued from another trial's group checkpoint: " + results);
        TrialSummary worst = grid.trials().get(0);
        assertTrue(((Number) worst.config().get("lr")).doubleValue() != 0.001, "the lr=0.001 trial explored away: " + worst.config());
        List<Map<?, ?>> rows = results.get(worst.trialId());
        double first = ((Number) rows.getFirst().get("score")).doubleValue();
        double last = ((Number) rows.getLast().get("score")).doubleValue();
        assertTrue(first < 0 && last > 0, "started badly and went on from the donor's good score: " + first + " -> " + last);
    }
}
