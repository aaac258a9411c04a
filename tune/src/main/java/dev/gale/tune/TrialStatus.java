package dev.gale.tune;

/**
 * The life of a trial: PENDING → RUNNING → (PAUSED → PENDING) → TERMINATED | ERROR, and
 * RUNNING → INTERRUPTED when the driver stops (Ctrl-C, SIGTERM, a full disk) before the trial
 * ended; an interrupted trial is not finished: a resumed experiment runs it on from its last
 * checkpoint (INTERRUPTED → PENDING). {@link #canMoveTo} is the one place that says which
 * transitions are legal.
 */
public enum TrialStatus {
    PENDING, RUNNING, PAUSED, TERMINATED, ERROR,
    /** Cut short by the driver stopping (not by the trial, a scheduler or a stopper); resumable. */
    INTERRUPTED;

    /** True when a trial in this state may move to {@code next}. */
    public boolean canMoveTo(TrialStatus next) {
        return switch (this) {
            case PENDING -> next == RUNNING || next == TERMINATED || next == ERROR;
            // RUNNING -> PENDING happens when a failed trial is queued for a retry
            case RUNNING -> next == PAUSED || next == TERMINATED || next == ERROR || next == PENDING || next == INTERRUPTED;
            case PAUSED -> next == PENDING || next == TERMINATED || next == ERROR;
            case INTERRUPTED -> next == PENDING;
            case TERMINATED, ERROR -> false;
        };
    }

    /** True for TERMINATED and ERROR. */
    public boolean isFinished() {
        return this == TERMINATED || this == ERROR;
    }
}
