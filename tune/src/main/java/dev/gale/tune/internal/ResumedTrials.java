package dev.gale.tune.internal;

import dev.gale.tune.TrialStatus;

import java.util.LinkedHashMap;

/**
 * Takes over the trials of an interrupted run ({@code Tuner.restore}): finished ones stay finished
 * (those that ended after the saved searcher state are told to the searcher and scheduler now),
 * paused ones wait for the scheduler's plan, and the others run again from their last checkpoint as
 * a new attempt that is not counted as a failure: a trial the driver left RUNNING is first recorded
 * INTERRUPTED (it was cut short), then, like an INTERRUPTED one, PENDING again.
 */
final class ResumedTrials {
    private ResumedTrials() {
    }

    /** Adopts every trial of {@code r} into {@code lifecycle} and queues those to run in {@code source}. */
    static void adopt(ExperimentRestore r, TrialLifecycle lifecycle, TrialSource source) {
        for (ExperimentRestore.TrialState ts : r.trials()) {
            TrialRecord t = new TrialRecord(ts.id(), new LinkedHashMap<>(ts.config()));
            t.attempt = Math.max(0, ts.attempts() - 1);
            t.failures = ts.failures();
            t.checkpoint = ts.checkpoint();
            t.checkpointResult = ts.checkpointResult();
            t.last = ts.last();
            t.best = ts.best();
            t.error = ts.error();
            t.status = ts.status();
            lifecycle.adopt(t, ts.endedAfterSnapshot());
            switch (t.status) {
                case TERMINATED, ERROR -> {
                    // stays finished
                }
                case PAUSED -> source.paused.put(t.id, t);
                case RUNNING, INTERRUPTED, PENDING -> {
                    if (t.status == TrialStatus.RUNNING) lifecycle.interrupted(t);
                    if (t.status == TrialStatus.INTERRUPTED) {
                        t.attempt++;
                        lifecycle.requeued(t);
                    } else {
                        t.attempt++; // a PENDING trial that ran before starts a new attempt too
                    }
                    source.enqueue(t, false);
                }
            }
        }
    }
}
