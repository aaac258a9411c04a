package dev.gale.tune;

import dev.gale.tune.search.Domains;
import dev.gale.tune.search.Searchers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BOHB = TPE per budget + synchronous Hyperband, through the Tuner. */
class BohbEndToEndTest {
    @Test
    void runsBracketsWithAModelPerBudget(@TempDir Path tmp) {
        ResultGrid g = Tuner.builder(ctx -> {
                    double x = ctx.config().getDouble("x");
                    int step = ctx.checkpoint().map(c -> ((Number) c.loadData().get("step")).intValue()).orElse(0);
                    for (int s = step + 1; s <= 9; s++) {
                        ctx.report(Map.of("loss", (x - 0.7) * (x - 0.7) + 1.0 / s), Checkpoint.ofData(Map.of("step", s)));
                        Thread.sleep(1);
                    }
                })
                .paramSpace(Map.of("x", Domains.uniform(0, 1)))
                .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).numSamples(17).maxConcurrentTrials(3).seed(2)
                        .searcher(Searchers.bohb(9, 3)).scheduler(Searchers.bohbScheduler(9, 3)).build())
                .runConfig(new RunConfig("bohb", tmp, true, 200))
                .build().fit();
        assertEquals(17, g.count(TrialStatus.TERMINATED));
        for (TrialSummary t : g.trials()) {
            assertTrue(Set.of(1L, 3L, 9L).contains(t.iterations()), t.trialId() + " stopped at a milestone: " + t.iterations());
        }
        // bracket s=2 (9 trials): 3 reach 3, 1 reaches 9; bracket s=1 (5 trials, milestones 3, 9): 1 reaches 9;
        // bracket s=0 (3 trials): all run to 9
        long nines = g.trials().stream().filter(t -> t.iterations() == 9).count();
        assertEquals(5, nines, "1 + 1 + 3 trials reach the full budget");
    }
}
