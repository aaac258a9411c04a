package dev.gale.tune.storage;

import java.util.List;

/**
 * An experiment as recorded, read back: the newest snapshot with the journal entries written
 * after it applied (each trial's newest state), and the trials the journal knows that the
 * snapshot does not (created after it).
 *
 * @param snapshot    the corrected snapshot: its trials are the snapshot's, each replaced by its
 *                    newest journal state, followed by the trials created after the snapshot in
 *                    creation order; {@code journalSeq} is the newest sequence number applied
 * @param hasSnapshot false when no snapshot was ever written (the experiment was killed or ran out
 *                    of disk before its first one): {@code snapshot} is then built from the journal
 *                    alone, without searcher or scheduler state
 * @param createdAfterSnapshot ids of trials the saved searcher state does not know (created after
 *                    the snapshot): a restore suggests them anew
 */
public record ExperimentRecord(ExperimentSnapshot snapshot, boolean hasSnapshot, List<String> createdAfterSnapshot) {
    public ExperimentRecord {
        if (snapshot == null) throw new IllegalArgumentException("snapshot is null");
        createdAfterSnapshot = createdAfterSnapshot == null ? List.of() : List.copyOf(createdAfterSnapshot);
    }
}
