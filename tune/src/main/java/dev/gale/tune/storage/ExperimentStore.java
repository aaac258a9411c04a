package dev.gale.tune.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Where an experiment is recorded: trial configs, result rows, the journal of trial transitions
 * and snapshots of the whole experiment. One store has one writer (the experiment's controller);
 * every method returns at once (except {@link #snapshotNow} and {@link #close()}) and the writes
 * happen later, in call order, on the store's own thread, so the controller never waits for the
 * disk. Maps handed to the store must not be changed afterwards (they are written later).
 *
 * <p><b>Durability rules</b> (what a reader sees after the driver is killed with {@code kill -9}
 * at any moment; "written" means handed to the operating system):
 * <ol>
 *   <li>Order: everything is written in call order. In particular a {@link #journal} entry is
 *       written before anything called after it, and a snapshot includes exactly the journal
 *       entries with {@code seq <= journalSeq}.</li>
 *   <li>{@link #trialConfig} (the trial's {@code params.json}) is the first thing written for a
 *       trial, and is rewritten (atomically) when the config changes.</li>
 *   <li>{@link #journal} entries and {@link #trialError} text are written as soon as the writer
 *       thread reaches them, at the latest before it waits for more work (journal lines queued
 *       together go out in one write). A line cut short by a crash is skipped by the reader.</li>
 *   <li>{@link #result} rows are buffered per trial and written with a row that names a checkpoint, else at the latest at the next
 *       {@link #flush()}, {@link #trialClosed}, past 64 KiB of buffered text, or {@link #close()}.
 *       A row is whole or absent (a torn last line is skipped).</li>
 *   <li>{@link #snapshot} replaces the snapshot atomically (temp file, rename): a reader sees the
 *       previous snapshot or the new one, never a torn one. A snapshot that cannot be written
 *       leaves the previous one in place and no temp file behind.</li>
 *   <li>The first I/O failure (a full disk, a read-only directory, a snapshot JSON cannot carry)
 *       is kept and returned by {@link #failure()}; from then on nothing more is written or
 *       deleted (so nothing already written is overwritten by a partial write), and everything
 *       written before stays readable. A store opened later on the same directory (after space
 *       was freed) appends after what is there: a line torn by the failure or a crash stays a
 *       line of its own, which readers skip.</li>
 * </ol>
 *
 * <p>Reading: {@link #load()} returns what a restarted driver would see: the newest snapshot with
 * the journal entries after it applied. Implementations: the experiment directory
 * ({@code FileExperimentStore}, the default) and memory ({@code MemoryExperimentStore}, nothing
 * survives the JVM); both pass {@code ExperimentStoreContract}. Calls after {@link #close()}
 * throw {@link IllegalStateException} (except {@code close}, {@code failure} and the reads).
 */
public interface ExperimentStore extends AutoCloseable {

    /** The experiment directory: trial directories and checkpoints live under it. */
    Path dir();

    /** The directory of one trial (created with the trial's first write). */
    default Path trialDir(String trialId) {
        return dir().resolve(trialId);
    }

    /**
     * The token of the storage marker in {@link #dir()}: a node that reads the same token at the
     * same path shares the storage and writes checkpoints in place.
     */
    String token();

    /**
     * Records a trial's config ({@code params.json}): at its creation and whenever it changes.
     *
     * @throws IllegalArgumentException at once (nothing is recorded) when JSON cannot carry the
     *                                  config, naming the trial and the cause
     */
    void trialConfig(String trialId, Map<String, Object> config);

    /** Appends a transition to the journal (not held back: see the durability rules). */
    void journal(JournalEntry entry);

    /** Appends a result row of a trial (buffered). */
    void result(String trialId, ResultRow row);

    /** Appends the failure of one attempt (its stack trace) to the trial's {@code error.txt}. */
    void trialError(String trialId, int attempt, String text);

    /** Writes the trial's buffered rows: its attempt ended (it may run again later). */
    void trialClosed(String trialId);

    /**
     * Replaces the snapshot with {@code state.get()}, unless the previous snapshot is still being
     * written (then this one is skipped and {@code state} is not called: the caller's next
     * periodic snapshot carries the news, so snapshots never queue up behind a slow disk). A
     * {@code force}d snapshot is always written. {@code state} is called on the caller's thread.
     *
     * @return true when the snapshot was queued
     */
    boolean snapshot(Supplier<ExperimentSnapshot> state, boolean force);

    /**
     * Writes {@code snapshot} before returning (after everything queued before): the first
     * snapshot of a run, so that a run on a disk that is already full, or a directory that cannot
     * be written, fails before any trial starts.
     *
     * @throws IllegalStateException when it cannot be written (or the store failed before), naming
     *                               the directory, the cause and the fix
     */
    void snapshotNow(ExperimentSnapshot snapshot);

    /** Deletes a checkpoint directory of a trial (checkpoint retention); {@code checkpoint} is its name. */
    void deleteCheckpoint(String trialId, String checkpoint);

    /**
     * Receives one chunk of checkpoint {@code name} of a trial from a node that does not share the
     * storage; the last chunk unpacks it (atomically) into the trial directory. Written in call
     * order, so a result naming the checkpoint is written after it.
     */
    void checkpointChunk(String trialId, String name, int seq, boolean last, byte[] data);

    /**
     * Reads checkpoint directory {@code checkpoint} in chunks for a node that does not share the
     * storage, after everything queued before (so a checkpoint still arriving is complete first):
     * {@code sink} gets each chunk, or the error text instead. Runs also after a failure (it only reads).
     */
    void readCheckpoint(Path checkpoint, ChunkSink sink);

    /** Receives a checkpoint read in chunks (on the store's thread). */
    interface ChunkSink {
        /** One chunk; {@code last} is true for the final one. */
        void chunk(int seq, boolean last, byte[] data);

        /** The checkpoint could not be read. */
        void failed(String error);
    }

    /** Writes buffered rows. */
    void flush();

    /** The first I/O failure, or null. */
    IOException failure();

    /**
     * Writes everything queued, closes the files, and waits (a bounded time) until done; when the
     * time is up it returns with {@link #failure()} saying so. Idempotent.
     */
    @Override
    void close();

    /**
     * What this store holds now, as a restarted driver would read it: the newest snapshot with
     * the journal entries after it applied (see {@link ExperimentRecord}).
     *
     * @throws IllegalArgumentException when nothing readable is recorded, naming what is missing
     */
    ExperimentRecord load();

    /** The result rows of a trial in order (torn lines skipped; empty when none). */
    java.util.List<ResultRow> results(String trialId);

    /** The text of a trial's {@code error.txt} (every failed attempt's block), empty when none. */
    String errorText(String trialId);

    /**
     * Calls {@code action} on the writer thread after everything queued before, with the failure
     * so far (or null). Runs also after a failure (tests, flush barriers).
     */
    void afterQueued(Consumer<IOException> action);
}
