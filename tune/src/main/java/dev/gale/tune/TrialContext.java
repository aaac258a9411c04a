package dev.gale.tune;

import ai.djl.Device;
import dev.gale.gpu.Allocation;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What a running trial sees: its configuration, where to report, where to resume from, and the
 * resources of its lease.
 *
 * <p>Promises: {@link #report} never drops a result: when the driver falls behind, it blocks the
 * trial until the driver catches up. When the scheduler or a stop condition has ended the trial,
 * the next {@code report} throws {@link TrialStoppedException} (let it propagate: the trial ends
 * TERMINATED, not in error); {@link #shouldStop()} answers the same without reporting.
 */
public interface TrialContext {
    /** The trial's id, unique within the experiment (e.g. {@code trial_00007}). */
    String trialId();

    /** The sampled configuration. */
    Config config();

    /** The trial's own directory inside the experiment directory. */
    Path trialDir();

    /** The checkpoint to resume from: the last one reported before a failure, if any. */
    Optional<Checkpoint> checkpoint();

    /** The resources granted to this trial. */
    Allocation resources();

    /** The DJL device of the lease: the first granted GPU, or the CPU. */
    Device device();

    /** Number of this attempt: 0 for the first run, n after n failures. */
    int attempt();

    /**
     * Reports metrics for one iteration: numbers, strings, booleans, and lists and maps of those.
     * The map is copied; the caller may reuse it.
     *
     * @throws TrialStoppedException    when the trial has been stopped (nothing is recorded)
     * @throws IllegalArgumentException when {@code metrics} is null or holds a value of another type
     *                                  (the message names the metric; the result is not counted)
     */
    void report(Map<String, ?> metrics);

    /**
     * Reports metrics together with a checkpoint; the checkpoint's directory is copied into the
     * trial directory (as {@code checkpoint_<iteration>}) before this returns, so the caller may
     * delete or reuse it.
     *
     * @throws TrialStoppedException    when the trial has been stopped (nothing is recorded)
     * @throws IllegalArgumentException as {@link #report(Map)}, or when the checkpoint is not a directory
     */
    void report(Map<String, ?> metrics, Checkpoint checkpoint);

    /** True once the trial has been told to stop. */
    boolean shouldStop();
}
