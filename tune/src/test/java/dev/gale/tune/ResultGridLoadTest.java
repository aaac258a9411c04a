package dev.gale.tune;

import dev.gale.tune.storage.ComponentState;
import dev.gale.tune.storage.ExperimentSnapshot;
import dev.gale.tune.storage.JournalEntry;
import dev.gale.tune.storage.ResultRow;
import dev.gale.tune.storage.TrialSnapshot;
import dev.gale.tune.storage.internal.FileExperimentStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ResultGrid#load} of an experiment that did not end normally: statuses come from the
 * snapshot and the journal, a trial that did not end is never TERMINATED, and {@link ResultGrid#best()}
 * skips INTERRUPTED trials.
 */
class ResultGridLoadTest {
    @TempDir
    Path tmp;

    static Map<String, Object> res(long i, double loss) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", loss);
        m.put("training_iteration", i);
        return m;
    }

    /**
     * An experiment stopped mid-run: trial 1 TERMINATED (loss 0.5), 2 RUNNING, 3 INTERRUPTED with
     * the lowest loss, 4 PENDING, 5 PAUSED, 6 ERROR.
     */
    static Path stopped(Path dir, Map<String, Object> launch) {
        try (FileExperimentStore s = new FileExperimentStore(dir)) {
            TrialStatus[] st = {TrialStatus.TERMINATED, TrialStatus.RUNNING, TrialStatus.INTERRUPTED, TrialStatus.PENDING,
                    TrialStatus.PAUSED, TrialStatus.ERROR};
            double[] loss = {0.5, 0.7, 0.01, 0, 0.9, 0.8};
            List<TrialSnapshot> trials = new ArrayList<>();
            for (int i = 0; i < st.length; i++) {
                String id = String.format("trial_%05d", i + 1);
                s.trialConfig(id, Map.of("x", i));
                int rows = st[i] == TrialStatus.PENDING ? 0 : 3;
                for (int k = 1; k <= rows; k++) {
                    s.result(id, new ResultRow(id, k, k, k, Map.of("loss", loss[i] + (rows - k) * 0.1), null));
                }
                Map<String, Object> last = rows == 0 ? Map.of() : res(rows, loss[i]);
                trials.add(new TrialSnapshot(id, st[i], Map.of("x", i), 1, st[i] == TrialStatus.ERROR ? 1 : 0, last, last, null,
                        null, st[i] == TrialStatus.ERROR ? "java.lang.RuntimeException: boom" : null));
            }
            s.journal(new JournalEntry(1, 0, JournalEntry.Event.INTERRUPTED, trials.get(2)));
            s.snapshotNow(new ExperimentSnapshot(ExperimentSnapshot.VERSION, "stopped", "loss", Mode.MIN, 6, 1, false, 3.0,
                    "interrupted (SIGINT)", launch, new ComponentState("random", null), new ComponentState("fifo", null), 1, trials));
        }
        return dir;
    }

    @Test
    void statusesAreAsRecordedAndInterruptedTrialsAreNotTheBest() {
        ResultGrid g = ResultGrid.load(stopped(tmp.resolve("exp"), Map.of()));
        assertEquals(List.of(TrialStatus.TERMINATED, TrialStatus.RUNNING, TrialStatus.INTERRUPTED, TrialStatus.PENDING,
                TrialStatus.PAUSED, TrialStatus.ERROR), g.trials().stream().map(TrialSummary::status).toList());
        assertEquals(1, g.count(TrialStatus.TERMINATED));
        assertEquals(1, g.count(TrialStatus.INTERRUPTED));
        assertEquals(3, g.trial("trial_00002").orElseThrow().iterations(), "results from result.jsonl");
        assertEquals(0.7, g.trial("trial_00002").orElseThrow().metric("loss"), 1e-12);
        assertEquals("trial_00001", g.best().trialId(), "the interrupted trial (loss 0.01) is skipped");
        assertEquals("trial_00001", g.best("loss", Mode.MIN).trialId());
        assertEquals("java.lang.RuntimeException: boom", g.trial("trial_00006").orElseThrow().error());
        assertNull(g.trial("trial_00002").orElseThrow().error());
    }

    @Test
    void whenOnlyInterruptedTrialsReportedTheMetricBestSaysSo() {
        Path dir = tmp.resolve("only");
        try (FileExperimentStore s = new FileExperimentStore(dir)) {
            s.trialConfig("trial_00001", Map.of());
            s.result("trial_00001", new ResultRow("trial_00001", 1, 1, 1, Map.of("loss", 0.1), null));
            s.snapshotNow(new ExperimentSnapshot(ExperimentSnapshot.VERSION, "only", "loss", Mode.MIN, 1, 1, false, 1, null,
                    Map.of(), null, null, 0, List.of(new TrialSnapshot("trial_00001", TrialStatus.INTERRUPTED, Map.of(), 1, 0,
                    res(1, 0.1), res(1, 0.1), null, null, null))));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResultGrid.load(dir).best());
        assertTrue(e.getMessage().contains("only interrupted trials") && e.getMessage().contains("resume"), e.getMessage());
    }

    @Test
    void withoutSnapshotOrJournalATrialThatReportedIsRunningNeverTerminated() {
        Path dir = tmp.resolve("early");
        try (FileExperimentStore s = new FileExperimentStore(dir)) {
            s.trialConfig("trial_00001", Map.of("x", 1));
            s.result("trial_00001", new ResultRow("trial_00001", 1, 1, 1, Map.of("loss", 0.1), null));
            s.trialConfig("trial_00002", Map.of("x", 2));
            s.trialError("trial_00002", 0, "java.lang.IllegalStateException: out of memory\n\tat A");
        }
        ResultGrid g = ResultGrid.load(dir);
        assertEquals(TrialStatus.RUNNING, g.trial("trial_00001").orElseThrow().status());
        assertEquals(TrialStatus.PENDING, g.trial("trial_00002").orElseThrow().status(),
                "a failed attempt alone does not say the trial ended (it may have been retried)");
        assertEquals(0, g.count(TrialStatus.TERMINATED));
    }
}
