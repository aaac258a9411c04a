package dev.gale.tune.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The single writer of an experiment directory. Calls return at once; the writes happen in call
 * order on a thread of its own, so the controller never waits for the disk.
 *
 * <p>Layout: {@code experiment_state.json} (snapshot of every trial, the searcher and the
 * scheduler), and per trial {@code <trial>/params.json}, {@code result.jsonl} (one JSON object per
 * result), {@code progress.csv} (same rows; columns fixed by the first result), {@code error.txt}
 * (each failed attempt's stack trace) and {@code checkpoint_NNNNNN/} directories.
 *
 * <p>Durability contract: {@code params.json} is the first file written for a trial; result rows are buffered and reach the OS at the latest when the trial ends, at each
 * {@link #flush()} (the controller flushes every progress tick) and at {@link #close()};
 * {@code error.txt} is written unbuffered; {@code experiment_state.json} is replaced atomically
 * (temp file + rename), so a reader sees the old or the new snapshot, never a torn one. The first
 * I/O failure (a full disk, a read-only directory) is kept and reported by {@link #failure()};
 * nothing written before it is lost.
 */
public final class ExperimentStorage implements AutoCloseable, dev.gale.tune.storage.ExperimentStore {
    /** Name of the snapshot file. */
    public static final String STATE_FILE = "experiment_state.json";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final String token;
    private final ExecutorService writer;
    private final Map<String, TrialFiles> open = new HashMap<>();
    /** Trials whose progress.csv header is known written (by this writer or an earlier run). */
    private final java.util.Set<String> csvStarted = new java.util.HashSet<>();
    private volatile IOException failure;

    /** Rows of one trial not yet written: appended to its files at flush, close, or past 64 KiB. */
    private static final class TrialFiles {
        final StringBuilder jsonl = new StringBuilder(256);
        final StringBuilder csv = new StringBuilder(256);
        List<String> columns;
    }

    private static final int FLUSH_CHARS = 64 * 1024;

    /** Creates the experiment directory; an error names the directory and the fix. */
    public ExperimentStorage(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create experiment directory " + dir + " (" + e
                    + "): set RunConfig.storagePath to a writable directory", e);
        }
        this.token = CheckpointTransfer.mark(dir);
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gale-storage");
            t.setDaemon(true);
            return t;
        });
    }

    /** The experiment directory. */
    public Path dir() {
        return dir;
    }

    /** The token of this directory's storage marker (see {@link CheckpointTransfer}). */
    public String token() {
        return token;
    }

    /** Checkpoints arriving in chunks from nodes without the storage, by trial/name (writer thread only). */
    private final Map<String, java.io.ByteArrayOutputStream> incoming = new HashMap<>();

    /**
     * Appends a chunk of checkpoint {@code name} of a trial sent by a node without the storage;
     * the last chunk unpacks it into the trial directory (atomically: a temporary directory renamed).
     */
    public void checkpointChunk(String trialId, String name, int seq, boolean last, byte[] data) {
        submit(() -> {
            String key = trialId + "/" + name;
            java.io.ByteArrayOutputStream buf = incoming.computeIfAbsent(key, k -> new java.io.ByteArrayOutputStream());
            if (seq == 0) buf.reset();
            buf.write(data);
            if (last) {
                incoming.remove(key);
                Path d = trialDir(trialId);
                Files.createDirectories(d);
                CheckpointTransfer.unzip(buf.toByteArray(), d.resolve(name));
            }
        });
    }

    /**
     * Sends checkpoint directory {@code ckpt} to {@code replyTo} in {@link CheckpointTransfer.Data}
     * chunks, after everything queued before (so a checkpoint still arriving is complete first).
     */
    public void sendCheckpoint(Path ckpt, org.apache.pekko.actor.typed.ActorRef<Object> replyTo) {
        writer.execute(() -> {
            try {
                List<byte[]> chunks = CheckpointTransfer.chunks(CheckpointTransfer.zip(ckpt));
                for (int i = 0; i < chunks.size(); i++) {
                    replyTo.tell(new CheckpointTransfer.Data(i, i == chunks.size() - 1, chunks.get(i), null));
                }
            } catch (IOException | RuntimeException e) {
                replyTo.tell(new CheckpointTransfer.Data(0, true, new byte[0], "cannot read checkpoint " + ckpt + ": " + e));
            }
        });
    }

    /** The directory of a trial. */
    public Path trialDir(String trialId) {
        return dir.resolve(trialId);
    }

    /** The first I/O failure, or null. */
    public IOException failure() {
        return failure;
    }

    private interface IoTask {
        void run() throws IOException;
    }

    private void submit(IoTask task) {
        writer.execute(() -> {
            if (failure != null) return;
            try {
                task.run();
            } catch (IOException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = new IOException(e.getMessage(), e);
            }
        });
    }

    /**
     * Creates the trial directory and writes {@code params.json} (on the writer thread, before
     * anything else of the trial; a checkpoint copied by a runner creates the directory itself).
     */
    public void trialCreated(String trialId, byte[] paramsJson) {
        submit(() -> {
            Path d = trialDir(trialId);
            try {
                Files.createDirectory(d);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // a runner copying a checkpoint got there first
            }
            Files.write(d.resolve("params.json"), paramsJson);
        });
    }

    /** Appends a result row (a flat-ish map of plain values) to the trial's JSONL and CSV files. */
    public void result(String trialId, Map<String, Object> row) {
        submit(() -> {
            TrialFiles f = open.get(trialId);
            if (f == null) {
                f = new TrialFiles();
                f.columns = new ArrayList<>(row.keySet());
                if (csvStarted.add(trialId) && !Files.exists(trialDir(trialId).resolve("progress.csv"))) {
                    for (int i = 0; i < f.columns.size(); i++) {
                        if (i > 0) f.csv.append(',');
                        f.csv.append(csv(f.columns.get(i)));
                    }
                    f.csv.append('\n');
                }
                open.put(trialId, f);
            }
            f.jsonl.append(JSON.writeValueAsString(row)).append('\n');
            for (int i = 0; i < f.columns.size(); i++) {
                if (i > 0) f.csv.append(',');
                Object v = row.get(f.columns.get(i));
                if (v != null) f.csv.append(csv(v instanceof Map || v instanceof List ? JSON.writeValueAsString(v) : v.toString()));
            }
            f.csv.append('\n');
            if (f.jsonl.length() + f.csv.length() > FLUSH_CHARS) write(trialId, f);
        });
    }

    private void write(String trialId, TrialFiles f) throws IOException {
        Path d = trialDir(trialId);
        if (!f.jsonl.isEmpty()) {
            append(d.resolve("result.jsonl"), f.jsonl);
            f.jsonl.setLength(0);
        }
        if (!f.csv.isEmpty()) {
            append(d.resolve("progress.csv"), f.csv);
            f.csv.setLength(0);
        }
    }

    private static void append(Path file, CharSequence text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static String csv(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /**
     * Appends one JSON line to the journal file {@code name} of the experiment directory,
     * unbuffered (it reaches the OS as soon as the writer thread gets to it, so it survives the
     * driver being killed after that).
     */
    public void journal(String name, Map<String, Object> line) {
        submit(() -> {
            java.io.Writer w = journals.get(name);
            if (w == null) {
                w = Files.newBufferedWriter(dir.resolve(name), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                journals.put(name, w);
            }
            w.write(JSON.writeValueAsString(line));
            w.write('\n');
            w.flush();
        });
    }

    /** Open journal files (writer thread only). */
    private final Map<String, java.io.Writer> journals = new HashMap<>();

    /** Appends the failure of one attempt to the trial's {@code error.txt}. */
    public void trialError(String trialId, int attempt, String text) {
        submit(() -> {
            Path d = trialDir(trialId);
            Files.createDirectories(d);
            String block = "=== attempt " + attempt + " ===\n" + text + (text.endsWith("\n") ? "" : "\n");
            Files.writeString(d.resolve("error.txt"), block, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        });
    }

    /** Flushes and closes a trial's files (it has ended or is being retried). */
    public void trialClosed(String trialId) {
        submit(() -> {
            TrialFiles f = open.remove(trialId);
            if (f != null) write(trialId, f);
        });
    }

    /**
     * Replaces {@code experiment_state.json} atomically with {@code state}, unless the previous
     * snapshot is still waiting to be written (then this one is skipped and the caller's next
     * periodic snapshot carries the news): snapshots never pile up behind a slow disk. A
     * {@code force}d snapshot (the final one) is always written.
     *
     * @return true when the snapshot was queued
     */
    public boolean snapshot(java.util.function.Supplier<Object> state, boolean large, boolean force) {
        if (!force && !snapshotIdle.compareAndSet(true, false)) return false;
        if (force) snapshotIdle.set(false);
        Object st = state.get();
        submit(() -> {
            try {
                writeAtomically(dir.resolve(STATE_FILE), (large ? JSON : PRETTY).writeValueAsBytes(st));
            } finally {
                snapshotIdle.set(true);
            }
        });
        return true;
    }

    private final java.util.concurrent.atomic.AtomicBoolean snapshotIdle = new java.util.concurrent.atomic.AtomicBoolean(true);

    /** Writes {@code bytes} to a temp file beside {@code target} and renames it over the target. */
    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Pushes buffered rows to the OS. */
    public void flush() {
        submit(() -> {
            for (Map.Entry<String, TrialFiles> e : open.entrySet()) write(e.getKey(), e.getValue());
        });
    }

    /** Waits until everything submitted is written, then closes all files. */
    @Override
    public void close() {
        submit(() -> {
            for (Map.Entry<String, TrialFiles> e : open.entrySet()) write(e.getKey(), e.getValue());
            open.clear();
            for (java.io.Writer w : journals.values()) w.close();
            journals.clear();
        });
        writer.shutdown();
        try {
            if (!writer.awaitTermination(5, TimeUnit.MINUTES)) {
                throw new UncheckedIOException(new IOException("experiment storage did not finish writing in 5 minutes"));
            }

        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ ExperimentStore (interim adapter)

    private static final ObjectMapper PRETTY_PARAMS = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public void trialConfig(String trialId, Map<String, Object> config) {
        byte[] bytes;
        try {
            bytes = PRETTY_PARAMS.writeValueAsBytes(config);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            bytes = ("{\"error\": \"config cannot be written as JSON\"}").getBytes(StandardCharsets.UTF_8);
        }
        trialCreated(trialId, bytes);
    }

    @Override
    public void journal(dev.gale.tune.storage.JournalEntry e) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("seq", e.seq());
        m.put("time", e.timeMillis());
        m.put("event", e.event().name());
        dev.gale.tune.storage.TrialSnapshot t = e.trial();
        m.put("trial_id", t.trialId());
        m.put("status", t.status().name());
        m.put("config", t.config());
        m.put("attempts", t.attempts());
        m.put("failures", t.failures());
        m.put("last_result", t.lastResult());
        m.put("best_result", t.bestResult());
        m.put("checkpoint", t.checkpoint());
        m.put("checkpoint_result", t.checkpointResult());
        m.put("error", t.error());
        journal(ExperimentRestore.JOURNAL_FILE, m);
    }

    @Override
    public void result(String trialId, dev.gale.tune.storage.ResultRow row) {
        result(trialId, row.toMap());
    }

    @Override
    public boolean snapshot(java.util.function.Supplier<dev.gale.tune.storage.ExperimentSnapshot> state, boolean force) {
        return snapshot(() -> (Object) state.get(), false, force);
    }

    @Override
    public void deleteCheckpoint(String trialId, String checkpoint) {
        submit(() -> TrialRunner.deleteTree(trialDir(trialId).resolve(checkpoint)));
    }

    @Override
    public void readCheckpoint(Path checkpoint, ChunkSink sink) {
        writer.execute(() -> {
            try {
                List<byte[]> chunks = CheckpointTransfer.chunks(CheckpointTransfer.zip(checkpoint));
                for (int i = 0; i < chunks.size(); i++) sink.chunk(i, i == chunks.size() - 1, chunks.get(i));
            } catch (IOException | RuntimeException e) {
                sink.failed("cannot read checkpoint " + checkpoint + ": " + e);
            }
        });
    }

    @Override
    public dev.gale.tune.storage.ExperimentRecord load() {
        throw new IllegalStateException("ExperimentStorage cannot be read back: use ExperimentRestore.load(dir)");
    }

    @Override
    public List<dev.gale.tune.storage.ResultRow> results(String trialId) {
        List<dev.gale.tune.storage.ResultRow> out = new ArrayList<>();
        for (Map<String, Object> m : ExperimentRestore.readJsonl(trialDir(trialId).resolve("result.jsonl"))) {
            out.add(dev.gale.tune.storage.ResultRow.fromMap(trialId, m));
        }
        return out;
    }

    @Override
    public void afterQueued(java.util.function.Consumer<IOException> action) {
        writer.execute(() -> action.accept(failure));
    }
}
