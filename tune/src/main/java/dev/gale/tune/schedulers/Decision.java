package dev.gale.tune.schedulers;

/** What a {@link TrialScheduler} decides about a running trial after one of its results. */
public sealed interface Decision {
    /** Keep training. */
    record Continue() implements Decision {
    }

    /** Stop the trial now; it ends TERMINATED (not an error). */
    record Stop() implements Decision {
    }

    /** Pause the trial: it releases its lease and is resumed later from its last checkpoint. */
    record Pause() implements Decision {
    }

    Decision CONTINUE = new Continue();
    Decision STOP = new Stop();
    Decision PAUSE = new Pause();
}
