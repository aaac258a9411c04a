package dev.gale.tune.callback;

import dev.gale.tune.TrialSummary;

import java.util.List;

/**
 * How an experiment ended, as {@link Callback#onExperimentEnd} is told.
 *
 * @param experiment what it was
 * @param outcome    how it ended
 * @param reason     why it stopped early (the abort's message, or the signal), null when it finished
 * @param trials     every trial as recorded at the end
 * @param elapsedS   seconds it ran (summed over resumed runs)
 */
public record ExperimentEnd(ExperimentInfo experiment, Outcome outcome, String reason, List<TrialSummary> trials,
                            double elapsedS) {
    public ExperimentEnd {
        trials = List.copyOf(trials);
    }

    /** How an experiment ended. */
    public enum Outcome {
        /** Every trial ended (or the time budget ran out): the experiment is complete. */
        FINISHED,
        /** Stopped by Ctrl-C / SIGTERM: the trials that were running are INTERRUPTED and resumable. */
        INTERRUPTED,
        /** Stopped by an error (a full disk, a searcher or scheduler that threw): resumable once fixed. */
        ABORTED
    }
}
