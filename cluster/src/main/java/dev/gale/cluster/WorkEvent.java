package dev.gale.cluster;

/**
 * What a NodeAgent tells the owner of a piece of work about its life: it failed to start, or its
 * {@link Work#run} returned or threw. Work-specific messages (such as a trial's results) travel on
 * the work's own protocol.
 */
public sealed interface WorkEvent extends ClusterMessage {
    /** The id the owner gave the work in its StartWork. */
    String workId();

    /** The lease the work ran under. */
    String leaseId();

    /** {@link Work#run} returned normally. */
    record Finished(String workId, String leaseId) implements WorkEvent {
    }

    /**
     * The work could not be started or {@link Work#run} threw.
     *
     * @param error the exception's class and message
     * @param stackTrace the full stack trace as text
     * @param leaseEnded the ResourceManager had released or revoked the work's lease before the work
     *                   ended (the agent cancelled it) or could start (the agent refused it): the
     *                   owner may not have heard of that yet,
     *                   since the two messages come from different actors, and should treat the
     *                   failure as the lease's loss, not the work's own
     */
    record Failed(String workId, String leaseId, String error, String stackTrace, boolean leaseEnded) implements WorkEvent {
        /** A failure of the work itself. */
        public Failed(String workId, String leaseId, String error, String stackTrace) {
            this(workId, leaseId, error, stackTrace, false);
        }

        /** This failure, marked as coming after the lease ended. */
        public Failed afterLeaseEnded() {
            return new Failed(workId, leaseId, error, stackTrace, true);
        }
    }
}
