package dev.gale.tune.callback;

import dev.gale.tune.Checkpoint;
import dev.gale.tune.Result;

/**
 * Hooks into an experiment's life, as Ray Tune's {@code Callback}: register instances with
 * {@code RunConfig.withCallbacks(...)}, or list a class (public, no-argument constructor) in
 * {@code META-INF/services/dev.gale.tune.callback.Callback} to have it added to every experiment.
 *
 * <p>Promises:
 * <ul>
 *   <li>Methods are called <b>off the controller's thread</b>, one at a time, in the order the
 *       events happened, on one dispatcher thread per experiment shared by its callbacks: a slow
 *       callback delays the callbacks after it, never a trial.</li>
 *   <li>Between the controller and that thread is a bounded queue
 *       ({@code RunConfig.callbackQueueSize}, default 10,000 events). When it is full,
 *       {@link #onTrialResult} events are <b>dropped</b> (counted, and logged once at the end with
 *       the count): a callback that needs every row reads the trial's {@code result.jsonl}. Every
 *       other event (starts, checkpoints, completions, errors, status changes, experiment start and
 *       end) is always delivered.</li>
 *   <li>A callback that throws is logged once with the exception and gets no further events; the
 *       experiment and the other callbacks go on.</li>
 *   <li>{@link #onExperimentEnd} is the last call, made before {@code Tuner.fit()} returns or
 *       throws (also when the experiment is interrupted or aborted).</li>
 * </ul>
 * Every method has an empty default: implement what you need.
 */
public interface Callback {
    /** The experiment starts (or resumes: {@link ExperimentInfo#resumed()}). */
    default void onExperimentStart(ExperimentInfo experiment) {
    }

    /** An attempt of a trial starts running on its node (the first run, a retry, a resume after a pause). */
    default void onTrialStart(TrialInfo trial) {
    }

    /** A trial reported a result (dropped when the queue is full, see the class comment). */
    default void onTrialResult(TrialInfo trial, Result result) {
    }

    /** A trial reported a checkpoint, now stored in its trial directory, with {@code result}. */
    default void onCheckpoint(TrialInfo trial, Checkpoint checkpoint, Result result) {
    }

    /** A trial ended normally (TERMINATED): it returned, or a scheduler or stopper stopped it. */
    default void onTrialComplete(TrialInfo trial) {
    }

    /** A trial ended in ERROR ({@code error}: the cause's first line), its retries used up. */
    default void onTrialError(TrialInfo trial, String error) {
    }

    /**
     * A trial's status changed (called after the specific event above, when there is one, and
     * also for PAUSED, PENDING again, INTERRUPTED and failed attempts that will be retried).
     */
    default void onTrialStatus(TrialInfo trial) {
    }

    /** The experiment ended: finished, interrupted or aborted (see {@link ExperimentEnd}). */
    default void onExperimentEnd(ExperimentEnd end) {
    }
}
