package dev.gale.tune.internal;

import dev.gale.tune.Isolation;
import dev.gale.tune.search.IndependentDraw;

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
 * @param isolation       where the trial's code runs on the node (null reads as THREAD)
 * @param stopGraceMillis with PROCESS isolation: how long a child asked to stop may take before it is killed
 * @param stopOnGpuMemoryOverBudget end the attempt as failed when it exceeds its GPU-memory budget
 * @param storageToken    the experiment directory's storage marker ({@link CheckpointTransfer}); null
 *                        means the node shares the storage
 * @param draw            how the trial draws its define-by-run parameters where it runs (its
 *                        searcher's {@link IndependentDraw}), or null: each is asked of the controller
 */
public record TrialPayload(String trialId, int attempt, String trainable, Map<String, Object> config, String trialDir,
                           String checkpoint, long iterationOffset, double timeOffset, Isolation isolation,
                           long stopGraceMillis, boolean stopOnGpuMemoryOverBudget, String storageToken, IndependentDraw draw) {
    public TrialPayload {
        if (isolation == null) isolation = Isolation.THREAD;
        if (stopGraceMillis < 0) throw new IllegalArgumentException("stopGraceMillis = " + stopGraceMillis + ": must be >= 0");
    }

    /** A payload that runs in the node's JVM, without a GPU-memory stop. */
    public TrialPayload(String trialId, int attempt, String trainable, Map<String, Object> config, String trialDir,
                        String checkpoint, long iterationOffset, double timeOffset) {
        this(trialId, attempt, trainable, config, trialDir, checkpoint, iterationOffset, timeOffset, Isolation.THREAD,
                dev.gale.tune.RunConfig.DEFAULT_STOP_GRACE.toMillis(), false, null, null);
    }

    /** This payload with another config (the same values, e.g. a copy as JSON would give them back). */
    public TrialPayload withConfig(Map<String, Object> newConfig) {
        return new TrialPayload(trialId, attempt, trainable, newConfig, trialDir, checkpoint, iterationOffset, timeOffset,
                isolation, stopGraceMillis, stopOnGpuMemoryOverBudget, storageToken, draw);
    }

    /** This payload with another trial directory and checkpoint (where a node without the shared storage keeps them). */
    public TrialPayload withLocalFiles(String localTrialDir, String localCheckpoint) {
        return new TrialPayload(trialId, attempt, trainable, config, localTrialDir, localCheckpoint, iterationOffset, timeOffset,
                isolation, stopGraceMillis, stopOnGpuMemoryOverBudget, null, draw);
    }

    /** This payload with time_total_s continuing from {@code seconds} (a child JVM counts from its node's start of the attempt). */
    public TrialPayload withTimeOffset(double seconds) {
        return new TrialPayload(trialId, attempt, trainable, config, trialDir, checkpoint, iterationOffset, seconds,
                isolation, stopGraceMillis, stopOnGpuMemoryOverBudget, storageToken, draw);
    }
}
