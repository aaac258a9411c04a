package dev.gale.train;

/**
 * {@link DataParallelTrainer#fit()} gave up: the group failed more than
 * {@link FailureConfig#maxFailures()} times, or could not be placed at all. The message names the
 * first failing rank (or the shape no node can hold); {@link #result()} has every rank's error.
 */
public final class TrainingFailedException extends RuntimeException {
    private final transient TrainResult result;

    public TrainingFailedException(String message, TrainResult result) {
        super(message);
        this.result = result;
    }

    /** What the run got to: metrics, last checkpoint and each rank's error. */
    public TrainResult result() {
        return result;
    }
}
