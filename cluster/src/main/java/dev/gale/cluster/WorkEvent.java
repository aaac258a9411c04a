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
     */
    record Failed(String workId, String leaseId, String error, String stackTrace) implements WorkEvent {
    }
}
