package dev.gale.tune.internal;

/**
 * How one trial attempt ended on its node.
 *
 * @param stopped true when it was stopped (scheduler, stop condition, cancel) rather than returning
 * @param error   null when it returned or was stopped, else why it failed (first line: the summary)
 * @param stack   details of the failure (a stack trace, or the tail of a child's stderr), or null
 */
record TrialOutcome(boolean stopped, String error, String stack) {
    static TrialOutcome ok() {
        return new TrialOutcome(false, null, null);
    }

    static TrialOutcome wasStopped() {
        return new TrialOutcome(true, null, null);
    }

    static TrialOutcome failed(String error, String stack) {
        return new TrialOutcome(false, error, stack == null ? error : stack);
    }
}
