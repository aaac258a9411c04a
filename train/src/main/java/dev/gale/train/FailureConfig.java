package dev.gale.train;

/**
 * How often a group is restarted after a failure (an exception on any rank, a worker JVM that
 * died, a lost node) before {@code fit()} gives up.
 *
 * @param maxFailures restarts allowed, >= 0 (0: the first failure ends the run)
 */
public record FailureConfig(int maxFailures) {
    /** No restart. */
    public static final FailureConfig NONE = new FailureConfig(0);

    public FailureConfig {
        if (maxFailures < 0) {
            throw new IllegalArgumentException("maxFailures = " + maxFailures + ": must be >= 0 (0: no restart)");
        }
    }
}
