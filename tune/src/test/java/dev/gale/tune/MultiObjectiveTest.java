package dev.gale.tune;

import dev.gale.tune.search.Domains;
import dev.gale.tune.search.Nsga2Searcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NSGA-II through the Tuner, and the Pareto front of the ResultGrid (also after reloading it). */
class MultiObjectiveTest {
    @Test
    void nsga2ThroughTheTunerAndTheParetoFront(@TempDir Path tmp) {
        ResultGrid g = Tuner.builder(ctx -> {
                    double x = ctx.config().getDouble("x");
                    double y = ctx.config().getDouble("y");
                    ctx.report(Map.of("cost", x * x + y * y, "error", (x - 1) * (x - 1) + (y - 1) * (y - 1)));
                })
                .paramSpace(Map.of("x", Domains.uniform(-1, 2), "y", Domains.uniform(-1, 2)))
                .tuneConfig(TuneConfig.builder().numSamples(60).maxConcurrentTrials(2).seed(3)
                        .searcher(Nsga2Searcher.builder().objective("cost", Mode.MIN).objective("error", Mode.MIN)
                                .populationSize(12).build()).build())
                .runConfig(new RunConfig("mo", tmp, true, 200))
                .build().fit();
        assertEquals(60, g.count(TrialStatus.TERMINATED));
        List<String> metrics = List.of("cost", "error");
        List<Mode> modes = List.of(Mode.MIN, Mode.MIN);
        List<TrialSummary> front = g.paretoFront(metrics, modes);
        assertFalse(front.isEmpty());
        for (TrialSummary a : front) {
            for (TrialSummary b : g.trials()) {
                boolean dominates = b.metric("cost") <= a.metric("cost") && b.metric("error") <= a.metric("error")
                        && (b.metric("cost") < a.metric("cost") || b.metric("error") < a.metric("error"));
                assertFalse(dominates, b.trialId() + " dominates front member " + a.trialId());
            }
        }
        // the front of the reloaded grid is the same set of trials
        List<String> ids = front.stream().map(TrialSummary::trialId).sorted().toList();
        assertEquals(ids, ResultGrid.load(g.experimentDir()).paretoFront(metrics, modes).stream()
                .map(TrialSummary::trialId).sorted().toList());
        // maximizing flips the front: the best of -cost is the worst of cost
        assertTrue(g.paretoFront(List.of("cost"), List.of(Mode.MAX)).get(0).metric("cost")
                >= g.trials().stream().mapToDouble(t -> t.metric("cost")).max().orElseThrow() - 1e-12);
        assertThrows(IllegalArgumentException.class, () -> g.paretoFront(metrics, List.of(Mode.MIN)));
    }
}
