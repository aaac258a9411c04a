package dev.gale.tune;

import dev.gale.tune.schedulers.AshaScheduler;
import dev.gale.tune.search.Domains;
import dev.gale.tune.search.Searchers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * ASHA through the whole loop (Tuner → controller → cluster → trial → scheduler → stop) on
 * synthetic learning curves whose outcome is computed by hand.
 */
class AshaEndToEndTest {

    /** Curve i: score(t) = A[i] + B[i] * t, t = training_iteration. */
    static final double[] A = {5, 1, 6, 0, 4, 3, 2, 7};
    static final double[] B = {0, 1, -0.5, 2, 0.5, 0, 1.5, -1};

    /*
     * ASHA: reduction factor 2, grace 1, maxT 8 → rungs at t = 1, 2, 4 (8 = maxT stops anyway).
     * Cutoff at a rung = median (numpy linear percentile 50) of the scores recorded there before.
     * Trials run one at a time in grid order:
     *  1 (5,0):   rung1 {}→record 5; rung2 {}→5; rung4 {}→5; t=8 maxT            → 8 iterations
     *  2 (1,1):   rung1 {5}: 2 < 5 → STOP                                          → 1
     *  3 (6,-.5): rung1 {5,2} cut 3.5, 5.5 ok; rung2 {5} 5 ≥ 5 ok; rung4 {5}: 4 < 5 → STOP → 4
     *  4 (0,2):   rung1 {5,2,5.5} cut 5: 2 < 5 → STOP                              → 1
     *  5 (4,.5):  rung1 {2,2,5,5.5} cut 3.5: 4.5 ok; rung2 {5,5} cut 5: 5 ok;
     *             rung4 {4,5} cut 4.5: 6 ok; t=8 maxT                              → 8
     *  6 (3,0):   rung1 {2,2,4.5,5,5.5} cut 4.5: 3 < 4.5 → STOP                    → 1
     *  7 (2,1.5): rung1 {2,2,3,4.5,5,5.5} cut 3.75: 3.5 < 3.75 → STOP              → 1
     *  8 (7,-1):  rung1 cut 4.5: 6 ok; rung2 {5,5,5} cut 5: 5 ok; rung4 {4,5,6} cut 5: 3 < 5 → STOP → 4
     */
    static final long[] EXPECTED_ITERATIONS = {8, 1, 4, 1, 8, 1, 1, 4};

    @Test
    void stopsExactlyTheExpectedTrials(@TempDir Path tmp) throws IOException {
        ResultGrid grid = Tuner.builder(ctx -> {
                    int i = ctx.config().getInt("curve");
                    for (int t = 1; t <= 100; t++) {
                        ctx.report(Map.of("score", A[i] + B[i] * t));
                    }
                })
                .paramSpace(Map.of("curve", Domains.gridSearch(0, 1, 2, 3, 4, 5, 6, 7)))
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MAX).maxConcurrentTrials(1)
                        .searcher(Searchers.grid())
                        .scheduler(AshaScheduler.builder().maxT(8).gracePeriod(1).reductionFactor(2).build())
                        .build())
                .runConfig(new RunConfig("asha", tmp, true, 200))
                .build().fit();

        assertEquals(8, grid.size());
        List<TrialSummary> trials = grid.trials();
        for (int i = 0; i < 8; i++) {
            TrialSummary t = trials.get(i);
            assertEquals(i, ((Number) t.config().get("curve")).intValue());
            assertEquals(TrialStatus.TERMINATED, t.status(), t.trialId());
            assertEquals(EXPECTED_ITERATIONS[i], t.iterations(), "iterations of curve " + i);
            // the recorded history ends exactly where the scheduler stopped the trial
            long lines = Files.readAllLines(t.trialDir().resolve("result.jsonl")).size();
            assertEquals(EXPECTED_ITERATIONS[i], lines, "result.jsonl lines of curve " + i);
        }
        assertEquals(4, ((Number) grid.best().config().get("curve")).intValue(), "curve 4 ends highest (8.0)");
    }
}
