package dev.gale.tune;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What is known of one trial when an experiment ends (or is loaded from its directory).
 *
 * @param trialId    the trial's id
 * @param status     its final (or last recorded) status
 * @param config     the sampled configuration
 * @param lastResult its last result: the user's metrics plus {@code training_iteration},
 *                   {@code time_total_s}, {@code timestamp}; empty when it reported nothing
 * @param bestResult its best result by the experiment's metric and mode (empty when none)
 * @param error      the cause when it ended in ERROR (first line), else null
 * @param trialDir   the trial's directory
 * @param checkpoint the directory of its last checkpoint, or null
 * @param attempts   how many times it ran (1 + retries)
 */
public record TrialSummary(String trialId, TrialStatus status, Map<String, Object> config,
                           Map<String, Object> lastResult, Map<String, Object> bestResult, String error,
                           Path trialDir, Path checkpoint, int attempts) {
    public TrialSummary {
        config = config == null ? Map.of() : config;
        lastResult = lastResult == null ? Map.of() : lastResult;
        bestResult = bestResult == null ? Map.of() : bestResult;
    }

    /** The named value of the last result as a double, NaN when absent or not a number. */
    public double metric(String name) {
        return number(lastResult.get(name));
    }

    /** The named value of the best result as a double, NaN when absent. */
    public double bestMetric(String name) {
        return number(bestResult.get(name));
    }

    /** Iterations reported ({@code training_iteration} of the last result, 0 when none). */
    public long iterations() {
        Object v = lastResult.get(Result.TRAINING_ITERATION);
        return v instanceof Number n ? n.longValue() : 0;
    }

    /** The last checkpoint, if any. */
    public Optional<Checkpoint> lastCheckpoint() {
        return checkpoint == null ? Optional.empty() : Optional.of(new Checkpoint(checkpoint));
    }

    /** The config wrapped for typed access. */
    public Config configView() {
        return new Config(config);
    }

    private static double number(Object v) {
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
