package dev.gale.tune.internal;

import dev.gale.tune.CheckpointConfig;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.callback.Callback;
import dev.gale.tune.callback.TrialInfo;
import dev.gale.tune.callback.ExperimentEnd;
import dev.gale.tune.schedulers.Decision;
import dev.gale.tune.schedulers.TrialScheduler;
import dev.gale.tune.search.SearchSpace;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Suggestion;
import dev.gale.tune.storage.JournalEntry;
import dev.gale.tune.storage.internal.MemoryExperimentStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TrialLifecycle} on its own (no actors): each transition is checked, journalled in order
 * with increasing sequence numbers and the trial's state, told to searcher and scheduler exactly
 * once when the trial ends, and then to the callbacks.
 */
class TrialLifecycleTest {
    final List<String> told = new CopyOnWriteArrayList<>();
    final List<String> seen = new CopyOnWriteArrayList<>();
    final MemoryExperimentStore store = new MemoryExperimentStore();
    final Clock clock = Clock.fixed(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC);
    final CallbackDispatcher callbacks = new CallbackDispatcher(List.of(new Callback() {
        @Override public void onTrialStart(TrialInfo t) { seen.add("start " + t.trialId() + " on " + t.nodeId()); }
        @Override public void onTrialComplete(TrialInfo t) { seen.add("complete " + t.trialId()); }
        @Override public void onTrialError(TrialInfo t, String e) { seen.add("error " + t.trialId() + " " + e); }
        @Override public void onTrialStatus(TrialInfo t) { seen.add("status " + t.trialId() + " " + t.status()); }
    }), 100, "lifecycle");
    final TrialLifecycle lifecycle = new TrialLifecycle(store, new RecordingSearcher(), new RecordingScheduler(), callbacks,
            new CheckpointRetention(CheckpointConfig.KEEP_ALL), clock, 7, LoggerFactory.getLogger(TrialLifecycleTest.class));

    final class RecordingSearcher implements Searcher {
        @Override public void setup(SearchSpace space, String metric, Mode mode, int numSamples, long seed) { }
        @Override public Suggestion suggest(String trialId) { return Suggestion.FINISHED; }
        @Override public void onTrialComplete(String trialId, Result last, boolean error) {
            told.add("searcher " + trialId + (error ? " error" : " complete"));
        }
        @Override public Object save() { return Map.of(); }
        @Override public void restore(Object state) { }
    }

    class RecordingScheduler implements TrialScheduler {
        @Override public void setup(String metric, Mode mode) { }
        @Override public void onTrialAdd(String trialId) { told.add("scheduler add " + trialId); }
        @Override public Decision onTrialResult(String trialId, Result result) { return Decision.CONTINUE; }
        @Override public void onTrialComplete(String trialId, Result last) { told.add("scheduler complete " + trialId); }
        @Override public void onTrialError(String trialId) { told.add("scheduler error " + trialId); }
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aTrialThatRunsAndEndsIsJournalledAtEveryStepAndToldOnce() {
        TrialRecord t = lifecycle.create("trial_00001", Map.of("x", 1), Map.of());
        lifecycle.started(t, "node-a", "");
        t.last = new Result(t.id, 3, 1, 1, Map.of("acc", 0.5));
        lifecycle.terminated(t);
        callbacks.close(new ExperimentEnd(null, ExperimentEnd.Outcome.FINISHED, null, List.of(), 0), 10_000);
        store.close();
        List<JournalEntry> j = store.journal();
        assertEquals(List.of(JournalEntry.Event.CREATED, JournalEntry.Event.STARTED, JournalEntry.Event.TERMINATED),
                j.stream().map(JournalEntry::event).toList());
        assertEquals(List.of(8L, 9L, 10L), j.stream().map(JournalEntry::seq).toList(), "numbered on from the restored 7");
        assertEquals(TrialStatus.TERMINATED, j.getLast().trial().status());
        assertEquals(3L, ((Number) j.getLast().trial().lastResult().get("training_iteration")).longValue());
        assertEquals(1_000_000L, j.getLast().timeMillis(), "the injected clock");
        assertEquals(List.of("scheduler add trial_00001", "searcher trial_00001 complete", "scheduler complete trial_00001"), told);
        assertEquals(List.of("status trial_00001 PENDING", "start trial_00001 on node-a", "status trial_00001 RUNNING",
                "complete trial_00001", "status trial_00001 TERMINATED"), seen);
        assertEquals(Map.of("x", 1), store.config("trial_00001"));
    }

    @Test
    void retriesCountFailuresAndOnlyTheLastFailureIsAnEnd() {
        TrialRecord t = lifecycle.create("trial_00001", Map.of(), Map.of());
        lifecycle.started(t, "n", "");
        lifecycle.attemptFailed(t, "java.lang.RuntimeException: first\n\tat x", "trace 1", true);
        assertEquals(TrialStatus.PENDING, t.status);
        assertEquals(1, t.attempt);
        assertEquals(1, t.failures);
        assertEquals("java.lang.RuntimeException: first", t.error);
        lifecycle.started(t, "n", "");
        lifecycle.attemptFailed(t, "java.lang.RuntimeException: second", "trace 2", false);
        assertEquals(TrialStatus.ERROR, t.status);
        assertEquals(2, t.failures);
        assertEquals(List.of("scheduler add trial_00001", "searcher trial_00001 error", "scheduler error trial_00001"), told);
        store.close();
        assertEquals(List.of(JournalEntry.Event.CREATED, JournalEntry.Event.STARTED, JournalEntry.Event.RETRYING,
                JournalEntry.Event.STARTED, JournalEntry.Event.ERROR), store.journal().stream().map(JournalEntry::event).toList());
        String errors = store.errorText("trial_00001");
        assertTrue(errors.contains("trace 1") && errors.contains("trace 2"), errors);
    }

    @Test
    void anInterruptedTrialIsNotAnEndAndIsRequeuedOnResume() {
        TrialRecord t = lifecycle.create("trial_00001", Map.of(), Map.of());
        lifecycle.started(t, "n", "");
        lifecycle.interrupted(t);
        assertEquals(TrialStatus.INTERRUPTED, t.status);
        lifecycle.requeued(t);
        assertEquals(TrialStatus.PENDING, t.status);
        assertEquals(List.of("scheduler add trial_00001"), told, "searcher and scheduler are not told of an interruption");
    }

    @Test
    void illegalTransitionsAreRefused() {
        TrialRecord t = lifecycle.create("trial_00001", Map.of(), Map.of());
        lifecycle.started(t, "n", "");
        lifecycle.terminated(t);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> lifecycle.started(t, "n", ""));
        assertTrue(e.getMessage().contains("TERMINATED -> RUNNING"), e.getMessage());
        TrialRecord p = lifecycle.create("trial_00002", Map.of(), Map.of());
        assertThrows(IllegalStateException.class, () -> lifecycle.paused(p), "PENDING -> PAUSED");
        assertThrows(IllegalStateException.class, () -> lifecycle.interrupted(p), "PENDING -> INTERRUPTED");
    }

    @Test
    void aTrialTheSchedulerRejectsEndsInErrorAtCreation() {
        TrialLifecycle strict = new TrialLifecycle(store, new RecordingSearcher(), new RecordingScheduler() {
            @Override
            public void onTrialAdd(String trialId) {
                throw new IllegalArgumentException("no room");
            }
        }, callbacks, new CheckpointRetention(CheckpointConfig.KEEP_ALL), clock, 0, LoggerFactory.getLogger(getClass()));
        TrialRecord t = strict.create("trial_00001", Map.of(), Map.of());
        assertEquals(TrialStatus.ERROR, t.status);
        assertTrue(t.error.contains("rejected the trial") && t.error.contains("no room"), t.error);
        assertEquals(List.of("searcher trial_00001 error", "scheduler error trial_00001"), told);
    }
}
