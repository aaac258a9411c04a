package dev.gale.tune.storage.internal;

import dev.gale.tune.internal.CheckpointTransfer;

import dev.gale.tune.storage.ExperimentRecord;
import dev.gale.tune.storage.ExperimentSnapshot;
import dev.gale.tune.storage.ExperimentStore;
import dev.gale.tune.storage.JournalEntry;
import dev.gale.tune.storage.ResultRow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@link ExperimentStore} that keeps its records in memory: for unit tests of a controller and
 * for runs that need no resume after the JVM ends. Trial directories and checkpoints still live
 * on disk (trainables write files), under a temporary directory deleted on {@link #close()}, or
 * under a directory the caller gives (kept).
 *
 * <p>Promises: every record goes through JSON as in the experiment directory (so what {@link #load()}
 * returns equals what a {@code FileExperimentStore} would read back, and a value JSON cannot
 * carry fails the store the same way); rows are visible as soon as the writer thread has taken
 * them (earlier than the durability rules require); {@link #failFrom} makes the store fail as a
 * full disk would, for tests of what a controller does then. Reads may come from any thread.
 *
 * <p>{@link #lean()} makes a store for runs kept in memory (a {@code Study} without a storage
 * path): it keeps the records as given, without the JSON copy (configs are still checked for JSON
 * on the caller's thread, as every store does), and does not create trial directories ahead of
 * time (a checkpoint, or a trial's {@code TrialContext.trialDir()}, creates its own), so its
 * writer thread costs next to nothing per record.
 */
public final class MemoryExperimentStore extends AbstractExperimentStore {
    /** The records; guarded by itself. */
    private static final class Records {
        ExperimentSnapshot snapshot;
        final List<JournalEntry> journal = new ArrayList<>();
        final Map<String, Map<String, Object>> configs = new LinkedHashMap<>();
        final Map<String, List<ResultRow>> rows = new LinkedHashMap<>();
        final Map<String, StringBuilder> errors = new LinkedHashMap<>();
    }

    private final Records records;
    private final boolean ownsDir;
    /** True: every record goes through JSON (the default); false: kept as given ({@link #lean()}). */
    private final boolean copies;
    private volatile IOException injected;
    private volatile boolean closed;

    /** A store with a temporary directory of its own (deleted on close). */
    public MemoryExperimentStore() {
        this(tempDir(), true, new Records(), true);
    }

    /**
     * A store with a temporary directory of its own (deleted on close) that keeps records as given:
     * no JSON round trip per record (see the class comment).
     */
    public static MemoryExperimentStore lean() {
        return new MemoryExperimentStore(tempDir(), true, new Records(), false);
    }

    /** A store whose trial directories and checkpoints go under {@code dir} (created when missing, kept on close). */
    public MemoryExperimentStore(Path dir) {
        this(dir, false, new Records(), true);
    }

    private MemoryExperimentStore(Path dir, boolean ownsDir, Records records, boolean copies) {
        super(dir, Duration.ofMinutes(1), "the memory store");
        this.ownsDir = ownsDir;
        this.copies = copies;
        this.records = records;
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("gale-memory-store");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the memory store's trial files: "
                    + e.getMessage() + " (set java.io.tmpdir to a writable directory)", e);
        }
    }

    /**
     * A new open store with this closed store's records and directory: what a driver restarted in
     * the same JVM would find.
     *
     * @throws IllegalStateException when this store is open, or owned a temporary directory
     *                               (deleted on close: give a directory to reopen)
     */
    public MemoryExperimentStore reopen() {
        if (!closed) throw new IllegalStateException("close the memory store of " + dir() + " before reopening it");
        if (ownsDir) {
            throw new IllegalStateException("the memory store's temporary directory " + dir() + " was deleted on close:"
                    + " create it with new MemoryExperimentStore(dir) to reopen it");
        }
        return new MemoryExperimentStore(dir(), false, records, copies);
    }

    /**
     * Every write taken by the writer thread after this call fails with {@code cause}, which
     * becomes the store's {@link #failure()}, as a full disk would (tests).
     */
    public void failFrom(IOException cause) {
        if (cause == null) throw new IllegalArgumentException("cause is null");
        injected = cause;
    }

    @Override
    String describe() {
        return "the memory store of " + dir();
    }

    private void check() throws IOException {
        IOException e = injected;
        if (e != null) throw e;
    }

    @Override
    boolean keepsConfigMaps() {
        return !copies;
    }

    @Override
    void writeConfigMap(String trialId, Map<String, Object> config) throws IOException {
        check();
        synchronized (records) {
            records.configs.put(trialId, config);
        }
    }

    @Override
    void writeConfig(String trialId, byte[] json) throws IOException {
        check();
        if (copies) Files.createDirectories(trialDir(trialId)); // lean: made when something is written there
        Map<String, Object> config = Json.map(json);
        synchronized (records) {
            records.configs.put(trialId, config);
        }
    }

    @Override
    void writeJournal(JournalEntry entry) throws IOException {
        check();
        JournalEntry copy = copies ? Json.MAPPER.readValue(Json.MAPPER.writeValueAsBytes(entry), JournalEntry.class) : entry;
        synchronized (records) {
            records.journal.add(copy);
        }
    }

    @Override
    void writeRow(String trialId, ResultRow row) throws IOException {
        check();
        ResultRow copy = copies ? ResultRow.fromMap(trialId, Json.map(Json.MAPPER.writeValueAsBytes(row.toMap()))) : row;
        synchronized (records) {
            records.rows.computeIfAbsent(trialId, k -> new ArrayList<>()).add(copy);
        }
    }

    @Override
    void writeError(String trialId, String block) throws IOException {
        check();
        synchronized (records) {
            records.errors.computeIfAbsent(trialId, k -> new StringBuilder()).append(block);
        }
    }

    @Override
    void closeTrial(String trialId) throws IOException {
        check();
    }

    @Override
    void flushRows() throws IOException {
        check();
    }

    @Override
    void writeSnapshot(ExperimentSnapshot snapshot) throws IOException {
        check();
        ExperimentSnapshot copy = copies ? Json.MAPPER.readValue(Json.MAPPER.writeValueAsBytes(snapshot), ExperimentSnapshot.class)
                : snapshot;
        synchronized (records) {
            records.snapshot = copy;
        }
    }

    @Override
    void closeFiles() {
    }

    @Override
    void afterClose() {
        closed = true;
        if (ownsDir) {
            try {
                CheckpointTransfer.deleteTree(dir());
            } catch (IOException | RuntimeException e) {
                // a temporary directory that cannot be deleted is left to the OS
            }
        }
    }

    @Override
    public ExperimentRecord load() {
        ExperimentSnapshot snapshot;
        List<JournalEntry> journal;
        List<String> ids;
        Map<String, Map<String, Object>> configs;
        Map<String, List<ResultRow>> rows;
        Map<String, String> errors = new LinkedHashMap<>();
        synchronized (records) {
            snapshot = records.snapshot;
            journal = List.copyOf(records.journal);
            ids = new ArrayList<>(records.configs.keySet());
            configs = new LinkedHashMap<>(records.configs);
            rows = new LinkedHashMap<>();
            for (Map.Entry<String, List<ResultRow>> e : records.rows.entrySet()) rows.put(e.getKey(), List.copyOf(e.getValue()));
            for (Map.Entry<String, StringBuilder> e : records.errors.entrySet()) errors.put(e.getKey(), e.getValue().toString());
        }
        Path name = dir().getFileName();
        try {
            return RecordAssembler.assemble(name == null ? "" : name.toString(), snapshot, journal, ids,
                    new RecordAssembler.TrialFiles() {
                        @Override
                        public Map<String, Object> config(String trialId) {
                            return configs.get(trialId);
                        }

                        @Override
                        public List<ResultRow> rows(String trialId) {
                            return rows.getOrDefault(trialId, List.of());
                        }

                        @Override
                        public String lastError(String trialId) {
                            return ErrorText.lastCause(errors.get(trialId));
                        }
                    });
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(describe() + " holds nothing readable: " + e.getMessage(), e);
        }
    }

    @Override
    public List<ResultRow> results(String trialId) {
        synchronized (records) {
            return List.copyOf(records.rows.getOrDefault(trialId, List.of()));
        }
    }

    @Override
    public String errorText(String trialId) {
        synchronized (records) {
            StringBuilder sb = records.errors.get(trialId);
            return sb == null ? "" : sb.toString();
        }
    }

    /** The journal entries taken so far, in order (what {@code experiment_journal.jsonl} would hold). */
    public List<JournalEntry> journal() {
        synchronized (records) {
            return List.copyOf(records.journal);
        }
    }

    /** The config last recorded for a trial (its {@code params.json}), or null. */
    public Map<String, Object> config(String trialId) {
        synchronized (records) {
            return records.configs.get(trialId);
        }
    }
}
