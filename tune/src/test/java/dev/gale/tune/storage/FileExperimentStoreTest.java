package dev.gale.tune.storage;

import dev.gale.tune.ResultGrid;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.internal.CheckpointTransfer;
import dev.gale.tune.storage.internal.FileExperimentStore;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link FileExperimentStore} passes the store contract, and what only files do: buffering, torn lines, old formats. */
class FileExperimentStoreTest extends ExperimentStoreContract {
    @Override
    protected ExperimentStore create(Path dir) {
        return new FileExperimentStore(dir, Duration.ofSeconds(30));
    }

    @Override
    protected ExperimentStore createAgain(ExperimentStore closed) {
        return new FileExperimentStore(closed.dir(), Duration.ofSeconds(30));
    }

    /** A directory where the snapshot's temp file would go: writing it fails as a full disk would. */
    @Override
    protected void breakNextSnapshot(ExperimentStore store) throws IOException {
        Files.createDirectories(store.dir().resolve(ExperimentLayout.STATE_FILE + ".tmp").resolve("blocker"));
    }

    @Override
    protected void repair(ExperimentStore store) throws IOException {
        CheckpointTransfer.deleteTree(store.dir().resolve(ExperimentLayout.STATE_FILE + ".tmp"));
    }

    @Override
    protected void assertNoTempFile(ExperimentStore s) throws IOException {
        try (var w = Files.walk(s.dir())) {
            List<Path> tmpFiles = w.filter(p -> p.getFileName().toString().endsWith(".tmp") && Files.isRegularFile(p)).toList();
            assertEquals(List.of(), tmpFiles, "no temp file left behind");
        }
    }

    private static List<String> lines(Path p) throws IOException {
        return Files.exists(p) ? Files.readAllLines(p, StandardCharsets.UTF_8) : List.of();
    }

    @Test
    void rowsWaitInTheirTrialsBufferUntilAFlushAndArePlainJsonAndCsv() throws Exception {
        ExperimentStore s = open();
        s.trialConfig("trial_00001", Map.of("x", 1));
        s.result("trial_00001", row("trial_00001", 1, null));
        barrier(s);
        Path td = s.trialDir("trial_00001");
        assertFalse(Files.exists(td.resolve(ExperimentLayout.RESULT_FILE)), "buffered");
        // a row that names a checkpoint is written at once, with the rows before it
        s.result("trial_00001", row("trial_00001", 2, "checkpoint_000002"));
        barrier(s);
        assertEquals(2, lines(td.resolve(ExperimentLayout.RESULT_FILE)).size(), "written with its checkpoint");
        s.flush();
        barrier(s);
        List<String> jsonl = lines(td.resolve(ExperimentLayout.RESULT_FILE));
        assertEquals(2, jsonl.size());
        assertTrue(jsonl.get(0).startsWith("{\"loss\":1.0,\"tag\":\"t1\""), jsonl.get(0));
        assertTrue(jsonl.get(1).contains("\"training_iteration\":2") && jsonl.get(1).endsWith(",\"trial_id\":\"trial_00001\",\"checkpoint\":\"checkpoint_000002\"}"),
                jsonl.get(1));
        List<String> csv = lines(td.resolve(ExperimentLayout.PROGRESS_FILE));
        assertEquals("loss,tag,ok,per_class,nested,training_iteration,time_total_s,timestamp,trial_id", csv.get(0),
                "columns of the first row");
        assertEquals("1.0,t1,false,\"[0.5,0.25]\",\"{\"\"a\"\":1,\"\"b\"\":[\"\"x\"\",\"\"y\"\"]}\",1,0.5,1700000000001,trial_00001",
                csv.get(1));
        assertEquals(3, csv.size());
        Map<String, Object> params = ExperimentReader.params(td);
        assertEquals(Map.of("x", 1), params);
    }

    @Test
    void aTrialsBufferIsWrittenPast64KiBWithoutAFlush() throws Exception {
        ExperimentStore s = open();
        s.trialConfig("trial_00001", Map.of());
        int n = 0;
        while (n < 2000) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("blob", "x".repeat(200));
            s.result("trial_00001", new ResultRow("trial_00001", ++n, 0, 0, m, null));
        }
        barrier(s);
        int written = lines(s.trialDir("trial_00001").resolve(ExperimentLayout.RESULT_FILE)).size();
        assertTrue(written > 0 && written < n, "written in 64 KiB blocks: " + written + " of " + n);
        s.close();
        assertEquals(n, lines(s.trialDir("trial_00001").resolve(ExperimentLayout.RESULT_FILE)).size());
    }

    @Test
    void aLineTornByACrashIsSkippedAndTheNextRunWritesOnANewLine() throws Exception {
        ExperimentStore s = open();
        s.trialConfig("trial_00001", Map.of());
        s.journal(entry(1, JournalEntry.Event.CREATED, trial("trial_00001", TrialStatus.PENDING, 0)));
        s.result("trial_00001", row("trial_00001", 1, null));
        s.close();
        // the driver was killed while it appended: half a line at the end of each file
        Path journal = s.dir().resolve(ExperimentLayout.JOURNAL_FILE);
        Path results = s.trialDir("trial_00001").resolve(ExperimentLayout.RESULT_FILE);
        Path csv = s.trialDir("trial_00001").resolve(ExperimentLayout.PROGRESS_FILE);
        Files.writeString(journal, "{\"seq\":2,\"time\":5,\"event\":\"STAR", StandardOpenOption.APPEND);
        byte[] half = "{\"loss\":0.5,\"tag\":\"\u00e9".getBytes(StandardCharsets.UTF_8);
        Files.write(results, java.util.Arrays.copyOf(half, half.length - 1), StandardOpenOption.APPEND); // cut inside a character
        Files.writeString(csv, "0.5,t2,tr", StandardOpenOption.APPEND);

        assertEquals(TrialStatus.PENDING, ExperimentReader.read(s.dir()).snapshot().trial("trial_00001").status(),
                "the torn entry did not happen");
        assertEquals(1, ExperimentReader.results(s.trialDir("trial_00001")).size());

        ExperimentStore again = reopen(s);
        again.journal(entry(2, JournalEntry.Event.STARTED, trial("trial_00001", TrialStatus.RUNNING, 0)));
        again.result("trial_00001", row("trial_00001", 2, null));
        again.close();
        assertNull(again.failure());
        assertEquals(TrialStatus.RUNNING, ExperimentReader.read(s.dir()).snapshot().trial("trial_00001").status(),
                "the new entry is not glued to the torn one");
        assertEquals(List.of(1L, 2L), ExperimentReader.results(s.trialDir("trial_00001")).stream().map(ResultRow::iteration).toList());
        List<String> csvLines = lines(csv);
        assertEquals("0.5,t2,tr", csvLines.get(2), "the torn CSV row stays a line of its own");
        assertTrue(csvLines.get(3).startsWith("0.5,t2,true,"), csvLines.get(3));
    }

    @Test
    void aStaleSnapshotTempFileOfAKilledDriverIsRemovedWhenAStoreOpens() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("stale"));
        Files.writeString(dir.resolve(ExperimentLayout.STATE_FILE + ".tmp"), "{\"version\":2,\"na");
        ExperimentStore s = create(dir);
        try {
            assertFalse(Files.exists(dir.resolve(ExperimentLayout.STATE_FILE + ".tmp")));
        } finally {
            s.close();
        }
    }

    @Test
    void progressCsvKeepsTheColumnsOfItsHeaderInALaterRun() throws Exception {
        ExperimentStore s = open();
        s.trialConfig("trial_00001", Map.of());
        s.result("trial_00001", new ResultRow("trial_00001", 1, 0, 0, new LinkedHashMap<>(Map.of("a", 1)), null));
        s.close();
        ExperimentStore again = reopen(s);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", 2);
        m.put("a", 3);
        again.result("trial_00001", new ResultRow("trial_00001", 2, 0, 0, m, null));
        again.close();
        List<String> csv = lines(s.trialDir("trial_00001").resolve(ExperimentLayout.PROGRESS_FILE));
        assertEquals(List.of("a,training_iteration,time_total_s,timestamp,trial_id", "1,1,0.0,0,trial_00001",
                "3,2,0.0,0,trial_00001"), csv);
    }

    /** A directory written before sequence numbers: snapshot version 1, journal lines that record endings only. */
    @Test
    void aDirectoryOfTheOldFormatReadsAsBefore() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("old"));
        Files.writeString(dir.resolve(ExperimentLayout.STATE_FILE), """
                {"version":1,"name":"old","metric":"loss","mode":"MIN","num_samples":3,"finished":false,"elapsed_s":4.0,
                 "searcher":{"name":"random","state":{"n":3}},"scheduler":{"name":"fifo","state":null},
                 "trials":[
                  {"trial_id":"trial_00001","status":"TERMINATED","config":{"x":1},"attempts":1,"failures":0,
                   "last_result":{"loss":0.5,"training_iteration":2},"best_result":{},"checkpoint":null,"checkpoint_result":{},"error":null},
                  {"trial_id":"trial_00002","status":"RUNNING","config":{"x":2},"attempts":2,"failures":1,
                   "last_result":{"loss":0.7,"training_iteration":1},"best_result":{},"checkpoint":"checkpoint_000001",
                   "checkpoint_result":{"loss":0.7,"training_iteration":1},"error":"first try"},
                  {"trial_id":"trial_00003","status":"RUNNING","config":{"x":3},"attempts":1,"failures":0,
                   "last_result":{},"best_result":{},"checkpoint":null,"checkpoint_result":{},"error":null}]}
                """);
        Files.writeString(dir.resolve(ExperimentLayout.JOURNAL_FILE), String.join("\n",
                "{\"trial_id\":\"trial_00001\",\"status\":\"TERMINATED\",\"config\":{\"x\":1},\"last_result\":{},\"best_result\":{},\"checkpoint\":null,\"error\":null}",
                "{\"trial_id\":\"trial_00002\",\"status\":\"ERROR\",\"config\":{\"x\":2},\"last_result\":{\"loss\":0.6,\"training_iteration\":3},"
                        + "\"best_result\":{\"loss\":0.6,\"training_iteration\":3},\"checkpoint\":\"checkpoint_000003\",\"error\":\"boom\"}",
                "{\"trial_id\":\"trial_00004\",\"status\":\"TERMINATED\",\"config\":{\"x\":4},\"last_result\":{},\"best_result\":{},\"checkpoint\":null,\"error\":null}",
                "") );
        for (String id : List.of("trial_00001", "trial_00002", "trial_00003", "trial_00004")) {
            Files.createDirectories(dir.resolve(id));
            Files.writeString(dir.resolve(id).resolve(ExperimentLayout.PARAMS_FILE), "{\"x\":" + id.charAt(10) + "}");
        }
        ExperimentRecord r = ExperimentReader.read(dir);
        ExperimentSnapshot st = r.snapshot();
        assertEquals(1, st.version());
        assertEquals(0, st.journalSeq());
        assertEquals(TrialStatus.TERMINATED, st.trial("trial_00001").status(), "an ending over an ended trial changes nothing");
        assertEquals(Map.of("loss", 0.5, "training_iteration", 2), st.trial("trial_00001").lastResult());
        TrialSnapshot two = st.trial("trial_00002");
        assertEquals(TrialStatus.ERROR, two.status(), "an old ending applies over a snapshot that says running");
        assertEquals("boom", two.error());
        assertEquals("checkpoint_000003", two.checkpoint());
        assertEquals(2, two.attempts(), "attempts and failures stay the snapshot's");
        assertEquals(1, two.failures());
        assertEquals(TrialStatus.RUNNING, st.trial("trial_00003").status());
        assertEquals(TrialStatus.TERMINATED, st.trial("trial_00004").status(), "ended after the snapshot, created after it too");
        assertEquals(List.of("trial_00004"), r.createdAfterSnapshot());
        assertEquals(List.of("trial_00002", "trial_00004"), r.endedAfterSnapshot());
        assertEquals(List.of("trial_00001", "trial_00002", "trial_00003", "trial_00004"),
                ResultGrid.load(dir).trials().stream().map(t -> t.trialId()).toList());
        assertEquals(TrialStatus.RUNNING, ResultGrid.load(dir).trial("trial_00003").orElseThrow().status());
    }

    @Test
    void aDirectoryWithoutSnapshotReadsFromTheJournalAndTheTrialDirectories() throws Exception {
        ExperimentStore s = open();
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            String id = String.format("trial_%05d", i);
            ids.add(id);
            s.trialConfig(id, Map.of("x", i));
        }
        s.journal(entry(1, JournalEntry.Event.TERMINATED, trial("trial_00002", TrialStatus.TERMINATED, 1)));
        s.result("trial_00003", row("trial_00003", 1, null));
        s.close();
        ExperimentRecord r = ExperimentReader.read(s.dir());
        assertFalse(r.hasSnapshot());
        assertEquals(ids, r.snapshot().trials().stream().map(TrialSnapshot::trialId).toList());
        assertEquals(List.of(TrialStatus.PENDING, TrialStatus.TERMINATED, TrialStatus.RUNNING),
                r.snapshot().trials().stream().map(TrialSnapshot::status).toList());
        assertEquals(ids, r.createdAfterSnapshot());
        assertEquals(1, r.snapshot().journalSeq());
    }
}
