package dev.gale.tune;

import dev.gale.cluster.GaleNode;
import dev.gale.tune.callback.Callback;
import dev.gale.tune.callback.ExperimentEnd;
import dev.gale.tune.callback.ExperimentInfo;
import dev.gale.tune.callback.TrialInfo;
import dev.gale.tune.search.Domains;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Callbacks through {@code Tuner.fit()} (registered on the run config and found by ServiceLoader)
 * and checkpoint retention ({@link CheckpointConfig}) on a real embedded node.
 */
class CallbacksAndRetentionTest {
    static GaleNode node;

    @BeforeAll
    static void start() {
        node = TuneTestSupport.node(2);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** Records the calls of one experiment, one line each. */
    static final class Recorder implements Callback {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override public void onExperimentStart(ExperimentInfo e) { calls.add("start " + e.name()); }
        @Override public void onTrialStart(TrialInfo t) { calls.add("trialStart " + t.trialId() + " attempt " + t.attempt()); }
        @Override public void onTrialResult(TrialInfo t, Result r) { calls.add("result " + t.trialId() + " " + r.iteration()); }
        @Override public void onCheckpoint(TrialInfo t, Checkpoint c, Result r) {
            calls.add("checkpoint " + t.trialId() + " " + c.path().getFileName() + " exists=" + Files.isDirectory(c.path()));
        }
        @Override public void onTrialComplete(TrialInfo t) { calls.add("complete " + t.trialId()); }
        @Override public void onTrialError(TrialInfo t, String error) { calls.add("error " + t.trialId() + " " + error); }
        @Override public void onExperimentEnd(ExperimentEnd e) { calls.add("end " + e.outcome() + " " + e.trials().size()); }

        List<String> of(String trial) {
            return calls.stream().filter(c -> c.contains(" " + trial + " ") || c.endsWith(" " + trial)).toList();
        }
    }

    /** Registered in META-INF/services: counts the experiments it saw end. */
    public static final class Counting implements Callback {
        static final AtomicInteger ENDS = new AtomicInteger();

        public Counting() {
        }

        @Override
        public void onExperimentEnd(ExperimentEnd end) {
            ENDS.incrementAndGet();
        }
    }

    @Test
    void callbacksSeeEveryTrialEventInOrder(@TempDir Path tmp) {
        Recorder rec = new Recorder();
        int endsBefore = Counting.ENDS.get();
        ResultGrid g = Tuner.builder(ctx -> {
                    if (ctx.config().getDouble("x") < 0) throw new IllegalStateException("negative x");
                    for (int i = 1; i <= 3; i++) {
                        ctx.report(Map.of("acc", i / 10.0), i == 2 ? Checkpoint.ofData(Map.of("step", i)) : null);
                    }
                })
                .paramSpace(Map.of("x", Domains.gridSearch(1.0, -1.0)))
                .tuneConfig(TuneConfig.builder().metric("acc").mode(Mode.MAX).build())
                .runConfig(TuneTestSupport.quiet("cb", tmp).withCallbacks(rec))
                .node(node)
                .build().fit();
        assertEquals(1, g.count(TrialStatus.TERMINATED), g.table());
        assertEquals(1, g.count(TrialStatus.ERROR), g.table());
        assertEquals("start cb", rec.calls.getFirst());
        assertEquals("end FINISHED 2", rec.calls.getLast());
        assertEquals(List.of("trialStart trial_00001 attempt 0", "result trial_00001 1", "result trial_00001 2",
                "checkpoint trial_00001 checkpoint_000002 exists=true", "result trial_00001 3", "complete trial_00001"),
                rec.of("trial_00001"));
        List<String> second = rec.of("trial_00002");
        assertEquals("trialStart trial_00002 attempt 0", second.getFirst());
        assertTrue(second.getLast().startsWith("error trial_00002 java.lang.IllegalStateException: negative x"), second.toString());
        assertEquals(endsBefore + 1, Counting.ENDS.get(), "the ServiceLoader callback saw the end");
    }

    @Test
    void aCallbackThatThrowsDoesNotStopTheExperiment(@TempDir Path tmp) {
        Callback broken = new Callback() {
            @Override
            public void onTrialResult(TrialInfo t, Result r) {
                throw new IllegalStateException("broken callback");
            }
        };
        Recorder rec = new Recorder();
        ResultGrid g = Tuner.builder(ctx -> {
                    for (int i = 1; i <= 5; i++) ctx.report(Map.of("acc", i));
                })
                .tuneConfig(TuneConfig.builder().metric("acc").mode(Mode.MAX).numSamples(3).build())
                .runConfig(TuneTestSupport.quiet("broken", tmp).withCallbacks(broken, rec))
                .node(node)
                .build().fit();
        assertEquals(3, g.count(TrialStatus.TERMINATED), g.table());
        assertEquals(15, rec.calls.stream().filter(c -> c.startsWith("result")).count(), "the other callback got every result");
    }

    @Test
    void retentionKeepsTheBestAndTheNewestCheckpoints(@TempDir Path tmp) throws IOException {
        double[] acc = {0.5, 0.9, 0.2, 0.3, 0.1, 0.4};
        ResultGrid g = Tuner.builder(ctx -> {
                    for (int i = 0; i < acc.length; i++) {
                        ctx.report(Map.of("acc", acc[i]), Checkpoint.ofData(Map.of("step", i + 1)));
                    }
                })
                .tuneConfig(TuneConfig.builder().metric("acc").mode(Mode.MAX).build())
                .runConfig(TuneTestSupport.quiet("keep", tmp).withCheckpointConfig(CheckpointConfig.keepBest(2, "acc", Mode.MAX)))
                .node(node)
                .build().fit();
        TrialSummary t = g.trials().getFirst();
        assertEquals(TrialStatus.TERMINATED, t.status());
        List<String> left;
        try (var s = Files.list(t.trialDir())) {
            left = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("checkpoint_")).sorted().toList();
        }
        // best two: step 2 (0.9) and step 1 (0.5); plus the newest, step 6
        assertEquals(List.of("checkpoint_000001", "checkpoint_000002", "checkpoint_000006"), left);
        assertEquals(t.trialDir().resolve("checkpoint_000006"), t.checkpoint(), "the trial resumes from its newest");
    }
}
