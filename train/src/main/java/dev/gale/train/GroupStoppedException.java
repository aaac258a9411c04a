package dev.gale.train;

/** Thrown by {@link TrainContext#report} when the group was told to stop (for example by ASHA): let it propagate. */
public final class GroupStoppedException extends RuntimeException {
    public GroupStoppedException(String message) {
        super(message);
    }
}
