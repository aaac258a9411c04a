package dev.gale.tune.schedulers;

import dev.gale.tune.Mode;
import dev.gale.tune.Result;

/**
 * Decides, result by result, whether running trials continue, stop early, or pause.
 *
 * <p>Contract: called only from the controller's thread, in event order, so implementations
 * need no locks. {@link #setup} is called once first; the metric and mode are the TuneConfig's
 * unless the scheduler was built with its own. Results of one trial arrive in iteration order.
 * {@link #save()} / {@link #restore(Object)} work as for searchers.
 */
public interface TrialScheduler {

    /** Called once before any trial; {@code metric} may be null when the TuneConfig has none. */
    void setup(String metric, Mode mode);

    /** A trial was created. */
    default void onTrialAdd(String trialId) {
    }

    /** A trial's configuration: when it is created and each time an {@link Decision.Exploit} replaced it. */
    default void onTrialConfig(String trialId, java.util.Map<String, Object> config) {
    }

    /** A result of a running trial; returns what the trial should do next. */
    Decision onTrialResult(String trialId, Result result);

    /**
     * Whether a trial that reported {@code result} has used the whole budget this scheduler gives
     * one trial (Hyperband's and ASHA's {@code maxT}), so that a {@link Decision.Stop} decided on
     * it ends a finished trial rather than one stopped early. The {@code Tuner} stops such a trial
     * either way; the define-by-run {@code Study} instead lets its objective run on and return its
     * value (as Optuna's pruners never prune at the maximum resource), so the trial completes
     * instead of ending pruned. Default false.
     */
    default boolean budgetExhausted(Result result) {
        return false;
    }

    /** A trial ended normally (finished or stopped), with its last result (null if none). */
    default void onTrialComplete(String trialId, Result last) {
    }

    /** A trial ended in ERROR or is being retried. */
    default void onTrialError(String trialId) {
    }

    /**
     * Decides what happens to paused trials: which to resume now and which to end (TERMINATED).
     * Called with every paused trial, in the order they paused, each time a trial pauses or ends.
     * Trials in neither list stay paused. The default resumes every paused trial at once, which
     * suits schedulers that pause only to free resources for a while; synchronous schedulers
     * (Hyperband) resume the trials they promote and end the rest. When nothing runs and nothing
     * can start, trials that would stay paused forever are ended.
     *
     * @param paused ids of the paused trials
     * @param idle   true when no trial runs or waits to start and the searcher has no more
     *               configurations: whatever is paused now is all there will be
     */
    default PausedPlan planPaused(java.util.List<String> paused, boolean idle) {
        return new PausedPlan(paused, java.util.List.of());
    }

    /**
     * The answer of {@link #planPaused}.
     *
     * @param resume trials to resume (from their last checkpoint)
     * @param stop   trials to end TERMINATED
     */
    record PausedPlan(java.util.List<String> resume, java.util.List<String> stop) {
        public PausedPlan {
            resume = java.util.List.copyOf(resume);
            stop = java.util.List.copyOf(stop);
        }
    }

    /** A JSON-serializable snapshot of the scheduler's state. */
    default Object save() {
        return java.util.Map.of();
    }

    /** Restores a snapshot taken by {@link #save()}. */
    default void restore(Object state) {
    }

    /** Short name for logs and tables. */
    default String name() {
        return getClass().getSimpleName();
    }
}
