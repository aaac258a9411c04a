package dev.gale.tune;

import dev.gale.tune.schedulers.Decision;
import dev.gale.tune.schedulers.TrialScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A scheduler's PAUSE releases the trial's lease; the trial resumes later from its last checkpoint. */
class PauseResumeTest {

    /** Pauses every trial once, at iteration 2. */
    static final class PauseOnce implements TrialScheduler {
        final Set<String> paused = new HashSet<>();

        @Override
        public void setup(String metric, Mode mode) {
        }

        @Override
        public Decision onTrialResult(String trialId, Result r) {
            return r.iteration() == 2 && paused.add(trialId) ? Decision.PAUSE : Decision.CONTINUE;
        }
    }

    @Test
    void pausedTrialsResumeFromTheirCheckpointAndFinish(@TempDir Path tmp) throws Exception {
        Map<String, AtomicInteger> starts = new ConcurrentHashMap<>();
        Map<String, Integer> resumedAt = new ConcurrentHashMap<>();
        ResultGrid g = Tuner.builder(ctx -> {
                    starts.computeIfAbsent(ctx.trialId(), k -> new AtomicInteger()).incrementAndGet();
                    int step = ctx.checkpoint().map(c -> ((Number) c.loadData().get("step")).intValue()).orElse(0);
                    if (step > 0) resumedAt.put(ctx.trialId(), step);
                    for (int s = step + 1; s <= 5; s++) {
                        ctx.report(Map.of("score", s), Checkpoint.ofData(Map.of("step", s)));
                        Thread.sleep(5); // let the pause reach the trial before it reports again
                    }
                })
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MAX).numSamples(3).maxConcurrentTrials(2)
                        .scheduler(new PauseOnce()).build())
                .runConfig(new RunConfig("pause", tmp, true, 200))
                .build().fit();
        assertEquals(3, g.size());
        for (TrialSummary t : g.trials()) {
            assertEquals(TrialStatus.TERMINATED, t.status(), t.trialId());
            assertEquals(5, t.iterations(), t.trialId());
            assertEquals(2, starts.get(t.trialId()).get(), "started, paused, resumed: " + t.trialId());
            assertEquals(2, resumedAt.get(t.trialId()), "resumed from the checkpoint of iteration 2");
            List<String> lines = Files.readAllLines(t.trialDir().resolve("result.jsonl"));
            assertEquals(5, lines.size(), "iterations 1-2, then 3-5 after the resume: " + lines);
            assertTrue(lines.get(2).contains("\"training_iteration\":3"), lines.get(2));
        }
    }

    /** Synchronous halving by hand: everyone pauses at iteration 2; once all 4 have, the best 2 go on. */
    static final class HalveAtTwo implements TrialScheduler {
        final Map<String, Double> atRung = new ConcurrentHashMap<>();

        @Override
        public void setup(String metric, Mode mode) {
        }

        @Override
        public Decision onTrialResult(String trialId, Result r) {
            if (r.iteration() == 2 && !atRung.containsKey(trialId)) {
                atRung.put(trialId, r.metric("score"));
                return Decision.PAUSE;
            }
            return Decision.CONTINUE;
        }

        @Override
        public PausedPlan planPaused(List<String> paused, boolean idle) {
            if (atRung.size() < 4 || paused.size() < 4) return new PausedPlan(List.of(), List.of());
            List<String> byScore = new java.util.ArrayList<>(paused);
            byScore.sort((a, b) -> Double.compare(atRung.get(b), atRung.get(a)));
            return new PausedPlan(byScore.subList(0, 2), byScore.subList(2, 4));
        }
    }

    @Test
    void aSchedulerResumesTheTrialsItPromotesAndEndsTheRest(@TempDir Path tmp) {
        ResultGrid g = Tuner.builder(ctx -> {
                    double q = ctx.config().getDouble("q");
                    int step = ctx.checkpoint().map(c -> ((Number) c.loadData().get("step")).intValue()).orElse(0);
                    for (int s = step + 1; s <= 5; s++) {
                        ctx.report(Map.of("score", q * s), Checkpoint.ofData(Map.of("step", s)));
                        Thread.sleep(5);
                    }
                })
                .paramSpace(Map.of("q", dev.gale.tune.search.Domains.gridSearch(1.0, 4.0, 2.0, 3.0)))
                .tuneConfig(TuneConfig.builder().metric("score").mode(Mode.MAX).maxConcurrentTrials(2)
                        .scheduler(new HalveAtTwo()).build())
                .runConfig(new RunConfig("halve", tmp, true, 200))
                .build().fit();
        assertEquals(4, g.size());
        for (TrialSummary t : g.trials()) {
            double q = ((Number) t.config().get("q")).doubleValue();
            assertEquals(TrialStatus.TERMINATED, t.status(), t.trialId());
            assertEquals(q >= 3 ? 5 : 2, t.iterations(), "q=" + q + " is " + (q >= 3 ? "promoted" : "ended at the rung"));
        }
    }
}
