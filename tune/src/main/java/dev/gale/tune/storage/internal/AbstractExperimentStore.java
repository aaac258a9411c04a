package dev.gale.tune.storage.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.gale.tune.internal.CheckpointTransfer;
import dev.gale.tune.storage.ExperimentSnapshot;
import dev.gale.tune.storage.ExperimentStore;
import dev.gale.tune.storage.JournalEntry;
import dev.gale.tune.storage.ResultRow;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What every store shares: the writer thread and its failure rule, argument checks made on the
 * caller's thread, snapshot skipping, and checkpoints (always directories on disk, since
 * trainables write files). Subclasses say where records go; their {@code write*} methods run on
 * the writer thread only, in call order.
 */
abstract class AbstractExperimentStore implements ExperimentStore {
    private final Path dir;
    private final String token;
    private final Duration closeTimeout;
    private final StoreWriter writer;
    private final AtomicBoolean snapshotIdle = new AtomicBoolean(true);
    private final AtomicBoolean closing = new AtomicBoolean();
    /** Checkpoints arriving in chunks, by trial/name (writer thread only). */
    private final Map<String, ByteArrayOutputStream> incoming = new HashMap<>();

    /** Creates {@code dir} and its storage marker; an error names the directory and the fix. */
    AbstractExperimentStore(Path dir, Duration closeTimeout, String kind) {
        if (dir == null) throw new IllegalArgumentException("experiment directory is null");
        if (closeTimeout == null || closeTimeout.isNegative() || closeTimeout.isZero()) {
            throw new IllegalArgumentException("closeTimeout = " + closeTimeout + ": give a positive duration");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create experiment directory " + dir + " (" + e
                    + "): set RunConfig.storagePath to a writable directory", e);
        }
        this.dir = dir;
        this.closeTimeout = closeTimeout;
        this.token = CheckpointTransfer.mark(dir);
        Path name = dir.getFileName();
        this.writer = new StoreWriter(name == null ? "root" : name.toString(), kind + " of " + dir);
    }

    // ------------------------------------------------------------------ what subclasses write

    /** Records the config of a trial (JSON bytes, already checked). */
    /** Sets what pushes out batched journal lines (see {@link StoreWriter#writeBatched}). */
    final void whenIdle(StoreWriter.IoTask task) {
        writer.whenIdle(task);
    }

    abstract void writeConfig(String trialId, byte[] json) throws IOException;

    /**
     * True when this store keeps configs as maps ({@link #writeConfigMap}) rather than as JSON:
     * a config of plain values then skips JSON (other values still go through it, and fail there
     * with its message).
     */
    boolean keepsConfigMaps() {
        return false;
    }

    /** Keeps {@code config}, a {@link PlainJson#copyOf} copy, when {@link #keepsConfigMaps()}. */
    void writeConfigMap(String trialId, Map<String, Object> config) throws IOException {
        throw new IllegalStateException(getClass().getSimpleName() + " keeps configs as JSON");
    }

    abstract void writeJournal(JournalEntry entry) throws IOException;

    abstract void writeRow(String trialId, ResultRow row) throws IOException;

    abstract void writeError(String trialId, String block) throws IOException;

    /** Writes the trial's buffered rows and forgets its buffer. */
    abstract void closeTrial(String trialId) throws IOException;

    /** Writes every buffered row. */
    abstract void flushRows() throws IOException;

    abstract void writeSnapshot(ExperimentSnapshot snapshot) throws IOException;

    /** Closes open files (no more writes follow); runs even after a failure; must not throw. */
    abstract void closeFiles();

    /** Called once after the writer thread stopped (or the close timed out). */
    void afterClose() {
    }

    // ------------------------------------------------------------------ the contract

    @Override
    public final Path dir() {
        return dir;
    }

    @Override
    public final String token() {
        return token;
    }

    @Override
    public final void trialConfig(String trialId, Map<String, Object> config) {
        checkTrialId(trialId);
        if (keepsConfigMaps()) {
            // what the JSON round trip below would give, without writing and parsing it
            Map<String, Object> plain = PlainJson.copyOf(config == null ? Map.of() : config);
            if (plain != null) {
                writer.write(() -> writeConfigMap(trialId, plain));
                return;
            }
        }
        byte[] json;
        try {
            json = Json.PRETTY.writeValueAsBytes(config == null ? Map.of() : config);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("config of " + trialId + " cannot be written as JSON (" + e.getOriginalMessage()
                    + "): use plain values (numbers, strings, booleans, lists, maps)", e);
        }
        writer.write(() -> writeConfig(trialId, json));
    }

    @Override
    public final void journal(JournalEntry entry) {
        if (entry == null) throw new IllegalArgumentException("journal entry is null");
        checkTrialId(entry.trial().trialId());
        writer.writeBatched(() -> writeJournal(entry));
    }

    @Override
    public final void result(String trialId, ResultRow row) {
        if (row == null) throw new IllegalArgumentException("result row of " + trialId + " is null");
        writer.write(() -> writeRow(trialId, row));
    }

    @Override
    public final void trialError(String trialId, int attempt, String text) {
        checkTrialId(trialId);
        String t = text == null ? "" : text;
        String block = "=== attempt " + attempt + " ===\n" + t + (t.endsWith("\n") ? "" : "\n");
        writer.write(() -> writeError(trialId, block));
    }

    @Override
    public final void trialClosed(String trialId) {
        writer.write(() -> closeTrial(trialId));
    }

    @Override
    public final boolean snapshot(Supplier<ExperimentSnapshot> state, boolean force) {
        if (writer.isShutdown()) throw new IllegalStateException(describe() + " is closed: nothing more can be written to it");
        if (force) {
            snapshotIdle.set(false);
        } else if (!snapshotIdle.compareAndSet(true, false)) {
            return false;
        }
        ExperimentSnapshot st;
        try {
            st = state.get();
            if (st == null) throw new IllegalArgumentException("the snapshot supplier returned null");
            writer.always(() -> {
                try {
                    writer.runWrite(() -> writeSnapshot(st));
                } finally {
                    snapshotIdle.set(true);
                }
            });
        } catch (RuntimeException e) {
            snapshotIdle.set(true);
            throw e;
        }
        return true;
    }

    @Override
    public final void snapshotNow(ExperimentSnapshot snapshot) {
        if (snapshot == null) throw new IllegalArgumentException("snapshot is null");
        CompletableFuture<IOException> done = new CompletableFuture<>();
        writer.write(() -> writeSnapshot(snapshot));
        writer.always(() -> done.complete(writer.failure()));
        IOException f;
        try {
            f = done.get(closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot write the experiment directory " + dir + ": the snapshot was not written within "
                    + closeTimeout.toSeconds() + " s (a hung or very slow disk?): fix the storage, then run again", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the first snapshot to " + dir, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        if (f != null) {
            throw new IllegalStateException("cannot write the experiment directory " + dir + ": " + f
                    + " (free space or fix permissions, then run again)", f);
        }
    }

    @Override
    public final void deleteCheckpoint(String trialId, String checkpoint) {
        checkTrialId(trialId);
        checkName(checkpoint, "checkpoint");
        writer.write(() -> CheckpointTransfer.deleteTree(trialDir(trialId).resolve(checkpoint)));
    }

    @Override
    public final void checkpointChunk(String trialId, String name, int seq, boolean last, byte[] data) {
        checkTrialId(trialId);
        checkName(name, "checkpoint");
        byte[] bytes = data == null ? new byte[0] : data;
        writer.write(() -> {
            String key = trialId + "/" + name;
            ByteArrayOutputStream buf = incoming.computeIfAbsent(key, k -> new ByteArrayOutputStream());
            if (seq == 0) buf.reset();
            buf.write(bytes);
            if (last) {
                incoming.remove(key);
                Path d = trialDir(trialId);
                Files.createDirectories(d);
                CheckpointTransfer.unzip(buf.toByteArray(), d.resolve(name));
            }
        });
    }

    @Override
    public final void readCheckpoint(Path checkpoint, ChunkSink sink) {
        Runnable read = () -> {
            List<byte[]> chunks;
            try {
                chunks = CheckpointTransfer.chunks(CheckpointTransfer.zip(checkpoint));
            } catch (IOException | RuntimeException e) {
                sink.failed("cannot read checkpoint " + checkpoint + ": " + e);
                return;
            }
            for (int i = 0; i < chunks.size(); i++) sink.chunk(i, i == chunks.size() - 1, chunks.get(i));
        };
        if (writer.isShutdown()) read.run();
        else writer.always(read);
    }

    @Override
    public final void flush() {
        writer.write(this::flushRows);
    }

    @Override
    public final IOException failure() {
        return writer.failure();
    }

    @Override
    public final void close() {
        if (!closing.compareAndSet(false, true)) return;
        writer.write(this::flushRows);
        writer.always(this::closeFiles);
        if (!writer.shutdown(closeTimeout)) {
            writer.fail(new IOException(describe() + " did not finish writing within " + closeTimeout.toSeconds()
                    + " s (a hung or very slow disk?); what was written so far stays"));
        }
        afterClose();
    }

    @Override
    public final void afterQueued(Consumer<IOException> action) {
        if (writer.isShutdown()) {
            action.accept(writer.failure());
        } else {
            writer.always(() -> action.accept(writer.failure()));
        }
    }

    /** Keeps {@code e} as the failure, as if a write had failed with it (nothing more is written). */
    final void fail(IOException e) {
        writer.fail(e);
    }

    /** "file store of DIR". */
    abstract String describe();

    private static void checkTrialId(String trialId) {
        checkName(trialId, "trial id");
    }

    /** A name used as one path element: not blank, no separator, not {@code .} or {@code ..}. */
    static void checkName(String name, String what) {
        if (name == null || name.isBlank() || name.indexOf('/') >= 0 || name.indexOf('\\') >= 0
                || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException(what + " '" + name + "' is not a plain file name (no '/', not '.' or '..')");
        }
    }
}
