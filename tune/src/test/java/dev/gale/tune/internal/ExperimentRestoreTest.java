package dev.gale.tune.internal;

import dev.gale.tune.Mode;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.storage.ComponentState;
import dev.gale.tune.storage.ExperimentLayout;
import dev.gale.tune.storage.ExperimentReader;
import dev.gale.tune.storage.ExperimentSnapshot;
import dev.gale.tune.storage.JournalEntry;
import dev.gale.tune.storage.ResultRow;
import dev.gale.tune.storage.TrialSnapshot;
import dev.gale.tune.storage.internal.FileExperimentStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ExperimentRestore#load}: after a driver died, each unfinished trial resumes from its
 * newest complete checkpoint on disk, whatever the snapshot's age; finished trials stay finished.
 */
class ExperimentRestoreTest {
    @TempDir
    Path tmp;

    private long seq;

    private static Map<String, Object> res(long i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", 1.0 / i);
        m.put("training_iteration", i);
        m.put("time_total_s", (double) i);
        m.put("timestamp", 1_700_000_000_000L + i);
        return m;
    }

    private static TrialSnapshot t(String id, TrialStatus st, long iteration, String checkpoint, long ckIteration) {
        return new TrialSnapshot(id, st, Map.of("x", id), 1, 0, iteration == 0 ? Map.of() : res(iteration),
                iteration == 0 ? Map.of() : res(iteration), checkpoint, ckIteration == 0 ? Map.of() : res(ckIteration), null);
    }

    /** Rows from..to of a trial, with a checkpoint directory at every iteration in {@code checkpoints}. */
    private static void rows(FileExperimentStore s, String id, int from, int to, List<Integer> checkpoints) throws IOException {
        for (int i = from; i <= to; i++) {
            String ck = null;
            if (checkpoints.contains(i)) {
                ck = String.format("checkpoint_%06d", i);
                Files.createDirectories(s.trialDir(id).resolve(ck));
                Files.writeString(s.trialDir(id).resolve(ck).resolve("step"), Integer.toString(i));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("loss", 1.0 / i);
            s.result(id, new ResultRow(id, i, i, 1_700_000_000_000L + i, m, ck));
        }
    }

    private void journal(FileExperimentStore s, JournalEntry.Event e, TrialSnapshot t) {
        s.journal(new JournalEntry(++seq, 0, e, t));
    }

    private static List<Integer> evens(int to) {
        List<Integer> out = new ArrayList<>();
        for (int i = 2; i <= to; i += 2) out.add(i);
        return out;
    }

    @Test
    void eachUnfinishedTrialResumesFromItsNewestCheckpointOnDiskWhateverTheSnapshotsAge() throws Exception {
        Path dir = tmp.resolve("exp");
        FileExperimentStore s = new FileExperimentStore(dir);
        for (int i = 1; i <= 7; i++) s.trialConfig(String.format("trial_%05d", i), Map.of("x", i));
        rows(s, "trial_00001", 1, 3, List.of());
        rows(s, "trial_00002", 1, 2, List.of(2));
        rows(s, "trial_00004", 1, 3, List.of(3));
        rows(s, "trial_00005", 1, 2, List.of(2));
        rows(s, "trial_00007", 1, 2, List.of(1, 2));
        journal(s, JournalEntry.Event.TERMINATED, t("trial_00001", TrialStatus.TERMINATED, 3, null, 0));
        s.flush();
        // the last snapshot the driver wrote, early in the run
        s.snapshot(() -> new ExperimentSnapshot(ExperimentSnapshot.VERSION, "exp", "loss", Mode.MIN, 8, 1, false, 30.0, null,
                Map.of(), new ComponentState("random", Map.of("n", 5)), new ComponentState("fifo", null), seq, List.of(
                t("trial_00001", TrialStatus.TERMINATED, 3, null, 0),
                t("trial_00002", TrialStatus.RUNNING, 2, "checkpoint_000002", 2),
                t("trial_00003", TrialStatus.PENDING, 0, null, 0),
                t("trial_00004", TrialStatus.PAUSED, 3, "checkpoint_000003", 3),
                t("trial_00005", TrialStatus.RUNNING, 2, "checkpoint_000002", 2),
                t("trial_00007", TrialStatus.RUNNING, 2, "checkpoint_000002", 2))), true);
        // what happened after it, until kill -9
        rows(s, "trial_00002", 3, 19, evens(19));
        Files.createDirectories(s.trialDir("trial_00002").resolve("checkpoint_000019.tmp")); // being copied when killed
        rows(s, "trial_00005", 3, 4, List.of(4));
        journal(s, JournalEntry.Event.TERMINATED, t("trial_00003", TrialStatus.TERMINATED, 1, null, 0));
        journal(s, JournalEntry.Event.INTERRUPTED, t("trial_00005", TrialStatus.INTERRUPTED, 4, "checkpoint_000004", 4));
        s.trialConfig("trial_00006", Map.of("x", 6));
        journal(s, JournalEntry.Event.CREATED, t("trial_00006", TrialStatus.PENDING, 0, null, 0));
        s.close();
        // the checkpoint trial 7's snapshot names was deleted (by hand): the older one on disk is used
        CheckpointTransfer.deleteTree(s.trialDir("trial_00007").resolve("checkpoint_000002"));

        ExperimentRestore r = ExperimentRestore.load(dir);
        assertEquals("random", r.searcherName());
        assertEquals(Map.of("n", 5), r.searcherState());
        assertEquals(30.0, r.elapsedS());
        assertEquals(seq, r.journalSeq(), "a resumed run numbers its journal entries on from here");
        Map<String, ExperimentRestore.TrialState> by = new HashMap<>();
        for (ExperimentRestore.TrialState ts : r.trials()) by.put(ts.id(), ts);
        assertEquals(List.of("trial_00001", "trial_00002", "trial_00003", "trial_00004", "trial_00005", "trial_00007"),
                r.trials().stream().map(ExperimentRestore.TrialState::id).toList());

        ExperimentRestore.TrialState two = by.get("trial_00002");
        assertEquals(TrialStatus.RUNNING, two.status());
        assertEquals("checkpoint_000018", two.checkpoint(), "the newest complete checkpoint on disk, not the snapshot's");
        assertEquals(18, two.checkpointResult().iteration());
        assertEquals(18, two.last().iteration());
        assertEquals(1.0 / 18, two.best().metric("loss"), "best taken again from the rows kept");
        assertEquals(18, ExperimentReader.results(dir.resolve("trial_00002")).size(), "rows after the checkpoint are cut");
        assertEquals(19, Files.readAllLines(dir.resolve("trial_00002").resolve(ExperimentLayout.PROGRESS_FILE)).size(),
                "header and 18 rows");

        assertEquals(TrialStatus.TERMINATED, by.get("trial_00001").status());
        assertFalse(by.get("trial_00001").endedAfterSnapshot());
        assertEquals(3, ExperimentReader.results(dir.resolve("trial_00001")).size(), "a finished trial's rows are kept");
        assertEquals(TrialStatus.TERMINATED, by.get("trial_00003").status(), "ended after the snapshot: not run again");
        assertTrue(by.get("trial_00003").endedAfterSnapshot());

        ExperimentRestore.TrialState four = by.get("trial_00004");
        assertEquals(TrialStatus.PAUSED, four.status());
        assertEquals("checkpoint_000003", four.checkpoint());

        ExperimentRestore.TrialState five = by.get("trial_00005");
        assertEquals(TrialStatus.INTERRUPTED, five.status(), "interrupted: runs again (the controller queues it)");
        assertEquals("checkpoint_000004", five.checkpoint());
        assertEquals(4, ExperimentReader.results(dir.resolve("trial_00005")).size());

        ExperimentRestore.TrialState seven = by.get("trial_00007");
        assertEquals("checkpoint_000001", seven.checkpoint(), "the recorded checkpoint is gone: the newest on disk");
        assertEquals(1, ExperimentReader.results(dir.resolve("trial_00007")).size());

        assertFalse(Files.exists(dir.resolve("trial_00006")), "created after the snapshot: moved aside");
        try (var aside = Files.list(dir.resolve(ExperimentLayout.ORPHANED_DIR))) {
            assertTrue(aside.anyMatch(p -> p.getFileName().toString().startsWith("trial_00006-")));
        }
    }

    @Test
    void theRecordedCheckpointIsKeptWhenTheDiskHoldsNothingNewerThanTheRecord() throws Exception {
        Path dir = tmp.resolve("exp");
        FileExperimentStore s = new FileExperimentStore(dir);
        s.trialConfig("trial_00001", Map.of("x", 1));
        rows(s, "trial_00001", 1, 4, List.of(1, 2, 3, 4));
        s.snapshot(() -> new ExperimentSnapshot(ExperimentSnapshot.VERSION, "exp", null, null, 1, 1, false, 1.0, null, Map.of(),
                null, null, 0, List.of(t("trial_00001", TrialStatus.RUNNING, 4, "checkpoint_000002", 2))), true);
        s.close();
        ExperimentRestore.TrialState ts = ExperimentRestore.load(dir).trials().getFirst();
        assertEquals("checkpoint_000002", ts.checkpoint(), "the record knew iteration 4 and chose checkpoint 2");
        assertEquals(List.of(1L, 2L), ExperimentReader.results(dir.resolve("trial_00001")).stream().map(ResultRow::iteration).toList());
        assertEquals(4, ts.best().iteration(), "without a metric the recorded best is kept");
    }

    @Test
    void aTrialWithoutAnyCheckpointStartsAgainFromItsBeginning() throws Exception {
        Path dir = tmp.resolve("exp");
        FileExperimentStore s = new FileExperimentStore(dir);
        s.trialConfig("trial_00001", Map.of("x", 1));
        rows(s, "trial_00001", 1, 3, List.of());
        s.snapshot(() -> new ExperimentSnapshot(ExperimentSnapshot.VERSION, "exp", "loss", Mode.MIN, 1, 1, false, 1.0, null,
                Map.of(), null, null, 0, List.of(t("trial_00001", TrialStatus.RUNNING, 1, null, 0))), true);
        s.close();
        ExperimentRestore.TrialState ts = ExperimentRestore.load(dir).trials().getFirst();
        assertNull(ts.checkpoint());
        assertNull(ts.last());
        assertNull(ts.best());
        assertEquals(List.of(), ExperimentReader.results(dir.resolve("trial_00001")));
    }

    @Test
    void withoutASnapshotTheMessageSaysWhyItCannotBeResumed() throws Exception {
        Path dir = tmp.resolve("exp");
        FileExperimentStore s = new FileExperimentStore(dir);
        s.trialConfig("trial_00001", Map.of("x", 1));
        s.close();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExperimentRestore.load(dir));
        assertTrue(e.getMessage().contains("experiment_state.json") && e.getMessage().contains("before its first snapshot")
                && e.getMessage().contains("gale results"), e.getMessage());
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> ExperimentRestore.load(Files.createDirectories(tmp.resolve("other"))));
        assertTrue(other.getMessage().contains("not a Gale experiment directory"), other.getMessage());
    }
}
