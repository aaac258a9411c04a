package dev.gale.observability.experiment;

/**
 * A decision or event on a trial's learning curve.
 *
 * @param iteration the {@code training_iteration} it happened at (the trial's last result then; 0 before any)
 * @param kind      what happened
 * @param note      a short description (the new config of an exploit, the error's first line), may be empty
 */
public record Marker(long iteration, Kind kind, String note) {
    public Marker {
        if (kind == null) throw new IllegalArgumentException("marker kind is null");
        note = note == null ? "" : note;
    }

    /** What a marker records. */
    public enum Kind {
        /** The scheduler paused the trial (Hyperband, PBT, BOHB). */
        PAUSED,
        /** A paused or interrupted trial was queued to run again. */
        RESUMED,
        /** Its config changed while it ran: a PBT exploit/explore, a define-by-run parameter. */
        CONFIG_CHANGED,
        /** An attempt failed and the trial will be retried from its checkpoint. */
        RETRIED,
        /** It ended before the longest trial's iteration count: stopped early (ASHA, median stopping, a stopper). */
        STOPPED_EARLY,
        /** It ended in ERROR. */
        ERROR,
        /** The driver stopped while it ran. */
        INTERRUPTED
    }
}
