package dev.gale.tune.storage;

import dev.gale.tune.Mode;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.internal.CheckpointTransfer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract of {@link ExperimentStore}: one test per durability rule of its Javadoc, round trips
 * of every record, and the reading rules of {@link ExperimentRecord}. Every store implementation
 * extends this class (as Optuna runs one storage test suite against every backend).
 */
public abstract class ExperimentStoreContract {
    @TempDir
    protected Path tmp;

    private final List<ExperimentStore> opened = new ArrayList<>();

    /** A new store over {@code dir}. */
    protected abstract ExperimentStore create(Path dir);

    /** A new store with what {@code closed} recorded (closed already), as a restarted driver would open it. */
    protected abstract ExperimentStore createAgain(ExperimentStore closed);

    /** Makes the next snapshot {@code store} writes fail as a full disk would. */
    protected abstract void breakNextSnapshot(ExperimentStore store) throws IOException;

    /** Undoes {@link #breakNextSnapshot} (space was freed). */
    protected abstract void repair(ExperimentStore store) throws IOException;

    protected final ExperimentStore open() {
        return track(create(tmp.resolve("exp")));
    }

    protected final ExperimentStore reopen(ExperimentStore closed) {
        return track(createAgain(closed));
    }

    private ExperimentStore track(ExperimentStore s) {
        opened.add(s);
        return s;
    }

    @AfterEach
    void closeAll() {
        for (ExperimentStore s : opened) s.close();
    }

    // ------------------------------------------------------------------ helpers

    /** Waits until everything queued so far is written; returns the failure so far. */
    protected static IOException barrier(ExperimentStore s) throws Exception {
        CompletableFuture<IOException> f = new CompletableFuture<>();
        s.afterQueued(e -> f.complete(e));
        return f.get(30, TimeUnit.SECONDS);
    }

    protected static Map<String, Object> result(long iteration, double loss) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", loss);
        m.put("training_iteration", (int) iteration); // as JSON reads it back
        m.put("time_total_s", iteration * 0.5);
        m.put("timestamp", 1_700_000_000_000L + iteration);
        return m;
    }

    protected static TrialSnapshot trial(String id, TrialStatus status, long iteration) {
        Map<String, Object> last = iteration == 0 ? Map.of() : result(iteration, 1.0 / iteration);
        return new TrialSnapshot(id, status, Map.of("x", 0.25, "model", Map.of("layers", 2)), 1, 0, last, last,
                iteration == 0 ? null : String.format("checkpoint_%06d", iteration), last,
                status == TrialStatus.ERROR ? "boom" : null);
    }

    protected static ExperimentSnapshot snapshot(long journalSeq, boolean finished, TrialSnapshot... trials) {
        Map<String, Object> launch = new LinkedHashMap<>();
        launch.put("gale_tune_args", List.of("--class", "X", "-n", "4"));
        launch.put("study_run", 2);
        return new ExperimentSnapshot(ExperimentSnapshot.VERSION, "exp", "loss", Mode.MIN, 4, 7L, finished, 12.5,
                finished ? null : "stopped for the test", launch,
                new ComponentState("tpe", Map.of("n", 3, "history", List.of(1.5, 2.5), "nested", Map.of("a", "b"))),
                new ComponentState("asha", List.of(Map.of("rung", 1))), journalSeq, Arrays.asList(trials));
    }

    protected static JournalEntry entry(long seq, JournalEntry.Event event, TrialSnapshot t) {
        return new JournalEntry(seq, 1_700_000_000_000L + seq, event, t);
    }

    protected static ResultRow row(String trialId, long iteration, String checkpoint) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("loss", 1.0 / iteration);
        metrics.put("tag", "t" + iteration);
        metrics.put("ok", iteration % 2 == 0);
        metrics.put("per_class", List.of(0.5, 0.25));
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("a", 1);
        nested.put("b", List.of("x", "y"));
        metrics.put("nested", nested);
        return new ResultRow(trialId, iteration, iteration * 0.5, 1_700_000_000_000L + iteration, metrics, checkpoint);
    }

    private static List<Long> iterations(List<ResultRow> rows) {
        return rows.stream().map(ResultRow::iteration).toList();
    }

    // ------------------------------------------------------------------ rule 1: order

    @Test
    void rule1_everythingIsWrittenInCallOrder() throws Exception {
        ExperimentStore s = open();
        s.trialConfig("trial_00001", Map.of("x", 1));
        s.journal(entry(1, JournalEntry.Event.CREATED, trial("trial_00001", TrialStatus.PENDING, 0)));
        AtomicReference<ExperimentRecord> seen = new AtomicReference<>();
        AtomicReference<List<ResultRow>> rowsSeen = new AtomicReference<>();
        s.result("trial_00001", row("trial_00001", 1, null));
        s.trialClosed("trial_00001");
        s.afterQueued(e -> {
            seen.set(s.load());
            rowsSeen.set(s.results("trial_00001"));
        });
        s.journal(entry(2, JournalEntry.Event.STARTED, trial("trial_00001", TrialStatus.RUNNING, 0)));
        s.result("trial_00001", row("trial_00001", 2, null));
        s.flush();
        barrier(s);
        assertEquals(TrialStatus.PENDING, seen.get().snapshot().trial("trial_00001").status(),
                "at the barrier the entry queued before it is written and the one queued after it is not");
        assertEquals(List.of(1L), iterations(rowsSeen.get()));
        assertEquals(TrialStatus.RUNNING, s.load().snapshot().trial("trial_00001").status());
        assertEquals(List.of(1L, 2L), iterations(s.results("trial_00001")));
    }

    @Test
    void rule1_journalEntriesAfterTheSnapshotAreAppliedNewestPerTrialWins() throws Exception {
        ExperimentStore s = open();
        s.trialConfig("trial_00001", Map.of("x", 1));
        s.journal(entry(1, JournalEntry.Event.CREATED, trial("trial_00001", TrialStatus.PENDING, 0)));
        s.journal(entry(2, JournalEntry.Event.STARTED, trial("trial_00001", TrialStatus.RUNNING, 0)));
        s.snapshot(() -> snapshot(2, false, trial("trial_00001", TrialStatus.RUNNING, 0)), true);
        s.journal(entry(3, JournalEntry.Event.CREATED, trial("trial_00002", TrialStatus.PENDING, 0)));
        s.journal(entry(4, JournalEntry.Event.STARTED, trial("trial_00002", TrialStatus.RUNNING, 0)));
        s.journal(entry(5, JournalEntry.Event.TERMINATED, trial("trial_00001", TrialStatus.TERMINATED, 4)));
        s.journal(entry(6, JournalEntry.Event.INTERRUPTED, trial("trial_00002", TrialStatus.INTERRUPTED, 3)));
        barrier(s);
        ExperimentRecord r = s.load();
        assertTrue(r.hasSnapshot());
        assertEquals(6, r.snapshot().journalSeq(), "the newest sequence number recorded");
        assertEquals(List.of("trial_00001", "trial_00002"), r.snapshot().trials().stream().map(TrialSnapshot::trialId).toList());
        assertEquals(trial("trial_00001", TrialStatus.TERMINATED, 4), r.snapshot().trial("trial_00001"));
        assertEquals(trial("trial_00002", TrialStatus.INTERRUPTED, 3), r.snapshot().trial("trial_00002"));
        assertEquals(List.of("trial_00002"), r.createdAfterSnapshot());
        assertEquals(List.of("trial_00001"), r.endedAfterSnapshot());
        assertEquals("tpe", r.snapshot().searcher().name(), "the rest of the snapshot is kept");
    }

    @Test
    void rule1_entriesTheSnapshotIncludesAreNotAppliedAgain() throws Exception {
        ExperimentStore s = open();
        s.trialConfig("trial_00001", Map.of("x", 1));
        // entry 2 says PAUSED, but the snapshot (which includes entries up to 2) says RUNNING: the snapshot is newer
        s.journal(entry(1, JournalEntry.Event.CREATED, trial("trial_00001", TrialStatus.PENDING, 0)));
        s.journal(entry(2, JournalEntry.Event.PAUSED, trial("trial_00001", TrialStatus.PAUSED, 2)));
        s.snapshot(() -> snapshot(2, false, trial("trial_00001", TrialStatus.RUNNING, 5)), true);
        barrier(s);
        ExperimentRecord r = s.load();
        assertEquals(trial("trial_00001", TrialStatus.RUNNING, 5), r.snapshot().trial("trial_00001"));
        assertEquals(List.of(), r.createdAfterSnapshot());
        assertEquals(List.of(), r.endedAfterSnapshot());
        assertEquals(2, r.snapshot().journalSeq());
    }

    // ------------------------------------------------------------------ rule 2: config first, rewritten

    @Test
    void rule2_aTrialsConfigIsItsFirstRecordAndIsRewritten() throws Exception {
        ExperimentStore s = open();
        s.trialConfig("trial_00001", Map.of("x", 1, "model", Map.of("depth", 3)));
        barrier(s);
        ExperimentRecord r = s.load();
        TrialSnapshot t = r.snapshot().trial("trial_00001");
        assertNotNull(t, "a trial with only its config is recorded");
        assertEquals(TrialStatus.PENDING, t.status(), "nothing says it ran, let alone ended");
        assertEquals(Map.of("x", 1, "model", Map.of("depth", 3)), t.config());
        assertFalse(r.hasSnapshot());
        assertEquals(List.of("trial_00001"), r.createdAfterSnapshot());

        s.trialConfig("trial_00001", Map.of("x", 2, "lr", 0.5));
        barrier(s);
        assertEquals(Map.of("x", 2, "lr", 0.5), s.load().snapshot().trial("trial_00001").config());
    }

    @Test
    void rule2_aConfigJsonCannotCarryIsRefusedAtOnceAndNothingIsRecorded() throws Exception {
        ExperimentStore s = open();
        Map<String, Object> bad = new LinkedHashMap<>();
        bad.put("handle", new Object());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.trialConfig("trial_00001", bad));
        assertTrue(e.getMessage().contains("trial_00001"), e.getMessage());
        assertNull(barrier(s), "a refused config is no storage failure");
        assertThrows(IllegalArgumentException.class, s::load, "nothing was recorded");
    }

    @Test
    void aTrialKnownOnlyFromItsFilesIsNeverTerminated() throws Exception {
        ExperimentStore s = open();
        s.snapshot(() -> snapshot(0, false), true);
        s.trialConfig("trial_00001", Map.of("x", 1));
        s.result("trial_00001", row("trial_00001", 1, null));
        s.result("trial_00001", row("trial_00001", 2, "checkpoint_000002"));
        s.trialError("trial_00001", 0, "java.lang.IllegalStateException: first try\n\tat X");
        s.trialConfig("trial_00002", Map.of("x", 2));
        s.flush();
        barrier(s);
        ExperimentRecord r = s.load();
        TrialSnapshot one = r.snapshot().trial("trial_00001");
        assertEquals(TrialStatus.RUNNING, one.status(), "it reported results, nothing says it ended");
        assertEquals(2L, ((Number) one.lastResult().get("training_iteration")).longValue());
        assertEquals(1.0 / 2, ((Number) one.bestResult().get("loss")).doubleValue(), "best by the snapshot's metric (loss, MIN)");
        assertEquals("checkpoint_000002", one.checkpoint());
        assertEquals("java.lang.IllegalStateException: first try", one.error());
        assertEquals(TrialStatus.PENDING, r.snapshot().trial("trial_00002").status());
        assertEquals(List.of("trial_00001", "trial_00002"), r.createdAfterSnapshot());
    }

    // ------------------------------------------------------------------ rule 3: journal and errors unbuffered

    @Test
    void rule3_journalEntriesAndErrorsAreWrittenWithoutAFlush() throws Exception {
        ExperimentStore s = open();
        s.trialConfig("trial_00001", Map.of());
        s.journal(entry(1, JournalEntry.Event.CREATED, trial("trial_00001", TrialStatus.PENDING, 0)));
        s.trialError("trial_00001", 0, "java.lang.RuntimeException: boom\n\tat A.b(A.java:1)\n");
        s.trialError("trial_00001", 1, "java.lang.RuntimeException: again");
        barrier(s);
        assertEquals(TrialStatus.PENDING, s.load().snapshot().trial("trial_00001").status());
        assertEquals("=== attempt 0 ===\njava.lang.RuntimeException: boom\n\tat A.b(A.java:1)\n"
                + "=== attempt 1 ===\njava.lang.RuntimeException: again\n", s.errorText("trial_00001"));
        assertEquals("", s.errorText("trial_00009"));
    }

    // ------------------------------------------------------------------ rule 4: rows buffered, written at flush/close

    @Test
    void rule4_rowsAreWrittenAtFlushAtTrialClosedAndAtClose() throws Exception {
        ExperimentStore s = open();
        s.trialConfig("trial_00001", Map.of());
        s.trialConfig("trial_00002", Map.of());
        for (int i = 1; i <= 3; i++) s.result("trial_00001", row("trial_00001", i, null));
        s.flush();
        barrier(s);
        assertEquals(List.of(1L, 2L, 3L), iterations(s.results("trial_00001")), "written at flush");
        s.result("trial_00001", row("trial_00001", 4, null));
        s.trialClosed("trial_00001");
        barrier(s);
        assertEquals(List.of(1L, 2L, 3L, 4L), iterations(s.results("trial_00001")), "written when the trial's attempt ended");
        s.result("trial_00002", row("trial_00002", 1, null));
        s.result("trial_00001", row("trial_00001", 5, null));
        s.close();
        ExperimentStore again = reopen(s);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), iterations(again.results("trial_00001")), "written at close");
        assertEquals(List.of(1L), iterations(again.results("trial_00002")));
        assertEquals(row("trial_00001", 5, null), again.results("trial_00001").getLast(), "a row reads back whole");
    }

    // ------------------------------------------------------------------ rule 5: snapshots atomic

    @Test
    void rule5_aSnapshotReplacesThePreviousOne() throws Exception {
        ExperimentStore s = open();
        assertTrue(s.snapshot(() -> snapshot(0, false, trial("trial_00001", TrialStatus.RUNNING, 1)), true));
        barrier(s);
        assertEquals(TrialStatus.RUNNING, s.load().snapshot().trial("trial_00001").status());
        assertTrue(s.snapshot(() -> snapshot(0, true, trial("trial_00001", TrialStatus.TERMINATED, 3)), false));
        barrier(s);
        ExperimentRecord r = s.load();
        assertEquals(TrialStatus.TERMINATED, r.snapshot().trial("trial_00001").status());
        assertTrue(r.finished());
    }

    @Test
    void rule5_aSnapshotThatCannotBeWrittenLeavesThePreviousOne() throws Exception {
        ExperimentStore s = open();
        ExperimentSnapshot first = snapshot(0, false, trial("trial_00001", TrialStatus.RUNNING, 1));
        s.snapshot(() -> first, true);
        assertNull(barrier(s));
        breakNextSnapshot(s);
        s.snapshot(() -> snapshot(0, true, trial("trial_00001", TrialStatus.TERMINATED, 3)), true);
        assertNotNull(barrier(s), "the failed snapshot is the store's failure");
        assertEquals(first, s.load().snapshot(), "the previous snapshot is intact");
        assertNoTempFile(s);
    }

    /** Stores with files check that no temp file is left (a no-op for others). */
    protected void assertNoTempFile(ExperimentStore s) throws IOException {
    }

    @Test
    void rule5_snapshotsAreSkippedWhileOneIsBeingWrittenButForcedOnesAreNot() throws Exception {
        ExperimentStore s = open();
        CountDownLatch release = new CountDownLatch(1);
        s.afterQueued(e -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        });
        AtomicInteger asked = new AtomicInteger();
        assertTrue(s.snapshot(() -> {
            asked.incrementAndGet();
            return snapshot(0, false, trial("trial_00001", TrialStatus.PENDING, 0));
        }, false));
        assertFalse(s.snapshot(() -> {
            asked.incrementAndGet();
            return snapshot(0, false, trial("trial_00001", TrialStatus.RUNNING, 1));
        }, false), "skipped: the previous one is not written yet");
        assertEquals(1, asked.get(), "a skipped snapshot's state is not even built");
        assertTrue(s.snapshot(() -> snapshot(0, true, trial("trial_00001", TrialStatus.TERMINATED, 2)), true));
        release.countDown();
        barrier(s);
        assertEquals(TrialStatus.TERMINATED, s.load().snapshot().trial("trial_00001").status());
        assertTrue(s.snapshot(() -> snapshot(0, true, trial("trial_00001", TrialStatus.TERMINATED, 2)), false),
                "once written, the next periodic snapshot is taken again");
    }

    @Test
    void snapshotNowIsWrittenBeforeItReturns() {
        ExperimentStore s = open();
        ExperimentSnapshot first = snapshot(0, false);
        s.snapshotNow(first);
        assertEquals(first, s.load().snapshot());
    }

    @Test
    void snapshotNowOnAStoreThatCannotWriteFailsNamingTheDirectory() throws Exception {
        ExperimentStore s = open();
        breakNextSnapshot(s);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.snapshotNow(snapshot(0, false)));
        assertTrue(e.getMessage().contains(s.dir().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("free space"), e.getMessage());
        assertNotNull(s.failure());
    }

    // ------------------------------------------------------------------ rule 6: first failure, nothing more written

    @Test
    void rule6_afterTheFirstFailureNothingMoreIsWrittenAndWhatWasWrittenStaysReadable() throws Exception {
        ExperimentStore s = open();
        s.trialConfig("trial_00001", Map.of("x", 1));
        s.journal(entry(1, JournalEntry.Event.CREATED, trial("trial_00001", TrialStatus.PENDING, 0)));
        s.result("trial_00001", row("trial_00001", 1, null));
        s.flush();
        ExperimentSnapshot good = snapshot(1, false, trial("trial_00001", TrialStatus.PENDING, 0));
        s.snapshot(() -> good, true);
        assertNull(barrier(s));

        breakNextSnapshot(s);
        s.snapshot(() -> snapshot(1, false, trial("trial_00001", TrialStatus.RUNNING, 1)), true);
        s.journal(entry(2, JournalEntry.Event.STARTED, trial("trial_00001", TrialStatus.RUNNING, 0)));
        s.result("trial_00001", row("trial_00001", 2, null));
        s.trialError("trial_00001", 0, "lost");
        s.trialConfig("trial_00002", Map.of("x", 2));
        s.flush();
        IOException failure = barrier(s);
        assertNotNull(failure);
        assertSame(failure, s.failure(), "the first failure is kept");

        ExperimentRecord r = s.load();
        assertEquals(good.withTrials(good.trials(), 1), r.snapshot(), "what was written before stays: snapshot and journal");
        assertEquals(List.of(1L), iterations(s.results("trial_00001")), "no row after the failure");
        assertEquals("", s.errorText("trial_00001"));
        assertNull(r.snapshot().trial("trial_00002"), "no trial created after the failure");
        assertThrows(IllegalStateException.class, () -> s.snapshotNow(good));
        s.close();
        assertSame(failure, s.failure());

        repair(s);
        ExperimentStore again = reopen(s);
        again.journal(entry(2, JournalEntry.Event.STARTED, trial("trial_00001", TrialStatus.RUNNING, 0)));
        again.result("trial_00001", row("trial_00001", 2, null));
        again.flush();
        assertNull(barrier(again), "a store opened again after space was freed writes");
        assertEquals(TrialStatus.RUNNING, again.load().snapshot().trial("trial_00001").status());
        assertEquals(List.of(1L, 2L), iterations(again.results("trial_00001")));
    }

    // ------------------------------------------------------------------ round trips

    @Test
    void everyRecordRoundTripsThroughCloseAndReopen() throws Exception {
        ExperimentStore s = open();
        TrialStatus[] statuses = TrialStatus.values();
        List<TrialSnapshot> trials = new ArrayList<>();
        for (int i = 0; i < statuses.length; i++) {
            String id = String.format("trial_%05d", i + 1);
            s.trialConfig(id, trial(id, statuses[i], i).config());
            trials.add(trial(id, statuses[i], i));
        }
        ExperimentSnapshot snap = snapshot(0, false, trials.toArray(TrialSnapshot[]::new));
        s.snapshot(() -> snap, true);
        long seq = 0;
        List<TrialSnapshot> expected = new ArrayList<>(trials);
        for (JournalEntry.Event ev : JournalEntry.Event.values()) {
            TrialSnapshot t = new TrialSnapshot("trial_00001", TrialStatus.RUNNING, Map.of("event", ev.name(), "n", (int) seq),
                    (int) seq + 1, (int) seq, result(seq + 1, 0.5), result(seq + 1, 0.25), "checkpoint_000001",
                    result(1, 0.75), "error " + ev);
            s.journal(entry(++seq, ev, t));
            expected.set(0, t);
        }
        for (int i = 1; i <= 3; i++) s.result("trial_00002", row("trial_00002", i, i == 2 ? "checkpoint_000002" : null));
        s.trialError("trial_00005", 0, "trace one");
        s.trialError("trial_00005", 1, "trace two\n");
        s.close();
        assertNull(s.failure());

        ExperimentStore again = reopen(s);
        ExperimentRecord r = again.load();
        assertEquals(snap.withTrials(expected, seq), r.snapshot());
        assertTrue(r.hasSnapshot());
        assertEquals(List.of(), r.createdAfterSnapshot());
        assertEquals(List.of(row("trial_00002", 1, null), row("trial_00002", 2, "checkpoint_000002"), row("trial_00002", 3, null)),
                again.results("trial_00002"));
        assertEquals("=== attempt 0 ===\ntrace one\n=== attempt 1 ===\ntrace two\n", again.errorText("trial_00005"));
        assertEquals(List.of(), again.results("trial_00001"));
    }

    @Test
    void aStoreOpenedAgainContinuesTheRecord() throws Exception {
        ExperimentStore s = open();
        s.trialConfig("trial_00001", Map.of());
        s.journal(entry(1, JournalEntry.Event.CREATED, trial("trial_00001", TrialStatus.PENDING, 0)));
        s.snapshot(() -> snapshot(1, false, trial("trial_00001", TrialStatus.PENDING, 0)), true);
        s.journal(entry(2, JournalEntry.Event.STARTED, trial("trial_00001", TrialStatus.RUNNING, 0)));
        s.result("trial_00001", row("trial_00001", 1, null));
        s.close();
        ExperimentStore again = reopen(s);
        assertEquals(2, again.load().snapshot().journalSeq());
        again.journal(entry(3, JournalEntry.Event.TERMINATED, trial("trial_00001", TrialStatus.TERMINATED, 2)));
        again.result("trial_00001", row("trial_00001", 2, null));
        again.trialClosed("trial_00001");
        barrier(again);
        ExperimentRecord r = again.load();
        assertEquals(TrialStatus.TERMINATED, r.snapshot().trial("trial_00001").status());
        assertEquals(3, r.snapshot().journalSeq());
        assertEquals(List.of(1L, 2L), iterations(again.results("trial_00001")));
    }

    @Test
    void checkpointsArriveInChunksAndReadBackInChunks() throws Exception {
        ExperimentStore s = open();
        Path src = Files.createDirectories(tmp.resolve("src").resolve("sub"));
        byte[] weights = new byte[CheckpointTransfer.CHUNK * 2 + 17];
        new java.util.Random(3).nextBytes(weights);
        Files.write(src.resolve("weights.bin"), weights);
        Files.writeString(src.getParent().resolve("meta.json"), "{\"step\": 4}");
        List<byte[]> chunks = CheckpointTransfer.chunks(CheckpointTransfer.zip(src.getParent()));
        assertTrue(chunks.size() > 1, "the test sends several chunks");
        s.trialConfig("trial_00001", Map.of());
        for (int i = 0; i < chunks.size(); i++) s.checkpointChunk("trial_00001", "checkpoint_000004", i, i == chunks.size() - 1, chunks.get(i));
        s.result("trial_00001", row("trial_00001", 4, "checkpoint_000004"));
        AtomicReference<Boolean> presentWithRow = new AtomicReference<>();
        s.flush();
        s.afterQueued(e -> presentWithRow.set(Files.isDirectory(s.trialDir("trial_00001").resolve("checkpoint_000004"))));
        barrier(s);
        assertTrue(presentWithRow.get(), "the checkpoint is complete before the row naming it");
        Path ck = s.trialDir("trial_00001").resolve("checkpoint_000004");
        assertArrayEquals(weights, Files.readAllBytes(ck.resolve("sub").resolve("weights.bin")));
        assertFalse(Files.exists(s.trialDir("trial_00001").resolve("checkpoint_000004.tmp")));

        ByteArrayOutputStream back = new ByteArrayOutputStream();
        CompletableFuture<String> done = new CompletableFuture<>();
        AtomicInteger expectSeq = new AtomicInteger();
        s.readCheckpoint(ck, new ExperimentStore.ChunkSink() {
            @Override
            public void chunk(int seq, boolean last, byte[] data) {
                if (seq != expectSeq.getAndIncrement()) done.complete("chunk " + seq + " out of order");
                back.writeBytes(data);
                if (last) done.complete("ok");
            }

            @Override
            public void failed(String error) {
                done.complete(error);
            }
        });
        assertEquals("ok", done.get(30, TimeUnit.SECONDS));
        Path copy = tmp.resolve("copy");
        CheckpointTransfer.unzip(back.toByteArray(), copy);
        assertArrayEquals(weights, Files.readAllBytes(copy.resolve("sub").resolve("weights.bin")));
        assertEquals("{\"step\": 4}", Files.readString(copy.resolve("meta.json"), StandardCharsets.UTF_8));

        CompletableFuture<String> missing = new CompletableFuture<>();
        s.readCheckpoint(s.trialDir("trial_00001").resolve("checkpoint_000099"), new ExperimentStore.ChunkSink() {
            @Override
            public void chunk(int seq, boolean last, byte[] data) {
                missing.complete("chunk");
            }

            @Override
            public void failed(String error) {
                missing.complete(error);
            }
        });
        assertTrue(missing.get(30, TimeUnit.SECONDS).contains("checkpoint_000099"));

        s.deleteCheckpoint("trial_00001", "checkpoint_000004");
        barrier(s);
        assertFalse(Files.exists(ck), "deleted");
        assertThrows(IllegalArgumentException.class, () -> s.deleteCheckpoint("trial_00001", "../trial_00002"));
        assertNull(s.failure());
    }

    // ------------------------------------------------------------------ lifecycle

    @Test
    void loadOfAnEmptyStoreSaysNothingIsRecorded() {
        ExperimentStore s = open();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, s::load);
        assertTrue(e.getMessage().contains(s.dir().toString()), e.getMessage());
    }

    @Test
    void writesAfterCloseAreRefusedAndCloseIsIdempotent() throws Exception {
        ExperimentStore s = open();
        s.trialConfig("trial_00001", Map.of());
        s.close();
        assertDoesNotThrow(s::close);
        assertThrows(IllegalStateException.class, () -> s.journal(entry(1, JournalEntry.Event.CREATED,
                trial("trial_00001", TrialStatus.PENDING, 0))));
        assertThrows(IllegalStateException.class, () -> s.snapshot(() -> snapshot(0, false), true));
        AtomicReference<String> ran = new AtomicReference<>();
        s.afterQueued(e -> ran.set("ran"));
        assertEquals("ran", ran.get(), "after close everything queued is written: a barrier runs at once");
        assertNull(s.failure());
    }
}
