package dev.gale.tune.internal;

import dev.gale.cluster.Lease;
import dev.gale.tune.Result;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.schedulers.Decision;

import java.util.Map;

/**
 * The controller's mutable view of one trial. Confined to the controller actor. Its
 * {@link #status} is changed by {@link TrialLifecycle} only.
 */
final class TrialRecord {
    final String id;
    /** The current configuration (define-by-run parameters and PBT exploits change it). */
    Map<String, Object> config;
    TrialStatus status = TrialStatus.PENDING;
    int attempt;
    int failures;
    /** Runs started (attempts and resumes after a pause); names the current run's work. */
    int runs;
    String workId;
    Lease lease;
    /** The node of the current or last run (kept after the lease is gone, for callbacks). */
    String nodeId;
    String gpus;
    Result last;
    Result best;
    /** Result carrying the checkpoint to resume from, and that checkpoint's directory (relative to the trial directory, or absolute for a PBT donor's). */
    Result checkpointResult;
    String checkpoint;
    /** A checkpoint of another trial this one starts from (pinned against retention): "trial/name". */
    String borrowedCheckpoint;
    /** A pending exploit: applied when the trial's current run has ended. */
    Decision.Exploit exploit;
    boolean stopRequested;
    boolean pauseRequested;
    /** The ResourceManager asked to move it (its node is being emptied): it stops and resumes elsewhere from its checkpoint. */
    boolean moveRequested;
    /** The experiment is being interrupted: the run ends INTERRUPTED, not by its own outcome. */
    boolean interruptRequested;
    /** A validation error that ends the trial in ERROR once its thread has stopped. */
    String failOnEnd;
    String error;
    /** Per-trial attributes of the searcher (e.g. which sampler suggested it), added to every result row. */
    Map<String, Object> attributes = Map.of();

    /** {@link dev.gale.tune.ResultGrid#flatten} of {@link #last}, {@link #best}, {@link #checkpointResult}, kept while they are unchanged. */
    final FlatResult lastFlat = new FlatResult();
    final FlatResult bestFlat = new FlatResult();
    final FlatResult checkpointFlat = new FlatResult();

    /**
     * A result's flattened map, computed again only when the result changes: every journal entry,
     * snapshot and summary of a trial shows its last, best and checkpoint results flattened.
     * Results and their flattened maps are immutable, so a reader on another thread at worst
     * computes one again.
     */
    static final class FlatResult {
        private record Memo(Result of, Map<String, Object> flat) {
        }

        private volatile Memo memo;

        Map<String, Object> of(Result r) {
            Memo m = memo;
            if (m == null || m.of() != r) {
                m = new Memo(r, dev.gale.tune.ResultGrid.flatten(r));
                memo = m;
            }
            return m.flat();
        }
    }

    TrialRecord(String id, Map<String, Object> config) {
        this.id = id;
        this.config = config;
    }

    /**
     * The checkpoint this trial would resume from, as "trial/name" of the trial that wrote it: the
     * one it borrowed at an exploit until it writes one of its own, else its own latest; null
     * when it has none.
     */
    String resumeCheckpointRef() {
        if (borrowedCheckpoint != null) return borrowedCheckpoint;
        return checkpoint == null ? null : id + "/" + checkpoint;
    }
}
