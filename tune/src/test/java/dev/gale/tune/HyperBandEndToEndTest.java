package dev.gale.tune;

import dev.gale.tune.schedulers.HyperBandScheduler;
import dev.gale.tune.search.Domains;
import dev.gale.tune.search.Searchers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Synchronous Hyperband through the whole loop: pause at milestones, promote the best third, resume from checkpoints. */
class HyperBandEndToEndTest {
    @Test
    void promotesTheBestThirdAtEachMilestone(@TempDir Path tmp) {
        // R = 9, eta = 3: the first bracket (s = 2) takes 9 trials with milestones 1, 3, 9.
        ResultGrid g = Tuner.builder(ctx -> {
                    double q = ctx.config().getDouble("q");
                    int step = ctx.checkpoint().map(c -> ((Number) c.loadData().get("step")).intValue()).orElse(0);
                    for (int s = step + 1; s <= 100; s++) {
                        ctx.report(Map.of("score", q * s), Checkpoint.ofData(Map.of("step", s)));
                        Thread.sleep(2);
                    }
                })
                .paramSpace(Map.of("q", Domains.gridSearch(5, 2, 9, 1, 7, 3, 8, 4, 6)))
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MAX).maxConcurrentTrials(3)
                        .searcher(Searchers.grid())
                        .scheduler(HyperBandScheduler.builder().maxT(9).reductionFactor(3).build()).build())
                .runConfig(new RunConfig("hyperband", tmp, true, 200))
                .build().fit();
        assertEquals(9, g.size());
        for (TrialSummary t : g.trials()) {
            int q = ((Number) t.config().get("q")).intValue();
            long expected = q == 9 ? 9 : q >= 7 ? 3 : 1;
            assertEquals(TrialStatus.TERMINATED, t.status(), "q=" + q);
            assertEquals(expected, t.iterations(), "q=" + q);
        }
    }
}
