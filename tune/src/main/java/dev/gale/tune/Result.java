package dev.gale.tune;

import java.util.Map;

/**
 * One report of a trial, as the controller, schedulers and searchers see it.
 *
 * <p>Besides the user's {@code metrics}, every result carries the automatic fields Ray Tune users
 * know: {@code training_iteration} (1 for the first report of the trial, counting across retries),
 * {@code time_total_s} (seconds of training since the trial first started) and
 * {@code timestamp} (epoch millis); {@link #metric(String)} answers those names too.
 *
 * @param trialId        the trial
 * @param iteration      training_iteration, starting at 1
 * @param timeTotalS     time_total_s
 * @param timestamp      epoch millis when reported
 * @param metrics        the user's metrics (numbers, strings, booleans, nested maps)
 */
public record Result(String trialId, long iteration, double timeTotalS, long timestamp, Map<String, Object> metrics) {
    /** Name of the automatic iteration counter. */
    public static final String TRAINING_ITERATION = "training_iteration";
    /** Name of the automatic elapsed-time field. */
    public static final String TIME_TOTAL_S = "time_total_s";
    /** Name of the automatic timestamp field. */
    public static final String TIMESTAMP = "timestamp";

    /**
     * The named metric as a double: NaN when absent or not a number. Automatic fields are answered
     * by name; a boolean is 1 or 0.
     */
    public double metric(String name) {
        switch (name) {
            case TRAINING_ITERATION: return iteration;
            case TIME_TOTAL_S: return timeTotalS;
            case TIMESTAMP: return timestamp;
            default:
                Object v = metrics.get(name);
                if (v instanceof Number n) return n.doubleValue();
                if (v instanceof Boolean b) return b ? 1 : 0;
                return Double.NaN;
        }
    }

    /** True when the metric is present (an automatic field, or a key of {@code metrics}). */
    public boolean has(String name) {
        return switch (name) {
            case TRAINING_ITERATION, TIME_TOTAL_S, TIMESTAMP -> true;
            default -> metrics.containsKey(name);
        };
    }
}
