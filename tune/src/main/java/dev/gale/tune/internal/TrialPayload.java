package dev.gale.tune.internal;

import java.util.Map;

/**
 * What the controller sends a node to run one attempt of a trial (as the JSON payload of a
 * StartWork).
 *
 * @param trialId         the trial
 * @param attempt         0 for the first run, n after n failures
 * @param trainable       {@code local:<key>} for an instance registered in this JVM, else a class name
 * @param config          the sampled configuration
 * @param trialDir        the trial directory (shared storage when remote)
 * @param checkpoint      the checkpoint directory to resume from, or null
 * @param iterationOffset training_iteration of that checkpoint (0 without one)
 * @param timeOffset      time_total_s of that checkpoint
 */
public record TrialPayload(String trialId, int attempt, String trainable, Map<String, Object> config, String trialDir,
                           String checkpoint, long iterationOffset, double timeOffset) {
}
