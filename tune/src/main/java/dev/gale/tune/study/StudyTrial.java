package dev.gale.tune.study;

import dev.gale.tune.Checkpoint;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One trial of a {@link Study}, as Optuna's {@code Trial}: parameters are asked while the
 * objective runs ({@code suggest*}); intermediate values go to the study's pruner
 * ({@link #report}), which may end the trial ({@link #shouldPrune()}).
 *
 * <p>Promises: asking the same name again returns the first answer (also after a retry from a
 * checkpoint, and when a paused trial is resumed); a name asked with two different domains is an
 * {@link IllegalArgumentException}. Integer bounds are inclusive, as in Optuna.
 *
 * <p><b>Runs, pauses and checkpoints.</b> In {@link Study#optimize} one trial may run the
 * objective more than once: after a failure (up to {@code maxFailures}), when a synchronous pruner
 * (Hyperband, BOHB's) paused it at a rung and later resumes it, and when population-based training
 * restarts it from a better trial's checkpoint with a new configuration (exploit). Each time,
 * {@link #shouldPrune()} is true after the report that decided it: end the objective then, e.g.
 * with {@link #prune()}; the trial is recorded PRUNED only if it is not run again. A later run asks
 * its parameters again and gets the trial's current values (the same ones, or after an exploit the
 * new configuration's), and starts from {@link #lastCheckpoint()}: the state saved with the last
 * {@link #report(long, double, Map)} before it stopped (after an exploit, the donor trial's).
 * Without a checkpoint a later run starts again from its first step, with the same parameters.
 */
public interface StudyTrial {
    /** The trial id. */
    String id();

    /** A float in {@code [low, high)}. */
    double suggestFloat(String name, double low, double high);

    /** A float in {@code [low, high)}, log-uniform when {@code log}. */
    double suggestFloat(String name, double low, double high, boolean log);

    /** A float in {@code [low, high]} on the grid {@code low + k·step}. */
    double suggestFloat(String name, double low, double high, double step);

    /** An int in {@code [low, high]} (inclusive). */
    int suggestInt(String name, int low, int high);

    /** An int in {@code [low, high]} on the grid {@code low + k·step}. */
    int suggestInt(String name, int low, int high, int step);

    /** One of {@code choices}. */
    <T> T suggestCategorical(String name, List<T> choices);

    /** Reports an intermediate value at {@code step}; the pruner answers before this returns. */
    void report(long step, double value);

    /**
     * Reports an intermediate value together with the state to resume from after this step
     * ({@code checkpoint}: JSON values — numbers, strings, booleans, lists, maps), saved as a
     * {@link Checkpoint} in the trial directory before the pruner is asked; a later
     * run of this trial gets it back from {@link #lastCheckpoint()}. Ask-and-tell trials never run
     * again, so they keep only the value.
     */
    void report(long step, double value, Map<String, ?> checkpoint);

    /**
     * As {@link #report(long, double, Map)} with a checkpoint directory (model weights, optimizer
     * state): the directory is copied before this returns, so it may be deleted or reused after;
     * a later run gets the copy from {@link #checkpoint()}.
     */
    void report(long step, double value, Checkpoint checkpoint);

    /**
     * The state this run of the objective resumes from: the map saved with the last
     * {@link #report(long, double, Map)} of this trial before it was paused, failed or stopped
     * for an exploit (after an exploit, the donor trial's). Empty on a trial's first run, when it
     * reported no checkpoint, when its checkpoint is a directory without a map (see
     * {@link #checkpoint()}), and for ask-and-tell trials.
     */
    Optional<Map<String, Object>> lastCheckpoint();

    /** The checkpoint directory this run resumes from (see {@link #lastCheckpoint()}), if any. */
    Optional<Checkpoint> checkpoint();

    /**
     * True when the pruner decided to stop this trial (Optuna: then raise TrialPruned); in
     * {@link Study#optimize} also when it paused the trial or restarts it from another trial's
     * checkpoint (see the class comment): end the objective either way.
     */
    boolean shouldPrune();

    /** Ends the trial as pruned: throws the exception the runtime treats as a normal stop. */
    void prune();

    /** The parameters asked so far. */
    Map<String, Object> params();
}
