package dev.gale.tune.internal;

/**
 * What a running trial's context offers the define-by-run API: parameters asked of the
 * controller's searcher, and reports that wait for the scheduler's answer.
 */
public interface DefineByRun {
    /** Asks the controller for parameter {@code name}; blocks until it answers. */
    Object parameter(String name, ParamMessages.ParamSpec spec);

    /** Waits until every result reported so far has been answered (so {@code shouldStop} is current). */
    void awaitAcknowledged();
}
