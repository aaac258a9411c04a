package dev.gale.tune.storage.internal;

import dev.gale.tune.storage.ExperimentLayout;
import dev.gale.tune.storage.ExperimentReader;
import dev.gale.tune.storage.ExperimentRecord;
import dev.gale.tune.storage.ExperimentSnapshot;
import dev.gale.tune.storage.ExperimentStore;
import dev.gale.tune.storage.JournalEntry;
import dev.gale.tune.storage.ResultRow;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The experiment directory as an {@link ExperimentStore} (layout: {@link ExperimentLayout}): the
 * default store, and the only one a driver killed with {@code kill -9} can be resumed from.
 *
 * <p>Promises, beyond the durability rules of {@link ExperimentStore}: one writer thread per
 * store; a trial's rows are appended to {@code result.jsonl} and {@code progress.csv} in blocks
 * (its buffer is written with a row that names a checkpoint, past 64 KiB, at {@link #flush()}, {@link #trialClosed}, {@link #close()});
 * journal lines reach the OS before the writer waits for more work (a burst of them in one write),
 * error blocks one by one; snapshots and a changed {@code params.json} are replaced atomically and a failed replacement deletes its temp file; a stale snapshot temp file
 * (from a driver killed while writing) is deleted when a store opens the directory. A file that
 * ends in a torn line (a crash or a full disk) gets a line break before this store appends to it,
 * so the torn line stays a line of its own that readers skip. The columns of {@code progress.csv}
 * are those of its header when it exists (a resumed run), else the first row's. {@link #close()}
 * waits at most the close timeout (5 minutes by default).
 */
public final class FileExperimentStore extends AbstractExperimentStore {
    /** Bytes of buffered text of one trial past which its rows are written. */
    static final int FLUSH_CHARS = 64 * 1024;

    /** Rows of one trial not yet written. */
    private static final class TrialBuffer {
        final StringBuilder jsonl = new StringBuilder(256);
        final StringBuilder csv = new StringBuilder(256);
    }

    // writer thread only
    private final Map<String, TrialBuffer> open = new HashMap<>();
    private final Map<String, List<String>> csvColumns = new HashMap<>();
    private final Set<String> trialDirsReady = new HashSet<>();
    private final Set<Path> tailChecked = new HashSet<>();
    private Writer journal;

    /** A store over {@code dir} (created when missing) with a close timeout of 5 minutes. */
    public FileExperimentStore(Path dir) {
        this(dir, Duration.ofMinutes(5));
    }

    /**
     * A store over {@code dir} (created when missing).
     *
     * @param closeTimeout how long {@link #close()} and {@link #snapshotNow} wait for the disk
     * @throws IllegalArgumentException when the directory cannot be created, naming it
     * @throws IllegalStateException    when it cannot be written (a full disk: its storage marker
     *                                  is the first file written), naming it
     */
    public FileExperimentStore(Path dir, Duration closeTimeout) {
        super(dir, closeTimeout, "the file store");
        whenIdle(this::flushJournal);
        try {
            Files.deleteIfExists(ExperimentLayout.tmpOf(dir.resolve(ExperimentLayout.STATE_FILE)));
        } catch (IOException e) {
            // a leftover of a killed driver that cannot be deleted is ignored by readers
        }
    }

    @Override
    String describe() {
        return "the file store of " + dir();
    }

    private Path trialDirReady(String trialId) throws IOException {
        Path d = trialDir(trialId);
        if (trialDirsReady.add(trialId)) Files.createDirectories(d);
        return d;
    }

    @Override
    void writeConfig(String trialId, byte[] json) throws IOException {
        Path params = trialDirReady(trialId).resolve(ExperimentLayout.PARAMS_FILE);
        if (Files.exists(params)) {
            ExperimentLayout.writeAtomically(params, json); // a changed config replaces the old one whole
        } else {
            Files.write(params, json, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE); // the first: no temp file
        }
    }

    @Override
    void writeJournal(JournalEntry entry) throws IOException {
        if (journal == null) {
            Path file = dir().resolve(ExperimentLayout.JOURNAL_FILE);
            boolean torn = endsTorn(file);
            tailChecked.add(file);
            journal = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            if (torn) journal.write('\n');
        }
        journal.write(Json.MAPPER.writeValueAsString(entry));
        journal.write('\n');
        journalDirty = true; // pushed to the OS when the writer has nothing more queued (see the constructor)
    }

    private boolean journalDirty;

    /** Pushes buffered journal lines to the OS: the writer calls it whenever its queue is empty. */
    private void flushJournal() throws IOException {
        if (journalDirty && journal != null) {
            journal.flush();
            journalDirty = false;
        }
    }

    /** Formats plain rows (writer thread only). */
    private final RowFormat rowFormat = new RowFormat();

    @Override
    void writeRow(String trialId, ResultRow row) throws IOException {
        boolean plain = RowFormat.plain(row); // the common case: written without building the row's map
        Map<String, Object> m = plain ? null : row.toMap();
        TrialBuffer b = open.get(trialId);
        if (b == null) {
            b = new TrialBuffer();
            open.put(trialId, b);
        }
        List<String> columns = csvColumns.get(trialId);
        if (columns == null) {
            Path csv = trialDirReady(trialId).resolve(ExperimentLayout.PROGRESS_FILE);
            columns = Csv.header(csv);
            if (columns == null) {
                columns = new ArrayList<>((m != null ? m : row.toMap()).keySet());
                Csv.appendRow(b.csv, columns);
            }
            csvColumns.put(trialId, columns);
        }
        if (plain) {
            rowFormat.json(b.jsonl, row);
            rowFormat.csv(b.csv, row, columns, b.jsonl);
            b.jsonl.append('\n');
        } else {
            b.jsonl.append(Json.MAPPER.writeValueAsString(m)).append('\n');
            for (int i = 0, n = columns.size(); i < n; i++) {
                if (i > 0) b.csv.append(',');
                Object v = m.get(columns.get(i));
                if (v != null) b.csv.append(Csv.cell(v instanceof Map || v instanceof List ? Json.MAPPER.writeValueAsString(v) : v.toString()));
            }
        }
        b.csv.append('\n');
        // a row that names a checkpoint goes out with it: the checkpoint is on disk already, and a resume
        // from it must find the rows up to it (a disk that fills, or a kill, must not leave one without the other)
        if (row.checkpoint() != null || b.jsonl.length() + b.csv.length() > FLUSH_CHARS) write(trialId, b);
    }

    private void write(String trialId, TrialBuffer b) throws IOException {
        Path d = trialDirReady(trialId);
        if (!b.jsonl.isEmpty()) {
            append(d.resolve(ExperimentLayout.RESULT_FILE), b.jsonl);
            b.jsonl.setLength(0);
        }
        if (!b.csv.isEmpty()) {
            append(d.resolve(ExperimentLayout.PROGRESS_FILE), b.csv);
            b.csv.setLength(0);
        }
    }

    /** Appends {@code text}; the first time this store appends to {@code file}, after a line break if it ends torn. */
    private void append(Path file, CharSequence text) throws IOException {
        CharSequence out = text;
        if (tailChecked.add(file) && endsTorn(file)) out = "\n" + text;
        Files.writeString(file, out, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** True when {@code file} exists, is not empty and does not end with a line break. */
    static boolean endsTorn(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return false;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long n = f.length();
            if (n == 0) return false;
            f.seek(n - 1);
            return f.read() != '\n';
        }
    }

    @Override
    void writeError(String trialId, String block) throws IOException {
        append(trialDirReady(trialId).resolve(ExperimentLayout.ERROR_FILE), block);
    }

    @Override
    void closeTrial(String trialId) throws IOException {
        TrialBuffer b = open.remove(trialId);
        if (b != null) write(trialId, b);
    }

    @Override
    void flushRows() throws IOException {
        for (Map.Entry<String, TrialBuffer> e : open.entrySet()) write(e.getKey(), e.getValue());
    }

    @Override
    void writeSnapshot(ExperimentSnapshot snapshot) throws IOException {
        byte[] bytes = snapshot.trials().size() > Json.PRETTY_LIMIT ? Json.MAPPER.writeValueAsBytes(snapshot)
                : Json.PRETTY.writeValueAsBytes(snapshot);
        ExperimentLayout.writeAtomically(dir().resolve(ExperimentLayout.STATE_FILE), bytes);
    }

    @Override
    void closeFiles() {
        open.clear();
        if (journal != null) {
            try {
                journal.close();
            } catch (IOException e) {
                fail(e);
            }
            journal = null;
        }
    }

    @Override
    public ExperimentRecord load() {
        return ExperimentReader.read(dir());
    }

    @Override
    public List<ResultRow> results(String trialId) {
        return ExperimentReader.results(trialDir(trialId));
    }

    @Override
    public String errorText(String trialId) {
        return ExperimentReader.errorText(trialDir(trialId));
    }
}
