package dev.gale.tune;

/**
 * Thrown by {@link TrialContext#report} when the trial has been stopped by its scheduler or a stop
 * condition. Trainables should let it propagate; the trial then ends TERMINATED.
 */
public final class TrialStoppedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TrialStoppedException(String trialId) {
        super("trial " + trialId + " was stopped", null, false, false);
    }
}
