package dev.gale.tune;

/**
 * The life of a trial: PENDING → RUNNING → (PAUSED → PENDING) → TERMINATED | ERROR.
 * {@link #canMoveTo} is the one place that says which transitions are legal.
 */
public enum TrialStatus {
    PENDING, RUNNING, PAUSED, TERMINATED, ERROR;

    /** True when a trial in this state may move to {@code next}. */
    public boolean canMoveTo(TrialStatus next) {
        return switch (this) {
            case PENDING -> next == RUNNING || next == TERMINATED || next == ERROR;
            // RUNNING -> PENDING happens when a failed trial is queued for a retry
            case RUNNING -> next == PAUSED || next == TERMINATED || next == ERROR || next == PENDING;
            case PAUSED -> next == PENDING || next == TERMINATED || next == ERROR;
            case TERMINATED, ERROR -> false;
        };
    }

    /** True for TERMINATED and ERROR. */
    public boolean isFinished() {
        return this == TERMINATED || this == ERROR;
    }
}
