package dev.gale.tune.storage;

import dev.gale.cluster.testkit.JvmProcess;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.internal.ExperimentRestore;
import dev.gale.tune.storage.internal.FileExperimentStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A driver writing through a {@link FileExperimentStore} is killed with {@code kill -9} at a random
 * moment (three times, each a fresh JVM): what it left is readable and obeys the durability
 * rules, a restore resumes each unfinished trial from its newest complete checkpoint, and a new
 * store appends to the directory cleanly.
 */
class FileExperimentStoreKillTest {
    @TempDir
    Path tmp;

    @Test
    void whatADriverKilledAtARandomMomentLeftIsReadableAndObeysTheRules() throws Exception {
        long seed = Long.getLong("gale.test.seed", System.nanoTime());
        Random random = new Random(seed);
        for (int round = 0; round < 3; round++) {
            Path dir = tmp.resolve("killed-" + round);
            long delay = random.nextInt(1500);
            String where = "round " + round + ", killed " + delay + " ms after the writer got past its first trials (seed " + seed + ")";
            JvmProcess child = JvmProcess.builder(StoreWriterMain.class.getName()).name("store-writer")
                    .args(List.of(dir.toString())).start();
            try {
                child.awaitLine("READY", Duration.ofSeconds(60));
                // a fixed time after READY was not always enough on a loaded machine for the writer
                // to get past its first trials: wait for it to say so, then kill at a random moment
                child.awaitLine("PAST_FIRST_TRIALS", Duration.ofSeconds(120));
                Thread.sleep(delay);
                assertTrue(child.isAlive(), "the writer died by itself: " + child.describe());
                child.kill();
            } finally {
                child.close();
            }
            check(dir, where);
        }
    }

    private static void check(Path dir, String where) throws Exception {
        ExperimentSnapshot raw = ExperimentReader.snapshot(dir).orElseThrow();
        List<JournalEntry> journal = ExperimentReader.journal(dir);
        for (int i = 0; i < journal.size(); i++) {
            assertEquals(i + 1, journal.get(i).seq(), "journal entries are whole and in order, none missing: " + where);
        }
        assertTrue(raw.journalSeq() <= journal.size(), "a snapshot includes only entries written before it: " + where);
        ExperimentRecord rec = ExperimentReader.read(dir);
        assertEquals(journal.size(), rec.snapshot().journalSeq(), where);
        Map<String, Long> terminatedAt = new HashMap<>();
        for (JournalEntry e : journal) {
            if (e.event() == JournalEntry.Event.TERMINATED) terminatedAt.put(e.trial().trialId(), (long) StoreWriterMain.ITERATIONS);
        }
        for (TrialSnapshot t : rec.snapshot().trials()) {
            Path td = dir.resolve(t.trialId());
            assertTrue(Files.isRegularFile(td.resolve(ExperimentLayout.PARAMS_FILE)), "params.json is a trial's first file: " + where);
            List<ResultRow> rows = ExperimentReader.results(td);
            for (int i = 0; i < rows.size(); i++) {
                assertEquals(i + 1, rows.get(i).iteration(), t.trialId() + ": rows whole, in order, no gap: " + where);
                String ck = rows.get(i).checkpoint();
                if (ck != null) {
                    assertTrue(Files.isRegularFile(td.resolve(ck).resolve("state")), "a row names a complete checkpoint: " + where);
                }
            }
            TrialSnapshot inSnapshot = raw.trial(t.trialId());
            if (inSnapshot != null && inSnapshot.lastResult().get("training_iteration") instanceof Number n) {
                assertTrue(rows.size() >= n.longValue(), t.trialId() + ": rows flushed before the snapshot are on disk: " + where);
            }
            if (terminatedAt.containsKey(t.trialId())) {
                assertEquals(TrialStatus.TERMINATED, t.status(), where);
                assertEquals(StoreWriterMain.ITERATIONS, rows.size(), "rows of a closed trial precede its ending: " + where);
            } else {
                assertTrue(t.status() == TrialStatus.RUNNING || t.status() == TrialStatus.PENDING, t + " " + where);
            }
        }

        Map<String, Optional<ResultRow>> newest = new HashMap<>();
        for (TrialSnapshot t : rec.snapshot().trials()) newest.put(t.trialId(), ExperimentReader.newestCheckpoint(dir.resolve(t.trialId())));
        List<ExperimentRestore.TrialState> resumed = ExperimentRestore.load(dir).trials();
        assertEquals(rec.snapshot().trials().size() - rec.createdAfterSnapshot().size(), resumed.size(), where);
        for (ExperimentRestore.TrialState r : resumed) {
            if (r.status().isFinished()) continue;
            Optional<ResultRow> n = newest.get(r.id());
            assertEquals(n.map(ResultRow::checkpoint).orElse(null), r.checkpoint(),
                    r.id() + " resumes from its newest checkpoint on disk: " + where);
            long keep = n.map(ResultRow::iteration).orElse(0L);
            assertEquals(keep, ExperimentReader.results(dir.resolve(r.id())).size(), r.id() + " cut back to its checkpoint: " + where);
        }

        FileExperimentStore again = new FileExperimentStore(dir);
        try {
            TrialSnapshot any = rec.snapshot().trials().getFirst();
            assertTrue(rec.snapshot().trials().size() > 3, "the writer got past its first trials: " + where);
            again.journal(new JournalEntry(rec.snapshot().journalSeq() + 1, 0, JournalEntry.Event.CONFIG, any));
        } finally {
            again.close();
        }
        assertNull(again.failure());
        List<JournalEntry> after = ExperimentReader.journal(dir);
        assertEquals(rec.snapshot().journalSeq() + 1, after.getLast().seq(), "a new store appends on a line of its own: " + where);
    }
}
