package dev.gale.tune.internal;

import dev.gale.tune.Result;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.callback.Callback;
import dev.gale.tune.callback.ExperimentEnd;
import dev.gale.tune.callback.ExperimentInfo;
import dev.gale.tune.callback.TrialInfo;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CallbackDispatcherTest {
    static final ExperimentInfo INFO = new ExperimentInfo("exp", Path.of("exp"), "acc", null, 1, "random", "fifo", false, 0);

    static TrialInfo trial(String id, TrialStatus s) {
        return new TrialInfo(id, s, Map.of(), 0, 0, Path.of(id), null, "", null);
    }

    static Result result(long it) {
        return new Result("t", it, 0, 0, Map.of("acc", it));
    }

    static ExperimentEnd end() {
        return new ExperimentEnd(INFO, ExperimentEnd.Outcome.FINISHED, null, List.of(), 1);
    }

    /** Records every call as a line. */
    static final class Recorder implements Callback {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override public void onExperimentStart(ExperimentInfo e) { calls.add("start"); }
        @Override public void onTrialStart(TrialInfo t) { calls.add("trialStart " + t.trialId()); }
        @Override public void onTrialResult(TrialInfo t, Result r) { calls.add("result " + t.trialId() + " " + r.iteration()); }
        @Override public void onTrialComplete(TrialInfo t) { calls.add("complete " + t.trialId()); }
        @Override public void onTrialError(TrialInfo t, String error) { calls.add("error " + t.trialId() + " " + error); }
        @Override public void onTrialStatus(TrialInfo t) { calls.add("status " + t.trialId() + " " + t.status()); }
        @Override public void onExperimentEnd(ExperimentEnd e) { calls.add("end " + e.outcome()); }
    }

    @Test
    void eventsArriveInOrderOffTheCallersThread() {
        Recorder r = new Recorder();
        List<String> threads = new CopyOnWriteArrayList<>();
        Callback where = new Callback() {
            @Override
            public void onTrialStart(TrialInfo t) {
                threads.add(Thread.currentThread().getName());
            }
        };
        CallbackDispatcher d = new CallbackDispatcher(List.of(r, where), 100, "exp");
        d.experimentStart(INFO);
        d.trialStart(trial("a", TrialStatus.RUNNING));
        d.trialResult(trial("a", TrialStatus.RUNNING), result(1));
        d.trialComplete(trial("a", TrialStatus.TERMINATED));
        d.trialError(trial("b", TrialStatus.ERROR), "boom");
        d.close(end(), 10_000);
        assertEquals(List.of("start", "trialStart a", "result a 1", "complete a", "error b boom", "end FINISHED"), r.calls);
        assertEquals(1, threads.size());
        assertTrue(threads.getFirst().startsWith("gale-callbacks-exp"), threads.toString());
    }

    @Test
    void aSlowCallbackNeverBlocksTheCallerAndOnlyResultsAreDroppedWhenTheQueueIsFull() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Recorder r = new Recorder();
        Callback slow = new Callback() {
            @Override
            public void onExperimentStart(ExperimentInfo e) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        CallbackDispatcher d = new CallbackDispatcher(List.of(slow, r), 10, "slow");
        d.experimentStart(INFO); // the callback thread blocks here
        long t0 = System.nanoTime();
        for (int i = 1; i <= 1000; i++) d.trialResult(trial("a", TrialStatus.RUNNING), result(i));
        d.trialComplete(trial("a", TrialStatus.TERMINATED));
        long blockedMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(blockedMs < 10_000, "the caller was held up " + blockedMs + " ms");
        assertTrue(d.dropped() >= 990, "results beyond the queue's room are dropped: " + d.dropped());
        release.countDown();
        d.close(end(), 10_000);
        long results = r.calls.stream().filter(c -> c.startsWith("result")).count();
        assertEquals(1000 - d.dropped(), results);
        assertTrue(r.calls.contains("complete a"), "a completion is never dropped: " + r.calls);
        assertEquals("end FINISHED", r.calls.getLast());
    }

    @Test
    void aCallbackThatThrowsIsDisabledAndTheOthersGoOn() {
        Recorder r = new Recorder();
        int[] calls = {0};
        Callback bad = new Callback() {
            @Override
            public void onTrialStart(TrialInfo t) {
                calls[0]++;
                throw new IllegalStateException("bug in a callback");
            }
        };
        CallbackDispatcher d = new CallbackDispatcher(List.of(bad, r), 100, "bad");
        d.trialStart(trial("a", TrialStatus.RUNNING));
        d.trialStart(trial("b", TrialStatus.RUNNING));
        d.close(end(), 10_000);
        assertEquals(1, calls[0], "called once, then disabled");
        assertEquals(List.of("trialStart a", "trialStart b", "end FINISHED"), r.calls);
    }

    @Test
    void withoutCallbacksNothingIsQueued() {
        CallbackDispatcher d = new CallbackDispatcher(List.of(), 1, "none");
        assertTrue(d.isEmpty());
        d.trialResult(trial("a", TrialStatus.RUNNING), result(1));
        d.close(end(), 1000);
        assertEquals(0, d.dropped());
    }
}
