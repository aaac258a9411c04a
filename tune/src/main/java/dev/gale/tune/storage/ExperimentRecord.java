package dev.gale.tune.storage;

import java.util.List;

/**
 * An experiment as recorded, read back: the newest snapshot with the journal entries written
 * after it applied (each trial's newest state), and the trials the journal or the trial
 * directories know that the snapshot does not (created after it).
 *
 * <p>Promises: lists are never null; every id in {@code createdAfterSnapshot} and
 * {@code endedAfterSnapshot} is a trial of {@code snapshot}.
 *
 * @param snapshot    the corrected snapshot: its trials are the snapshot's, each replaced by its
 *                    newest journal state, followed by the trials created after the snapshot in
 *                    creation order; {@code journalSeq} is the newest sequence number recorded (a
 *                    resumed run numbers its entries from the next one)
 * @param hasSnapshot false when no snapshot was ever written (the experiment was killed or ran out
 *                    of disk before its first one): {@code snapshot} is then built from the journal
 *                    and the trial directories alone, without metric, searcher or scheduler state
 * @param createdAfterSnapshot ids of trials the saved searcher state does not know (created after
 *                    the snapshot; every trial when there is no snapshot): a restore suggests them anew
 * @param endedAfterSnapshot ids of trials that ended (TERMINATED or ERROR) according to the journal
 *                    but not to the snapshot: the saved searcher and scheduler state does not include
 *                    their end, so a restore tells them
 */
public record ExperimentRecord(ExperimentSnapshot snapshot, boolean hasSnapshot, List<String> createdAfterSnapshot,
                               List<String> endedAfterSnapshot) {
    public ExperimentRecord {
        if (snapshot == null) throw new IllegalArgumentException("snapshot is null");
        createdAfterSnapshot = createdAfterSnapshot == null ? List.of() : List.copyOf(createdAfterSnapshot);
        endedAfterSnapshot = endedAfterSnapshot == null ? List.of() : List.copyOf(endedAfterSnapshot);
    }

    /** A record in which no trial ended after the snapshot. */
    public ExperimentRecord(ExperimentSnapshot snapshot, boolean hasSnapshot, List<String> createdAfterSnapshot) {
        this(snapshot, hasSnapshot, createdAfterSnapshot, List.of());
    }

    /** True when the snapshot says the experiment ran to its end. */
    public boolean finished() {
        return hasSnapshot && snapshot.finished();
    }
}
