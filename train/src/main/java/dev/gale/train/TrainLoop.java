package dev.gale.train;

/**
 * The training function every worker of a group runs, once per worker, in a JVM of its own.
 *
 * <p>Promises of the framework to the loop: {@link #run} is called exactly once per worker and
 * attempt, with a context whose rank, world size, device and collectives are ready (the ring is
 * connected before {@code run} starts). Returning ends this worker normally; throwing fails the
 * whole group (every rank stops; the group restarts from the last checkpoint up to
 * {@link FailureConfig#maxFailures()}).
 *
 * <p>Implementations must be public classes with a public no-argument constructor: workers create
 * them by class name on the node that runs them.
 */
@FunctionalInterface
public interface TrainLoop {
    /** Trains this worker's share. */
    void run(TrainContext ctx) throws Exception;
}
