package dev.gale.tune.callback;

import dev.gale.tune.TrialStatus;

import java.nio.file.Path;
import java.util.Map;

/**
 * A trial as a {@link Callback} sees it at one event: an immutable copy, safe to keep.
 *
 * @param trialId  the trial's id
 * @param status   its status after the event
 * @param config   its configuration (unmodifiable)
 * @param attempt  the attempt (0 for the first run, n after n failed attempts)
 * @param failures failed attempts so far
 * @param trialDir its directory
 * @param nodeId   the node its current or last attempt ran on (null before it first ran)
 * @param gpus     the GPU indexes of that attempt's lease, comma separated (empty for none)
 * @param error    the first line of the last failure, else null
 */
public record TrialInfo(String trialId, TrialStatus status, Map<String, Object> config, int attempt, int failures,
                        Path trialDir, String nodeId, String gpus, String error) {
    public TrialInfo {
        config = config == null ? Map.of() : config;
        gpus = gpus == null ? "" : gpus;
    }
}
