package dev.gale.tune.internal;

import java.util.Map;

/**
 * One {@code report} as it travels from a trial to the controller.
 *
 * @param iteration  training_iteration
 * @param timeTotalS time_total_s
 * @param timestamp  epoch millis
 * @param metrics    the user's metrics
 * @param checkpoint name of the checkpoint directory written in the trial directory, or null
 */
public record ReportedResult(long iteration, double timeTotalS, long timestamp, Map<String, Object> metrics,
                             String checkpoint) {
}
