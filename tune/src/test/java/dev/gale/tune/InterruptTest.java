package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An interrupted experiment ({@link Tuner#interrupt}, what Ctrl-C does): its running trials are
 * stopped and recorded INTERRUPTED (never TERMINATED), queued ones stay PENDING, the results show
 * it, and a restore runs each interrupted trial on from its last checkpoint to its normal end.
 */
class InterruptTest {
    static final int STEPS = 30;
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = TuneTestSupport.node(2);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    record Run(String trialId, int attempt, Optional<Integer> fromStep) {
    }

    /** Reports STEPS steps with a checkpoint each; counts down {@code started} once, when it has reported step 3. */
    static Trainable steps(List<Run> runs, CountDownLatch started, long sleepMs) {
        return ctx -> {
            Optional<Integer> from = ctx.checkpoint().map(c -> ((Number) c.loadData().get("step")).intValue());
            runs.add(new Run(ctx.trialId(), ctx.attempt(), from));
            for (int i = from.orElse(0) + 1; i <= STEPS; i++) {
                ctx.report(Map.of("loss", 1.0 / i), Checkpoint.ofData(Map.of("step", i)));
                if (i == 3) started.countDown(); // once per trial: the latch opens when two trials reached step 3
                Thread.sleep(sleepMs);
            }
        };
    }

    static Tuner.Builder builder(Trainable t, Path tmp) {
        return Tuner.builder(t)
                .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).numSamples(4).maxConcurrentTrials(2).build())
                .runConfig(TuneTestSupport.quiet("interrupted", tmp))
                .node(node);
    }

    @Test
    void interruptedTrialsAreRecordedAsSuchAndResumeFromTheirCheckpoints(@TempDir Path tmp) throws Exception {
        List<Run> first = new CopyOnWriteArrayList<>();
        CountDownLatch started = new CountDownLatch(2);
        Tuner tuner = builder(steps(first, started, 20), tmp).build();
        CompletableFuture<ResultGrid> run = CompletableFuture.supplyAsync(tuner::fit);
        assertTrue(started.await(60, TimeUnit.SECONDS), "two trials reached step 3");
        tuner.interrupt("test");
        ExperimentStoppedException e = assertThrows(ExperimentStoppedException.class, () -> {
            try {
                run.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException x) {
                throw x.getCause();
            }
        });
        assertTrue(e.interrupted(), e.getMessage());
        assertEquals(2, e.interruptedTrials().size(), e.interruptedTrials().toString());
        Path dir = tmp.resolve("interrupted");
        assertEquals(dir, e.experimentDir());

        ResultGrid after = ResultGrid.load(dir);
        assertEquals(0, after.count(TrialStatus.TERMINATED), "nothing ended normally: " + after.table());
        assertEquals(2, after.count(TrialStatus.INTERRUPTED), after.table());
        assertEquals(after.size(), after.count(TrialStatus.INTERRUPTED) + after.count(TrialStatus.PENDING),
                "the trials not yet run wait for the resume: " + after.table());
        java.util.Map<String, Long> stepsAtStop = new java.util.HashMap<>();
        for (TrialSummary t : after.trials()) {
            if (t.status() == TrialStatus.INTERRUPTED) {
                assertTrue(t.iterations() >= 3 && t.iterations() < STEPS, t.trialId() + " ran " + t.iterations());
                stepsAtStop.put(t.trialId(), t.iterations());
            }
        }

        List<Run> second = new CopyOnWriteArrayList<>();
        ResultGrid done = builder(steps(second, new CountDownLatch(0), 0), tmp).restore(dir).build().fit();
        assertEquals(4, done.count(TrialStatus.TERMINATED), done.table());
        for (Map.Entry<String, Long> s : stepsAtStop.entrySet()) {
            List<Run> resumed = second.stream().filter(r -> r.trialId().equals(s.getKey())).toList();
            assertEquals(1, resumed.size(), second.toString());
            assertEquals(Optional.of(s.getValue().intValue()), resumed.getFirst().fromStep(),
                    s.getKey() + " resumed from its last checkpoint");
            TrialSummary t = done.trial(s.getKey()).orElseThrow();
            assertEquals(STEPS, t.iterations(), "ran to its normal end");
            List<Object> its = TuneTestSupport.readJsonl(t.trialDir().resolve("result.jsonl")).stream()
                    .map(m -> (Object) ((Number) m.get("training_iteration")).intValue()).toList();
            List<Object> want = new ArrayList<>();
            for (int i = 1; i <= STEPS; i++) want.add(i);
            assertEquals(want, its, "each iteration recorded once");
        }
        assertFalse(second.stream().anyMatch(r -> r.fromStep().isPresent() && !stepsAtStop.containsKey(r.trialId())));
    }

    @Test
    void interruptingBeforeAnyTrialStartsLeavesEveryTrialToTheResume(@TempDir Path tmp) {
        Tuner tuner = builder(steps(new ArrayList<>(), new CountDownLatch(0), 0), tmp).build();
        tuner.interrupt("before start");
        ExperimentStoppedException e = assertThrows(ExperimentStoppedException.class, tuner::fit);
        assertTrue(e.interrupted());
        ResultGrid after = ResultGrid.load(tmp.resolve("interrupted"));
        assertEquals(0, after.count(TrialStatus.TERMINATED), after.table());
        ResultGrid done = builder(steps(new ArrayList<>(), new CountDownLatch(0), 0), tmp)
                .restore(tmp.resolve("interrupted")).build().fit();
        assertEquals(4, done.count(TrialStatus.TERMINATED), done.table());
    }
}
