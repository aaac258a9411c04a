package dev.gale.tune.storage;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.gale.tune.TrialStatus;

import java.util.Map;

/**
 * One trial as recorded in an {@link ExperimentSnapshot} and in each {@link JournalEntry}: its
 * whole state after the last change, so that the newest record of a trial is enough to rebuild it.
 *
 * <p>Promises: valid on construction (an id, a status); maps are never null (empty when absent).
 * Results are flattened (the user's metrics plus {@code training_iteration}, {@code time_total_s},
 * {@code timestamp}). The JSON field names are those of experiment directories written since
 * Gale 0.1 ({@code trial_id}, {@code last_result}, ...), so older directories read the same.
 *
 * @param trialId          the trial's id ({@code trial_00001})
 * @param status           its status after the change
 * @param config           its configuration (nested maps as sampled; grows in define-by-run)
 * @param attempts         runs started so far, counting the first (1 + retries)
 * @param failures         failed attempts so far
 * @param lastResult       its last result (empty when none)
 * @param bestResult       its best result by the experiment's metric and mode (empty when none)
 * @param checkpoint       the directory name, inside the trial directory, of the checkpoint it
 *                         resumes from ({@code checkpoint_000012}), or null
 * @param checkpointResult the result reported with that checkpoint (empty when none)
 * @param error            the first line of the cause when it ended in ERROR (or of the last
 *                         failed attempt's), else null
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonIgnoreProperties(ignoreUnknown = true)
public record TrialSnapshot(@JsonProperty("trial_id") String trialId,
                            @JsonProperty("status") TrialStatus status,
                            @JsonProperty("config") Map<String, Object> config,
                            @JsonProperty("attempts") int attempts,
                            @JsonProperty("failures") int failures,
                            @JsonProperty("last_result") Map<String, Object> lastResult,
                            @JsonProperty("best_result") Map<String, Object> bestResult,
                            @JsonProperty("checkpoint") String checkpoint,
                            @JsonProperty("checkpoint_result") Map<String, Object> checkpointResult,
                            @JsonProperty("error") String error) {
    public TrialSnapshot {
        if (trialId == null || trialId.isBlank()) throw new IllegalArgumentException("trial_id is blank");
        if (status == null) throw new IllegalArgumentException("trial " + trialId + ": status is missing");
        config = config == null ? Map.of() : config;
        lastResult = lastResult == null ? Map.of() : lastResult;
        bestResult = bestResult == null ? Map.of() : bestResult;
        checkpointResult = checkpointResult == null ? Map.of() : checkpointResult;
        if (attempts < 1) attempts = 1;
        if (failures < 0) throw new IllegalArgumentException("trial " + trialId + ": failures = " + failures);
    }

    /** This record with another status. */
    public TrialSnapshot withStatus(TrialStatus s) {
        return new TrialSnapshot(trialId, s, config, attempts, failures, lastResult, bestResult, checkpoint, checkpointResult, error);
    }
}
