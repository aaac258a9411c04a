package dev.gale.tune.storage;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The names of the files of an experiment directory, and the one way Gale replaces a file.
 *
 * <pre>
 * experiment_state.json       snapshot of the whole experiment (replaced atomically)
 * experiment_journal.jsonl    one line per trial transition (appended)
 * .gale_storage               storage marker (token; see CheckpointTransfer)
 * .gale_lock                  the owner of the directory while a driver runs (see ExperimentLock)
 * .orphaned/                  trial directories a restore moved aside
 * trial_00001/params.json     the trial's config
 *             result.jsonl    one JSON object per result
 *             progress.csv    the same rows as CSV (columns fixed by the first row)
 *             error.txt       every failed attempt's stack trace
 *             checkpoint_000012/  a checkpoint (complete once renamed from its .tmp)
 * </pre>
 *
 * <p>Promises: the names never change between versions (tools and users read these files).
 */
public final class ExperimentLayout {
    /** The snapshot of the whole experiment. */
    public static final String STATE_FILE = "experiment_state.json";
    /** The journal of trial transitions. */
    public static final String JOURNAL_FILE = "experiment_journal.jsonl";
    /** A trial's config. */
    public static final String PARAMS_FILE = "params.json";
    /** A trial's result rows as JSON lines. */
    public static final String RESULT_FILE = "result.jsonl";
    /** A trial's result rows as CSV. */
    public static final String PROGRESS_FILE = "progress.csv";
    /** A trial's failed attempts. */
    public static final String ERROR_FILE = "error.txt";
    /** The storage marker. */
    public static final String MARKER_FILE = ".gale_storage";
    /** The lock file naming the driver that owns the directory. */
    public static final String LOCK_FILE = ".gale_lock";
    /** Where a restore moves trial directories the saved searcher does not know. */
    public static final String ORPHANED_DIR = ".orphaned";
    /** The suffix of a file or directory being written (never read as complete). */
    public static final String TMP_SUFFIX = ".tmp";

    private ExperimentLayout() {
    }

    /** The temporary sibling a replacement of {@code target} is written to. */
    public static Path tmpOf(Path target) {
        return target.resolveSibling(target.getFileName() + TMP_SUFFIX);
    }

    /**
     * Replaces {@code target} with {@code bytes}: written to a temp file beside it, then renamed
     * over it, so a reader sees the old or the new content, never a torn one. When the write
     * fails (a full disk) the temp file is deleted and the target is left as it was.
     */
    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = tmpOf(target);
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }
}
