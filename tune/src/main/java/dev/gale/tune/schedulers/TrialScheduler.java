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

    /** A result of a running trial; returns what the trial should do next. */
    Decision onTrialResult(String trialId, Result result);

    /** A trial ended normally (finished or stopped), with its last result (null if none). */
    default void onTrialComplete(String trialId, Result last) {
    }

    /** A trial ended in ERROR or is being retried. */
    default void onTrialError(String trialId) {
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
