package dev.gale.train;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of {@link DataParallelTrainer#fit()}.
 *
 * @param metrics     rank 0's last reported metrics (empty when it reported none)
 * @param checkpoint  the last checkpoint rank 0 reported, in the run directory
 * @param errors      each failed rank's error in the last attempt (rank to message); empty on success
 * @param failures    how many attempts failed (and were restarted, or ended the run)
 * @param worldSize   the workers of the last attempt
 * @param stopped     true when the group was stopped (by tune's scheduler) rather than finishing
 * @param history     every metrics map rank 0 reported, over all attempts, in order
 * @param failureCauses the cause of each failed attempt, in order (its size is {@code failures})
 */
public record TrainResult(Map<String, Object> metrics, Optional<Path> checkpoint, Map<Integer, String> errors,
                          int failures, int worldSize, boolean stopped, List<Map<String, Object>> history,
                          List<String> failureCauses) {
    public TrainResult {
        metrics = Map.copyOf(metrics);
        errors = Map.copyOf(errors);
        history = List.copyOf(history);
        failureCauses = List.copyOf(failureCauses);
    }

    /** True when the last attempt ended without error. */
    public boolean ok() {
        return errors.isEmpty();
    }
}
